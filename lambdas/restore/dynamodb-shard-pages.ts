import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mapBounded, type ManifestEntry } from '../../vault';
import { type CapacityTokenBucket } from '../sources/capacity-token-bucket';
import { decodeItemLines } from '../sources/dynamodb-item-codec';
import { checkDynamoDbItems } from './dynamodb-item-check';
import { writeDynamoDbItems } from './dynamodb-item-writer';
import { SnapshotMismatchError } from './restore-errors';
import { RestoreShardCursorError, type RestoredSoFar } from './restore-shard-cursor';
import { type ShardStopGate } from './shard-stop-gate';

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

/** One page's part in this call: not started, or the items it wrote (from `from`) out of `total`. */
type PageOutcome = { started: false } | { started: true; total: number; from: number; written: number; bytes: number; mismatches: string[] };

/**
 * Writes a DynamoDB shard's pages (backed-up Scan pages, as JSON Lines of items) into the table from
 * `start`, `run.atOnce` pages at a time, and reads back the items each wrote (dynamodb-item-check.ts).
 * Resumable: once `run.gate` says stop, no page and no BatchWriteItem batch starts, those in flight end,
 * and the call stops at the first page not wholly written (the pages before it are, in manifest
 * order): `stoppedAt` is that page and its first item not written; what the call wrote of pages after
 * it is not counted, as the next call writes and reads those back again (puts that replace: harmless).
 * Each item is read back by the call that wrote it, so no item is checked or counted twice.
 */
export async function restoreItemPages(pages: readonly ManifestEntry[], start: ItemPagesStart, run: ItemPagesRun): Promise<ItemPagesOutcome> {
  if (start.page >= pages.length && (start.page > 0 || start.item > 0)) {
    throw new RestoreShardCursorError(
      `${run.describe} was asked to carry on at manifest page ${start.page}, item ${start.item}, but it has ${pages.length} page${pages.length === 1 ? '' : 's'} (0 to ${pages.length - 1}): the cursor is past its end and not this shard's; run the restore again`,
    );
  }
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
    // The cursor's page always writes its first batch, so every call moves the cursor on.
    let first = index === 0;
    const mayStart = (): boolean => (first ? ((first = false), run.gate.startFirst()) : run.gate.mayStart());
    const written = await writeDynamoDbItems(run.ddb, run.table, items, { ...(run.budgets.write ? { writeBudget: run.budgets.write } : {}), mayStart });
    const mismatches = written > 0 ? await checkDynamoDbItems(run.ddb, run.table, run.tableKey, items.slice(0, written), run.budgets.read ? { readBudget: run.budgets.read } : {}) : [];
    return { started: true, total: decoded.length, from, written, bytes: body.length, mismatches };
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
