import { TransientError } from '../runtime/errors';

/**
 * The backoff's wait, on the global setTimeout rather than node:timers/promises: jest's fake timers
 * replace the global one only, and the give-up test would otherwise wait its ten rounds (about 9 s) for real.
 */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rounds of sending what DynamoDB left unprocessed before a restore shard gives up (the step's Retry takes over). */
const MAX_ROUNDS = 10;

/**
 * Sends one DynamoDB batch (BatchWriteItem, BatchGetItem) until all of it is processed: a throttled
 * table answers part of a batch and hands the rest back as unprocessed, which `send` returns and
 * which is sent again after a backoff (50 ms doubling, at most 2 s, with jitter so side-by-side
 * batches do not retry in step). After MAX_ROUNDS rounds: a TransientError worded by `gaveUp`.
 */
export async function sendUntilProcessed<T>(batch: readonly T[], send: (pending: T[]) => Promise<T[]>, gaveUp: (left: number, rounds: number) => string): Promise<void> {
  let pending = [...batch];
  for (let round = 0; pending.length > 0; round++) {
    if (round === MAX_ROUNDS) throw new TransientError(gaveUp(pending.length, MAX_ROUNDS));
    if (round > 0) await pause(Math.min(2000, 50 * 2 ** round) * (0.5 + Math.random() / 2));
    pending = await send(pending);
  }
}
