import { type DrillHead, type DrillLog } from '../catalog/drill-log';
import { handlerLogger } from './handler-logger';
import { publishMetrics } from './publish-metrics';

/**
 * Drills the watchdog reads at most per run, newest first (their head fields only: drill-log.ts, newestHeads). It stops
 * sooner once every plan is found; a plan never drilled makes it read this many. At a few hundred bytes of projected
 * fields each they take well under the function's memory, and a few pages of one Query each.
 */
export const DRILLS_WATCHED = 1000;

/** A plan's newest drill of the watchdog's vault, as the watchdog read it; absent when none was among those read. */
export type PlanDrillWatch = { plan: string; newest?: Pick<DrillHead, 'drillId' | 'startedAt' | 'verdict'> };

/**
 * The watchdog's look at the drills of its vault, in its region's catalog (a drill is recorded where it ran, in its
 * vault's region: drill-record.ts): each plan's newest drill of that vault, its verdict published every few minutes as
 * LastDrillNotPassed (1 when it did not PASS, 0 when it did), so the drill alarm stays in ALARM until a later drill of
 * that vault passes, as `lifeboat status` judges the newest drill of each vault (cli/status/drill-status.ts); the drill's
 * own DrillNotPassed went quiet an hour after it, and a failed weekly drill's alarm was OK for the rest of the week
 * (audit a58C F2). Reads newest first until every plan is found, at most DRILLS_WATCHED drills: a plan not among them
 * publishes nothing (no drill is not a failed drill). A head that does not validate is logged and passed over.
 */
export async function watchDrills(
  environment: string,
  plans: readonly { name: string }[],
  vault: 'primary' | 'dr',
  deps: { drills: Pick<DrillLog, 'newestHeads'>; warn?: (message: string) => void },
): Promise<PlanDrillWatch[]> {
  const warn = deps.warn ?? ((message: string) => handlerLogger.warn(message));
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
  return plans.map(({ name }) => {
    const head = newest.get(name);
    if (!head) return { plan: name };
    publishMetrics({ environment, plan: name }, { lastDrillNotPassed: head.verdict === 'PASSED' ? 0 : 1 });
    return { plan: name, newest: { drillId: head.drillId, startedAt: head.startedAt, verdict: head.verdict } };
  });
}
