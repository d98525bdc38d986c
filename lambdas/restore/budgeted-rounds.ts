import { type AttributeValue } from '@aws-sdk/client-dynamodb';
import { type CapacityTokenBucket } from '../sources/capacity-token-bucket';
import { isDynamoDbThrottle } from '../sources/dynamodb-throttling';

/** What one call of a budgeted batch returned: the units DynamoDB reported (undefined: none), the SDK's attempts, what it left unprocessed. */
export type BudgetedRound<T> = { consumed: number | undefined; attempts: number; unprocessed: T[] };

/**
 * Sends one DynamoDB batch (BatchWriteItem, BatchGetItem) within a capacity budget until all of it
 * is processed: each call first reserves the estimate of what is pending and is then charged the
 * ConsumedCapacity DynamoDB reports (`send` asks for ReturnConsumedCapacity TOTAL). A call refused
 * as throttled, and a call that leaves part of the batch unprocessed, back off with jitter and slow
 * the bucket. Only calls that get nothing through count toward the bucket's throttles in a row, after
 * which it gives up with a TransientError (`what` names the call): a call that processed part of the
 * batch is progress, and a table that keeps taking a little of each batch is slow, not full (audit d4-2).
 * With `msLeft` (a restore shard's time left to wait, shard-stop-gate.ts) a reservation gives up once it
 * reaches 0, queued or waiting, and the answer is false: the batch may be partly processed, so the caller
 * counts it as not written (puts that replace: writing it again is harmless). True: all of it processed.
 */
export async function sendWithinBudget<T>(
  budget: CapacityTokenBucket,
  what: string,
  batch: readonly T[],
  estimate: (pending: readonly T[]) => number,
  send: (pending: T[]) => Promise<BudgetedRound<T>>,
  msLeft?: () => number,
): Promise<boolean> {
  let pending = [...batch];
  while (pending.length > 0) {
    const reserved = msLeft ? await budget.reserveWhile(estimate(pending), msLeft) : await budget.reserve(estimate(pending));
    if (reserved === undefined) return false;
    let round: BudgetedRound<T>;
    try {
      round = await send(pending);
    } catch (err) {
      budget.settle(reserved, 0);
      if (!isDynamoDbThrottle(err)) throw err;
      await budget.throttled(what);
      continue;
    }
    budget.settle(reserved, round.consumed);
    const progressed = round.unprocessed.length < pending.length;
    pending = round.unprocessed;
    if (pending.length === 0) budget.succeeded(round.attempts);
    else if (progressed) await budget.partlyThrottled();
    else await budget.throttled(`${what} (${pending.length} unprocessed)`);
  }
  return true;
}

/** The units a response's ConsumedCapacity reports, all tables summed; undefined when it reports none (the estimate is charged). */
export function reportedUnits(consumed: ReadonlyArray<{ CapacityUnits?: number | undefined }> | undefined): number | undefined {
  return consumed ? consumed.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0) : undefined;
}

/**
 * Capacity units of an item by its size: DynamoDB charges each item on its own, rounded up to whole
 * units of `bytesPerUnit` (1 KB a write unit, 4 KB a strongly consistent read unit). The size is
 * estimated by the item's JSON, a little above DynamoDB's own measure.
 */
export function estimatedItemUnits(item: Record<string, AttributeValue>, bytesPerUnit: number): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(item)) / bytesPerUnit));
}
