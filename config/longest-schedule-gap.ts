import { scheduleGapsMs } from './cron-fire-gaps';
import { type ScheduleExpression } from './schedule-expression';

/**
 * The longest time a schedule of Lifeboat's (in UTC, as BackupSchedules deploys them) leaves between two consecutive fires, ms:
 * a `rate(...)`'s period; a `cron(...)`'s longest gap between fires that begin within cronCycleYears from the first fire at or
 * after 2001-01-01, the gap that runs past them included (until the drill schedule check shared the walk, one common year was
 * read, which made a gap across February a day short of a leap year's); undefined for an `at(...)`, which fires once.
 */
export function longestScheduleGapMs(expression: ScheduleExpression): number | undefined {
  return scheduleGapsMs(expression)?.reduce((longest, gap) => Math.max(longest, gap), 0);
}
