import { recordInstant } from '../catalog/record-instant';

/**
 * Seconds from the ISO time `from` to `now`, never negative: a clock a little ahead of this machine's reads as just
 * now. The age the watchdogs publish (backup, drill and scrub ages) and the one `lifeboat status` judges, alike. A backup's start further ahead than FUTURE_START_TOLERANCE_MS is no skew (lambdas/catalog/future-start.ts):
 * callers judging a plan's backups pass such records over before measuring them (plan-status.ts).
 * Read as recordInstant reads it (a zoneless text as UTC, not in the machine's zone); NaN when `from` is no time, so
 * callers pass such records over before measuring them too (plan-status.ts `untimed`, backup-age-watch.ts).
 */
export function secondsBetween(from: string, now: Date): number {
  return Math.max(0, (now.getTime() - recordInstant(from)) / 1000);
}
