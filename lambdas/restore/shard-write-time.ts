/**
 * The time a DynamoDB restore shard is planned to write and read back its items in, at its share of
 * the target table's budgets: two thirds of the restore-shard function's 15-minute timeout
 * (lib/lifeboat-defaults.ts), the rest left for the vault's reads, a slower container and throttling
 * backoffs. A shard cannot stop and resume where it was, so one planned longer than its timeout
 * would fail every retry from its first page (audit d4-1).
 */
export const SHARD_WRITE_SECONDS = 600;

/** Items a backed-up DynamoDB page holds on average: dynamodb-page-entries.ts ends a page after about 2^6 items. */
const ITEMS_PER_PAGE = 64;

/**
 * A DynamoDB shard's estimated capacity units: DynamoDB charges each item 1 WCU per started KB, at
 * most its bytes over 1 KB plus one for the rounding up; the plan reads page references, not items,
 * so items are counted at ITEMS_PER_PAGE a page. A strongly consistent read of an item costs at most
 * what its write does, so the same figure bounds the read-back. It is the shard cut's weight
 * (restore-shard-cuts.ts: bytes plus 64 KiB a page) over 1 KB, so shards cut even by weight are even by it.
 */
export function estimatedShardUnits(shard: { readonly bytes: number; readonly entries: number }): number {
  return shard.bytes / 1024 + shard.entries * ITEMS_PER_PAGE;
}

/** A shard's budgets while as many shards as the Map runs at once run beside it: write and read units a second. */
export type ShardRates = { writeUnitsPerSecond: number; readUnitsPerSecond: number };

/** The most estimated units a shard writes and reads back within SHARD_WRITE_SECONDS at these rates. */
export function shardUnitsWithin(rates: ShardRates): number {
  return SHARD_WRITE_SECONDS / (1 / rates.writeUnitsPerSecond + 1 / rates.readUnitsPerSecond);
}

/** Seconds a shard of these estimated units takes to write and read back at these rates. */
export function shardSeconds(units: number, rates: ShardRates): number {
  return units / rates.writeUnitsPerSecond + units / rates.readUnitsPerSecond;
}

/**
 * A DynamoDB restore whose shards cannot each be written within SHARD_WRITE_SECONDS at the table's
 * budget, even cut as finely as the plan may (its shard limit, or one backed-up page a shard) and
 * run one at a time (plan-restore.ts lowers the Map's concurrency before it refuses).
 * Not retried: the same budget plans the same shards.
 */
export class ShardWriteTimeError extends Error {
  override readonly name = 'ShardWriteTimeError';
}
