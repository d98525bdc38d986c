import { cut } from '../runtime/cut-text';
import { unseenEscaped } from '../runtime/quoted-service-words';

/**
 * Characters (code points) of one key of the item's own (a `pins` key is any string) that a problem's path shows. The
 * shortest delete of a catalog record (`aws dynamodb delete-item --table-name <table> --key …`) is 79 characters and has
 * spaces from its 4th on: a key shown to 40 cannot spell one beside the real deletes of a refusal (review r62L F3), and
 * a restore id, a source or plan name stays recognisable.
 */
const KEY_SHOWN = 40;

/**
 * Characters of a problem's message (zod's words, which may quote a value of the item; or all a problem without a
 * path). Under the 79 of the shortest delete; zod's own words are shorter, so they are shown whole (review r62S F2).
 */
const MESSAGE_SHOWN = 78;

/** A path segment that is the schema's (a field name or an array index), not the item's: no spaces, no punctuation. */
const FIELD = /^(?:[A-Za-z_$][A-Za-z0-9_$]{0,39}|\d{1,10})$/;

/**
 * One validation problem of a damaged item (`<path>: <message>`, the path joined by `.`) as a refusal shows it: the
 * field names whole, the item's own keys cut at 40 characters, zod's message whole (to 78), unseen characters escaped.
 * Whether a segment is a key is told by its form: a key may hold `.`, so every segment from the first that is not a
 * field's to the last is one key, cut as one; a key holding `: ` ends the path early, and its rest is cut as a message.
 * Cutting the whole problem instead (1e25c71d, at 80) cut a pin's field and zod's words after a long restore id.
 */
export function shownItemProblem(problem: string): string {
  const colon = problem.indexOf(': ');
  if (colon < 0) return cut(problem, MESSAGE_SHOWN, unseenEscaped);
  const segments = problem.slice(0, colon).split('.');
  const message = cut(problem.slice(colon + 2), MESSAGE_SHOWN, unseenEscaped);
  const first = segments.findIndex((s) => !FIELD.test(s));
  if (first < 0) return `${segments.join('.')}: ${message}`;
  const last = segments.length - 1 - [...segments].reverse().findIndex((s) => !FIELD.test(s));
  const key = cut(segments.slice(first, last + 1).join('.'), KEY_SHOWN, unseenEscaped);
  return `${[...segments.slice(0, first), key, ...segments.slice(last + 1)].join('.')}: ${message}`;
}
