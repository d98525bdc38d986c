import { type BackupCatalog } from '../catalog/backup-catalog';
import { type DrillLog } from '../catalog/drill-log';
import { type PruneLog } from '../catalog/prune-log';
import { type ScrubLog } from '../catalog/scrub-log';
import { type PlanBackupAges, watchBackupAges } from './backup-age-watch';
import { type PlanDrillWatch, watchDrills, type WatchedDrillPlan } from './drill-watch';
import { type PlanEntriesSkipped, watchEntriesSkipped } from './entries-skipped-watch';
import { publishWatchdogHeartbeat } from './operation-metrics';
import { type PruneWatch, watchPrune } from './prune-watch';
import { type ScrubWatch, watchScrub } from './scrub-watch';
import { WatchIncompleteError } from './watch-incomplete-error';

/** What one run of a region's watchdog measured (the handler's output): the primary region's has the backups and the scrub too. */
export type OperationsWatch = {
  vault: 'primary' | 'dr';
  plans?: PlanBackupAges[];
  entriesSkipped?: PlanEntriesSkipped[];
  drills?: PlanDrillWatch[];
  scrub?: ScrubWatch;
  prune?: PruneWatch;
};

export type OperationsWatchDeps = {
  /** The catalog of the watchdog's region (the DR watchdog's is the DR catalog). */
  catalog: Pick<BackupCatalog, 'newestBackupsOfPlan' | 'getBackup'>;
  drills: Pick<DrillLog, 'newestHeads'>;
  prunes: Pick<PruneLog, 'latest'>;
  scrubs: Pick<ScrubLog, 'latest'>;
  now?: () => Date;
  warn?: (message: string) => void;
};

/**
 * One run of a region's watchdog (lib/constructs/lifeboat-operations.ts, every few minutes): state gauges from the
 * newest record of each thing an alarm watches, published while the fact holds (docs/ARCHITECTURE.md, "Operations").
 * The primary region's (`vault` primary): each plan's backup ages and its newest committed backup's left-out entries,
 * the scrub's outstanding damage and age, and the primary vault's drills (verdicts, ages) and prune. The DR region's (`vault` dr): the DR vault's
 * drills and prune, which the DR catalog holds (a DR account's catalog keeps them from the primary's roles). Each
 * measure is read on its own: one that fails leaves the others published, and then the run fails (WatchIncompleteError).
 * Every run that got through its measures beats (WatchdogHeartbeat 1), whatever there was to measure: the gauges' alarms
 * keep their state without figures, so the heartbeat alarm is what says a watchdog stopped (review r58N F1). A run that
 * could not read one measure beats too, then fails: it published every other figure, and its WatchIncompleteError goes
 * to the dead-letter alarms naming the measure; withholding the beat paged "the watchdog stopped" for as long as one
 * catalog item stayed unreadable, which can be days, while the other alarms were fed (review r59F F2).
 */
export async function watchOperations(environment: string, plans: readonly WatchedDrillPlan[], vault: 'primary' | 'dr', deps: OperationsWatchDeps): Promise<OperationsWatch> {
  const failures: { measure: string; error: string }[] = [];
  const measured = async <T>(measure: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      failures.push({ measure, error: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  };
  const out: OperationsWatch = { vault };
  const clock = deps.now ? { now: deps.now } : {};
  const warn = deps.warn ? { warn: deps.warn } : {};
  if (vault === 'primary') {
    const ages = await measured('the backup ages', () => watchBackupAges(environment, plans, { catalog: deps.catalog, ...clock, ...warn }));
    if (ages) {
      out.plans = ages;
      const skipped = await watchEntriesSkipped(environment, ages, { catalog: deps.catalog });
      for (const s of skipped) if (s.unreadable !== undefined) failures.push({ measure: `the entries plan ${s.plan}'s newest committed backup ${s.backupId ?? ''} left out`, error: s.unreadable });
      out.entriesSkipped = skipped;
    }
    const scrub = await measured('the scrub\'s outstanding damage and age', () => watchScrub(environment, { scrubs: deps.scrubs, ...clock }));
    if (scrub) out.scrub = scrub;
  }
  const drills = await measured(`the ${vault} vault's drills`, () => watchDrills(environment, plans, vault, { drills: deps.drills, ...clock, ...warn }));
  if (drills) out.drills = drills;
  const prune = await measured(`the ${vault} vault's prune`, () => watchPrune(environment, vault, { prunes: deps.prunes }));
  if (prune) out.prune = prune;
  publishWatchdogHeartbeat(environment);
  if (failures.length > 0) throw new WatchIncompleteError(failures);
  return out;
}
