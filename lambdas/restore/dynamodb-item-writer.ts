import { type AttributeValue, BatchWriteItemCommand, type BatchWriteItemCommandOutput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mapBounded } from '../../vault';
import { type CapacityTokenBucket } from '../sources/capacity-token-bucket';
import { estimatedItemUnits, reportedUnits, sendWithinBudget } from './budgeted-rounds';
import { sendUntilProcessed } from './unprocessed-rounds';

const BATCH = 25;
/** Batches in flight per call: one batch at a time left the restore at half a plain copy's rate. */
const BATCHES_IN_FLIGHT = 4;
/** One write capacity unit writes 1 KB of an item (each item rounded up on its own). */
const BYTES_PER_WRITE_UNIT = 1024;

type Item = Record<string, AttributeValue>;
type PutRequest = { PutRequest: { Item: Item } };

export type DynamoDbItemWriterOptions = {
  /** Paces the writes to a write-capacity budget (shared by every batch of the shard); absent: unpaced. */
  writeBudget?: CapacityTokenBucket;
  /**
   * Asked before each BatchWriteItem batch starts, with its items (restore-shard's deadline,
   * shard-stop-gate.ts); once it says no, no later batch of the call starts. Absent: every batch is written.
   */
  mayStart?: (batch: readonly Item[]) => boolean;
  /**
   * Milliseconds the batch at `index` (counted from 0) may still wait for the write budget: queued behind
   * other batches, for tokens, after throttling. At 0 it is not written whole, and no later batch starts.
   * Absent: it waits as long as the budget takes.
   */
  waitLimitMs?: (index: number) => number;
};

/**
 * Writes items with BatchWriteItem, 25 at a time, re-sending unprocessed items with backoff; returns
 * how many it wrote: all of them, or with `mayStart` and `waitLimitMs` the first ones, the whole
 * batches before the first that was refused or ran out of time. Batches end out of order (4 in flight,
 * and a batch's unprocessed items queue again behind later ones), so a batch after that one may have
 * been written too: it is not counted, and its items are written again by whoever carries on.
 * Items keep their low-level AttributeValue encoding, so numbers keep full precision.
 *
 * With a write budget each call first reserves its items' estimated units (1 WCU per started KB of
 * each item; the estimate is the item's JSON, a little above DynamoDB's own size), asks for
 * ReturnConsumedCapacity TOTAL and is charged what DynamoDB reports. Unprocessed items (a partly
 * throttled batch) and a throttling error (the whole batch refused) back off with jitter and slow the
 * budget down instead of failing the restore.
 */
export async function writeDynamoDbItems(ddb: DynamoDBClient, table: string, items: readonly Item[], options: DynamoDbItemWriterOptions = {}): Promise<number> {
  const batches = Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) => items.slice(i * BATCH, (i + 1) * BATCH));
  const { writeBudget: budget, mayStart, waitLimitMs } = options;
  let stopped = false;
  const whole = await mapBounded(batches, BATCHES_IN_FLIGHT, async (batch, index) => {
    stopped ||= mayStart ? !mayStart(batch) : false;
    if (stopped) return false;
    if (!budget) {
      await writeBatch(ddb, table, batch);
      return true;
    }
    const written = await writeBatchWithinBudget(ddb, table, batch, budget, waitLimitMs && (() => waitLimitMs(index)));
    stopped ||= !written;
    return written;
  });
  const firstNot = whole.indexOf(false);
  return batches.slice(0, firstNot === -1 ? batches.length : firstNot).reduce((sum, batch) => sum + batch.length, 0);
}

async function writeBatch(ddb: DynamoDBClient, table: string, batch: readonly Item[]): Promise<void> {
  await sendUntilProcessed(
    batch.map((Item): PutRequest => ({ PutRequest: { Item } })),
    async (pending) => unprocessed(await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } })), table),
    (left, rounds) => `Table ${table} kept ${left} items unprocessed after ${rounds} rounds (throttled).`,
  );
}

async function writeBatchWithinBudget(ddb: DynamoDBClient, table: string, batch: readonly Item[], budget: CapacityTokenBucket, msLeft: (() => number) | undefined): Promise<boolean> {
  return sendWithinBudget(
    budget,
    `BatchWriteItem into table ${table}`,
    batch.map((Item): PutRequest => ({ PutRequest: { Item } })),
    estimatedWriteUnits,
    async (pending) => {
      const result = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending }, ReturnConsumedCapacity: 'TOTAL' }));
      return { consumed: reportedUnits(result.ConsumedCapacity), attempts: result.$metadata.attempts ?? 1, unprocessed: unprocessed(result, table) };
    },
    msLeft,
  );
}

function unprocessed(result: BatchWriteItemCommandOutput, table: string): PutRequest[] {
  return (result.UnprocessedItems?.[table] ?? []).flatMap((r) => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
}

function estimatedWriteUnits(requests: readonly PutRequest[]): number {
  return requests.reduce((sum, r) => sum + estimatedItemUnits(r.PutRequest.Item, BYTES_PER_WRITE_UNIT), 0);
}
