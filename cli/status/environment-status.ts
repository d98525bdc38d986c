import { DEFAULT_REPLICATION_LAG_MINUTES, DEFAULT_SCRUB_SCHEDULE } from '../../lib/lifeboat-defaults';
import { resourceNames } from '../../lib/stacks/resource-names';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { type DrillRecord } from '../../lambdas/catalog/drill-record';
import { type ScrubRunRecord } from '../../lambdas/catalog/scrub-record';
import { type DrillSide } from '../drills/drill-access';
import { type AlarmsStatus } from './alarm-status';
import { withDrillSchedule } from './drill-schedule-status';
import { mirrorBucketPrefixOf, mirrorCheckSchedule, planMirrors } from './plan-mirrors';
import { type PruneStatus, pruneStatus } from './prune-status';
import { planStatus, type PlanStatus, scrubJudgedBackupIds } from './plan-status';
import { NO_PRINTED_OPTIONS, type PrintedCommandOptions } from './printed-command-options';
import { type ScheduleAge, scheduleAge } from './schedule-age';
import { type ScrubObjectsWithoutBackups, scrubObjectsWithoutBackups } from './scrub-objects-without-backups';
import { type StatusSources } from './status-sources';

/**
 * The screen of one environment: a PlanStatus per plan of the config, in config order, and what
 * could not be read. A plan's backups come from the primary catalog, else from the DR catalog (a
 * primary region outage: the row then says what the DR vault can restore); a plan neither catalog
 * answers for is `unreadable` (not within its objectives: nobody can say it is). A catalog that could
 * not be read is a problem of the whole screen, and the rows use what was read.
 */
export type UnreadablePlan = { plan: string; withinObjectives: false; unreadable: string };

export type EnvironmentStatus = {
  environment: string;
  target: 'local' | 'aws';
  primaryRegion: string;
  drRegion: string;
  generatedAt: string;
  /** Every plan within its objectives, everything read, and the scrub not stale (`scrubSchedule`): the command exits 0 exactly then. */
  withinObjectives: boolean;
  plans: (PlanStatus | UnreadablePlan)[];
  /** In AWS the environment's CloudWatch alarms in ALARM (shown, not judged: they do not change the exit code); locally not emulated. */
  alarms: AlarmsStatus;
  /** The last prune of each vault (prunes cover whole vaults; each row also carries its vault's). */
  prunes: Record<DrillSide, PruneStatus>;
  /**
   * Objects the latest scrub left whose other copy was not verified and that name no backup, so that no row shows them
   * (scrub-objects-without-backups.ts): a warning, not judged. Absent when none.
   */
  scrubObjectsWithoutBackups?: ScrubObjectsWithoutBackups;
  /**
   * Per vault, the data/, index/ and manifest/ objects it lacks of which the latest scrub's deadline came before it worked
   * out which the vault needs (scrub-record.ts, `notWorkedOut`): no finding, so no row shows them (audit aU2-1); a
   * warning, not judged. Absent when none.
   */
  scrubNotWorkedOut?: NonNullable<ScrubRunRecord['notWorkedOut']>;
  /** Per vault of `scrubNotWorkedOut`, what cut its work-out (scrub-record.ts, `notWorkedOutCause`); absent in records from before it was kept. */
  scrubNotWorkedOutCause?: NonNullable<ScrubRunRecord['notWorkedOutCause']>;
  /**
   * Per vault, the snapshots it lacks whose record in the other the latest scrub had no time to read, so it did not
   * work out whether they are missing (scrub-record.ts, `snapshotsNotWorkedOut`): no finding, so no row shows them
   * (review rN F2); a warning, not judged. One an earlier run found missing is an outstanding row instead, not counted
   * here (scrub-outstanding.ts, snapshotsNotWorkedOutCounts: review rQ F3). Absent when none.
   */
  scrubSnapshotsNotWorkedOut?: NonNullable<ScrubRunRecord['snapshotsNotWorkedOut']>;
  /**
   * The scrub's schedule (`<prefix>-scrub`) against the latest scrub run (schedule-age.ts, the scrub-age alarm's rule):
   * stale, the vaults are not being checked and status exits 1 (audit a58C F1). Absent before the first run, when the scrub
   * runs could not be read, and for a schedule that fires once.
   */
  scrubSchedule?: ScheduleAge;
  problems: string[];
  /** Of `problems`, those about the mirrors' last checks and the vaults' last prunes, which the report's page shows from this (report-command.ts). */
  unreadMirrorsAndPrunes: string[];
};

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function isUnreadable(row: PlanStatus | UnreadablePlan): row is UnreadablePlan {
  return 'unreadable' in row;
}

/**
 * `commandOptions`: the target options of the command showing it (printedOptionsOf), which the command lines its reasons
 * and stopped prunes name carry: without them such a line, pasted, acts on another target (reviews r58A F3, r58E F2).
 */
