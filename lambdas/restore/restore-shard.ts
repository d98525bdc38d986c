import { type BucketClock, CapacityTokenBucket } from '../sources/capacity-token-bucket';
import { CheckedWrites, comparePaths, EntryContentPrefetch, entriesNotRestored, type ManifestEntry, namingMissingIndexObjectsIn, type NotRestored, PieceFileMissingError, RestoredContentTags, UnindexedBlobError, type Vault } from '../../vault';
import { mapBounded } from '../../vault';
import { openDirectoryRestorer } from './directory-writer';
import { vaultForBlobs } from './vault-for-blobs';
import { restoreItemPages } from './dynamodb-shard-pages';
import { getRestorePlan, type RestorePlanDocument, type RestoreShard, type RestoreShardBatch, type RestoreShardTask } from './restore-plan-document';
import { type ResolvedRestore } from './resolved-restore';
import { loadRestoreSnapshot } from './restore-snapshot';
import { mountRootOf, openTargetDirectory, type TargetDirectory } from './target-directory';
import { SnapshotMismatchError } from './restore-errors';
import { selectedEntries } from './restore-selection';
import { s3Attributes, s3TargetKey } from './restored-entry';
import { writeS3Object } from './s3-object-writer';
import { uploadObjectPiece } from './split-object-upload';
import { putPieceRecord } from './piece-records';
import { checkRestoredEntries, type EntryCheckOutcome } from './restored-entry-check';
import { putShardCheck, type ShardCheck, SHARD_CHECK_LISTED } from './shard-checks';
import { notRestoredKinds } from './not-restored-kinds';
import { type RestoreIo } from './restore-io';
import { addRestored, checkedCursorDebt, MAX_RESTORE_SHARD_ROUNDS, NOTHING_RESTORED, type RestoredSoFar, type RestoreShardCursor, RestoreShardCursorError, RestoreShardRoundsError } from './restore-shard-cursor';
import { ShardStopGate } from './shard-stop-gate';

export type RestoreShardDeps = RestoreIo & {
  /** Entries written at once within a shard. @default FILE_ENTRIES_AT_ONCE for a file system, OBJECT_ENTRIES_AT_ONCE for S3 and DynamoDB */
  concurrency?: number;
  /** Test seam: the clock of the DynamoDB write budget (capacity-token-bucket.ts). */
  clock?: BucketClock;
  /** Milliseconds left of this invocation (the Lambda context's getRemainingTimeInMillis); absent = no limit, the batch ends in this call. */
  deadline?: () => number;
  /** Start nothing more once fewer milliseconds than this are left. @default as the backup shards: the larger of 60 s and a tenth of the time left at the start (shard-stop-gate.ts) */
  stopMarginMs?: number;
};

export type RestoreShardResult = {
  shardIndex: number;
  entries: number;
  bytes: number;
  items: number;
  /** File-system targets: entries (or attributes) not recreated as recorded — sockets, devices, some extended attributes — the first 20, and how many in all. */
  notRestored?: { count: number; first: NotRestored[] };
};

/** S3 objects and DynamoDB pages restored at once within a shard: each holds its content (a page whole) while it is written. */
export const OBJECT_ENTRIES_AT_ONCE = 4;

/**
 * Files restored at once within a shard. A file costs a few calls besides its bytes (create, chmod,
 * utimes, rename), which on EFS take milliseconds each, and a shard of small files at 4 in flight
 * left the cores idle behind them; the bytes in flight stay bounded by the restorer's byte budget
 * (64 MiB), whatever the number of files. The bench's drill alternating 4 and 16 (2026-12-03, three
 * pairs): 3.58 / 4.04 / 3.85 s against 3.20 / 3.22 / 3.60 s (docs/BENCHMARKS.md, "The drill section").
 */
export const FILE_ENTRIES_AT_ONCE = 16;

/** A BatchWriteItem of 25 items of up to a few KB must fit in the write budget's bucket, however small the budget. */
const WRITE_BATCH_BURST_UNITS = 25;
/** A read-back call asks for 100 keys: 100 RCU for items up to 4 KB. */
const READ_CALL_BURST_UNITS = 100;

/** One write budget and one read budget for a whole shard (DynamoDB targets): its pages are written and read back side by side and share them. */
type ItemBudgets = { readonly write?: CapacityTokenBucket; readonly read?: CapacityTokenBucket };

