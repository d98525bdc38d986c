import { type AttributeValue, BatchGetItemCommand, type BatchGetItemCommandOutput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mapBounded } from '../../vault';
import { encodeItemText } from '../sources/dynamodb-item-codec';
import { isDynamoDbThrottle } from '../sources/dynamodb-throttling';
import { sendUntilProcessed } from './unprocessed-rounds';

type Item = Record<string, AttributeValue>;

/** BatchGetItem's most keys per call. */
const KEYS_PER_CALL = 100;
const CALLS_IN_FLIGHT = 4;

/**
 * Reads the items a restore shard wrote back from the table (BatchGetItem, strongly consistent) and
 * compares each with the backup's, canonically encoded (encodeItemText: numbers, sets and binaries
 * exactly as stored). The mismatches, grouped by the items' attribute names, never their values:
 * the message reaches the execution's error and its logs. Unprocessed keys (throttling) are asked
 * again (unprocessed-rounds.ts); a table that keeps refusing is a TransientError, which the step retries.
 */
export async function checkDynamoDbItems(ddb: DynamoDBClient, table: string, keyNames: readonly string[], items: readonly Item[]): Promise<string[]> {
  // A key written twice holds the later write.
  const expected = new Map<string, Item>();
  const problems = new Map<string, number>();
  const note = (shape: string): void => void problems.set(shape, (problems.get(shape) ?? 0) + 1);
  for (const item of items) {
    const key = keyOf(item, keyNames);
    if (key === undefined) note(`${itemShape(item)} (no key ${keyNames.map((k) => JSON.stringify(k)).join(', ')})`);
    else expected.set(encodeItemText(key), item);
  }
  const keys = [...expected.values()].map((item) => keyOf(item, keyNames) as Item);
  const calls = Array.from({ length: Math.ceil(keys.length / KEYS_PER_CALL) }, (_, i) => keys.slice(i * KEYS_PER_CALL, (i + 1) * KEYS_PER_CALL));
  await mapBounded(calls, CALLS_IN_FLIGHT, async (batch) => {
    for (const found of await getItems(ddb, table, batch)) {
      const key = keyOf(found, keyNames);
      const text = key === undefined ? undefined : encodeItemText(key);
      const want = text === undefined ? undefined : expected.get(text);
      if (text === undefined || want === undefined) continue;
      expected.delete(text);
      if (encodeItemText(found) !== encodeItemText(want)) note(itemShape(want));
    }
  });
  for (const missing of expected.values()) note(itemShape(missing));
  return [...problems].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([shape, n]) => `${n === 1 ? 'an item' : `${n} items`} with attributes ${shape} missing or different in ${table}`);
}

/** The items of `keys` the table holds, asking again for unprocessed keys. */
async function getItems(ddb: DynamoDBClient, table: string, keys: readonly Item[]): Promise<Item[]> {
  const found: Item[] = [];
  await sendUntilProcessed(
    keys,
    async (pending) => {
      let result: BatchGetItemCommandOutput;
      try {
        result = await ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
      } catch (err) {
        // Refused whole (the SDK's own retries spent): every key is asked again.
        if (isDynamoDbThrottle(err)) return pending;
        throw err;
      }
      found.push(...(result.Responses?.[table] ?? []));
      return result.UnprocessedKeys?.[table]?.Keys ?? [];
    },
    (left, rounds) => `Table ${table} kept ${left} keys unprocessed after ${rounds} rounds of reading back (throttled).`,
  );
  return found;
}

function keyOf(item: Item, keyNames: readonly string[]): Item | undefined {
  const key: Item = {};
  for (const name of keyNames) {
    const value = item[name];
    if (value === undefined) return undefined;
    key[name] = value;
  }
  return key;
}

/** An item's attribute names, sorted and JSON-quoted. */
function itemShape(item: Item): string {
  return (
    Object.keys(item)
      .sort()
      .map((n) => JSON.stringify(n))
      .join(', ') || '(none)'
  );
}
