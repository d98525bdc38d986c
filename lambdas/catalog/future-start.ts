import { recordInstant } from './record-instant';

/**
 * How far after a reader's clock a backup record's start may be and still count as a start (audit b3-2). A little
 * is clock skew between the machine that wrote the record and the one reading it, and reads as "just now". More is a
 * record no backup of this environment wrote as it ran: a host clock that was wrong (the local cloud's plan writer
 * stamps `startedAt` with its own clock), or a catalog rebuilt from wrong times. Measured from, such a record is the
 * newest backup, 0 s old until that date: the watchdog, `lifeboat status` and `lifeboat doctor` would call a plan
 * whose backups stopped fresh. They pass it over (and say so) and measure the newest record before it.
 */
export const FUTURE_START_TOLERANCE_MS = 5 * 60_000;

/**
 * The same question asked by retention (lambdas/retention/record-evidence.ts, decide-retention.ts), with more room
 * on purpose. A backup cannot start later than now, give or take the clocks of the regions involved. A record that
 * says it does was not written by a backup of this environment (or by one whose clock is far off): counted, it would
 * be the "newest backup" that `keepWithin` measures from and that bumps `keepLast`, and every real backup could be
 * forgotten behind it, so retention never counts one. But retention decides what is deleted: a backup up to 15 min
 * ahead of a Lambda's clock is skew, not a wrong clock, and passing a real newest backup over (forgetting what it
 * should have kept) would be worse than a display's mistake. Status, the watchdog and doctor judge freshness
 * instead, where a record 10 min ahead must not make a plan look fresh: FUTURE_START_TOLERANCE_MS, a small one.
 */
export const CLOCK_SKEW_MS = 15 * 60 * 1000;

/**
 * Whether the time `startedAt` is more than FUTURE_START_TOLERANCE_MS after `now`, read as the catalog reads a
 * record's time (recordInstant): a zoneless start read in the process's zone was ahead under a Lambda (UTC) and
 * behind in the local cloud's zone, so status and the age watch disagreed about the same record. A start that is no
 * time is not ahead: its readers pass it over as untimed.
 */
export function startsInFuture(startedAt: string, now: Date): boolean {
  return recordInstant(startedAt) - now.getTime() > FUTURE_START_TOLERANCE_MS;
}
