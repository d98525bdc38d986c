import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { itemDifference } from './dynamodb-mirror-comparison';
import { ItemKeyTextError, itemKeyOf } from './dynamodb-item-key';
import { type MirrorDifference } from './mirror-record';

export type DynamoDbMirrorSide = { ddb: DynamoDBClient; table: string };

/** The replica's key schema: each key attribute's name and type (S, N or B). */
async function keySchemaOf(side: DynamoDbMirrorSide): Promise<Map<string, string>> {
  const { Table } = await side.ddb.send(new DescribeTableCommand({ TableName: side.table }));
  const types = new Map((Table?.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]));
  return new Map((Table?.KeySchema ?? []).flatMap((k) => (k.AttributeName ? [[k.AttributeName, types.get(k.AttributeName) ?? '']] : [])));
}

/**
 * The key `text` stands for when it is a key of the table's schema (names and types): GetItem refuses any
 * other, which would fail the whole run. Undefined for text of another schema, or no key at all.
 */
function keyIn(text: string, schema: ReadonlyMap<string, string>): Record<string, AttributeValue> | undefined {
  let key: Record<string, AttributeValue>;
  try {
    key = itemKeyOf(text);
  } catch (err) {
    if (err instanceof ItemKeyTextError) return undefined;
    throw err;
  }
  const attributes = Object.entries(key);
  return attributes.length === schema.size && attributes.every(([name, value]) => Object.keys(value)[0] === schema.get(name)) ? key : undefined;
}

/** The item with `key` as one strongly consistent read sees it: a write the read follows is in it. */
async function itemAt(side: DynamoDbMirrorSide, key: Record<string, AttributeValue>): Promise<Record<string, AttributeValue> | undefined> {
  return (await side.ddb.send(new GetItemCommand({ TableName: side.table, Key: key, ConsistentRead: true }))).Item;
}

/**
 * The keys an earlier check found different, each read again from the source and from the replica and
 * compared as the window compares items (recheckS3Keys's counterpart). A key absent from both is equal:
 * the item was deleted and the deletion replicated. A key not of the replica's key schema (its table
 * recreated with another) is left out: it stays open until a clean pass.
 */
export async function recheckDynamoDbKeys(
  source: DynamoDbMirrorSide,
  replica: DynamoDbMirrorSide,
  keys: readonly string[],
): Promise<Array<{ key: string; difference?: MirrorDifference }>> {
  if (keys.length === 0) return [];
  const schema = await keySchemaOf(replica);
  const results: Array<{ key: string; difference?: MirrorDifference }> = [];
  // One key at a time: the list is bounded (MAX_UNRESOLVED) and each check is two single-item reads.
  for (const text of keys) {
    const key = keyIn(text, schema);
    if (!key) continue;
    const [item, copy] = await Promise.all([itemAt(source, key), itemAt(replica, key)]);
    const reason = itemDifference(item, copy);
    results.push(reason === undefined ? { key: text } : { key: text, difference: { key: text, reason } });
  }
  return results;
}
