/** At most this many shards go to one child execution: a shard is sized to about a minute of one Lambda's work (docs/SCALE.md). */
export const MAX_SHARDS_PER_BATCH = 10;
/** Child executions per concurrency slot, at least, so a slow batch does not leave the other slots idle at the end of a run. */
const BATCHES_PER_SLOT = 2;

/**
 * How many shards one child execution of the Snapshot shards map takes (its ItemBatcher's
 * MaxItemsPerBatch). One while there are few shards, so every shard runs in parallel; more when
 * there are many, which saves a child execution (and its cold start and state transitions) per
 * shard without idling the plan's concurrency: at least BATCHES_PER_SLOT batches per slot remain.
 */
export function shardsPerBatch(shards: number, maxConcurrency: number): number {
  const slots = Math.max(1, maxConcurrency);
  return Math.max(1, Math.min(MAX_SHARDS_PER_BATCH, Math.floor(shards / (slots * BATCHES_PER_SLOT))));
}
