import { cut } from '../runtime/cut-text';
import { unseenEscaped } from '../runtime/quoted-service-words';
import { type CatalogItemKey } from './catalog-item-delete-command';

/**
 * Characters (code points) of one of a damaged item's own keys (its pk, its sk, a `pins` key: any string) that prose
 * shows. The bound is the shortest real delete of a catalog record (`aws dynamodb delete-item --table-name <table>
 * --key …`, of env `a`): 88 characters. A pk and an sk shown together, `<pk> / <sk>`, hold 83 at most (a cut one then
 * reads `… (cut from N characters)`), so they cannot spell one beside the real deletes of a refusal (review r62L F3;
 * its pk and sk too, review r63B F1) even joined: the ` / ` between them is no break, as bash drops it (a pk ending
 * `$(:` and an sk starting `)` make `$(: / )`, which runs nothing; review r63K). A backup id, restore id, source or
 * plan name stays whole.
 */
export const ITEM_KEY_SHOWN = 40;

/** One of a damaged item's own keys as prose shows it: unseen characters as \uXXXX, cut at ITEM_KEY_SHOWN. */
export function shownItemKeyPart(text: string): string {
  return cut(text, ITEM_KEY_SHOWN, unseenEscaped);
}

/**
 * A damaged item's key as prose shows it, `<pk> / <sk>`, each cut at 40: whole, a pk of 200 characters spelled
 * another record's delete beside the real ones (review r63B F1). Only the item's own delete (catalogItemDeleteCommand)
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
