import { createHash } from 'node:crypto';
import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, GetItemCommand, ResourceNotFoundException, ScanCommand } from '@aws-sdk/client-dynamodb';
import { canonicalAttributes, itemKeyLabel, itemKeyOf, itemKeyText, ItemKeyTextError, type SetOrder } from './dynamodb-item-key';
import { type MirrorDifference } from './mirror-record';
import { MAX_UNRESOLVED } from './mirror-verdict';

export type DynamoDbMirrorWindow = {
  /** Items compared: the source's window's, and those of the replica's window the source does not have. */
  compared: number;
  /** Differences not in flight: with no grace, every item that differs (else none: each is in flight when first seen). */
  differences: number;
  examples: MirrorDifference[];
  /** Items that differ, in flight when first seen (with a grace); absent when none. */
  inFlight?: number;
  /**
   * Those of them a later run may follow (dynamodb-mirror-recheck.ts), each with its replica copy as read: every one
   * the record follows already (`followed`), and at most MAX_UNRESOLVED others (newInFlightKeys).
   */
  inFlightKeys?: Array<{ key: string; replicaCopy: string }>;
  /** The last key of the window (itemKeyText), or '' at the end of the table (or when the source was not scanned). */
  cursor: string;
  /** The last key of the replica's window, or '' at the end of the replica (or when it was not scanned). */
  replicaCursor: string;
  /** Set when the replica is missing and the source is not (the source's ResourceNotFoundException is thrown): the precondition, said so the user can act. */
  missingReplica?: string;
};

const MAX_DIFFERENCES = 20;

type Item = Record<string, AttributeValue>;

/**
 * The window's cursor (the `MIRROR#` item's `cursor`, or `replicaCursor`) is not an item key this version reads. Its
 * message names the cursor by itemKeyLabel, not its text: the error is the execution's cause, and a key's text is
 * the item's values.
 */
export class MirrorCursorError extends Error {
  override readonly name = 'MirrorCursorError';
  constructor(table: string, cursor: string, cause: ItemKeyTextError, field: 'cursor' | 'replicaCursor' = 'cursor') {
    const side = field === 'cursor' ? 'table' : "table's replica";
    super(`the mirror check's ${field} for ${side} ${table} (${itemKeyLabel(cursor)}) is not a DynamoDB item key: set \`${field}\` of its MIRROR# item in the DR catalog to "" to start the next pass at the table's beginning`, { cause });
  }
}

/** The Scan's ExclusiveStartKey for the window after `cursor` (the record's `field`). */
function startKey(table: string, cursor: string, field: 'cursor' | 'replicaCursor'): Item {
  try {
    return itemKeyOf(cursor);
  } catch (err) {
    if (err instanceof ItemKeyTextError) throw new MirrorCursorError(table, cursor, err, field);
    throw err;
  }
}

/**
 * How the replica's copy of an item differs from the source's, attribute by attribute, or undefined when
 * they agree. Absent from both is equal: the item was deleted, and the deletion has replicated.
 */
export function itemDifference(item: Item | undefined, copy: Item | undefined): string | undefined {
  if (!item) return copy ? 'in the replica but deleted from the source' : undefined;
  if (!copy) return 'missing in the replica';
  return canonicalAttributes(copy) !== canonicalAttributes(item) ? 'differs in the replica' : undefined;
}

/**
 * The replica's copy of an item as a digest (`sha256:<hex>` of its canonical attributes; `absent` when there is
 * none): what a followed key keeps of the copy it last read, to see whether replication has moved it since.
 * `sets` 'as given' is the digest versions before audit b5-4 stored (a set's members in the order read), which a
 * re-check takes as the same copy (dynamodb-mirror-recheck.ts), so an upgrade does not re-date every followed item.
 */
export function replicaCopyDigest(copy: Item | undefined, sets: SetOrder = 'sorted'): string {
  return copy ? `sha256:${createHash('sha256').update(canonicalAttributes(copy, sets), 'utf8').digest('hex')}` : 'absent';
}

/**
 * Which of the window's newly seen keys in flight are listed, when more than MAX_UNRESOLVED: an order that changes from
 * run to run (SHA-256 of the run's `rotation` and the key), not the key order. In the key order, a window whose first 100
 * new keys are items rewritten faster than they replicate (in flight at every run, never a difference) would list those at
 * every run and never an item after them whose replication stopped, which would never become a difference (review r1 F1
 * on 33caacf); in this order each key is listed by some run, and once followed unmoved it keeps its place (mirror-verdict.ts).
 */
function newInFlightKeys<T extends { key: string }>(keys: T[], rotation: string): T[] {
  if (keys.length <= MAX_UNRESOLVED) return keys;
  const rank = (key: string): string => createHash('sha256').update(`${rotation}\n${key}`, 'utf8').digest('hex');
  return keys
    .map((k) => ({ k, rank: rank(k.key) }))
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .slice(0, MAX_UNRESOLVED)
    .map(({ k }) => k);
}

