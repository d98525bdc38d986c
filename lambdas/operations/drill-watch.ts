import { type DrillHead, type DrillLog } from '../catalog/drill-log';
import { handlerLogger } from './handler-logger';
import { publishMetrics } from './publish-metrics';
import { secondsBetween } from './seconds-between';

/**
 * Drills the watchdog reads at most per run, newest first (their head fields only: drill-log.ts, newestHeads). It stops
 * sooner once every plan is found; a plan never drilled makes it read this many. At a few hundred bytes of projected
 * fields each they take well under the function's memory, and a few pages of one Query each.
 */
export const DRILLS_WATCHED = 1000;

/** A plan's newest drill of the watchdog's vault, as the watchdog read it (`ageSeconds` from its start); absent when none was among those read. */
export type PlanDrillWatch = { plan: string; newest?: Pick<DrillHead, 'drillId' | 'startedAt' | 'verdict'> & { ageSeconds: number } };

/** What the drill watch needs of a plan: its name, and the vault its drill schedule drills (default dr), if it has one. */
export type WatchedDrillPlan = { name: string; drill?: { vault?: 'primary' | 'dr' } | undefined };

/**
 * The watchdog's look at the drills of its vault, in its region's catalog (a drill is recorded where it ran, in its
 * vault's region: drill-record.ts): each plan's newest drill of that vault, its verdict published every few minutes as
 * LastDrillNotPassed (1 when it did not PASS, 0 when it did), so the drill alarm stays in ALARM until a later drill of
 * that vault passes, as `lifeboat status` judges the newest drill of each vault (cli/status/drill-status.ts); the drill's
 * own DrillNotPassed went quiet an hour after it, and a failed weekly drill's alarm was OK for the rest of the week
 * (audit a58C F2). A plan whose drill schedule drills this vault also gets the newest drill's age, LastDrillAge, from its
 * start: a schedule that stopped firing (disabled, deleted, its deliveries failing) left no failed drill and nothing
 * alarmed, while the drill-age alarm now fires at about twice the schedule's gap (audit a58C F1). Reads newest first
 * until every plan is found, at most DRILLS_WATCHED drills: a plan not among them publishes nothing (no drill is not a
 * failed drill; for a plan with a schedule the drill-age alarm treats that as breaching). A head that does not validate
 * is logged and passed over.
 */
export async function watchDrills(
  environment: string,
  plans: readonly WatchedDrillPlan[],
  vault: 'primary' | 'dr',
  deps: { drills: Pick<DrillLog, 'newestHeads'>; now?: () => Date; warn?: (message: string) => void },
): Promise<PlanDrillWatch[]> {
  const warn = deps.warn ?? ((message: string) => handlerLogger.warn(message));
  const now = (deps.now ?? (() => new Date()))();
  const wanted = new Set(plans.map((p) => p.name));
  const newest = new Map<string, DrillHead>();
  let read = 0;
  for await (const drill of deps.drills.newestHeads()) {
    if (newest.size === wanted.size || read >= DRILLS_WATCHED) break;
    read += 1;
    if ('invalid' in drill) {
      warn(`Drill watch passed over a drill it cannot read: ${drill.invalid.message}`);
      continue;
    }
    const { head } = drill;
    if (head.vault === vault && wanted.has(head.plan) && !newest.has(head.plan)) newest.set(head.plan, head);
  }
  return plans.map(({ name, drill }) => {
    const head = newest.get(name);
    if (!head) return { plan: name };
    const ageSeconds = secondsBetween(head.startedAt, now);
    const scheduledHere = drill !== undefined && (drill.vault ?? 'dr') === vault;
    publishMetrics({ environment, plan: name }, { lastDrillNotPassed: head.verdict === 'PASSED' ? 0 : 1, ...(scheduledHere ? { lastDrillAge: ageSeconds } : {}) });
    return { plan: name, newest: { drillId: head.drillId, startedAt: head.startedAt, verdict: head.verdict, ageSeconds } };
  });
}
