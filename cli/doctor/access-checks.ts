import { GetCallerIdentityCommand, type GetCallerIdentityCommandOutput, type STSClient } from '@aws-sdk/client-sts';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { type LocalCloudStatus } from '../../local/cloud/local-cloud';
import { CredentialsUnansweredError, DEFAULT_CHAIN_GIVING, isCredentialsUnanswered } from '../credentials-unanswered';
import { type CheckResult, fail, ok } from './check-result';
import { type DoctorContext } from './doctor-context';
import { isServerFault } from '../server-fault';
import { isThrottledRequest } from '../throttled-request';
import { describeError, errorNameOf } from './sdk-error';
import { HEALTH_DASHBOARD, isRegionUnanswered, REGION_THROTTLED_FIX, REGION_UNANSWERED_FIX, STS_ACTIVATION_PLACE } from './unanswered-region';

/**
 * Group 2: can the doctor reach the environment at all? In AWS: the caller's credentials work
 * (STS GetCallerIdentity) and belong to the environment's account; STS of the DR region answers for a primary region
 * that does not, so that an outage of the primary is not read as bad credentials and the DR checks still run. Locally there are no
 * credentials: the local cloud of the data directory runs and every endpoint answers.
 */

export async function checkCredentials(sts: (region: string) => STSClient, ctx: DoctorContext): Promise<CheckResult> {
  const { account, primaryRegion, drRegion } = ctx.environment;
  // A provider that did not answer (an SSO portal down): `aws sso login` asks that same portal (review r62J F5).
  const credentialsFix = (err: unknown) =>
    err instanceof CredentialsUnansweredError || isCredentialsUnanswered(err)
      ? `use other credentials of account ${account}, such as break-glass keys (${DEFAULT_CHAIN_GIVING}): not \`aws sso login\`, which asks the provider that did not answer (an SSO profile's portal)`
      : `configure credentials of account ${account} (\`aws configure\`, \`aws sso login\`, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)`;
  const noCredentials = (err: unknown) => fail('credentials', `no working AWS credentials: ${describeError(err)}`, credentialsFix(err));
  let identity: GetCallerIdentityCommandOutput;
  let primarySilence = '';
  try {
    identity = await sts(primaryRegion).send(new GetCallerIdentityCommand({}));
  } catch (err) {
    const primaryTrouble = stsTroubleOf(err);
    if (primaryTrouble === undefined) return noCredentials(err);
    // A primary region down is when the doctor matters most (can a failover choose?): ask the DR region's STS instead.
    // A 5xx is the region's fault as much as silence is (review r62T F1: a role's STS answering 503 read as bad
    // credentials), a throttle is the region's load, not the credentials' (review r63A F1), and STS not activated in
    // the region is the account's setting there, not its credentials (review r63H F3).
    try {
      identity = await sts(drRegion).send(new GetCallerIdentityCommand({}));
    } catch (drErr) {
      const drTrouble = stsTroubleOf(drErr);
      if (drTrouble === undefined) {
        if (drErr instanceof CredentialsUnansweredError || isCredentialsUnanswered(drErr)) return noCredentials(drErr);
        // The DR refusal alone read as bad credentials, hiding that the primary never told (review r63A F2): say both.
        return fail('credentials', `${stsFailed(primaryRegion, primaryTrouble, err)}; STS in ${drRegion} refused: ${describeError(drErr)}`, credentialsFix(drErr));
      }
      if (primaryTrouble === 'disabled' || drTrouble === 'disabled') {
        const regions = [
          { region: primaryRegion, trouble: primaryTrouble },
          { region: drRegion, trouble: drTrouble },
        ];
        return fail('credentials', `${stsFailed(primaryRegion, primaryTrouble, err)}; ${stsFailed(drRegion, drTrouble, drErr)}`, activateStsFix(account, regions));
      }
      // Each region said as it failed (review r62U F2: a primary 5xx was said "does not answer", a DR 5xx bad credentials).
      const each = `${regionFailed(primaryRegion, primaryTrouble, err)}; ${regionFailed(drRegion, drTrouble, drErr)}`;
      const throttled = [primaryTrouble, drTrouble].filter((t) => t === 'throttled').length;
      // This machine's network is a suspect only when a region did not answer and none throttled: a fault or a
      // throttle is an answer that came through it (review r63A F6, r63H F4).
      if (throttled === 0 && (primaryTrouble === 'silent' || drTrouble === 'silent')) {
        return fail('credentials', `STS of neither region could tell the credentials (network, or both regions down): ${each}`, `check this machine's network (proxy, VPN, DNS) and ${REGION_UNANSWERED_FIX}`);
      }
      // A throttle clears within a minute, so that is when to ask again; the other region's outage may last longer.
      const fix = throttled === 2 ? REGION_THROTTLED_FIX : throttled === 1 ? `${REGION_THROTTLED_FIX}; if it persists, ${HEALTH_DASHBOARD}` : REGION_UNANSWERED_FIX;
      return fail('credentials', `STS of neither region could tell the credentials: ${each}`, fix);
    }
    primarySilence = ` (read from STS in ${drRegion}: ${stsSaid(primaryTrouble, `the primary region ${primaryRegion}`)}: ${describeError(err)})`;
  }
  if (identity.Account !== account) {
    return fail(
      'credentials',
      `signed in to account ${identity.Account ?? '?'} as ${identity.Arn ?? '?'}, but environment ${ctx.environment.name} is account ${account}${primarySilence}`,
      `use credentials of account ${account} (AWS_PROFILE=<a profile of ${account}>, or \`aws sso login\` into it), or correct environments.account in ${ctx.request.configFile}`,
    );
  }
  return ok('credentials', `account ${account} as ${identity.Arn ?? '?'}${primarySilence}`);
}

