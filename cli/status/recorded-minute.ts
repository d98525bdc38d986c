import { shownCatalogName } from '../../lambdas/catalog/shown-catalog-name';

/**
 * A time a record holds (any string: a mirror check's unreachable attempt) as a line shows it: the UTC minute
 * (`2026-11-30 11:59Z`) when it is an ISO time that says its zone, else its text escaped (shownCatalogName).
 * Date.parse alone was too lenient (reviews r63I F3, r63J F4): a zoneless `2026-11-30T12:00:00` is read as this
 * machine's local time and was printed converted under a `Z` it never had, `Nov 30 2026 12:00` as local time
 * too, and a (comment) of its own is read past, so its text is the only faithful thing to show. A zone that carries
 * the time past year 9999 or before year 0 has no 4-digit minute to print: its text too.
 */
export function recordedMinute(at: string): string {
  const time = ZONED_ISO_TIME.test(at) ? Date.parse(at) : Number.NaN;
  const iso = Number.isNaN(time) ? undefined : new Date(time).toISOString();
  return iso !== undefined && FOUR_DIGIT_YEAR.test(iso) ? `${iso.slice(0, 16).replace('T', ' ')}Z` : shownCatalogName(at);
}

/** An ISO 8601 date and time with seconds and fractions optional, and its zone: `Z` or an offset. */
const ZONED_ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

/** toISOString writes a year beyond 0…9999 with a sign and six digits. */
const FOUR_DIGIT_YEAR = /^\d{4}-/;