/** Entries of notRestored carried in a shard's result (it travels in the state machine's payload). */
const NOT_RESTORED_LISTED = 20;

/**
 * What a Restore shard invocation returns. `done`: every shard of the batch is restored and checked;
 * false: the call stopped near its deadline, and the workflow calls again with the batch and `resume`,
 * both given back here so that the answer is the next call's input (restore-source-chain.ts).
 * `shards`: the result of each shard that ended in this call, in the batch's order (a shard that ended
 * in an earlier call of the batch was reported by that call), as the backup's shard batches report.
 */
export type RestoreShardBatchResult = { restoreId: string; done: boolean; shards: RestoreShardResult[] } & Partial<Pick<RestoreShardBatch, 'BatchInput' | 'Items'>> & { resume?: RestoreShardCursor };

/**
 * Restores one shard (a contiguous range of the manifest) into the target, reads back what it wrote
 * (objects and files once written, a table's items page by page) and records what it found for the verify step
 * (shard-checks.ts). Idempotent: a retried shard writes the same objects, items and files again
 * (S3 puts and DynamoDB puts replace, files are written to a temporary name and renamed) and its
 * record anew, so Retry after a transient failure is safe.
 */
export async function restoreShard(task: RestoreShardTask, deps: RestoreShardDeps): Promise<RestoreShardResult> {
  const { shards } = await restoreShardBatch({ BatchInput: { restoreId: task.restoreId, planKey: task.planKey }, Items: [{ shardIndex: task.shardIndex }] }, deps);
  return shards[0] as RestoreShardResult;
}

/**
 * Restores the shards of a batch (a child execution of the restore runbook's Distributed Map, or one
 * iteration of an inline Map) one after the other, in the batch's order, reading the plan once. Every
 * index is checked against the plan before anything is written, so a batch that does not belong to
 * the plan fails whole. A shard failing fails the batch; a retry restores its shards again from the
 * first (or from `resume`), which the idempotence of restoreShard makes safe.
 *
 * Resumable (`deps.deadline`): near the deadline the call starts no further shard, and a DynamoDB shard
 * no further page or BatchWriteItem batch, and stops waiting for its write budget in time to read back
 * what it wrote, and its read-back in time to answer (dynamodb-shard-pages.ts); it answers done=false
 * with a cursor (restore-shard-cursor.ts) and is called again with it, at most MAX_RESTORE_SHARD_ROUNDS
 * times. A call that cannot afford even its first batch in its time answers the same cursor.
 * S3 and file-system shards are not cut: the plan sizes them to a Lambda run.
 */
