import { scheduleGapsMs } from './cron-fire-gaps';
import { parseScheduleExpression, type ScheduleExpression } from './schedule-expression';

/**
 * The longest time a schedule of Lifeboat's (in UTC, as BackupSchedules deploys them) leaves between two consecutive fires, ms:
 * a `rate(...)`'s period; a `cron(...)`'s longest gap between fires that begin within cronCycleYears from the first fire at or
 * after 2001-01-01, the gap that runs past them included (until the drill schedule check shared the walk, one common year was
 * read, which made a gap across February a day short of a leap year's); undefined for an `at(...)`, which fires once.
 */
export function longestScheduleGapMs(expression: ScheduleExpression): number | undefined {
  return scheduleGapsMs(expression)?.reduce((longest, gap) => Math.max(longest, gap), 0);
}

/**
 * After how long without a run a schedule (`expression`, as configured) is taken to have stopped firing, in seconds:
 * twice its longest gap between fires. One rule for the drill-age and scrub-age alarms' thresholds
 * (lib/constructs/lifeboat-operations.ts) and what `lifeboat status` judges by (cli/status/schedule-age.ts), so that a
 * schedule ✗ there is in ALARM here (audit a58C F1). Undefined for an `at(...)`, which fires once.
 */
export function scheduleStaleAfterSeconds(expression: string): number | undefined {
  const gapMs = longestScheduleGapMs(parseScheduleExpression(expression));
  return gapMs === undefined ? undefined : (2 * gapMs) / 1000;
}
