/**
 * How far after a reader's clock a backup record's start may be and still count as a start (audit b3-2). A little
 * is clock skew between the machine that wrote the record and the one reading it, and reads as "just now". More is a
 * record no backup of this environment wrote as it ran: a host clock that was wrong (the local cloud's plan writer
 * stamps `startedAt` with its own clock), or a catalog rebuilt from wrong times. Measured from, such a record is the
 * newest backup, 0 s old until that date: the watchdog, `lifeboat status` and `lifeboat doctor` would call a plan
 * whose backups stopped fresh. They pass it over (and say so) and measure the newest record before it.
 */
export const FUTURE_START_TOLERANCE_MS = 5 * 60_000;

/** Whether the ISO time `startedAt` is more than FUTURE_START_TOLERANCE_MS after `now`. */
export function startsInFuture(startedAt: string, now: Date): boolean {
  return Date.parse(startedAt) - now.getTime() > FUTURE_START_TOLERANCE_MS;
}
