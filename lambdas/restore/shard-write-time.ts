import { BYTES_PER_READ_UNIT } from '../sources/read-capacity-budget';

/**
 * The time a DynamoDB restore shard is planned to write and read back its items in, at its share of
 * the target table's budgets: two thirds of the restore-shard function's 15-minute timeout
 * (lib/lifeboat-defaults.ts), the rest left for the vault's reads, a slower container and throttling
 * backoffs. A shard that runs out of time resumes where it stopped in another run (restore-shard-cursor.ts),
 * but sizing shards to fit one run keeps restores to their planned time (audit d4-1).
 */
export const SHARD_WRITE_SECONDS = 600;

/** DynamoDB charges a write 1 WCU per started KB of the item. */
const BYTES_PER_WRITE_UNIT = 1024;

/**
 * The shortest line a backed-up item can take (`{"k":{"S":"x"}}` and its newline): a key attribute's
 * name and value are at least one character. Bounds the items of a page whose entries were not read.
 */
export const SMALLEST_ITEM_LINE_BYTES = 16;

/** The most items a backed-up page holds (dynamodb-page-entries.ts ends a page at 4,096 items at the latest). */
export const MOST_ITEMS_PER_PAGE = 4096;

/**
 * The most items `pages` backed-up pages of `bytes` bytes in all can hold, for pages whose entries
 * (each recording its `items`) were not read: each page at most MOST_ITEMS_PER_PAGE, each item a line
 * of at least SMALLEST_ITEM_LINE_BYTES (review r8-F1: tiny items cost a unit each whatever their size).
 */
export function mostItemsOf(pages: number, bytes: number): number {
  return Math.min(pages * MOST_ITEMS_PER_PAGE, Math.floor(bytes / SMALLEST_ITEM_LINE_BYTES));
}

/**
 * The fewest items `pages` backed-up pages whose entries were not read can hold: one each. A time
 * from it is the least a shard can take, which alone may refuse a restore (task F33: counting unread
 * pages at their most refused restores of large tables whose real pages of ~64 items end easily).
 */
export function fewestItemsOf(pages: number): number {
  return pages;
}

/** What a shard restores: the bytes of its items' lines and how many items they are (an upper or a lower bound where pages were not read). */
export type ShardLoad = { readonly bytes: number; readonly items: number };

/**
 * A shard's capacity units at most: DynamoDB charges each item 1 WCU per started KB to write, and 1 RCU
 * per started 4 KB to read back strongly consistent (dynamodb-item-check.ts), so an item costs at most
 * its bytes over the unit plus one for the rounding up. An item's line is never shorter than DynamoDB's
 * measure of its size, so counting line bytes over-estimates, never under.
 */
export function shardUnits(load: ShardLoad): { writeUnits: number; readUnits: number } {
  return { writeUnits: load.bytes / BYTES_PER_WRITE_UNIT + load.items, readUnits: load.bytes / BYTES_PER_READ_UNIT + load.items };
}

/** A shard's budgets while as many shards as the Map runs at once run beside it: write and read units a second. */
export type ShardRates = { writeUnitsPerSecond: number; readUnitsPerSecond: number };

/** Seconds a shard takes at least to write and read back its items at these rates. */
export function shardSeconds(load: ShardLoad, rates: ShardRates): number {
  const { writeUnits, readUnits } = shardUnits(load);
  return writeUnits / rates.writeUnitsPerSecond + readUnits / rates.readUnitsPerSecond;
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
