import { namesZone } from './time-text-zone';

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
  // Read in the process's zone, its local fields are the text's own: the same fields in UTC are the text read as UTC.
  const local = new Date(at);
  const utc = new Date(0);
  utc.setUTCFullYear(local.getFullYear(), local.getMonth(), local.getDate());
  utc.setUTCHours(local.getHours(), local.getMinutes(), local.getSeconds(), local.getMilliseconds());
  return utc.getTime();
}
