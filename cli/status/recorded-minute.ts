import { shownCatalogName } from '../../lambdas/catalog/shown-catalog-name';

/**
 * A time a record holds (any string: a mirror check's unreachable attempt) as a line shows it: the UTC minute
 * (`2026-11-30 11:59Z`) when it is an ISO time that says its zone (zonedIsoTime), else its text escaped (shownCatalogName).
 * Date.parse alone was too lenient (reviews r63I F3, r63J F4): a zoneless `2026-11-30T12:00:00` is read as this
 * machine's local time and was printed converted under a `Z` it never had, `Nov 30 2026 12:00` as local time
 * too, and a (comment) of its own is read past, so its text is the only faithful thing to show. A zone that carries
 * the time past year 9999 or before year 0 has no 4-digit minute to print: its text too.
 */
export function recordedMinute(at: string): string {
  const time = zonedIsoTime(at);
  const iso = time === undefined ? undefined : new Date(time).toISOString();
  return iso !== undefined && FOUR_DIGIT_YEAR.test(iso) ? `${iso.slice(0, 16).replace('T', ' ')}Z` : shownCatalogName(at);
}

/**
 * The instant (milliseconds since the epoch) of an ISO 8601 date and time that says its zone, the same on every machine;
 * undefined for any other text. V8 rolls an impossible date or hour forward (`2026-02-30T12:00:00Z` is March 2nd,
 * `T24:00` the next day: review r63R F4), so the instant read back at the text's own offset must be the text's date and time.
 */
export function zonedIsoTime(text: string): number | undefined {
  const parts = ZONED_ISO_TIME.exec(text);
  const time = Date.parse(text);
  const [, minute, seconds, zone] = parts ?? [];
  if (minute === undefined || zone === undefined || Number.isNaN(time)) return undefined;
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const readBack = new Date(time + offsetMinutes * 60_000).toISOString();
  return readBack.slice(0, 16) === minute && (seconds === undefined || readBack.slice(17, 19) === seconds) ? time : undefined;
}

/** An ISO 8601 date and time with seconds and fractions optional, and its zone: `Z` or an offset. */
const ZONED_ISO_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d)(?::(\d\d)(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

/** toISOString writes a year beyond 0…9999 with a sign and six digits. */
const FOUR_DIGIT_YEAR = /^\d{4}-/;