/**
 * One window of a table compared with its global-table replica in the mirror region: a page of the
 * source's items (from `after`) each read from the replica by key and compared attribute by attribute, and
 * a page of the replica's items (from `replicaAfter`) each not in the source's page looked up in the source
 * by key (strongly consistent), for items only the replica holds (audit b5-3: a delete that never replicated,
 * or a write in the DR region that never replicated back, was in no source window and passed every run).
 * A side whose cursor is undefined has done its part of the pass (dynamodb-mirror-pass.ts) and is not scanned.
 * No lag: DynamoDB reports `ReplicationLatency` to CloudWatch, which this check does not read.
 * DynamoDB keeps no write time per item, so an item that differs is dated from when first seen: with a
 * grace it is in flight (as a delete is in an S3 window), followed by later runs, which judge it by whether
 * its replica copy moves (dynamodb-mirror-recheck.ts); without one (0, the default) it is a difference at once.
 */
export async function compareDynamoDbMirror(
  source: { ddb: DynamoDBClient; table: string },
  replica: { ddb: DynamoDBClient; table: string; region: string },
  options: { after: string | undefined; replicaAfter: string | undefined; samples: number; graceSeconds?: number; followed?: ReadonlySet<string>; rotation?: string },
): Promise<DynamoDbMirrorWindow> {
  let keyNames: string[];
  try {
    const described = await replica.ddb.send(new DescribeTableCommand({ TableName: replica.table }));
    keyNames = (described.Table?.KeySchema ?? []).flatMap((k) => (k.AttributeName ? [k.AttributeName] : []));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException) && (err as Error).name !== 'ResourceNotFoundException') throw err;
    // A table missing from both regions is a source that does not exist (a wrong name in the plan, or deleted), not a missing
    // replica (review r6 R6-2): the source's own ResourceNotFoundException is then the error, which the check records as such.
    // Only the source's own "does not exist" may replace the replica's: any other failure there (its region unreachable)
    // must not hide that the DR region has no replica, or the check would keep the last clean pass.
    try {
      await source.ddb.send(new DescribeTableCommand({ TableName: source.table }));
    } catch (sourceErr) {
      if (sourceErr instanceof ResourceNotFoundException || (sourceErr as Error).name === 'ResourceNotFoundException') throw sourceErr;
    }
    return {
      compared: 0,
      differences: 0,
      examples: [],
      cursor: '',
      replicaCursor: '',
      missingReplica: `table ${replica.table} has no replica in ${replica.region}: make it a global table with a replica there (the mirror's precondition)`,
    };
  }
  const keyOf = (item: Item): Item => Object.fromEntries(keyNames.map((k) => [k, item[k] as AttributeValue]));
  const examples: MirrorDifference[] = [];
  let differences = 0;
  // Keys in flight the record follows already, and the others (at most 2 × `samples`: held until the window is read).
  const followedKeys: Array<{ key: string; replicaCopy: string }> = [];
  const otherKeys: Array<{ key: string; replicaCopy: string }> = [];
  let inFlight = 0;
  let compared = 0;
  const judge = (key: Item, item: Item | undefined, copy: Item | undefined): void => {
    compared += 1;
    const reason = itemDifference(item, copy);
    if (!reason) return;
    const text = itemKeyText(key);
    if ((options.graceSeconds ?? 0) > 0) {
      inFlight += 1;
      (options.followed?.has(text) === true ? followedKeys : otherKeys).push({ key: text, replicaCopy: replicaCopyDigest(copy) });
    } else {
      differences += 1;
      if (examples.length < MAX_DIFFERENCES) examples.push({ key: text, reason });
    }
  };
  const inSourcePage = new Set<string>();
  let cursor = '';
  if (options.after !== undefined) {
    const page = await source.ddb.send(
      new ScanCommand({ TableName: source.table, Limit: options.samples, ...(options.after ? { ExclusiveStartKey: startKey(source.table, options.after, 'cursor') } : {}) }),
    );
    for (const item of page.Items ?? []) {
      const key = keyOf(item);
      inSourcePage.add(itemKeyText(key));
      const { Item: copy } = await replica.ddb.send(new GetItemCommand({ TableName: replica.table, Key: key }));
      judge(key, item, copy);
    }
    cursor = page.LastEvaluatedKey ? itemKeyText(page.LastEvaluatedKey) : '';
  }
  let replicaCursor = '';
  if (options.replicaAfter !== undefined) {
    const page = await replica.ddb.send(
      new ScanCommand({ TableName: replica.table, Limit: options.samples, ...(options.replicaAfter ? { ExclusiveStartKey: startKey(replica.table, options.replicaAfter, 'replicaCursor') } : {}) }),
    );
    for (const copy of page.Items ?? []) {
      const key = keyOf(copy);
      if (inSourcePage.has(itemKeyText(key))) continue;
      // Strongly consistent: an item the source has just written is not taken for one only the replica has.
      const { Item: item } = await source.ddb.send(new GetItemCommand({ TableName: source.table, Key: key, ConsistentRead: true }));
      // An item the source has too is compared by the source's part of the pass, before or after this window.
      if (item) continue;
      judge(key, undefined, copy);
    }
    replicaCursor = page.LastEvaluatedKey ? itemKeyText(page.LastEvaluatedKey) : '';
  }
  const inFlightKeys = [...followedKeys, ...newInFlightKeys(otherKeys, options.rotation ?? '')];
  return {
    compared,
    differences,
    examples,
    ...(inFlight > 0 ? { inFlight, inFlightKeys } : {}),
    cursor,
    replicaCursor,
  };
}
