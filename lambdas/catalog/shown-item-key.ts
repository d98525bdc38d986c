import { createHash } from 'node:crypto';
import { unseenEscaped, unseenJsonEscaped } from '../runtime/quoted-service-words';
import { type CatalogItemKey } from './catalog-item-delete-command';

/**
 * Characters (code points) of one of a damaged item's own keys (its pk, its sk, a `pins` key: any string) that prose
 * shows. The bound is the shortest real delete of a catalog record (`aws dynamodb delete-item --table-name <table>
 * --key …`, of env `a`): 88 characters. A pk and an sk shown together, `<pk> / <sk>`, hold 83 at most (a cut one then
 * reads `<first 28>…<last 12> (cut from N characters, sha256 <8 hex>)`), so they cannot spell one beside the real deletes of a refusal (review r62L F3;
 * its pk and sk too, review r63B F1) even joined: the ` / ` between them is no break, as bash drops it (a pk ending
 * `$(:` and an sk starting `)` make `$(: / )`, which runs nothing; review r63K). A backup or drill id (25 characters), a
 * source or plan name (32 at most) stays whole; a restore id need not (the CLI's are 49 characters, a safe one up to
 * 80): a pin's `by` that names a restore, `restore <id>`, is shown whole by shown-pin-by.ts instead.
 */
export const ITEM_KEY_SHOWN = 40;

/** Of a longer key, the characters shown before the `…`; the rest of ITEM_KEY_SHOWN are its last ones. */
const HEAD_SHOWN = 28;

/** Hex digits of the key's SHA-256 a cut one is told by. */
const DIGEST_SHOWN = 8;

/**
 * One of a damaged item's own keys as prose shows it: unseen characters as \uXXXX; longer than ITEM_KEY_SHOWN, its
 * first 28 and last 12 characters (code points, cut before escaping, so neither an escape nor a surrogate pair splits)
 * around a `…`, then `(cut from N characters, sha256 <8 hex>)`. Cut at its first 40 alone, two hand-written backup ids
 * or damaged keys that differ past them read alike, and a refusal's keys were matched to their deletes by position only
 * (review r63U F4, r63K F6): the last characters tell apart ids that differ at their end (`…-archive-A`, `…-archive-B`),
 * the digest of the whole key any two: `jq -j .pk.S <<< '<--key>' | sha256sum` (`.sk.S` for the sk), its delete's --key
 * argument pasted as printed. The delete holds the key JSON-escaped: `printf %s` of that text hashed `\"`, `\\` and
 * `\u001b` as typed and gave another digest for any key holding them (review r64G F5). Still 40 of the key's own
 * characters, so the bound above holds. `show` escapes what is kept (the CLI's own lines: escapeName).
 */
export function shownItemKeyPart(text: string, show: (kept: string) => string = unseenEscaped): string {
  const characters = [...text];
  if (characters.length <= ITEM_KEY_SHOWN) return show(text);
  const head = characters.slice(0, HEAD_SHOWN).join('');
  const tail = characters.slice(characters.length - (ITEM_KEY_SHOWN - HEAD_SHOWN)).join('');
  const digest = createHash('sha256').update(text).digest('hex').slice(0, DIGEST_SHOWN);
  return `${show(head)}…${show(tail)} (cut from ${characters.length} characters, sha256 ${digest})`;
}

/**
 * shownItemKeyPart of a name a sentence quotes (a record's plan): each kept piece JSON-quoted (`"<first 28>"…"<last 12>"
 * (cut from N characters, sha256 <8 hex>)`), so that a `"` of its own is `\"` and cannot read as the end of the name
 * and the start of the sentence's own words (review r64Q F6: `plan "shop", not of plan "orders"`).
 */
export function quotedItemKeyPart(text: string): string {
  return shownItemKeyPart(text, (kept) => unseenJsonEscaped(JSON.stringify(kept)));
}

/**
 * A damaged item's key as prose shows it, `<pk> / <sk>`, each cut to 40 (shownItemKeyPart): whole, a pk of 200
 * characters spelled another record's delete beside the real ones (review r63B F1). Only the item's own delete (catalogItemDeleteCommand)
 * holds it whole, inside its `--key '…'` JSON, so that it still deletes that item.
 */
export function shownItemKey(key: CatalogItemKey): string {
  return `${shownItemKeyPart(key.pk)} / ${shownItemKeyPart(key.sk)}`;
}

/**
 * An item named as CatalogItemInvalidError's callers name it, `<pk> / <sk>`, shown as shownItemKey shows it. Split at
 * its first ` / `: a pk holding one is split there, each piece still cut at 40, so no piece spells a delete either way.
 */
export function shownItemName(item: string): string {
  const at = item.indexOf(' / ');
  return at < 0 ? shownItemKeyPart(item) : shownItemKey({ pk: item.slice(0, at), sk: item.slice(at + ' / '.length) });
}