export async function restoreShardBatch(batch: RestoreShardBatch, deps: RestoreShardDeps): Promise<RestoreShardBatchResult> {
  const { restoreId, planKey } = batch.BatchInput;
  const plan = await getRestorePlan(deps.planS3, deps.planBucket, planKey);
  if (plan.restore.restoreId !== restoreId) {
    throw new SnapshotMismatchError(`Restore plan ${planKey} belongs to restore ${plan.restore.restoreId}, not to ${restoreId}: the shard batch names another restore's plan`);
  }
  const shards = batch.Items.map((item) => shardOf(plan, item.shardIndex));
  const missing = batch.Items.filter((_, i) => shards[i] === undefined).map((item) => item.shardIndex);
  if (missing.length > 0) {
    throw new SnapshotMismatchError(
      `Restore plan ${planKey} has no shard ${missing.join(', ')} for restore ${restoreId} (${plan.shards.length === 0 ? 'it has none' : `its shards are 0 to ${plan.shards.length - 1}`}): the shard manifest and the plan disagree; run the restore again`,
    );
  }
  const resume = batch.resume;
  if (resume && resume.batchItem >= batch.Items.length) {
    throw new RestoreShardCursorError(
      `Restore shard batch of restore ${restoreId} was asked to carry on at its shard ${resume.batchItem} (counted from 0), but it has ${batch.Items.length}: the cursor is past the batch's end and not this batch's; run the restore again`,
    );
  }
  const round = (resume?.round ?? 0) + 1;
  const gate = ShardStopGate.forDeadline(deps.deadline, deps.stopMarginMs);
  const vault = await deps.openVault(plan.restore.vault);
  const snapshot = await loadRestoreSnapshot(vault, plan.restore);
  const results: RestoreShardResult[] = [];
  /** The answer of a call that stops: this batch again, from `at` (its position in Items). */
  const stopped = (at: number, where: { page: number; item: number }, restored: RestoredSoFar, budgets?: ItemBudgets): RestoreShardBatchResult => {
    if (round >= MAX_RESTORE_SHARD_ROUNDS) {
      const shardIndex = batch.Items[at]?.shardIndex ?? at;
      throw new RestoreShardRoundsError(
        `Restore shard ${shardIndex} of restore ${restoreId} still had items to write after ${round} calls of Restore shard, each stopped near its Lambda's timeout (it reached manifest page ${where.page}, item ${where.item}): ` +
          `the target's write budget${plan.writeUnitsPerShard ? ` (${plan.writeUnitsPerShard} WCU/s for each shard)` : ''}, its read-back budget${plan.readUnitsPerShard ? ` (${plan.readUnitsPerShard} RCU/s for each shard)` : ''}, ` +
          'or its throttling of the writes or the read-backs is too slow for the restore to end before its timeout. ' +
          'Raise the source\'s writeBudget (writeUnitsPerSecond, or shareOfProvisioned of an existing table) or the table\'s write and read capacity (the read-back budget is a share of it) and run the restore again; the items written so far stay (puts that replace).',
      );
    }
    const debt = { writeUnits: budgets?.write?.debtUnits() ?? 0, readUnits: budgets?.read?.debtUnits() ?? 0 };
    const owing = debt.writeUnits > 0 || debt.readUnits > 0 ? { debt } : {};
    return { restoreId, done: false, shards: results, BatchInput: batch.BatchInput, Items: batch.Items, resume: { round, batchItem: at, ...where, restored, ...owing } };
  };
  // A blob in no index fails the shard at its first file: which index objects the snapshot lists that the vault lacks, and
  // that `repair index` comes first, are named as `vault restore` names them (review r58H F3: "in no index" alone).
  const naming = async <T>(restoring: Promise<T>): Promise<T> => {
    try {
      return await restoring;
    } catch (err) {
      if (err instanceof UnindexedBlobError) throw await namingMissingIndexObjectsIn(vault, snapshot, err);
      throw err;
    }
  };
  for (let at = resume?.batchItem ?? 0; at < shards.length; at++) {
    const shard = shards[at] as RestoreShard;
    const from = at === resume?.batchItem ? resume : undefined;
    const byItems = plan.restore.target.type === 'dynamodb' && !shard.piece;
    if (from && !byItems && (from.page > 0 || from.item > 0)) {
      throw new RestoreShardCursorError(
        `Restore shard ${shard.index} of restore ${restoreId} was asked to carry on at manifest page ${from.page}, item ${from.item}, but only a DynamoDB shard stops within itself: the cursor is not this shard's; run the restore again`,
      );
    }
    // A DynamoDB shard's pieces of work are its batches (the gate is asked before each); another shard is one piece.
    if (byItems ? gate.stopping() : !gate.mayStart()) return stopped(at, { page: 0, item: 0 }, NOTHING_RESTORED);
    const entries: ManifestEntry[] = [];
    for await (const entry of selectedEntries(vault, snapshot, plan.restore, shard)) entries.push(entry);
    const shardVault = await vaultForBlobs(vault, () => entries.flatMap((e) => e.content), restoreId);
    if (shard.piece) {
      results.push(await naming(restorePiece(shardVault, plan, shard, entries, deps)));
      continue;
    }
    // The target directory is opened without following links and written through that descriptor (target-directory.ts).
    const targetDir = plan.restore.target.type === 'filesystem' ? await openTargetDirectory(mountRootOf(deps.mountPath, deps.directory), plan.restore.target.path, { create: true }) : null;
    try {
      const clock = deps.clock ? { clock: deps.clock } : {};
      // A resumed shard's buckets start owing what the stopped call's ended owing (review rW F3), a Lambda run of the budget at most (rCC F2).
      const debt = checkedCursorDebt(from?.debt, { write: plan.writeUnitsPerShard, read: plan.readUnitsPerShard }, `Restore shard ${shard.index} of restore ${restoreId}`);
      const owed = (units: number): { initialDebtUnits?: number } => (units > 0 ? { initialDebtUnits: units } : {});
      const budgets: ItemBudgets = {
        ...(plan.writeUnitsPerShard ? { write: new CapacityTokenBucket({ unitsPerSecond: plan.writeUnitsPerShard, minBurstUnits: WRITE_BATCH_BURST_UNITS, ...clock, ...owed(debt.writeUnits) }) } : {}),
        ...(plan.readUnitsPerShard ? { read: new CapacityTokenBucket({ unitsPerSecond: plan.readUnitsPerShard, minBurstUnits: READ_CALL_BURST_UNITS, ...clock, ...owed(debt.readUnits) }) } : {}),
      };
      if (byItems) {
        const outcome = await naming(restoreTableShard(shardVault, plan, shard, entries, deps, budgets, from, gate));
        if ('stoppedAt' in outcome) return stopped(at, outcome.stoppedAt, outcome.restored, budgets);
        results.push(outcome.result);
      } else {
        results.push(await naming(restoreEntries(shardVault, plan, shard, entries, targetDir, deps)));
      }
    } finally {
      await targetDir?.close();
    }
  }
  return { restoreId, done: true, shards: results };
}

