import dynaliteDb from 'dynalite/db';
import { itemSizeBytes } from './table-size';

/**
 * dynalite 4 measures strings and attribute names in UTF-16 code units, not UTF-8 bytes, for the
 * 400 KB item limit: a CJK item three times over the limit was stored locally where AWS answers
 * ValidationException, so defects like an over-large CJK item (review r57D F2) could not be
 * reproduced on the local cloud. Its limit checks (PutItem and BatchWriteItem validation, UpdateItem's
 * item after the update, BatchGetItem's 16 MB response) all call the exported `itemSize` of its
 * store module with the item alone; its capacity accounting calls it with `compress`/`addMetaSize`,
 * or calls its own function inside the module, and keeps dynalite's figures. So the plain call is
 * measured by AWS's rules (table-size.ts itemSizeBytes), and the limit and dynalite's own error text stay.
 * Key sizes (2,048-byte partition, 1,024-byte sort key) are checked by an unexported function and
 * still count UTF-16 units (docs/LOCAL-CLOUD.md).
 */
const dynaliteItemSize = dynaliteDb.itemSize;

function itemSizeAsAws(item: Record<string, unknown>, compress?: boolean, addMetaSize?: boolean, rangeKey?: string): number {
  return compress || addMetaSize ? dynaliteItemSize(item, compress, addMetaSize, rangeKey) : itemSizeBytes(item);
}

/** Idempotent: every dynalite of the process shares the one store module. */
export function measureDynaliteItemsInBytes(): void {
  dynaliteDb.itemSize = itemSizeAsAws;
}
