import { type AttributeValue, BatchGetItemCommand, type BatchGetItemCommandOutput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mapBounded } from '../../vault';
import { encodeItemText } from '../sources/dynamodb-item-codec';
import { isDynamoDbThrottle } from '../sources/dynamodb-throttling';
import { type CapacityTokenBucket } from '../sources/capacity-token-bucket';
import { estimatedItemUnits, reportedUnits, sendWithinBudget } from './budgeted-rounds';
import { sendUntilProcessed } from './unprocessed-rounds';

type Item = Record<string, AttributeValue>;

/** BatchGetItem's most keys per call. */
const KEYS_PER_CALL = 100;
const CALLS_IN_FLIGHT = 4;
/** A strongly consistent read costs 1 RCU per started 4 KB of each item. */
const BYTES_PER_READ_UNIT = 4096;

export type ItemCheckOptions = {
  /** Paces the reads to a read-capacity budget (shared by every page of the shard); absent: unpaced, throttling only backed off from. */
  readBudget?: CapacityTokenBucket;
  /**
   * With a read budget: milliseconds the read-back may still wait for it (a restore shard's time left,
   * shard-stop-gate.ts). At 0 no further call waits or starts, and only the items before the first one
   * not read back are checked (checkDynamoDbItemsInTime). Absent: it waits as long as the budget takes.
   */
  msLeft?: () => number;
};

/** What a read-back found: the mismatches of the first `checked` items (all of them unless it ran out of time). */
export type ItemCheckOutcome = { mismatches: string[]; checked: number };

/**
 * Reads the items a restore shard wrote back from the table (BatchGetItem, strongly consistent) and
 * compares each with the backup's, canonically encoded (encodeItemText: numbers, sets and binaries
 * exactly as stored). The mismatches, grouped by the items' attribute names, never their values:
 * the message reaches the execution's error and its logs. Items of the page that share a key can
 * only be one item in the table (the writes race, so which one is not known): every one beyond the
 * first is counted as lost, and the table's item passes when it equals any of them. Unprocessed keys
 * (throttling) are asked again (unprocessed-rounds.ts); a table that keeps refusing is a
 * TransientError, which the step retries.
 * With a read budget each call first reserves its items' estimated units and settles them with the
 * ConsumedCapacity DynamoDB reports, as the restore's writes do (dynamodb-item-writer.ts): the
 * read-back of a table the application still uses takes no more than its share.
 */
export async function checkDynamoDbItems(ddb: DynamoDBClient, table: string, keyNames: readonly string[], items: readonly Item[], options: ItemCheckOptions = {}): Promise<string[]> {
  return (await checkDynamoDbItemsInTime(ddb, table, keyNames, items, options)).mismatches;
}

/**
 * checkDynamoDbItems for a caller with a deadline (`options.msLeft`): a throttled read-back slows its
 * budget down to a sixteenth, so without one it could run minutes past a Lambda's timeout (review rCC
 * F1). The keys are read 100 a call in the items' order; once a call runs out of time no later call
 * starts, and `checked` is the number of items before the first whose key was not read back, the
 * mismatches those items' alone. The caller counts the rest as not written (puts that replace:
 * writing and reading them back again is harmless).
 */