/**
 * One piece of a large entry: an S3 object's byte range uploaded as its parts of the entry's
 * multipart upload (split-object-upload.ts), a file's blobs that start in the range written into
 * the restore's piece file (split-file-pieces.ts); either way recorded beside the plan.
 */
async function restorePiece(vault: Vault, plan: RestorePlanDocument, shard: RestoreShard, entries: readonly ManifestEntry[], deps: RestoreShardDeps): Promise<RestoreShardResult> {
  const target = plan.restore.target;
  const entry = entries[0];
  const piece = shard.piece;
  if (!piece || target.type === 'dynamodb' || entries.length !== 1 || !entry || entry.path !== shard.first || entry.size < piece.end) {
    throw new SnapshotMismatchError(`Restore plan shard ${shard.index} is a piece of ${JSON.stringify(shard.first)}, which the snapshot does not hold as one object or file of at least ${piece?.end ?? 0} bytes: the plan and the snapshot disagree; run the restore again`);
  }
  const restoreId = plan.restore.restoreId;
  if (target.type === 's3') {
    const bytes = await uploadObjectPiece(vault, entry, piece, { restoreId, shardIndex: shard.index, bucket: target.bucket, key: s3TargetKey(target, entry) }, deps);
    return { shardIndex: shard.index, entries: shard.entries, bytes, items: 0 };
  }
  // Never created here: the plan step made the target directory and the piece file (plan-restore.ts), so a piece
  // whose restore has ended (abandoned, or cleaned up by its drill) finds neither and leaves nothing behind.
  const targetDir = await openTargetDirectory(mountRootOf(deps.mountPath, deps.directory), target.path, { create: false });
  if (!targetDir) throw new PieceFileMissingError(entry.path, restoreId, `the target directory ${target.path}`);
  try {
    // A name the target refuses as too long has no piece file, as the plan records (createPieceFiles): nothing is written,
    // the verify step says so. Decided by the plan step alone, not looked up again here (review r59J F2).
    if (piece.nameRefused !== undefined) {
      await putPieceRecord(deps, restoreId, shard.index, { path: entry.path, bytes: 0 });
      return { shardIndex: shard.index, entries: 0, bytes: 0, items: 0 };
    }
    const directory = await openDirectoryRestorer(vault, targetDir.path, () => false, { overwrite: plan.restore.overwrite, keepSetIdBits: plan.restore.keepSetIdBits });
    const bytes = await directory.restorePiece(entry, piece.start, piece.end, restoreId);
    await putPieceRecord(deps, restoreId, shard.index, { path: entry.path, bytes });
    return { shardIndex: shard.index, entries: shard.entries, bytes, items: 0 };
  } finally {
    await targetDir.close();
  }
}

/** The plan's shard of that index: shards are stored in index order, so a lookup, not a scan of up to 10,000 shards per item. */
function shardOf(plan: RestorePlanDocument, index: number): RestoreShard | undefined {
  const shard = plan.shards[index];
  return shard?.index === index ? shard : plan.shards.find((s) => s.index === index);
}

