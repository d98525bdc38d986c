import { type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mapBounded, type ManifestEntry } from '../../vault';
import { type CapacityTokenBucket } from '../sources/capacity-token-bucket';
import { decodeItemLines } from '../sources/dynamodb-item-codec';
import { BYTES_PER_READ_UNIT } from '../sources/read-capacity-budget';
import { estimatedItemUnits } from './budgeted-rounds';
import { checkDynamoDbItemsInTime } from './dynamodb-item-check';
import { writeDynamoDbItems } from './dynamodb-item-writer';
import { SnapshotMismatchError } from './restore-errors';
import { RestoreShardCursorError, type RestoredSoFar } from './restore-shard-cursor';
import { type ShardStopGate } from './shard-stop-gate';

type Item = Record<string, AttributeValue>;

/** Where in a shard's pages a call starts: a page (its index among the shard's entries) and that page's first item not yet written. */
export type ItemPagesStart = { readonly page: number; readonly item: number };

export type ItemPagesRun = {
  readonly ddb: DynamoDBClient;
  readonly table: string;
  /** The table's key attributes, by which each page's items are read back. */
  readonly tableKey: readonly string[];
  readonly budgets: { readonly write?: CapacityTokenBucket; readonly read?: CapacityTokenBucket };
  /** A page's content (EntryContentPrefetch). */
  readonly content: (entry: ManifestEntry) => AsyncIterable<Buffer>;
  /** Pages written at once. */
  readonly atOnce: number;
  readonly gate: ShardStopGate;
  /** What the restore is, for the errors. */
  readonly describe: string;
};

/** What this call did: counted up to where it stopped; `stoppedAt`: where the next call carries on (absent: the shard's pages are all done). */
export type ItemPagesOutcome = { restored: RestoredSoFar; stoppedAt?: ItemPagesStart };

/** One page's part in this call: not started, or the items it wrote and read back (from `from`) out of `total`. */
type PageOutcome = { started: false } | { started: true; total: number; from: number; written: number; bytes: number; mismatches: string[] };

/**
 * Writes a DynamoDB shard's pages (backed-up Scan pages, as JSON Lines of items) into the table from
 * `start`, `run.atOnce` pages at a time, and reads back the items each wrote (dynamodb-item-check.ts).
 * Resumable: once `run.gate` says stop, no page and no BatchWriteItem batch starts, and the call stops
 * at the first page not wholly written (the pages before it are, in manifest order): `stoppedAt` is
 * that page and its first item not written; what the call wrote of pages after it is not counted, as
 * the next call writes and reads those back again (puts that replace: harmless). Each item is read back
 * by the call that wrote it, so no item is checked or counted twice.
 *
 * Stopping must not outlast the call (review rW F1 of 8c2fe7ff: at a few WCU/s the batches queued for
 * the write budget took minutes to drain after the gate closed, past the Lambda's timeout). So a batch
 * stops waiting, queued or throttled, and counts as not written, once the time left before the stop
 * margin no longer holds the read-back of every batch started and what the read budget already owes
 * (at its current rate); no batch starts then either. The cursor's page's first batch always starts
 * but waits no longer either: a call that cannot afford it stops where it began. A read-back that runs
 * out of time (throttled, its budget slowed down: review rCC F1) counts its page only up to the
 * items it read back, and the cursor stops there. A resumed call first waits out the debt its cursor
 * carries, for as long as it has (review rCC F2); if that is not enough it stops where it began, owing
 * less. A call that can never afford one batch thus stops where it began until RestoreShardRoundsError
 * (restore-shard-cursor.ts) ends the restore, naming the budget.
 */
