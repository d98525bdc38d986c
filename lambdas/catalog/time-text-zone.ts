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
export function namesZone(text: string): boolean {
  if (ISO_DATE_ONLY.test(text)) return true;
  const read = text.replace(/\([^()]*\)/g, ' ');
  return ZONE_NAME.test(read) || OFFSET_AFTER_TIME.test(read);
}