async function restoreEntries(
  vault: Vault,
  plan: RestorePlanDocument,
  shard: RestoreShard,
  entries: readonly ManifestEntry[],
  targetDir: TargetDirectory | null,
  deps: RestoreShardDeps,
): Promise<RestoreShardResult> {
  const restore = plan.restore;
  const result: RestoreShardResult = { shardIndex: shard.index, entries: 0, bytes: 0, items: 0 };
  const target = restore.target;
  if (target.type === 'dynamodb') throw new SnapshotMismatchError(`Restore shard ${shard.index} of restore ${restore.restoreId} writes a table: its items are written page by page (restoreTableShard)`);
  // One restorer for the shard's entries, handed to it in manifest order: a hard link whose first
  // name is one of this shard's entries is linked to it, once written (a first name at or after the shard's first path that
  // is not among them is no file of the backup's, audit a58B F1: the target's own file there gets no second name).
  // What the shard proves of what it writes without reading it all back: S3 objects are read back
  // and checked by the tags of the blobs the shard decoded (RestoredContentTags); files are written
  // with checked writes, each blob read back right after it is written (CheckedWrites).
  const contentTags = target.type === 's3' ? new RestoredContentTags() : undefined;
  const checkedWrites = target.type === 'filesystem' ? new CheckedWrites() : undefined;
  // S3 objects: small entries' blobs are read from the vault a run at a time, not one read per entry.
  const contents = new EntryContentPrefetch(vault, target.type === 'filesystem' ? [] : entries, contentTags ? { contentTags } : {});
  const directory = targetDir
    ? await openDirectoryRestorer(vault, targetDir.path, (p) => comparePaths(p, shard.first) >= 0, { overwrite: restore.overwrite, keepSetIdBits: restore.keepSetIdBits, entries, ...(checkedWrites ? { checkedWrites } : {}) })
    : null;
  const restoreOne = async (entry: ManifestEntry): Promise<void> => {
    if (target.type === 's3') {
      if (entry.kind !== 'object') throw new SnapshotMismatchError(`S3 snapshot entry ${JSON.stringify(entry.path)} is a ${entry.kind}, not an object`);
      // The key is restored verbatim under the target prefix: S3 keys are names, not paths.
      const { bytes } = await writeS3Object(deps.targetS3, target.bucket, s3TargetKey(target, entry), contents.content(entry), s3Attributes(entry), { size: entry.size });
      result.bytes += bytes;
    } else if (directory) {
      let bytes = 0;
      await withExistRetry(async () => {
        ({ bytes } = await directory.restoreEntry(entry));
      });
      result.bytes += bytes;
    }
    result.entries++;
  };
  const atOnce = deps.concurrency ?? (target.type === 'filesystem' ? FILE_ENTRIES_AT_ONCE : OBJECT_ENTRIES_AT_ONCE);
  // The shard's symlinks after its other entries, as `vault restore` makes them after all of its others: none of the shard's
  // entries is looked up through a link it made. Shards run side by side, so another shard's links may be there already:
  // the restorer writes nothing through a link and links a hard link only to a first name reached without one (docs/FORMAT.md).
  await mapBounded(entries.filter((e) => e.kind !== 'symlink'), atOnce, restoreOne);
  await mapBounded(entries.filter((e) => e.kind === 'symlink'), atOnce, restoreOne);
  const notRestored = directory?.notRestored() ?? [];
  if (notRestored.length > 0) result.notRestored = { count: entriesNotRestored(notRestored), first: notRestored.slice(0, NOT_RESTORED_LISTED) };
  await checkShard(vault, restore, target, shard, entries, targetDir, deps, { contentTags, checkedWrites, notRestored });
  return result;
}

/**
 * A DynamoDB shard: its pages' items written and read back (dynamodb-shard-pages.ts) from `from` (a
 * cursor of an earlier call of the batch) or its first page, and its check record written once its last
 * page is, with what every call of the shard found. Stopped by `gate`: where it stopped and what it has
 * restored so far, for the cursor.
 */
