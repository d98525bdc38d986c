import dynaliteDb from 'dynalite/db';

/**
 * dynalite 4 measures strings and attribute names in UTF-16 code units, not UTF-8 bytes, for the
 * 400 KB item limit: a CJK item three times over the limit was stored locally where AWS answers
 * ValidationException, so defects like an over-large CJK item (review r57D F2) could not be
 * reproduced on the local cloud. Its limit checks (PutItem and BatchWriteItem validation, UpdateItem's
 * item after the update, BatchGetItem's answer cap of 1 MB plus the item limit, 1,458,173 bytes) all
 * call the exported `itemSize` of its store module with the item alone; its capacity accounting calls
 * it with `compress`/`addMetaSize`, or calls its own function inside the module, and keeps dynalite's
 * figures. So the plain call keeps dynalite's measure and adds only what UTF-8 costs over UTF-16
 * units: dynalite's number sizes (sign, digit pairs, exponent parity) are closer to DynamoDB's than
 * AWS's documented rough rule (table-size.ts), which moved pure-ASCII number-heavy items across the
 * limit both ways (review r57J). The limit and dynalite's own error text stay.
 * Key sizes (2,048-byte partition, 1,024-byte sort key) are checked by an unexported function and
 * still count UTF-16 units (docs/LOCAL-CLOUD.md).
 */
const dynaliteItemSize = dynaliteDb.itemSize;

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** UTF-8 bytes minus UTF-16 units: 0 for ASCII, 1 per 2-byte character, 2 per BMP CJK one (a surrogate pair is 4 bytes, 2 units). */
const utf8Excess = (text: string): number => Buffer.byteLength(text, 'utf8') - text.length;

/** What the strings, attribute names and map keys of an item (inside lists and maps too) weigh in UTF-8 beyond dynalite's count. */
export function itemUtf8Excess(item: JsonObject): number {
  let excess = 0;
  for (const [name, value] of Object.entries(item)) excess += utf8Excess(name) + valueUtf8Excess(value);
  return excess;
}

function valueUtf8Excess(value: unknown): number {
  if (!isObject(value)) return 0;
  const [type, inner] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S':
      return typeof inner === 'string' ? utf8Excess(inner) : 0;
    case 'SS':
      return Array.isArray(inner) ? inner.reduce<number>((sum, element) => sum + (typeof element === 'string' ? utf8Excess(element) : 0), 0) : 0;
    case 'L':
      return Array.isArray(inner) ? inner.reduce<number>((sum, element) => sum + valueUtf8Excess(element), 0) : 0;
    case 'M':
      return isObject(inner) ? itemUtf8Excess(inner) : 0;
    default:
      return 0;
  }
}

function itemSizeInUtf8(item: JsonObject, compress?: boolean, addMetaSize?: boolean, rangeKey?: string): number {
  const dynaliteSize = dynaliteItemSize(item, compress, addMetaSize, rangeKey);
  return compress || addMetaSize ? dynaliteSize : dynaliteSize + itemUtf8Excess(item);
}

/** Idempotent: every dynalite of the process shares the one store module. */
export function measureDynaliteItemsInBytes(): void {
  dynaliteDb.itemSize = itemSizeInUtf8;
}