/** How a region's STS failed when the region itself is in trouble (its silence, its fault, its load). */
type RegionTrouble = 'silent' | 'fault' | 'throttled';

/** How a region's STS failed when the failure is not the credentials': the region's trouble, or STS not activated there. */
type StsTrouble = RegionTrouble | 'disabled';

const REGION_TROUBLE_WORDS: Record<RegionTrouble, string> = {
  silent: 'did not answer',
  fault: 'answered with a fault of its own',
  throttled: 'throttled the request',
};

/**
 * The region's trouble, or undefined for an answer that speaks of the credentials (a 4xx such as InvalidClientTokenId).
 * A throttle comes as HTTP 400 (STS's `Throttling`), 429 or a 5xx: it is told first, as isServerFault leaves it out.
 * `RegionDisabledException` (HTTP 403) says STS is not activated in that region for the account, which other
 * credentials would not change.
 */
function stsTroubleOf(err: unknown): StsTrouble | undefined {
  if (isThrottledRequest(err)) return 'throttled';
  if (isServerFault(err)) return 'fault';
  if (isRegionUnanswered(err)) return 'silent';
  return errorNameOf(err) === 'RegionDisabledException' ? 'disabled' : undefined;
}

function stsSaid(trouble: StsTrouble, where: string): string {
  return trouble === 'disabled' ? `STS is not activated in ${where}` : `STS in ${where} ${REGION_TROUBLE_WORDS[trouble]}`;
}

function stsFailed(region: string, trouble: StsTrouble, err: unknown): string {
  return `${stsSaid(trouble, region)} (${describeError(err)})`;
}

function regionFailed(region: string, trouble: RegionTrouble, err: unknown): string {
  return `${region} ${REGION_TROUBLE_WORDS[trouble]} (${describeError(err)})`;
}

/** Activating STS in either region lets the doctor tell the credentials; the other region's STS may answer later. */
function activateStsFix(account: string, regions: { region: string; trouble: StsTrouble }[]): string {
  const off = regions.filter((r) => r.trouble === 'disabled').map((r) => r.region);
  const activate = `activate STS in ${off.join(' or ')} for account ${account} (${STS_ACTIVATION_PLACE})`;
  const other = regions.find((r) => r.trouble !== 'disabled');
  if (other === undefined) return activate;
  return `${activate}, or run the doctor again ${other.trouble === 'throttled' ? 'in a minute' : `once STS in ${other.region} answers`}`;
}

/** The local cloud's endpoints when it runs and answers, for the checks that follow. */
export function checkLocalCloud(status: LocalCloudStatus, ctx: DoctorContext): { result: CheckResult; endpoints?: LocalEndpoints; stoppedRegions: string[] } {
  const name = 'local cloud';
  const up = ctx.lifeboat('local up');
  if (status.state === 'stopped' && status.unreadable !== undefined) {
    const file = `${status.dataDir}/cloud.json`;
    return {
      result: fail(name, `${file} is not valid: ${status.unreadable} (is a cloud running? \`${ctx.lifeboat('local status')}\`)`, `if no cloud runs on ${status.dataDir}, remove ${file}, then ${up}`),
      stoppedRegions: [],
    };
  }
  if (status.state === 'stopped') return { result: fail(name, `not running (no cloud.json in ${status.dataDir})`, up), stoppedRegions: [] };
  if (status.state === 'stale' && status.staleReason === 'reused') {
    // The pid is alive, so "gone" would send the user hunting for a cloud that is not there; the program is not the cloud.
    return {
      result: fail(name, `not running: pid ${status.pid ?? '?'} of ${status.dataDir}/cloud.json now belongs to another program (it started after the cloud)`, up),
      stoppedRegions: [],
    };
  }
  if (status.state === 'stale') return { result: fail(name, `not running: pid ${status.pid ?? '?'} of ${status.dataDir}/cloud.json is gone`, up), stoppedRegions: [] };
  // A region stopped with `local region stop` (a simulated outage) is reported by its region check, not as a broken cloud.
  const stoppedRegions = Object.entries(status.regionStates ?? {}).flatMap(([region, state]) => (state === 'stopped' ? [region] : []));
  const silent = status.services.filter((s) => !s.reachable && s.regionState !== 'stopped');
  if (silent.length > 0 || !status.endpoints) {
    const which = silent.map((s) => `${s.service} ${s.region} at ${s.url} (${s.error ?? 'no answer'})`).join(', ');
    return { result: fail(name, `pid ${status.pid ?? '?'} runs but does not answer: ${which}`, `${ctx.lifeboat('local down')} && ${up}`), stoppedRegions };
  }
  const answering = status.services.filter((s) => s.reachable).length;
  return { result: ok(name, `pid ${status.pid ?? '?'} since ${status.startedAt ?? '?'}, ${answering} endpoints answer (data dir ${status.dataDir})`), endpoints: status.endpoints, stoppedRegions };
}
