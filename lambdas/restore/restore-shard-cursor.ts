import { z } from 'zod';

/**
 * The most calls of Restore shard one batch may take: a DynamoDB shard slowed by its write budget or
 * by throttling stops near its Lambda's deadline and is called again (restore-source-chain.ts). 64
 * calls of at most 15 minutes are 16 hours. That fits the restore's 24-hour timeout (WORKFLOW_TIMEOUT)
 * only for a batch that starts early: a second wave of child executions (more batches than the Map
 * runs at once), an archive thaw before the shards, or a drill's child, whose time is what is left of
 * its drill's, can leave less, and then the execution's timeout, which names no shard, ends the
 * restore first (review rW F2 of 8c2fe7ff). RestoreShardRoundsError, which says why, is for a shard
 * that cannot end however long the execution has.
 */
export const MAX_RESTORE_SHARD_ROUNDS = 64;

/** The mismatches a cursor carries, as a shard's check record lists them (shard-checks.ts SHARD_CHECK_LISTED); the rest are counted. */
const CURSOR_MISMATCHES_LISTED = 100;

/**
 * Where a batch of Restore shard that stopped at its deadline carries on, returned with `done: false`
 * and handed back in the next call's `resume`: the shard at position `batchItem` of the batch's Items
 * (those before it are done), from its `page`th manifest page (its selected entries, in manifest
 * order; those before it are written and read back) and that page's `item`th item (the items before it
 * are too). Only DynamoDB shards stop within a shard, after a completed BatchWriteItem batch; other
 * shards stop only between shards (page and item 0). `restored`: what the shard's earlier calls wrote
 * and found, added to what the next call does for its check record; `debt`: what its write and read
 * budgets owed. Pages after `page` that the
 * stopped call also wrote are written and read back again: the items are puts that replace, so writing
 * a few twice (and after a crash, a whole call's again) leaves the table the same.
 */
export const restoreShardCursorSchema = z
  .object({
    /** Calls of this batch so far (MAX_RESTORE_SHARD_ROUNDS at most). */
    round: z.number().int().min(1),
    batchItem: z.number().int().min(0),
    page: z.number().int().min(0),
    item: z.number().int().min(0),
    restored: z
      .object({
        entries: z.number().int().min(0),
        bytes: z.number().int().min(0),
        items: z.number().int().min(0),
        mismatches: z.array(z.string()).max(CURSOR_MISMATCHES_LISTED),
        mismatchCount: z.number().int().min(0),
      })
      .strict(),
    /**
     * Units the shard's budgets ended owing (CapacityTokenBucket.debtUnits): the next call's buckets start that far
     * below empty, as a backup's resumed scan does, so calls one after the other stay within the budget together.
     * At most a Lambda run of each budget (checkedCursorDebt).
     */
    debt: z.object({ writeUnits: z.number().min(0), readUnits: z.number().min(0) }).strict().optional(),
  })
  .strict();
export type RestoreShardCursor = z.infer<typeof restoreShardCursorSchema>;

/** What a shard's calls have written and read back so far (a cursor's `restored`). */
export type RestoredSoFar = RestoreShardCursor['restored'];

export const NOTHING_RESTORED: RestoredSoFar = { entries: 0, bytes: 0, items: 0, mismatches: [], mismatchCount: 0 };

/** Both calls' counts, the first mismatches kept sorted and bounded. */
export function addRestored(a: RestoredSoFar, b: RestoredSoFar): RestoredSoFar {
  return {
    entries: a.entries + b.entries,
    bytes: a.bytes + b.bytes,
    items: a.items + b.items,
    mismatches: [...a.mismatches, ...b.mismatches].sort().slice(0, CURSOR_MISMATCHES_LISTED),
    mismatchCount: a.mismatchCount + b.mismatchCount,
  };
}

/** The longest a Lambda function runs (its 15-minute timeout at most). */
export const LAMBDA_RUN_SECONDS = 900;

/**
 * A cursor's debt, refused when it is more than a Lambda run of the shard's budget (units a second; absent:
 * no budget, nothing owed). A call ends owing at most what it consumed beyond its budget, which is at most
 * its shard's units, planned to fit SHARD_WRITE_SECONDS (600 s) at that rate; a larger debt is not this
 * shard's (review rCC F2: unbounded, the resumed call waited it out for years). One the call cannot wait
 * out in its time is carried on, less what it waited (dynamodb-shard-pages.ts).
 */
export function checkedCursorDebt(debt: RestoreShardCursor['debt'], rates: { write?: number | undefined; read?: number | undefined }, describe: string): { writeUnits: number; readUnits: number } {
  const owed = { writeUnits: rates.write ? (debt?.writeUnits ?? 0) : 0, readUnits: rates.read ? (debt?.readUnits ?? 0) : 0 };
  for (const [kind, units, rate] of [['write', owed.writeUnits, rates.write], ['read', owed.readUnits, rates.read]] as const) {
    if (rate && units > rate * LAMBDA_RUN_SECONDS) {
      throw new RestoreShardCursorError(
        `${describe} was asked to carry on owing ${units} ${kind} capacity units, more than a Lambda run (${LAMBDA_RUN_SECONDS} s) of its ${kind} budget (${rate} units a second, ${rate * LAMBDA_RUN_SECONDS} units) can owe: the cursor's debt is not this shard's; run the restore again`,
      );
    }
  }
  return owed;
}

/** A cursor that does not fit the batch or the shard it is handed with (past its end, or within a shard that cannot stop there): not retried. */
export class RestoreShardCursorError extends Error {
  override readonly name = 'RestoreShardCursorError';
}

/** A batch that still had work left after MAX_RESTORE_SHARD_ROUNDS calls: not retried (the same budget would take as long again). */
export class RestoreShardRoundsError extends Error {
  override readonly name = 'RestoreShardRoundsError';
}
