import { cronFireGapsMs } from './cron-fire-gaps';
import { type CronExpression, type ScheduleExpression } from './schedule-expression';

/**
 * The longest time a schedule of Lifeboat's (in UTC, as BackupSchedules deploys them) leaves between two consecutive fires, ms:
 * - `rate(...)`: its period;
 * - `cron(...)`: the longest gap between fires that begin within 4 years (28 for a day picked by its place in the month) from the
 *   first fire at or after 2001-01-01, the gap that runs past them included (cronFireGapsMs, cronCycleYears). Until the drill
 *   schedule check shared it, one common year was read, which made a gap across February a day short of a leap year's;
 * - `at(...)`: undefined, it fires once.
 */
export function longestScheduleGapMs(expression: ScheduleExpression): number | undefined {
  switch (expression.kind) {
    case 'rate':
      return expression.periodMs;
    case 'at':
      return undefined;
    case 'cron':
      return longestCronGapMs(expression);
  }
}

function longestCronGapMs(expression: CronExpression): number | undefined {
  return cronFireGapsMs(expression)?.reduce((longest, gap) => Math.max(longest, gap), 0);
}
