/**
 * A table's ItemCount and TableSizeBytes in the local cloud, which dynalite leaves at 0 forever
 * (docs/LOCAL-CLOUD.md, "Table sizes"). The backup's segment count and first page size follow from
 * them (lambdas/sources/dynamodb-segment-count.ts), so a local table is measured when it is
 * described: a Scan of the whole table through dynalite, each item sized as AWS documents item
 * sizes. AWS refreshes both figures about every six hours; the local cloud's are always current.
 */
export type TableSize = { readonly itemCount: number; readonly sizeBytes: number };

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One page of a Scan, as dynalite answers it. */
export type ScanPage = (exclusiveStartKey: JsonObject | undefined) => Promise<{ items: readonly unknown[]; lastEvaluatedKey: JsonObject | undefined }>;

export async function measureTable(scanPage: ScanPage): Promise<TableSize> {
  let itemCount = 0;
  let sizeBytes = 0;
  let start: JsonObject | undefined;
  do {
    const page = await scanPage(start);
    for (const item of page.items) {
      if (!isObject(item)) continue;
      itemCount += 1;
      sizeBytes += itemSizeBytes(item);
    }
    start = page.lastEvaluatedKey;
  } while (start);
  return { itemCount, sizeBytes };
}

/** An item's size by AWS's rules ("Item sizes and formats", DynamoDB developer guide): names and values in bytes. */
export function itemSizeBytes(item: JsonObject): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name, 'utf8') + attributeValueBytes(value);
  return size;
}

function attributeValueBytes(value: unknown): number {
  if (!isObject(value)) return 0;
  const [type, inner] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S':
      return typeof inner === 'string' ? Buffer.byteLength(inner, 'utf8') : 0;
    case 'N':
      return typeof inner === 'string' ? numberBytes(inner) : 0;
    case 'B':
      // Binary travels as base64 in the JSON protocol; its size is the decoded bytes.
      return typeof inner === 'string' ? Buffer.from(inner, 'base64').length : 0;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
    case 'NS':
    case 'BS':
      return Array.isArray(inner) ? inner.reduce<number>((sum, element) => sum + attributeValueBytes({ [type.slice(0, 1)]: element }), 0) : 0;
    case 'L':
      // 3 bytes for the list, 1 per element, plus the elements.
      return Array.isArray(inner) ? 3 + inner.reduce<number>((sum, element) => sum + 1 + attributeValueBytes(element), 0) : 3;
    case 'M':
      return isObject(inner) ? 3 + Object.entries(inner).reduce<number>((sum, [name, element]) => sum + 1 + Buffer.byteLength(name, 'utf8') + attributeValueBytes(element), 0) : 3;
    default:
      return 0;
  }
}

/**
 * A number is about one byte per two significant digits, plus one (AWS's documented approximation);
 * zero has no significant digit and is 1 byte, as the rule and dynalite give it.
 */
function numberBytes(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return digits.length === 0 ? 1 : Math.ceil(digits.length / 2) + 1;
}
