import { type CloudWatchClient, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { describeError } from '../doctor/sdk-error';

/**
 * The CloudWatch alarms of an environment that are in ALARM, as `lifeboat status --aws` lists them:
 * the metric and composite alarms its stacks create (environment-alarm-names.ts), in both regions (the
 * DR stack has its own). They are asked for by the environment's prefix (`lifeboat-<env>-`), which the
 * alarms of environment `<env>-eu` start with too: only the names this environment creates are kept.
 * The local cloud emulates no CloudWatch: status says so.
 */
export type AlarmInAlarm = { name: string; region: string; since?: string; reason?: string };

/** A region whose alarms these credentials cannot list: the DR region of a DR stack in another account. */
export type AlarmRegionNotRead = { region: string; account: string };

export type AlarmsStatus =
  | { state: 'not-emulated'; note: string }
  | { state: 'read'; prefix: string; regions: string[]; inAlarm: AlarmInAlarm[]; notRead?: AlarmRegionNotRead[] }
  | { state: 'unreadable'; prefix: string; note: string };

export const ALARMS_NOT_EMULATED: AlarmsStatus = { state: 'not-emulated', note: 'not emulated on the local cloud (CloudWatch alarms exist in AWS: --aws)' };

/**
 * The regions whose alarms status lists with the environment's (primary account's) credentials: both, unless the DR stack
 * is in another account (`drAccount`). There DescribeAlarms with these credentials lists this account's alarms of the DR
 * region, which are none, and status said `none` while the DR drill or dead-letter alarms were in ALARM (audit a58C F3):
 * that region is `notRead`, and the screen says so with the command to run with its credentials.
 */
export function alarmRegions(environment: Pick<EnvironmentConfig, 'account' | 'drAccount' | 'primaryRegion' | 'drRegion'>): { read: string[]; notRead: AlarmRegionNotRead[] } {
  const { account, drAccount, primaryRegion, drRegion } = environment;
  if (drAccount !== undefined && drAccount !== account) return { read: [primaryRegion], notRead: [{ region: drRegion, account: drAccount }] };
  return { read: [primaryRegion, drRegion], notRead: [] };
}

export async function awsAlarmsInAlarm(
  cloudWatchIn: (region: string) => Pick<CloudWatchClient, 'send'>,
  regions: readonly string[],
  prefix: string,
  /** The environment's alarm names by region: environmentAlarmNames. */
  ours: ReadonlyMap<string, ReadonlySet<string>>,
  /** Regions not read (alarmRegions), said on the screen. @default none */
  notRead: readonly AlarmRegionNotRead[] = [],
): Promise<AlarmsStatus> {
  const inAlarm: AlarmInAlarm[] = [];
  for (const region of regions) {
    try {
      const pages = paginateDescribeAlarms({ client: cloudWatchIn(region) as CloudWatchClient }, { AlarmNamePrefix: prefix, StateValue: 'ALARM', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] });
      for await (const page of pages) {
        for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          if (alarm.AlarmName === undefined || !ours.get(region)?.has(alarm.AlarmName)) continue;
          inAlarm.push({
            name: alarm.AlarmName,
            region,
            ...(alarm.StateUpdatedTimestamp ? { since: alarm.StateUpdatedTimestamp.toISOString() } : {}),
            ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
          });
        }
      }
    } catch (err) {
      return { state: 'unreadable', prefix, note: `the CloudWatch alarms ${prefix}* in ${region} could not be read: ${describeError(err)}` };
    }
  }
  return { state: 'read', prefix, regions: [...regions], inAlarm, ...(notRead.length > 0 ? { notRead: [...notRead] } : {}) };
}

/** The screen's lines for the alarms. */
export function alarmLines(alarms: AlarmsStatus): string[] {
  switch (alarms.state) {
    case 'not-emulated':
      return [`Alarms in ALARM: ${alarms.note}`];
    case 'unreadable':
      return [`Alarms in ALARM: unknown (below)`];
    case 'read': {
      const notRead = (alarms.notRead ?? []).map(
        (r) =>
          `  ! ${r.region}: not read: the DR stack is in account ${r.account}, whose alarms these credentials do not list; with its credentials: ` +
          `aws cloudwatch describe-alarms --alarm-name-prefix ${alarms.prefix} --state-value ALARM --region ${r.region}`,
      );
      if (alarms.inAlarm.length === 0) return [`Alarms in ALARM: none (${alarms.prefix}* in ${alarms.regions.join(', ')})`, ...notRead];
      return [
        `Alarms in ALARM (${alarms.inAlarm.length}, ${alarms.prefix}* in ${alarms.regions.join(', ')}):`,
        ...alarms.inAlarm.map((a) => `  ✗ ${a.name} (${a.region})${a.since ? ` since ${a.since.slice(0, 16).replace('T', ' ')}Z` : ''}${a.reason ? `: ${a.reason}` : ''}`),
        ...notRead,
      ];
    }
  }
}
