import { type AttributeValue, BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from '../runtime/errors';
import { mapBounded } from '../../vault';

const BATCH = 25;
const MAX_ROUNDS = 10;
/** Batches in flight per call: one batch at a time left the restore at half a plain copy's rate. */
const BATCHES_IN_FLIGHT = 4;

/**
 * Writes items with BatchWriteItem, 25 at a time, re-sending unprocessed items with backoff.
 * Items keep their low-level AttributeValue encoding, so numbers keep full precision.
 */
export async function writeDynamoDbItems(ddb: DynamoDBClient, table: string, items: readonly Record<string, AttributeValue>[]): Promise<number> {
  const batches = Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) => items.slice(i * BATCH, (i + 1) * BATCH));
  await mapBounded(batches, BATCHES_IN_FLIGHT, (batch) => writeBatch(ddb, table, batch));
  return items.length;
}

async function writeBatch(ddb: DynamoDBClient, table: string, batch: readonly Record<string, AttributeValue>[]): Promise<void> {
  let pending = batch.map((Item) => ({ PutRequest: { Item } }));
  for (let round = 0; pending.length > 0; round++) {
    if (round === MAX_ROUNDS) throw new TransientError(`Table ${table} kept ${pending.length} items unprocessed after ${MAX_ROUNDS} rounds (throttled).`);
    if (round > 0) await sleep(Math.min(2000, 50 * 2 ** round));
    const result = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
    pending = (result.UnprocessedItems?.[table] ?? []).flatMap((r) => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
  }
}
