import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { pruneVault } from '../vault';
import { type BenchCloud } from './bench-cloud';
import { benchPlan, runBackupWorkflow } from './lifeboat-workflow';

/** Shards of the split backup: the "S3 bench (4 shards)". */
export const SPLIT_SHARDS = 4;
/** Issue 14: after a prune with repack, the split backup's vault holds at most this × what one shard stores. */
export const SHARD_DUPLICATES_TARGET = 1.02;

export type ShardDuplicatesResult = {
  shards: number;
  /** Pack bytes (`data/`) of the vault that one shard backed the bucket up into. */
  oneShardPackBytes: number;
  /** Pack bytes of the vault the split backup wrote, before and after the prune. */
  splitPackBytes: number;
  prunedPackBytes: number;
  packsRepacked: number;
  packsDeleted: number;
  pruneSeconds: number;
};

/**
 * Shards of one run cannot deduplicate each other's new chunks (each sees the vault index as of its
 * start), so the same bucket backed up in SPLIT_SHARDS key ranges stores more than in one; a prune
 * with repack (the default 20 % threshold) folds those duplicates. Two fresh vaults on the section's
 * cloud: one backup with one shard, one with SPLIT_SHARDS, then `pruneVault` with a grace of 0 until
 * its condemned packs are swept (the second run deletes what the first condemned), and the pack
 * bytes of both vaults compared.
 */
export async function measureShardDuplicates(cloud: BenchCloud, sourceBucket: string, sizeBytes: number, log: (line: string) => void): Promise<ShardDuplicatesResult> {
  const oneShardVault = 'bench-vault-one-shard';
  const splitVault = 'bench-vault-split';
  for (const bucket of [oneShardVault, splitVault]) {
    await cloud.createBucket(bucket);
    await cloud.openVault(bucket, true);
  }
  // Source names of their own: a source's parent backup is looked up by its name (unique in an environment), so these must not become the section's incremental's parent.
  const source = (name: string) => ({ type: 's3' as const, name, bucket: sourceBucket, prefix: '' });
  await runBackupWorkflow(cloud, benchPlan('bench-s3-one-shard', source('bench-bucket-one-shard')), oneShardVault, 'full', { s3ShardSize: { bytes: Number.MAX_SAFE_INTEGER, keys: Number.MAX_SAFE_INTEGER } });
  const split = await runBackupWorkflow(cloud, benchPlan('bench-s3-split', source('bench-bucket-split')), splitVault, 'full', { s3ShardSize: { bytes: Math.ceil(sizeBytes / SPLIT_SHARDS) } });
  log(`s3: one shard stored ${packBytesLine(await packBytes(cloud.s3, oneShardVault))}; ${split.shardCount} shards stored ${packBytesLine(await packBytes(cloud.s3, splitVault))}`);
  const splitPackBytes = await packBytes(cloud.s3, splitVault);
  const started = process.hrtime.bigint();
  let packsRepacked = 0;
  let packsDeleted = 0;
  // The first run condemns (and repacks into new packs); the second sweeps what the first condemned.
  for (let run = 0; run < 2; run++) {
    const result = await pruneVault(await cloud.openVault(splitVault, false), { graceMs: 0 });
    if (!result.done) throw new Error('prune of the split vault stopped without a deadline');
    packsRepacked += result.report.packsRepacked;
    packsDeleted += result.report.packsDeleted;
  }
  const pruneSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = { shards: split.shardCount, oneShardPackBytes: await packBytes(cloud.s3, oneShardVault), splitPackBytes, prunedPackBytes: await packBytes(cloud.s3, splitVault), packsRepacked, packsDeleted, pruneSeconds };
  log(`s3: after prune with repack (${packsRepacked} repacked, ${packsDeleted} deleted, ${pruneSeconds.toFixed(2)} s): ${packBytesLine(result.prunedPackBytes)}, ${(result.prunedPackBytes / result.oneShardPackBytes).toFixed(3)}× of one shard`);
  return result;
}

async function packBytes(s3: S3Client, bucket: string): Promise<number> {
  let bytes = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'data/', ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) bytes += o.Size ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return bytes;
}

const packBytesLine = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB of packs`;