async function restoreTableShard(
  vault: Vault,
  plan: RestorePlanDocument,
  shard: RestoreShard,
  entries: readonly ManifestEntry[],
  deps: RestoreShardDeps,
  budgets: ItemBudgets,
  from: RestoreShardCursor | undefined,
  gate: ShardStopGate,
): Promise<{ result: RestoreShardResult } | { stoppedAt: { page: number; item: number }; restored: RestoredSoFar }> {
  const restore = plan.restore;
  const target = restore.target;
  const tableKey = plan.tableKey;
  if (target.type !== 'dynamodb' || !tableKey) {
    throw new SnapshotMismatchError(`Restore plan of ${restore.restoreId} names no key of the target table, so shard ${shard.index} could not read back what it writes (a plan made by an older version): run the restore again`);
  }
  const start = from ? { page: from.page, item: from.item } : { page: 0, item: 0 };
  // Small pages' blobs are read from the vault a run at a time, not one read per page.
  const contents = new EntryContentPrefetch(vault, entries.slice(start.page));
  const outcome = await restoreItemPages(entries, start, {
    ddb: deps.dynamodb,
    table: target.table,
    tableKey,
    budgets,
    content: (entry) => contents.content(entry),
    atOnce: deps.concurrency ?? OBJECT_ENTRIES_AT_ONCE,
    gate,
    describe: `Restore shard ${shard.index} of restore ${restore.restoreId}`,
  });
  const restored = addRestored(from?.restored ?? NOTHING_RESTORED, outcome.restored);
  if (outcome.stoppedAt) return { stoppedAt: outcome.stoppedAt, restored };
  await putShardCheck(deps, {
    restoreId: restore.restoreId,
    shardIndex: shard.index,
    checked: restored.entries,
    items: restored.items,
    mismatches: restored.mismatches.slice(0, SHARD_CHECK_LISTED),
    mismatchCount: restored.mismatchCount,
    notRestored: [],
    notRestoredCount: 0,
  });
  return { result: { shardIndex: shard.index, entries: restored.entries, bytes: restored.bytes, items: restored.items } };
}

/**
 * Reads back what the shard wrote and records what it found (shard-checks.ts), for the verify step:
 * every entry but the directories, whose modes and times the verify step sets and checks itself. A
 * file written with checked writes and unchanged since is not read again (checked-writes.ts).
 * Here, while the shard's bytes are fresh in the page cache and shards run side by side, the reading
 * back is spread over the shards; one verify step reading a whole restore back could not finish a
 * large one inside a Lambda's 15 minutes. What the restorer could not recreate goes into the record
 * too, so the verify step's report lists it and does not count those entries as verified equal.
 */
async function checkShard(
  vault: Vault,
  restore: ResolvedRestore,
  target: Exclude<ResolvedRestore['target'], { type: 'dynamodb' }>,
  shard: RestoreShard,
  entries: readonly ManifestEntry[],
  targetDir: TargetDirectory | null,
  deps: RestoreShardDeps,
  proofs: { contentTags: RestoredContentTags | undefined; checkedWrites: CheckedWrites | undefined; notRestored: readonly NotRestored[] },
): Promise<void> {
  const { contentTags, checkedWrites, notRestored } = proofs;
  const where = { targetS3: deps.targetS3, root: targetDir?.path ?? '', keepSetIdBits: restore.keepSetIdBits, ...(contentTags ? { contentTags } : {}), ...(checkedWrites ? { checkedWrites } : {}) };
  const outcome = await checkRestoredEntries(vault, target, where, entries.filter((e) => e.kind !== 'dir'), notRestored);
  await putShardCheck(deps, shardCheckOf(restore, shard, outcome));
}

function shardCheckOf(restore: ResolvedRestore, shard: RestoreShard, outcome: EntryCheckOutcome): ShardCheck {
  const byPath = (a: { path: string }, b: { path: string }): number => comparePaths(a.path, b.path);
  return {
    restoreId: restore.restoreId,
    shardIndex: shard.index,
    checked: outcome.checked,
    mismatches: outcome.mismatches.sort().slice(0, SHARD_CHECK_LISTED),
    mismatchCount: outcome.mismatches.length,
    notRestored: outcome.notRestored.sort(byPath).slice(0, SHARD_CHECK_LISTED),
    notRestoredCount: entriesNotRestored(outcome.notRestored),
    // Every item's reasons, not only the listed ones' (review r59A F2).
    notRestoredKinds: notRestoredKinds(outcome.notRestored),
  };
}

/** Shards running side by side may create the same parent directory at the same moment: EEXIST then only means "the other one won". */
async function withExistRetry(write: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await write();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
    }
  }
}
