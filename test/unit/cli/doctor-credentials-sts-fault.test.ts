import { describe, expect, it } from '@jest/globals';
import { GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { checkCredentials } from '../../../cli/doctor/access-checks';
import { type DoctorContext } from '../../../cli/doctor/doctor-context';

/**
 * Review r62T F1: a primary STS answering with a fault of its own side (503 ServiceUnavailable, plausible in a
 * regional outage) was read as bad credentials ("configure credentials … `aws sso login`"), and every DR check was
 * skipped; only silence sent the doctor to the DR region's STS.
 */
const ACCOUNT = '000000000000';
const context = {
  environment: { name: 'dev', account: ACCOUNT, primaryRegion: 'us-east-1', drRegion: 'us-west-2' },
  request: { configFile: 'lifeboat.config.json' },
} as unknown as DoctorContext;

function answering(byRegion: Record<string, () => Promise<unknown>>): (region: string) => STSClient {
  return (region) => {
    const client = new STSClient({ region, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    client.send = (async (command: unknown) => {
      if (!(command instanceof GetCallerIdentityCommand)) throw new Error('only GetCallerIdentity is asked');
      const answer = byRegion[region];
      if (answer === undefined) throw new Error(`no STS in ${region}`);
      return answer();
    }) as STSClient['send'];
    return client;
  };
}

const unavailable = (): Promise<never> =>
  Promise.reject(new STSServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Service unavailable' }));
const denied = (): Promise<never> =>
  Promise.reject(new STSServiceException({ name: 'InvalidClientTokenId', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'The security token included in the request is invalid.' }));
const throttled = (status: number) => (): Promise<never> =>
  Promise.reject(new STSServiceException({ name: 'Throttling', $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: 'Rate exceeded' }));
const regionDisabled = (): Promise<never> =>
  Promise.reject(new STSServiceException({ name: 'RegionDisabledException', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'STS is not activated in this region for account:000000000000.' }));
const silent = (): Promise<never> => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }));
const identity = (): Promise<unknown> => Promise.resolve({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/ops`, $metadata: {} });

describe('the doctor\'s credentials check', () => {
  it('reads the credentials from the DR region\'s STS when the primary\'s answers with a 5xx, and says so', async () => {
    const result = await checkCredentials(answering({ 'us-east-1': unavailable, 'us-west-2': identity }), context);
    expect(result.verdict).toBe('ok');
    expect(result.detail).toMatch(/read from STS in us-west-2: STS in the primary region us-east-1 answered with a fault of its own: ServiceUnavailable \(HTTP 503\)/);
  });

  it('says neither region\'s STS could tell the credentials when both answer with a fault, each as it failed (review r62U F2)', async () => {
    const result = await checkCredentials(answering({ 'us-east-1': unavailable, 'us-west-2': unavailable }), context);
    // Both answered, so the answers came through this machine's network: no hint to check it (review r63A F6).
    expect(result).toEqual({
      name: 'credentials',
      verdict: 'fail',
      detail: 'STS of neither region could tell the credentials: us-east-1 answered with a fault of its own (ServiceUnavailable (HTTP 503): Service unavailable); us-west-2 answered with a fault of its own (ServiceUnavailable (HTTP 503): Service unavailable)',
      fix: 'run the doctor again; if it persists, see the AWS Health Dashboard (https://health.aws.amazon.com/health/status)',
    });
  });

  it.each([400, 503])('reads the credentials from the DR region\'s STS when the primary\'s throttles the request (HTTP %i), and says so (review r63A F1)', async (status) => {
    const result = await checkCredentials(answering({ 'us-east-1': throttled(status), 'us-west-2': identity }), context);
    expect(result.verdict).toBe('ok');
    expect(result.detail).toContain(`(read from STS in us-west-2: STS in the primary region us-east-1 throttled the request: Throttling (HTTP ${status}): Rate exceeded)`);
  });

  // Review r63H F7: HTTP 429 is a throttle under any name (STS's own is `Throttling`), not the credentials' refusal.
  it('reads the credentials from the DR region\'s STS when the primary\'s answers 429 under a name of its own, and says so', async () => {
    const tooMany = (): Promise<never> =>
      Promise.reject(new STSServiceException({ name: 'TooManyRequests', $fault: 'client', $metadata: { httpStatusCode: 429 }, message: 'slow down' }));
    const result = await checkCredentials(answering({ 'us-east-1': tooMany, 'us-west-2': identity }), context);
    expect(result).toEqual({
      name: 'credentials',
      verdict: 'ok',
      detail: `account ${ACCOUNT} as arn:aws:iam::${ACCOUNT}:user/ops (read from STS in us-west-2: STS in the primary region us-east-1 throttled the request: TooManyRequests (HTTP 429): slow down)`,
    });
  });

  it('says a throttled STS in both regions as such, never as bad credentials (review r63A F1)', async () => {
    const result = await checkCredentials(answering({ 'us-east-1': throttled(400), 'us-west-2': throttled(503) }), context);
    expect(result).toEqual({
      name: 'credentials',
      verdict: 'fail',
      detail: 'STS of neither region could tell the credentials: us-east-1 throttled the request (Throttling (HTTP 400): Rate exceeded); us-west-2 throttled the request (Throttling (HTTP 503): Rate exceeded)',
      fix: 'run the doctor again in a minute',
    });
  });

  // Each region failing its own way, so that a swap of which region is said to have faulted fails (review r63A F5).
  it.each([
    ['us-east-1 did not answer (Error: connect ECONNREFUSED 127.0.0.1:443); us-west-2 answered with a fault of its own (ServiceUnavailable (HTTP 503): Service unavailable)', silent, unavailable],
    ['us-east-1 answered with a fault of its own (ServiceUnavailable (HTTP 503): Service unavailable); us-west-2 did not answer (Error: connect ECONNREFUSED 127.0.0.1:443)', unavailable, silent],
  ])('says each region as it failed when one is silent and the other answers 503: %s', async (each, primary, dr) => {
    const result = await checkCredentials(answering({ 'us-east-1': primary, 'us-west-2': dr }), context);
    expect(result).toEqual({
      name: 'credentials',
      verdict: 'fail',
      detail: `STS of neither region could tell the credentials (network, or both regions down): ${each}`,
      fix: 'check this machine\'s network (proxy, VPN, DNS) and run the doctor again; if it persists, see the AWS Health Dashboard (https://health.aws.amazon.com/health/status)',
    });
  });

  // Review r63H F4: a throttle is an answer that came through this machine's network, and it clears within a minute.
  it.each([
    ['us-east-1 did not answer (Error: connect ECONNREFUSED 127.0.0.1:443); us-west-2 throttled the request (Throttling (HTTP 400): Rate exceeded)', silent, throttled(400)],
    ['us-east-1 throttled the request (Throttling (HTTP 400): Rate exceeded); us-west-2 did not answer (Error: connect ECONNREFUSED 127.0.0.1:443)', throttled(400), silent],
  ])('says neither the network nor both regions down when one is silent and the other throttles, and to run again in a minute: %s', async (each, primary, dr) => {
    const result = await checkCredentials(answering({ 'us-east-1': primary, 'us-west-2': dr }), context);
    expect(result).toEqual({
      name: 'credentials',
      verdict: 'fail',
      detail: `STS of neither region could tell the credentials: ${each}`,
      fix: 'run the doctor again in a minute; if it persists, see the AWS Health Dashboard (https://health.aws.amazon.com/health/status)',
    });
  });

  it('says both regions when the primary\'s STS answers with a fault and the DR\'s refuses the credentials (review r63A F2)', async () => {
    const result = await checkCredentials(answering({ 'us-east-1': unavailable, 'us-west-2': denied }), context);
    expect(result).toEqual({
      name: 'credentials',
      verdict: 'fail',
      detail: 'STS in us-east-1 answered with a fault of its own (ServiceUnavailable (HTTP 503): Service unavailable); STS in us-west-2 refused: InvalidClientTokenId (HTTP 403): The security token included in the request is invalid.',
      fix: 'configure credentials of account 000000000000 (`aws configure`, `aws sso login`, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)',
    });
  });

  it('says STS is not activated in the DR region, not bad credentials, when the primary\'s does not answer (review r63A F2)', async () => {
    const result = await checkCredentials(answering({ 'us-east-1': silent, 'us-west-2': regionDisabled }), context);
    expect(result).toEqual({
      name: 'credentials',
      verdict: 'fail',
      detail: 'STS in us-east-1 did not answer (Error: connect ECONNREFUSED 127.0.0.1:443); STS is not activated in us-west-2 (RegionDisabledException (HTTP 403): STS is not activated in this region for account:000000000000.)',
      fix: 'activate STS in us-west-2 for account 000000000000 (IAM console: Account settings, Security Token Service (STS) endpoints), or run the doctor again once STS in us-east-1 answers',
    });
  });

  // Review r63H F3: STS not activated in the primary region read as bad credentials and skipped every check.
  it('reads the credentials from the DR region\'s STS when STS is not activated in the primary, and says so', async () => {
    const result = await checkCredentials(answering({ 'us-east-1': regionDisabled, 'us-west-2': identity }), context);
    expect(result).toEqual({
      name: 'credentials',
      verdict: 'ok',
      detail: `account ${ACCOUNT} as arn:aws:iam::${ACCOUNT}:user/ops (read from STS in us-west-2: STS is not activated in the primary region us-east-1: RegionDisabledException (HTTP 403): STS is not activated in this region for account:000000000000.)`,
    });
  });

  it('says STS is not activated in the primary, with the fix to activate it, when the DR\'s does not answer either (review r63H F3)', async () => {
    const result = await checkCredentials(answering({ 'us-east-1': regionDisabled, 'us-west-2': silent }), context);
    expect(result).toEqual({
      name: 'credentials',
      verdict: 'fail',
      detail: 'STS is not activated in us-east-1 (RegionDisabledException (HTTP 403): STS is not activated in this region for account:000000000000.); STS in us-west-2 did not answer (Error: connect ECONNREFUSED 127.0.0.1:443)',
      fix: 'activate STS in us-east-1 for account 000000000000 (IAM console: Account settings, Security Token Service (STS) endpoints), or run the doctor again once STS in us-west-2 answers',
    });
  });

  it('still says the credentials do not work when the primary\'s STS refuses them (a 4xx)', async () => {
    const result = await checkCredentials(answering({ 'us-east-1': denied, 'us-west-2': identity }), context);
    expect(result.verdict).toBe('fail');
    expect(result.detail).toMatch(/^no working AWS credentials: InvalidClientTokenId/);
  });
});