export async function checkDynamoDbItemsInTime(ddb: DynamoDBClient, table: string, keyNames: readonly string[], items: readonly Item[], options: ItemCheckOptions = {}): Promise<ItemCheckOutcome> {
  // By key: the page's items that have it (more than one: they collapsed into one item of the table), in the order of their first item.
  const expected = new Map<string, Item[]>();
  const keyTexts = items.map((item) => {
    const key = keyOf(item, keyNames);
    if (key === undefined) return undefined;
    const text = encodeItemText(key);
    const same = expected.get(text);
    if (same) same.push(item);
    else expected.set(text, [item]);
    return text;
  });
  const wanted = [...expected.values()].map((same) => same[0] as Item);
  const calls = Array.from({ length: Math.ceil(wanted.length / KEYS_PER_CALL) }, (_, i) => wanted.slice(i * KEYS_PER_CALL, (i + 1) * KEYS_PER_CALL));
  const budget = options.readBudget;
  const msLeft = options.msLeft;
  // The table's items by key text, of the calls that were answered whole.
  const found = new Map<string, Item>();
  let outOfTime = false;
  const answered = await mapBounded(calls, CALLS_IN_FLIGHT, async (batch) => {
    if (outOfTime) return false;
    const keys = batch.map((item) => keyOf(item, keyNames) as Item);
    const got = budget ? await getItemsWithinBudget(ddb, table, keys, estimatedReadUnits(batch), budget, msLeft) : await getItems(ddb, table, keys);
    if (!got) {
      outOfTime = true;
      return false;
    }
    for (const item of got) {
      const key = keyOf(item, keyNames);
      if (key !== undefined) found.set(encodeItemText(key), item);
    }
    return true;
  });
  // Keys are read in the order of their first item: the items before the first key of the first call not answered have all theirs read.
  const firstNot = answered.indexOf(false);
  const unread = firstNot === -1 ? undefined : calls[firstNot]?.[0];
  const checked = unread === undefined ? items.length : items.indexOf(unread);
  const problems = new Map<string, number>();
  const note = (problem: string): void => void problems.set(problem, (problems.get(problem) ?? 0) + 1);
  const keyList = keyNames.map((k) => JSON.stringify(k)).join(', ');
  const judged = new Set<string>();
  for (let i = 0; i < checked; i++) {
    const item = items[i] as Item;
    const text = keyTexts[i];
    if (text === undefined) {
      note(`${itemShape(item)} (no key ${keyList}) missing or different in ${table}`);
      continue;
    }
    if (judged.has(text)) {
      note(`${itemShape(item)} sharing its key (${keyList}) with another item of the backup, so ${table} holds only one of them`);
      continue;
    }
    judged.add(text);
    const stored = found.get(text);
    // The table's item passes when it equals any of the items of that key, all written (which write won is not known).
    const storedText = stored === undefined ? undefined : encodeItemText(stored);
    if (storedText === undefined || !(expected.get(text) ?? []).some((want) => encodeItemText(want) === storedText)) note(missingOrDifferent(item, table));
  }
  return { mismatches: [...problems].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([problem, n]) => `${n === 1 ? 'an item' : `${n} items`} with attributes ${problem}`), checked };
}

function missingOrDifferent(item: Item, table: string): string {
  return `${itemShape(item)} missing or different in ${table}`;
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

/** The items of `keys` the table holds, paced by `budget` (budgeted-rounds.ts); undefined when `msLeft` ran out first (some keys not read). */
async function getItemsWithinBudget(ddb: DynamoDBClient, table: string, keys: readonly Item[], estimate: number, budget: CapacityTokenBucket, msLeft: (() => number) | undefined): Promise<Item[] | undefined> {
  const found: Item[] = [];
  // Unprocessed keys are a part of the call: their share of its estimate.
  const share = (pending: readonly Item[]): number => Math.ceil((estimate * pending.length) / keys.length);
  const whole = await sendWithinBudget(
    budget,
    `BatchGetItem from table ${table}`,
    keys,
    share,
    async (pending) => {
      const result = await ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } }, ReturnConsumedCapacity: 'TOTAL' }));
      found.push(...(result.Responses?.[table] ?? []));
      return { consumed: reportedUnits(result.ConsumedCapacity), attempts: result.$metadata.attempts ?? 1, unprocessed: result.UnprocessedKeys?.[table]?.Keys ?? [] };
    },
    msLeft,
  );
  return whole ? found : undefined;
}

/** Read units of reading `items` back strongly consistent. */
function estimatedReadUnits(items: readonly Item[]): number {
  return items.reduce((sum, item) => sum + estimatedItemUnits(item, BYTES_PER_READ_UNIT), 0);
}

/** The item's key, or undefined when it lacks a key attribute. Own properties (Object.fromEntries): a key attribute may be named `__proto__`. */
function keyOf(item: Item, keyNames: readonly string[]): Item | undefined {
  const entries: Array<[string, AttributeValue]> = [];
  for (const name of keyNames) {
    const value = Object.hasOwn(item, name) ? item[name] : undefined;
    if (value === undefined) return undefined;
    entries.push([name, value]);
  }
  return Object.fromEntries(entries);
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
