import { namesZone } from './time-text-zone';

const DAY_MS = 86_400_000;

/**
 * The instant a record's time text (its `startedAt`: any non-empty string, backupRecordSchema) stands for when a
 * runbook compares records by it, in milliseconds; NaN when it is no time. A text naming no zone (hand-written,
 * `2026-12-07T10:00:00`) is read as UTC, not in the process's zone: a Lambda runs in UTC (TZ=:UTC) and the local cloud
 * in its machine's zone, so the same catalog made another backup "the newest" in each (review r64G F2). UTC is what
 * every writer of the catalog writes (ISO with `Z`), so a zoneless start most likely meant it.
 */
export function recordInstant(text: string): number {
  const at = Date.parse(text);
  if (Number.isNaN(at) || namesZone(text)) return at;
  return readAsUtc(text, at);
}

/**
 * The zoneless text parsed with UTC named, never through the process's zone: in a gap of its daylight saving time a
 * local reading has no such fields (02:30 in America/New_York on its spring day became 03:30), so the text's own
 * fields were lost and the instant depended on the machine (review r64O F8). Date.parse takes a zone appended to
 * every form it reads without one (`Z` after an ISO time, ` UTC` after the others, closing an unclosed comment first).
 * A reading is taken only when it differs from the local one by an offset the process's zone has around then, so an
 * appended zone read as something else (an hour, a comment) is never taken for the text's instant.
 */
function readAsUtc(text: string, localAt: number): number {
  const offsets = new Set([localAt - DAY_MS, localAt, localAt + DAY_MS].map((around) => new Date(around).getTimezoneOffset() * 60_000));
  for (const named of [`${text}Z`, `${text} UTC`, `${text}) UTC`, `${text})) UTC`]) {
    const at = Date.parse(named);
    if (!Number.isNaN(at) && offsets.has(localAt - at)) return at;
  }
  // Reached by none of the engine's sweep (record-instant-zone.test.ts), only by a comment left open three deep or
  // more: its local fields read as UTC, right but in a daylight saving gap.
  const local = new Date(localAt);
  return Date.UTC(local.getFullYear(), local.getMonth(), local.getDate(), local.getHours(), local.getMinutes(), local.getSeconds(), local.getMilliseconds());
}