export async function environmentStatus(sources: StatusSources, now: Date, commandOptions: PrintedCommandOptions = NO_PRINTED_OPTIONS): Promise<EnvironmentStatus> {
  const { environment } = sources;
  const problems: string[] = [];
  const unreadMirrorsAndPrunes: string[] = [];
  const unread = (problem: string): void => {
    unreadMirrorsAndPrunes.push(problem);
    problems.push(problem);
  };
  const drills: DrillRecord[] = [];
  for (const side of ['primary', 'dr'] as const satisfies readonly DrillSide[]) {
    try {
      drills.push(...(await sources.listDrills(side)));
    } catch (err) {
      problems.push(`the ${side} catalog (${sources.regionOf(side)}) could not be read, its drills are not counted: ${message(err)}`);
    }
  }
  let latestScrub: ScrubRunRecord | 'unreadable' | undefined;
  try {
    latestScrub = await sources.latestScrub();
  } catch (err) {
    latestScrub = 'unreadable';
    problems.push(`the scrub runs could not be read: ${message(err)}`);
  }
  const prunes = {} as Record<DrillSide, PruneStatus>;
  for (const side of ['primary', 'dr'] as const satisfies readonly DrillSide[]) {
    try {
      prunes[side] = pruneStatus(await sources.latestPrune(side), now, commandOptions.vault);
    } catch (err) {
      prunes[side] = pruneStatus({ unreadable: message(err) }, now);
      unread(`the ${side} vault's prune runs (${sources.regionOf(side)}) could not be read: ${message(err)}`);
    }
  }
  const mirrorSchedule = mirrorCheckSchedule(environment);
  // The dr-copy-age alarm's allowance beyond the RPO (lib/constructs/lifeboat-operations.ts): status judges the DR copy by the same rule.
  const replicationLagSeconds = (environment.notifications?.replicationLagMinutes ?? DEFAULT_REPLICATION_LAG_MINUTES) * 60;
  const alarms = await sources.alarms();
  if (alarms.state === 'unreadable') problems.push(alarms.note);
  const plans: (PlanStatus | UnreadablePlan)[] = [];
  const shownBackups = new Set<string>();
  const names = resourceNames(environment);
  for (const plan of environment.plans) {
    let backups: BackupRecord[];
    let catalog: 'primary' | 'dr' = 'primary';
    let primaryProblem = '';
    try {
      backups = await sources.listBackupsOfPlan(plan.name, 'primary');
    } catch (primaryErr) {
      primaryProblem = `the primary catalog (${environment.primaryRegion}) could not be read: ${message(primaryErr)}`;
      try {
        backups = await sources.listBackupsOfPlan(plan.name, 'dr');
        catalog = 'dr';
        problems.push(`${plan.name}: backups read from the DR catalog (${environment.drRegion}), what the DR vault can restore; ${primaryProblem}`);
      } catch (drErr) {
        plans.push({ plan: plan.name, withinObjectives: false, unreadable: `its backups could not be read: ${primaryProblem}; the DR catalog (${environment.drRegion}) neither: ${message(drErr)}` });
        continue;
      }
    }
    for (const id of scrubJudgedBackupIds(backups)) shownBackups.add(id);
    const nextRun = await sources.nextRun(plan.name, now);
    const { mirrors, unreadable } = await planMirrors({
      plan,
      mirrorCheck: (source) => sources.mirrorCheck(source),
      schedule: mirrorSchedule,
      now,
      mirrorBucketPrefix: mirrorBucketPrefixOf(environment),
      commandOptions: commandOptions.target,
    });
    for (const u of unreadable) unread(`the mirror check of ${u.source} could not be read from the DR catalog (${environment.drRegion}): ${u.error}`);
    // The plan's vault is the primary's: with its catalog unreadable its last prune is unknown, never "no prune yet" (the DR vault's has its own line).
    const prune: PruneStatus = catalog === 'dr' ? { state: 'unreadable', note: primaryProblem } : prunes.primary;
    const row = planStatus({ plan, backups, catalog, drills: drills.filter((d) => d.plan === plan.name), ...(latestScrub ? { latestScrub } : {}), nextRun, prune, mirrors, replicationLagSeconds, now });
    plans.push(withDrillSchedule(row, plan, names.drillSchedulePrefix, now));
  }
  const withoutBackups = scrubObjectsWithoutBackups(latestScrub, shownBackups);
  const notWorkedOut = latestScrub === undefined || latestScrub === 'unreadable' ? undefined : latestScrub.notWorkedOut;
  const notWorkedOutCause = notWorkedOut && latestScrub !== undefined && latestScrub !== 'unreadable' ? latestScrub.notWorkedOutCause : undefined;
  const snapshotsNotWorkedOut = latestScrub === undefined || latestScrub === 'unreadable' ? undefined : latestScrub.snapshotsNotWorkedOut;
  const scrubSchedule = latestScrub === undefined || latestScrub === 'unreadable' ? undefined : scheduleAge({ name: names.scrubSchedule, expression: environment.scrub?.schedule ?? DEFAULT_SCRUB_SCHEDULE }, latestScrub.startedAt, now);
  return {
    environment: environment.name,
    target: sources.target,
    primaryRegion: environment.primaryRegion,
    drRegion: environment.drRegion,
    generatedAt: now.toISOString(),
    withinObjectives: problems.length === 0 && plans.every((p) => p.withinObjectives) && scrubSchedule?.stale !== true,
    plans,
    alarms,
    prunes,
    ...(withoutBackups ? { scrubObjectsWithoutBackups: withoutBackups } : {}),
    ...(notWorkedOut ? { scrubNotWorkedOut: notWorkedOut } : {}),
    ...(notWorkedOutCause ? { scrubNotWorkedOutCause: notWorkedOutCause } : {}),
    ...(snapshotsNotWorkedOut ? { scrubSnapshotsNotWorkedOut: snapshotsNotWorkedOut } : {}),
    ...(scrubSchedule ? { scrubSchedule } : {}),
    problems,
    unreadMirrorsAndPrunes,
  };
}