export async function restoreItemPages(pages: readonly ManifestEntry[], start: ItemPagesStart, run: ItemPagesRun): Promise<ItemPagesOutcome> {
  if (start.page >= pages.length && (start.page > 0 || start.item > 0)) {
    throw new RestoreShardCursorError(
      `${run.describe} was asked to carry on at manifest page ${start.page}, item ${start.item}, but it has ${pages.length} page${pages.length === 1 ? '' : 's'} (0 to ${pages.length - 1}): the cursor is past its end and not this shard's; run the restore again`,
    );
  }
  // The batches started and not yet read back (each page reads back once its writes end), in the order
  // they started, which is the order the write budget serves them in. A batch waiting for the budget
  // leaves the time to read back itself and those before it (the ones after it wait behind it); the
  // read budget's current rate gives that time.
  const started: Array<{ readUnits: number; live: boolean }> = [];
  const readBackMs = (upTo: number): number => {
    const read = run.budgets.read;
    if (!read) return 0;
    // What the read budget owes (a cursor's read debt, a read-back over its estimate) is waited out before any read-back.
    let units = read.debtUnits();
    for (let i = 0; i <= upTo && i < started.length; i++) if (started[i]?.live) units += started[i]?.readUnits ?? 0;
    return (units / read.currentUnitsPerSecond) * 1000;
  };
  if (!(await debtsSettled(run))) return { restored: { entries: 0, bytes: 0, items: 0, mismatches: [], mismatchCount: 0 }, stoppedAt: start };
  const restorePage = async (entry: ManifestEntry, index: number): Promise<PageOutcome> => {
    if (entry.kind !== 'page') throw new SnapshotMismatchError(`DynamoDB snapshot entry ${JSON.stringify(entry.path)} is a ${entry.kind}, not a page`);
    // The cursor's page starts whatever the others did (startFirst below): a page beside it may have closed the gate.
    if (index !== 0 && run.gate.stopping()) return { started: false };
    const chunks: Buffer[] = [];
    for await (const chunk of run.content(entry)) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const decoded = decodeItemLines(body);
    const from = index === 0 ? start.item : 0;
    if (from > 0 && from >= decoded.length) {
      throw new RestoreShardCursorError(
        `${run.describe} was asked to carry on at item ${from} of manifest page ${start.page} (${JSON.stringify(entry.path)}), which holds ${decoded.length} item${decoded.length === 1 ? '' : 's'}: the cursor is past the page's end and not this shard's; run the restore again`,
      );
    }
    const items = decoded.slice(from);
    // The cursor's page always starts its first batch (the gate's free piece of work), which waits for the budget only while the others would.
    let first = index === 0;
    const mine: Array<{ readUnits: number; live: boolean }> = [];
    const mayStart = (batch: readonly Item[]): boolean => {
      const at = { readUnits: readUnitsOf(batch), live: true };
      started.push(at);
      const go = first ? ((first = false), run.gate.startFirst()) : run.gate.msLeft() - readBackMs(started.length - 1) > 0 ? run.gate.mayStart() : (run.gate.close(), false);
      if (go) mine.push(at);
      else at.live = false;
      return go;
    };
    const waitLimitMs = (batch: number): number => {
      const at = mine[batch];
      if (!at) return Number.POSITIVE_INFINITY;
      const left = run.gate.msLeft() - readBackMs(started.indexOf(at));
      // Out of time: not written, and not read back.
      if (left <= 0) at.live = false;
      return left;
    };
    try {
      const written = await writeDynamoDbItems(run.ddb, run.table, items, { ...(run.budgets.write ? { writeBudget: run.budgets.write } : {}), mayStart, waitLimitMs });
      // A batch that ran out of time: the pages beside it start no more batches either.
      if (written < items.length) run.gate.close();
      const readBack = { ...(run.budgets.read ? { readBudget: run.budgets.read } : {}), msLeft: () => run.gate.msLeft() };
      const { mismatches, checked } = written > 0 ? await checkDynamoDbItemsInTime(run.ddb, run.table, run.tableKey, items.slice(0, written), readBack) : { mismatches: [], checked: 0 };
      // Read back in part: the page counts the items read back, and the rest are written again by the next call.
      if (checked < written) run.gate.close();
      return { started: true, total: decoded.length, from, written: checked, bytes: body.length, mismatches };
    } finally {
      for (const at of mine) at.live = false;
    }
  };
  const outcomes = await mapBounded(pages.slice(start.page), run.atOnce, restorePage);
  const restored: RestoredSoFar = { entries: 0, bytes: 0, items: 0, mismatches: [], mismatchCount: 0 };
  const count = (outcome: PageOutcome & { started: true }): void => {
    restored.items += outcome.written;
    restored.mismatches.push(...outcome.mismatches);
    restored.mismatchCount += outcome.mismatches.length;
  };
  for (const [offset, outcome] of outcomes.entries()) {
    const page = start.page + offset;
    if (!outcome.started) return { restored, stoppedAt: { page, item: offset === 0 ? start.item : 0 } };
    count(outcome);
    if (outcome.from + outcome.written < outcome.total) return { restored, stoppedAt: { page, item: outcome.from + outcome.written } };
    restored.entries++;
    restored.bytes += outcome.bytes;
  }
  return { restored };
}

/**
 * Waits out what a resumed call's budgets owe (its cursor's debt) for as long as the call may: false when
 * it may not long enough, and the call stops owing the rest. A debt is at most a Lambda run of its budget
 * (restore-shard-cursor.ts), so the next call can pay it; left to the first batch's wait it was unbounded.
 */
async function debtsSettled(run: ItemPagesRun): Promise<boolean> {
  const { write, read } = run.budgets;
  const within = Math.max(0, run.gate.msLeft());
  const settled = await Promise.all([write?.settleDebtWithin(within) ?? true, read?.settleDebtWithin(within) ?? true]);
  return settled.every(Boolean);
}

/** The read units of reading a batch back, as the read-back reserves them (dynamodb-item-check.ts). */
function readUnitsOf(batch: readonly Item[]): number {
  return batch.reduce((sum, item) => sum + estimatedItemUnits(item, BYTES_PER_READ_UNIT), 0);
}
