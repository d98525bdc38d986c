import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { itemDifference, replicaCopyDigest } from './dynamodb-mirror-comparison';
import { ItemKeyTextError, itemKeyOf } from './dynamodb-item-key';
import { type MirrorDifference, type PendingKey } from './mirror-record';
import { isInFlight } from './s3-mirror-comparison';

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

/** A key to re-check: an open difference (with its replica copy as last read, when known), or a key followed in flight (`pending`). */
export type DynamoDbRecheckedKey = { key: string; replicaCopy?: string; pending?: PendingKey };

/**
 * A re-checked key: equal (neither field), a difference, or in flight (`pending`); with its replica copy as
 * read now (`replicaCopy`), which the record keeps for the next run. `moved`: in flight again because its copy
 * moved; such a key may be so for ever (rewritten faster than it replicates), so it yields its place in the
 * record to the window's new keys (mirror-verdict.ts).
 */
export type DynamoDbRecheck = { key: string; difference?: MirrorDifference; pending?: PendingKey; replicaCopy: string; moved?: true };

/**
 * The keys an earlier check found different, or followed in flight, each read again from the source and from
 * the replica and compared as the window compares items (recheckS3Keys's counterpart). A key absent from both
 * is equal: the item was deleted and the deletion replicated. A key not of the replica's key schema (its table
 * recreated with another) is left out: it stays as it was, an open one until a clean pass.
 *
 * DynamoDB keeps no write time per item, so a key is judged by its replica copy, dated from when it was first
 * seen (review r7 F2: an item rewritten more often than it replicates — a counter, a heartbeat — is never read
 * equal, and the check failed at every run though replication worked). A copy other than the one last read
 * shows replication of the key moving: the key is in flight again, dated from now (for an open difference
 * too, as recheckS3Keys judges one whose mirror copy is newer afresh; without a grace it stays a difference).
 * A copy unchanged for longer than the grace while the source differs is a difference, dated from when the
 * key was first seen so. A followed key with no copy recorded is taken as first seen now; an open difference
 * with none (a record of an earlier version) stays one until its copy is seen to move.
 *
 * A key seen moving keeps `holdsPass`: unlike an S3 copy, whose time says it is at least as new as the write
 * waited for, a digest has no order, and a replica days behind moves too. So only a key seen equal lets the
 * candidate pass it holds count (mirror-verdict.ts): while an item is never read equal, no pass vouches for
 * the table, and its data age runs on from the last clean pass (docs/ARCHITECTURE.md, "Mirrors").
 */
export async function recheckDynamoDbKeys(
  source: DynamoDbMirrorSide,
  replica: DynamoDbMirrorSide,
  keys: readonly DynamoDbRecheckedKey[],
  options: { graceSeconds: number; now: () => number },
): Promise<DynamoDbRecheck[]> {
  if (keys.length === 0) return [];
  const schema = await keySchemaOf(replica);
  const results: DynamoDbRecheck[] = [];
  // One key at a time: the list is bounded (MAX_UNRESOLVED) and each check is two single-item reads.
  for (const { key: text, replicaCopy: lastCopy, pending } of keys) {
    const key = keyIn(text, schema);
    if (!key) continue;
    const [item, copy] = await Promise.all([itemAt(source, key), itemAt(replica, key)]);
    const replicaCopy = replicaCopyDigest(copy);
    const reason = itemDifference(item, copy);
    if (reason === undefined) {
      results.push({ key: text, replicaCopy });
      continue;
    }
    const now = options.now();
    const last = pending ? pending.replicaCopy : lastCopy;
    // A digest an earlier version stored (a set's members in the order read) of the copy read now is that copy, not a move.
    const moved = last === undefined ? pending !== undefined : last !== replicaCopy && last !== replicaCopyDigest(copy, 'as given');
    if (moved && options.graceSeconds > 0) {
      // In flight again from now; a key held by a candidate pass stays held (above).
      results.push({ key: text, pending: { ...(pending ?? { key: text }), foundAt: new Date(now).toISOString(), replicaCopy }, replicaCopy, moved: true });
    } else if (!pending || moved) {
      results.push({ key: text, difference: { key: text, reason }, replicaCopy });
    } else if (isInFlight(Date.parse(pending.foundAt), now, options.graceSeconds)) {
      results.push({ key: text, pending: { ...pending, replicaCopy }, replicaCopy });
    } else {
      const waited = `the replica's copy has not changed since ${pending.foundAt}: longer than the grace of ${options.graceSeconds} s`;
      results.push({ key: text, difference: { key: text, reason: `${reason} (${waited})`, foundAt: pending.foundAt }, replicaCopy });
    }
  }
  return results;
}
