import { parseScheduleExpression } from '../../config/schedule-expression';
import { nextFireTime } from '../../config/next-fire-time';

/** The month an estimate prices: 30 days (AWS prices storage per GB-month; the runs of a schedule are counted over 30 days). */
export const MONTH_DAYS = 30;
const MONTH_MS = MONTH_DAYS * 86_400_000;
/** More fires than a rate(1 minute) schedule has in a month: the count stops there. */
const MAX_FIRES = 50_000;

/**
 * How often a plan's schedule fires in the 30 days from `from` (UTC), as EventBridge Scheduler
 * would (next-fire-time.ts): `rate(1 day)` 30, a cron every six hours 120.
 */
export function runsPerMonth(schedule: string, from: Date): number {
  const expression = parseScheduleExpression(schedule);
  const end = from.getTime() + MONTH_MS;
  const window = { timezone: 'UTC', createdAt: from };
  let count = 0;
  let at = nextFireTime(expression, from, window);
  while (at && at.getTime() < end && count < MAX_FIRES) {
    count++;
    at = nextFireTime(expression, new Date(at.getTime() + 1000), window);
  }
  return count;
}
