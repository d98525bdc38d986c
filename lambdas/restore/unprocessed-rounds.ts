import { TransientError } from '../runtime/errors';

/**
 * The backoff's wait, on the global setTimeout rather than node:timers/promises: jest's fake timers
 * replace the global one only, and the give-up test would otherwise wait its ten rounds (about 9 s) for real.
 */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rounds in a row that processed nothing before a restore shard gives up (the step's Retry takes over). */
const MAX_ROUNDS = 10;

/**
 * Sends one DynamoDB batch (BatchWriteItem, BatchGetItem) until all of it is processed: a throttled
 * table answers part of a batch and hands the rest back as unprocessed, which `send` returns and
 * which is sent again after a backoff (50 ms doubling, at most 2 s, with jitter so side-by-side
 * batches do not retry in step). A round that processed part of what it sent is progress: the backoff
 * starts over and only rounds that processed nothing count; after MAX_ROUNDS of those in a row, a
 * TransientError worded by `gaveUp` (audit d4-2: a table taking a few items a round is slow, not full).
 * Bounded: every other round takes at least one item off the batch.
 */
export async function sendUntilProcessed<T>(batch: readonly T[], send: (pending: T[]) => Promise<T[]>, gaveUp: (left: number, rounds: number) => string): Promise<void> {
  let pending = [...batch];
  let idle = 0;
  for (let round = 0; pending.length > 0; round++) {
    if (idle === MAX_ROUNDS) throw new TransientError(gaveUp(pending.length, MAX_ROUNDS));
    if (round > 0) await pause(Math.min(2000, 50 * 2 ** (idle + 1)) * (0.5 + Math.random() / 2));
    const left = await send(pending);
    idle = left.length < pending.length ? 0 : idle + 1;
    pending = left;
  }
}
