import { type AttributeValue, BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from '../runtime/errors';

const BATCH = 25;
const MAX_ROUNDS = 10;

/**
 * Writes items with BatchWriteItem, 25 at a time, re-sending unprocessed items with backoff.
 * Items keep their low-level AttributeValue encoding, so numbers keep full precision.
 */
export async function writeDynamoDbItems(ddb: DynamoDBClient, table: string, items: readonly Record<string, AttributeValue>[]): Promise<number> {
  for (let i = 0; i < items.length; i += BATCH) {
    let pending = items.slice(i, i + BATCH).map((Item) => ({ PutRequest: { Item } }));
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_ROUNDS) throw new TransientError(`Table ${table} kept ${pending.length} items unprocessed after ${MAX_ROUNDS} rounds (throttled).`);
      if (round > 0) await sleep(Math.min(2000, 50 * 2 ** round));
      const result = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = (result.UnprocessedItems?.[table] ?? []).flatMap((r) => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
    }
  }
  return items.length;
}
