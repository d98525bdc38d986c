import { type BucketClock, CapacityTokenBucket } from '../sources/capacity-token-bucket';
import { decodeItemLines } from '../sources/dynamodb-item-codec';
import { comparePaths, type ManifestEntry, type NotRestored, type Vault } from '../../vault';
import { mapBounded } from '../../vault';
import { readEntryContent } from '../../vault';
import { openDirectoryRestorer } from './directory-writer';
import { writeDynamoDbItems } from './dynamodb-item-writer';
import { getRestorePlan, type RestoreShard, type RestoreShardTask } from './restore-plan-document';
import { type ResolvedRestore } from './resolved-restore';
import { mountRootOf, openTargetDirectory, type TargetDirectory } from './target-directory';
import { SnapshotMismatchError } from './restore-errors';
import { selectedEntries } from './restore-selection';
import { s3Attributes, s3KeyOfEntry } from './restored-entry';
import { writeS3Object } from './s3-object-writer';
import { type RestoreIo } from './restore-io';

export type RestoreShardDeps = RestoreIo & {
  /** Entries written at once within a shard. @default 4 */
  concurrency?: number;
  /** Test seam: the clock of the DynamoDB write budget (capacity-token-bucket.ts). */
  clock?: BucketClock;
};

export type RestoreShardResult = {
  shardIndex: number;
  entries: number;
  bytes: number;
  items: number;
  /** File-system targets: entries (or attributes) not recreated as recorded — sockets, devices, some extended attributes — the first 20, and how many in all. */
  notRestored?: { count: number; first: NotRestored[] };
};

/** A BatchWriteItem of 25 items of up to a few KB must fit in the write budget's bucket, however small the budget. */
const WRITE_BATCH_BURST_UNITS = 25;

/** Entries of notRestored carried in a shard's result (it travels in the state machine's payload). */
const NOT_RESTORED_LISTED = 20;

/**
 * Restores one shard (a contiguous range of the manifest) into the target. Idempotent: a retried
 * shard writes the same objects, items and files again (S3 puts and DynamoDB puts replace, files
 * are written to a temporary name and renamed), so Retry after a transient failure is safe.
 */
export async function restoreShard(task: RestoreShardTask, deps: RestoreShardDeps): Promise<RestoreShardResult> {
  const plan = await getRestorePlan(deps.planS3, deps.planBucket, task.planKey);
  const restore = plan.restore;
  const shard = plan.shards.find((s) => s.index === task.shardIndex);
  if (!shard || restore.restoreId !== task.restoreId) throw new SnapshotMismatchError(`Restore plan ${task.planKey} has no shard ${task.shardIndex} for restore ${task.restoreId}`);
  const vault = await deps.openVault(restore.vault);
  const snapshot = await vault.loadSnapshot(restore.snapshotId);
  const entries: ManifestEntry[] = [];
  for await (const entry of selectedEntries(vault, snapshot, restore, shard)) entries.push(entry);

  // The target directory is opened without following links and written through that descriptor (target-directory.ts).
  const targetDir = restore.target.type === 'filesystem' ? await openTargetDirectory(mountRootOf(deps.mountPath, deps.directory), restore.target.path, { create: true }) : null;
  try {
    // One write budget for the whole shard: its pages are written side by side and share it.
    const writeBudget = plan.writeUnitsPerShard ? new CapacityTokenBucket({ unitsPerSecond: plan.writeUnitsPerShard, minBurstUnits: WRITE_BATCH_BURST_UNITS, ...(deps.clock ? { clock: deps.clock } : {}) }) : undefined;
    return await restoreEntries(vault, restore, shard, entries, targetDir, deps, writeBudget);
  } finally {
    await targetDir?.close();
  }
}

async function restoreEntries(
  vault: Vault,
  restore: ResolvedRestore,
  shard: RestoreShard,
  entries: readonly ManifestEntry[],
  targetDir: TargetDirectory | null,
  deps: RestoreShardDeps,
  writeBudget: CapacityTokenBucket | undefined,
): Promise<RestoreShardResult> {
  const result: RestoreShardResult = { shardIndex: shard.index, entries: 0, bytes: 0, items: 0 };
  const target = restore.target;
  // One restorer for the shard's entries, handed to it in manifest order: a hard link whose first
  // name is in this shard is linked to it (the first name is in the shard when it is at or after its first path).
  const directory = targetDir ? await openDirectoryRestorer(vault, targetDir.path, (p) => comparePaths(p, shard.first) >= 0, { overwrite: restore.overwrite, keepSetIdBits: restore.keepSetIdBits }) : null;
  await mapBounded(entries, deps.concurrency ?? 4, async (entry) => {
    if (target.type === 's3') {
      if (entry.kind !== 'object') throw new SnapshotMismatchError(`S3 snapshot entry ${JSON.stringify(entry.path)} is a ${entry.kind}, not an object`);
      // The key is restored verbatim under the target prefix: S3 keys are names, not paths.
      const { bytes } = await writeS3Object(deps.targetS3, target.bucket, `${target.prefix}${s3KeyOfEntry(entry)}`, readEntryContent(vault, entry), s3Attributes(entry));
      result.bytes += bytes;
    } else if (target.type === 'dynamodb') {
      if (entry.kind !== 'page') throw new SnapshotMismatchError(`DynamoDB snapshot entry ${JSON.stringify(entry.path)} is a ${entry.kind}, not a page`);
      const chunks: Buffer[] = [];
      for await (const chunk of readEntryContent(vault, entry)) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      // Entries run side by side: `result.items += await …` would read the count before the await and lose the others' items.
      const items = await writeDynamoDbItems(deps.dynamodb, target.table, decodeItemLines(body), writeBudget ? { writeBudget } : {});
      result.items += items;
      result.bytes += body.length;
    } else if (directory) {
      let bytes = 0;
      await withExistRetry(async () => {
        ({ bytes } = await directory.restoreEntry(entry));
      });
      result.bytes += bytes;
    }
    result.entries++;
  });
  const notRestored = directory?.notRestored() ?? [];
  if (notRestored.length > 0) result.notRestored = { count: notRestored.length, first: notRestored.slice(0, NOT_RESTORED_LISTED) };
  return result;
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
