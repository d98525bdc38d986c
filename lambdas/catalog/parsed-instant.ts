/**
 * The instant a record's time text (its `startedAt`: any string, backupRecordSchema) parses to, as ISO in UTC;
 * undefined when it is no time. Prose shows this, never the text: Date.parse skips a "(comment)", so a start of 200
 * characters read as a time and spelled another record's delete beside the real ones (review r63K F2). A text naming
 * no zone (`2026-12-07T10:00:00`, hand-written) is read in the process's zone, so the same record showed another
 * instant on each machine as if it were the record's own (review r63U F5): it is said so, with the zone it was read in.
 */
export function parsedInstant(text: string): string | undefined {
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  const instant = new Date(at).toISOString();
  return namesZone(text) ? instant : `${instant} (its text names no zone: read in ${Intl.DateTimeFormat().resolvedOptions().timeZone} time)`;
}

/** An ISO date alone (`2026-12-07`, `2026-12`, `2026`), which ECMAScript reads as UTC. */
const ISO_DATE_ONLY = /^\s*[+-]?\d{4,6}(?:-\d{2}(?:-\d{2})?)?\s*$/;

/** A zone Date.parse reads by name: Z, UT, UTC, GMT or a North American zone's abbreviation. */
const ZONE_NAME = /(?<![a-z])(?:z|ut|utc|gmt|[ecmp][sd]t)(?![a-z])/i;

/** An offset after a time of day: `10:00:00+02:00`, `06:00 +0100`. */
const OFFSET_AFTER_TIME = /\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*[+-]\d{2}(?::?\d{2})?/;

/**
 * Whether Date.parse reads `text` without the process's zone: a date alone, or one naming its zone outside a
 * "(comment)", which Date.parse skips (a zone named only there is no zone).
 */
function namesZone(text: string): boolean {
  if (ISO_DATE_ONLY.test(text)) return true;
  const read = text.replace(/\([^()]*\)/g, ' ');
  return ZONE_NAME.test(read) || OFFSET_AFTER_TIME.test(read);
}
