import { cut } from '../runtime/cut-text';
import { unseenEscaped } from '../runtime/quoted-service-words';
import { shownItemKeyPart } from './shown-item-key';

/**
 * Characters of a problem's message (zod's words, which may quote a value of the item; or all of a problem given as
 * text). Under the 79 of the shortest delete; zod's own words are shorter, so they are shown whole (review r62S F2).
 */
const MESSAGE_SHOWN = 78;

/** A path segment of the schema's (a field name), not the item's: no spaces, no punctuation. */
const FIELD = /^[A-Za-z_$][A-Za-z0-9_$]{0,39}$/;

/**
 * A validation problem of a damaged item as zod gives it (its `issues`): the path to the bad value, segment by
 * segment (a field name, an array index or one of the item's own keys), and zod's message.
 */
export type ItemIssue = { readonly path: readonly PropertyKey[]; readonly message: string };

/** A problem of a damaged item: zod's issue, or a problem the reader words itself (`<field>: <why>`). */
export type ItemProblem = ItemIssue | string;

/** The problem as text, uncut and unescaped, as a reader that escapes and cuts it itself takes it (`<path>: <message>`). */
export function itemProblemText(problem: ItemProblem): string {
  if (typeof problem === 'string') return problem;
  return `${problem.path.length > 0 ? problem.path.map(String).join('.') : '(item)'}: ${problem.message}`;
}

/**
 * One problem of a damaged item as a refusal shows it: the field names and array indices whole, each of the item's own
 * keys cut at 40 characters, zod's message whole (to 78), unseen characters escaped. Told segment by segment from zod's
 * path: a key joined into one text with the path (`<path>: <message>`) and split again at its first `: ` could hold
 * `: ` itself and end the path early, its rest shown as a message, 120 characters of the item's text (review r62U F1).
 * A problem given as text is cut as a message.
 */
export function shownItemProblem(problem: ItemProblem): string {
  if (typeof problem === 'string') return cut(problem, MESSAGE_SHOWN, unseenEscaped);
  const path = problem.path.length > 0 ? problem.path.map(shownSegment).join('.') : '(item)';
  return `${path}: ${cut(problem.message, MESSAGE_SHOWN, unseenEscaped)}`;
}

/** A segment of a problem's path: a field name or an array index whole, the item's own key cut at 40. */
function shownSegment(segment: PropertyKey): string {
  if (typeof segment === 'number') return String(segment);
  const text = String(segment);
  return typeof segment === 'string' && FIELD.test(text) ? text : shownItemKeyPart(text);
}
