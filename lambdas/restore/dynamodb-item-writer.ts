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
   * Asked before each BatchWriteItem batch starts (restore-shard's deadline, shard-stop-gate.ts); once it
   * says no, no later batch of the call starts. Batches start in order, so the items written are then the
   * first ones (whole batches), and the call returns how many. Absent: every batch is written.
   */
  mayStart?: () => boolean;
};

/**
 * Writes items with BatchWriteItem, 25 at a time, re-sending unprocessed items with backoff; returns
 * how many it wrote: all of them, or with `mayStart` the first ones, up to the batch it was told to stop at.
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
  const { writeBudget: budget, mayStart } = options;
  let stopped = false;
  const written = await mapBounded(batches, BATCHES_IN_FLIGHT, async (batch) => {
    stopped ||= mayStart ? !mayStart() : false;
    if (stopped) return 0;
    await (budget ? writeBatchWithinBudget(ddb, table, batch, budget) : writeBatch(ddb, table, batch));
    return batch.length;
  });
  return written.reduce((sum, n) => sum + n, 0);
}

async function writeBatch(ddb: DynamoDBClient, table: string, batch: readonly Item[]): Promise<void> {
  await sendUntilProcessed(
    batch.map((Item): PutRequest => ({ PutRequest: { Item } })),
    async (pending) => unprocessed(await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } })), table),
    (left, rounds) => `Table ${table} kept ${left} items unprocessed after ${rounds} rounds (throttled).`,
  );
}

async function writeBatchWithinBudget(ddb: DynamoDBClient, table: string, batch: readonly Item[], budget: CapacityTokenBucket): Promise<void> {
  await sendWithinBudget(
    budget,
    `BatchWriteItem into table ${table}`,
    batch.map((Item): PutRequest => ({ PutRequest: { Item } })),
    estimatedWriteUnits,
    async (pending) => {
      const result = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending }, ReturnConsumedCapacity: 'TOTAL' }));
      return { consumed: reportedUnits(result.ConsumedCapacity), attempts: result.$metadata.attempts ?? 1, unprocessed: unprocessed(result, table) };
    },
  );
}

function unprocessed(result: BatchWriteItemCommandOutput, table: string): PutRequest[] {
  return (result.UnprocessedItems?.[table] ?? []).flatMap((r) => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
}

function estimatedWriteUnits(requests: readonly PutRequest[]): number {
  return requests.reduce((sum, r) => sum + estimatedItemUnits(r.PutRequest.Item, BYTES_PER_WRITE_UNIT), 0);
}
