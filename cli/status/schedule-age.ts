import { scheduleStaleAfterSeconds } from '../../config/longest-schedule-gap';
import { recordInstant } from '../../lambdas/catalog/record-instant';
import { secondsBetween } from '../../lambdas/operations/seconds-between';

/**
 * How old the newest run of a schedule (`name`, `expression`) is, from its start, against twice the schedule's longest gap
 * between fires: the rule of the drill-age and scrub-age alarms (lib/constructs/lifeboat-operations.ts), which status
 * judges the same way, so that a schedule that stopped firing (disabled, deleted, its deliveries failing) is ✗ here as it
 * is ALARM there (audit a58C F1). `stale`: older than that, or of unknown age. `ageSeconds` is absent when the run's start
 * is no time (recordInstant: NaN): its age was NaN, `NaN > staleAfter` false, so status said "within objectives" while
 * the age alarm, fed no datum, breached on missing data (review r65N F3). Such a run is stale, `untimed`, and said so.
 */
export type ScheduleAge = { schedule: string; expression: string; startedAt: string; ageSeconds?: number; untimed?: true; staleAfterSeconds: number; stale: boolean };

/** Undefined for a schedule that fires once (`at(...)`): no gap to judge by, and no alarm either. */
export function scheduleAge(schedule: { name: string; expression: string }, startedAt: string, now: Date): ScheduleAge | undefined {
  const staleAfterSeconds = scheduleStaleAfterSeconds(schedule.expression);
  if (staleAfterSeconds === undefined) return undefined;
  if (Number.isNaN(recordInstant(startedAt))) return { schedule: schedule.name, expression: schedule.expression, startedAt, untimed: true, staleAfterSeconds, stale: true };
  const ageSeconds = secondsBetween(startedAt, now);
  // The alarm compares GreaterThanThreshold: an age exactly at it is within it.
  return { schedule: schedule.name, expression: schedule.expression, startedAt, ageSeconds, staleAfterSeconds, stale: ageSeconds > staleAfterSeconds };
}
