import { cut } from '../runtime/cut-text';
import { unseenEscaped, unseenJsonEscaped } from '../runtime/quoted-service-words';

/** Characters (code points) of a catalog name a line shows: a backup id, a plan or an item key, not a page. */
const NAME_SHOWN = 200;

/**
 * A name a damaged catalog item holds (its backup id, plan, key), as an operator's line shows it: a newline or ESC in
 * it would forge lines of the output (a fake `Clean: …`) or colour the terminal (review r61L F4, r61U F1), so they are
 * shown as \uXXXX (unseenEscaped), and a long one is cut (`…… (cut from N characters)`).
 */
export function shownCatalogName(name: string): string {
  return cut(name, NAME_SHOWN, unseenEscaped);
}

/**
 * shownCatalogName's name JSON-quoted, as a JSON string reads (`\n`, `\"`, C1 and bidi as \uXXXX): for a name among
 * others in a list, where a bare `"` or `", "` of its own would read as the end of it and another name (review r62C F5).
 */
export function quotedCatalogName(name: string): string {
  return cut(name, NAME_SHOWN, (kept) => unseenJsonEscaped(JSON.stringify(kept)));
}
