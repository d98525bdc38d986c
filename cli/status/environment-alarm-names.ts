import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { fixedPhysicalNames } from '../../lib/constructs/protection-physical-names';
import { environmentPrefix, resourceNames } from '../../lib/stacks/resource-names';

/** The type fixedPhysicalNames gives an alarm's name. */
const ALARM = 'CloudWatch alarm';

/**
 * The names of the CloudWatch alarms an environment's stacks create, by region: what `lifeboat status --aws` lists as
 * the environment's (audit b3-3). Its prefix `lifeboat-<env>-` alone is not enough: environments `prod` and `prod-eu`
 * may both be configured, and `lifeboat-prod-eu-demo-backup-age` starts with `lifeboat-prod-`. Read from
 * fixedPhysicalNames, the list test/infra/lib/protection-name-collisions.test.ts holds to the synthesized templates,
 * so an alarm added to the stacks is listed here too. Its inputs other than the plans and regions name no alarm.
 */
export function environmentAlarmNames(environment: EnvironmentConfig): ReadonlyMap<string, ReadonlySet<string>> {
  const names = fixedPhysicalNames({
    prefix: environmentPrefix(environment),
    names: resourceNames(environment),
    primary: { account: environment.account, region: environment.primaryRegion },
    dr: { account: environment.drAccount ?? environment.account, region: environment.drRegion },
    plans: environment.plans,
    mirroredBuckets: [],
    mirrorCheck: false,
    fileMirrorSampler: false,
    crossAccount: false,
  });
  const byRegion = new Map<string, Set<string>>();
  for (const { type, name, region } of names) {
    if (type !== ALARM || region === undefined) continue;
    const inRegion = byRegion.get(region) ?? new Set<string>();
    inRegion.add(name);
    byRegion.set(region, inRegion);
  }
  return byRegion;
}
