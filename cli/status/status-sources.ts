import * as path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { type DrillRecord } from '../../lambdas/catalog/drill-record';
import { type PruneRunRecord } from '../../lambdas/catalog/prune-record';
import { type MirrorRecord } from '../../lambdas/mirror/mirror-record';
import { type ScrubRunRecord } from '../../lambdas/catalog/scrub-record';
import { environmentPrefix, resourceNames } from '../../lib/stacks/resource-names';
import { localSchedulerStatus } from '../../local/scheduler/local-scheduler';
import { type DrillAccessClients, drillAccess, type DrillSide } from '../drills/drill-access';
import { type AccessClients, type AccessUse, environmentAccess, type TargetOptions } from '../environment-access';
import { awsRequestSettings } from '../aws-client-settings';
import { isUnanswered } from '../unanswered-endpoint';
import { targetOptionsLine } from '../target-options-line';
import { alarmRegions, ALARMS_NOT_EMULATED, type AlarmsStatus, awsAlarmsInAlarm } from './alarm-status';
import { environmentAlarmNames } from './environment-alarm-names';
import { awsNextRun, localNextRun, type NextRun } from './next-run';

/**
 * What `lifeboat status` reads, and nothing else: the primary catalog's backups and scrub runs (the
 * DR catalog's backups when the primary's cannot be read), the drills and each vault's last prune
 * from both regions' catalogs, the mirrors' last checks from the DR catalog, and each plan's backup
 * schedule. Built on the runbook commands'
 * access (environment-access.ts, drill-access.ts), local cloud by default, AWS with --aws; tests of
 * the command give their own.
 */
export type StatusSources = {
  environment: EnvironmentConfig;
  target: 'local' | 'aws';
  /** The plan's backups in a region's catalog (the DR one lists the backups replicated to the DR vault), newest first. */
  listBackupsOfPlan(plan: string, side: DrillSide): Promise<BackupRecord[]>;
  latestScrub(): Promise<ScrubRunRecord | undefined>;
  /** A vault's latest prune run, from the catalog of its region. */
  latestPrune(vault: DrillSide): Promise<PruneRunRecord | undefined>;
  /** A source's last mirror check (`MIRROR#<source>`), from the DR catalog the check writes. */
  mirrorCheck(source: string): Promise<MirrorRecord | undefined>;
  listDrills(side: DrillSide): Promise<DrillRecord[]>;
  nextRun(plan: string, now: Date): Promise<NextRun>;
  regionOf(side: DrillSide): string;
  /**
   * In AWS the environment's CloudWatch alarms in ALARM of both regions (not another environment's of a longer name), of the
   * primary region only when the DR stack is in another account (alarmRegions); locally ALARMS_NOT_EMULATED.
   */
  alarms(): Promise<AlarmsStatus>;
};

export type StatusSourcesClients = AccessClients & { drills?: DrillAccessClients; scheduler?: SchedulerClient; cloudWatch?: (region: string) => Pick<CloudWatchClient, 'send'> };

/**
 * A region's catalog reads that stop asking once it did not answer: status reads the same catalog several times in
 * a row (drills, scrub runs, prunes, each plan's backups), and each read of a region that is down costs the clients'
 * whole timeout (client-timeouts.ts), so the later ones fail at once with the first one's error instead.
 */
function catalogReads(): <T>(side: DrillSide, read: () => Promise<T>) => Promise<T> {
  const unanswered = new Map<DrillSide, unknown>();
  return async (side, read) => {
    if (unanswered.has(side)) throw unanswered.get(side);
    try {
      return await read();
    } catch (err) {
      if (isUnanswered(err)) unanswered.set(side, err);
      throw err;
    }
  };
}

/** `use.environment`: the environment the caller already read (report's page), not read again (AccessUse.environment). */
export async function statusSources(options: TargetOptions, clients: StatusSourcesClients = {}, use: Pick<AccessUse, 'environment'> = {}): Promise<StatusSources> {
  const access = await environmentAccess(options, clients, { ...use, readOnly: true });
  // The drill logs through the access's catalog clients, which give up on a region that does not answer (client-timeouts.ts),
  // of the environment already read: with --stack in an outage a second read would say its line on the copy again.
  const drills = await drillAccess(options, clients.drills ?? { dynamodb: (region) => access.catalogClientIn(region) }, { readOnly: true, environment: access.environment });
  const { environment } = access;
  const names = resourceNames(environment);
  let scheduler: SchedulerClient | undefined;
  const catalogOf = catalogReads();
  return {
    environment,
    target: options.aws ? 'aws' : 'local',
    listBackupsOfPlan: (plan, side) => catalogOf(side, () => access.catalogIn(side).listBackupsOfPlan(plan)),
    latestScrub: () => catalogOf('primary', () => access.scrubLog.latest()),
    latestPrune: (vault) => catalogOf(vault, () => access.pruneLogIn(vault).latest(vault)),
    mirrorCheck: (source) => catalogOf('dr', () => access.mirrorsIn('dr').get(source)),
    listDrills: (side) => catalogOf(side, () => drills.drillLog(side).list()),
    regionOf: drills.regionOf,
    async alarms() {
      if (!options.aws) return ALARMS_NOT_EMULATED;
      const cloudWatch = clients.cloudWatch ?? ((region: string) => new CloudWatchClient(awsRequestSettings(region, access.timeouts)));
      const regions = alarmRegions(environment);
      return awsAlarmsInAlarm(cloudWatch, regions.read, `${environmentPrefix(environment)}-`, environmentAlarmNames(environment), regions.notRead);
    },
    async nextRun(plan, now) {
      const scheduleName = `${names.schedulePrefix}${plan}`;
      if (!options.aws) return localNextRun(localSchedulerStatus(path.resolve(options.dataDir)), scheduleName, targetOptionsLine(options));
      scheduler ??= clients.scheduler ?? new SchedulerClient(awsRequestSettings(environment.primaryRegion, access.timeouts));
      return awsNextRun(scheduler, scheduleName, now);
    },
  };
}
