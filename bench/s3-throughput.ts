import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mapBounded } from '../vault';
import { secondsSince, startBenchCloud } from './bench-cloud';
import { median } from './report';
import { benchPlan, type BackupRun, runBackupWorkflow, runRestoreWorkflow, type RestoreRun } from './lifeboat-workflow';
import { estimateS3Section, type S3CostEstimate } from './s3-cost-estimate';
import { measureShardDuplicates, type ShardDuplicatesResult, SPLIT_SHARDS } from './s3-shard-duplicates';
import { SeededRandom } from './seeded-random';
import { TextContent } from './text-content';

const MiB = 2 ** 20;
const MIN_OBJECT_BYTES = 4 * 1024;
/** Share of the bucket's bytes rewritten before the second backup: the day's change of the estimate's typical run. */
export const S3_CHANGE_FRACTION = 0.01;
const MAX_OBJECT_BYTES = 8 * MiB;
/**
 * Objects in flight per snapshot shard: OBJECTS_IN_FLIGHT of lambdas/sources/s3-object-entries.ts
 * (not exported there). The plain copy gets shards × this many, so both paths have the same
 * number of requests open against the same server.
 */
export const S3_OBJECTS_IN_FLIGHT_PER_SHARD = 8;

/** Shares of objects (sizes do not depend on the kind, so also roughly of bytes). */
const KINDS: ReadonlyArray<readonly [kind: 'prose' | 'log' | 'random' | 'duplicate', weight: number, contentType: string]> = [
  ['prose', 0.25, 'text/plain'],
  ['log', 0.2, 'text/plain'],
  ['random', 0.45, 'application/octet-stream'],
  ['duplicate', 0.1, 'application/octet-stream'],
];

export type BucketDigest = { objects: number; bytes: number; sha256: string };

export type S3SectionResult = {
  sizeBytes: number;
  objects: number;
  byKind: Record<string, { objects: number; bytes: number }>;
  seedSeconds: number;
  lifeboat: {
    seconds: number;
    mbPerSecond: number;
    shardCount: number;
    maxConcurrency: number;
    phases: BackupRun['phases'];
    bytesStored: number;
    bytesNew: number;
  };
  plainCopy: { seconds: number; mbPerSecond: number; concurrency: number };
  /**
   * Each repetition's backup and plain copy, each into fresh buckets, who went first alternating
   * (Lifeboat in the first). `lifeboat` and `plainCopy` above hold the medians; `ratio` is the median
   * of the repetitions' ratios (Lifeboat's MB/s ÷ the copy's), with the lowest and highest.
   */
  repetitions: { lifeboatSeconds: number; copySeconds: number; first: 'lifeboat' | 'copy' }[];
  ratio: { median: number; min: number; max: number };
  restore: {
    seconds: number;
    mbPerSecond: number;
    shardCount: number;
    phases: RestoreRun['phases'];
    verifySeconds: number;
    verified: RestoreRun['verify']['report']['verified'];
  };
  digests: { source: BucketDigest; plainCopy: BucketDigest; restored: BucketDigest };
  /** The same bucket backed up with one shard and with SPLIT_SHARDS into fresh vaults, the second then pruned with repack (issue 14's ≤ 1.02×). */
  shardDuplicates: ShardDuplicatesResult;
  /** After the comparison: ~1 % of the bytes rewritten, then an incremental backup (not a throughput figure: it feeds the estimate). */
  incremental: { changedObjects: number; changedBytes: number; seconds: number; shardCount: number; bytesScanned: number; bytesStored: number };
  /** The section's two backups priced at 10 TiB, Lifeboat against AWS Backup (docs/COSTS.md). */
  estimate: S3CostEstimate;
  /** Differences between the source and a copy: empty when every copy equals the source. */
  mismatches: string[];
};

/** `repeat`: how many times the backup and the plain copy are timed (LIFEBOAT_BENCH_REPEAT, as for the restic section). */
export type S3SectionOptions = { sizeBytes: number; seed: string; repeat: number; log: (line: string) => void };

const SOURCE_BUCKET = 'bench-source';
const VAULT_BUCKET = 'bench-vault';
const COPY_BUCKET = 'bench-plain-copy';
// The restore policy (restore-target-policy.ts) allows new targets named lifeboat-<environment>-restore-* only.
const RESTORE_BUCKET = 'lifeboat-bench-restore-bucket';

/**
 * S3 bucket → vault throughput: the backup workflow's data path (plan → snapshot shards → commit)
 * against the ceiling of that path, a plain ListObjectsV2 + GetObject + PutObject copy of the same
 * objects on the same local S3 with the same number of requests in flight. Then, for the record,
 * the restore runbook back into a new bucket; every copy is checked against the source.
 */
export async function runS3Section(options: S3SectionOptions): Promise<S3SectionResult> {
  const cloud = await startBenchCloud('s3');
  try {
    for (const bucket of [SOURCE_BUCKET, VAULT_BUCKET, COPY_BUCKET, RESTORE_BUCKET]) await cloud.createBucket(bucket);
    options.log(`s3: seeding ${(options.sizeBytes / MiB).toFixed(0)} MiB into s3://${SOURCE_BUCKET}`);
    const seedStarted = process.hrtime.bigint();
    const seeded = await seedBucket(cloud.s3, SOURCE_BUCKET, options);
    const seedSeconds = secondsSince(seedStarted);
    const plan = benchPlan('bench-s3', { type: 's3', name: 'bench-bucket', bucket: SOURCE_BUCKET, prefix: '' });
    // `lifeboat vault init` happens once per vault, outside any backup: not timed.
    await cloud.openVault(VAULT_BUCKET, true);

    // One backup-and-copy on this shared machine moved the ratio between 0.79× and 1.12× within an
    // hour: each repetition times both into fresh buckets, the order alternating, and the row takes
    // the median. Repetition 1's vault is the one the restore and the incremental backup use.
    const repetitions: S3SectionResult['repetitions'] = [];
    let backup: BackupRun | undefined;
    let concurrency = 0;
    for (let r = 0; r < options.repeat; r++) {
      const label = options.repeat > 1 ? ` (repetition ${r + 1} of ${options.repeat})` : '';
      const vaultBucket = r === 0 ? VAULT_BUCKET : `${VAULT_BUCKET}-${r + 1}`;
      const copyBucket = r === 0 ? COPY_BUCKET : `${COPY_BUCKET}-${r + 1}`;
      if (r > 0) {
        for (const bucket of [vaultBucket, copyBucket]) await cloud.createBucket(bucket);
        await cloud.openVault(vaultBucket, true);
      }
      // A plan and source of their own after the first: the first one's backup stays the parent of the incremental below.
      const repetitionPlan = r === 0 ? plan : benchPlan(`bench-s3-${r + 1}`, { type: 's3', name: `bench-bucket-${r + 1}`, bucket: SOURCE_BUCKET, prefix: '' });
      const timeBackup = async (): Promise<BackupRun> => {
        flushWrites();
        options.log(`s3: Lifeboat backup workflow (in-process): bucket → vault${label}`);
        const run = await runBackupWorkflow(cloud, repetitionPlan, vaultBucket);
        options.log(`s3: Lifeboat backup took ${run.seconds.toFixed(2)} s over ${run.shardCount} shard(s)`);
        return run;
      };
      const timeCopy = async (inFlight: number): Promise<number> => {
        flushWrites();
        options.log(`s3: plain copy (ListObjectsV2 + GetObject + PutObject, ${inFlight} in flight)${label}`);
        const started = process.hrtime.bigint();
        await plainCopy(cloud.s3, SOURCE_BUCKET, copyBucket, inFlight);
        const seconds = secondsSince(started);
        options.log(`s3: plain copy took ${seconds.toFixed(2)} s`);
        return seconds;
      };
      // The copy's requests in flight follow the backup's shards, known once the first backup has run.
      const first = r % 2 === 0 || concurrency === 0 ? 'lifeboat' : 'copy';
      let run: BackupRun;
      let copySeconds: number;
      if (first === 'lifeboat') {
        run = await timeBackup();
        concurrency = Math.min(run.shardCount, run.maxConcurrency) * S3_OBJECTS_IN_FLIGHT_PER_SHARD;
        copySeconds = await timeCopy(concurrency);
      } else {
        copySeconds = await timeCopy(concurrency);
        run = await timeBackup();
      }
      backup ??= run;
      repetitions.push({ lifeboatSeconds: run.seconds, copySeconds, first });
    }
    if (!backup) throw new Error('LIFEBOAT_BENCH_REPEAT must be at least 1');
    const ratios = repetitions.map((r) => r.copySeconds / r.lifeboatSeconds);
    const backupSeconds = median(repetitions.map((r) => r.lifeboatSeconds)) ?? backup.seconds;
    const copySeconds = median(repetitions.map((r) => r.copySeconds)) ?? 0;

    flushWrites();
    options.log('s3: Lifeboat restore runbook (in-process): vault → new bucket');
    const restore = await runRestoreWorkflow(cloud, {
      plan,
      vaultBucket: VAULT_BUCKET,
      backupId: backup.backupId,
      target: { type: 's3', bucket: RESTORE_BUCKET, prefix: '' },
      restoreId: 'bench-s3-restore',
    });
    options.log(`s3: Lifeboat restore took ${restore.seconds.toFixed(2)} s (+ ${restore.verify.seconds.toFixed(2)} s verify)`);

    options.log('s3: comparing the plain copy and the restored bucket with the source (count + SHA-256 of every object)');
    const digests = {
      source: await digestBucket(cloud.s3, SOURCE_BUCKET),
      plainCopy: await digestBucket(cloud.s3, COPY_BUCKET),
      restored: await digestBucket(cloud.s3, RESTORE_BUCKET),
    };
    const mismatches: string[] = [];
    for (const [name, digest] of [['plain copy', digests.plainCopy], ['restored bucket', digests.restored]] as const) {
      if (digest.sha256 !== digests.source.sha256) {
        mismatches.push(`${name} differs from the source: ${digest.objects} objects / ${digest.bytes} bytes vs ${digests.source.objects} / ${digests.source.bytes}`);
      }
    }

    options.log(`s3: the bucket again with one shard and with ${SPLIT_SHARDS}, into fresh vaults; then prune with repack`);
    const shardDuplicates = await measureShardDuplicates(cloud, SOURCE_BUCKET, seeded.bytes, options.log);

    // A second, incremental backup after a day's worth of change: the estimate's typical run (the first backup reads everything).
    const changed = await changeObjects(cloud.s3, SOURCE_BUCKET, S3_CHANGE_FRACTION, options.seed);
    options.log(`s3: rewrote ${changed.objects} object(s), ${(changed.bytes / MiB).toFixed(1)} MiB; incremental backup for the cost estimate`);
    const incremental = await runBackupWorkflow(cloud, plan, VAULT_BUCKET, 'incremental');
    options.log(`s3: incremental backup took ${incremental.seconds.toFixed(2)} s over ${incremental.shardCount} shard(s)`);
    const estimate = await estimateS3Section(cloud.catalog, plan, new Date());
    options.log(`s3: estimate at 10 TiB: Lifeboat $${estimate.plan.lifeboatTotal.toFixed(2)} a month against AWS Backup $${estimate.plan.awsBackupTotal.toFixed(2)}`);
    const mb = seeded.bytes / 1e6;
    return {
      sizeBytes: seeded.bytes,
      objects: seeded.objects,
      byKind: seeded.byKind,
      seedSeconds,
      lifeboat: {
        seconds: backupSeconds,
        mbPerSecond: mb / backupSeconds,
        shardCount: backup.shardCount,
        maxConcurrency: backup.maxConcurrency,
        // Repetition 1's: the backup the restore and the incremental use.
        phases: backup.phases,
        bytesStored: backup.committed.totals.bytesStored,
        bytesNew: backup.committed.totals.bytesNew,
      },
      plainCopy: { seconds: copySeconds, mbPerSecond: mb / copySeconds, concurrency },
      repetitions,
      ratio: { median: median(ratios) ?? 0, min: Math.min(...ratios), max: Math.max(...ratios) },
      restore: {
        seconds: restore.seconds,
        mbPerSecond: mb / restore.seconds,
        shardCount: restore.shardCount,
        phases: restore.phases,
        verifySeconds: restore.verify.seconds,
        verified: restore.verify.report.verified,
      },
      digests,
      mismatches,
      incremental: {
        changedObjects: changed.objects,
        changedBytes: changed.bytes,
        seconds: incremental.seconds,
        shardCount: incremental.shardCount,
        bytesScanned: incremental.committed.totals.bytesScanned,
        bytesStored: incremental.committed.totals.bytesStored,
      },
      shardDuplicates,
      estimate,
    };
  } finally {
    await cloud.close();
  }
}

/** Flushes dirty pages (s3rver writes objects to files), so one step's write-back is not paid in the next one's time. */
export function flushWrites(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

/**
 * Seeded objects of 4 KiB–8 MiB, log-uniform sizes: text that compresses, random bytes that do
 * not, and some exact copies of earlier objects (buckets hold those too; dedup stores them once).
 */
export async function seedBucket(s3: S3Client, bucket: string, options: Pick<S3SectionOptions, 'sizeBytes' | 'seed'>): Promise<{ objects: number; bytes: number; byKind: S3SectionResult['byKind'] }> {
  const random = new SeededRandom(`lifeboat-bench-s3/v1/${options.seed}`);
  type Planned = { key: string; kind: string; contentType: string; size: number; duplicateOf?: number };
  const planned: Planned[] = [];
  let total = 0;
  while (options.sizeBytes - total >= MIN_OBJECT_BYTES) {
    const remaining = options.sizeBytes - total;
    let r = random.next();
    let pick = KINDS[KINDS.length - 1] as (typeof KINDS)[number];
    for (const k of KINDS) {
      if (r < k[1]) {
        pick = k;
        break;
      }
      r -= k[1];
    }
    const originals = pick[0] === 'duplicate' ? planned.map((p, i) => ({ p, i })).filter(({ p }) => p.duplicateOf === undefined && p.size <= remaining) : [];
    const original = originals.length ? random.pick(originals) : undefined;
    const kind = pick[0] === 'duplicate' && !original ? 'random' : pick[0];
    const size = original ? original.p.size : Math.min(random.logUniformInt(MIN_OBJECT_BYTES, MAX_OBJECT_BYTES), remaining);
    const index = planned.length;
    planned.push({
      key: `dir-${String(random.int(0, 15)).padStart(2, '0')}/${kind}-${String(index).padStart(6, '0')}`,
      kind,
      contentType: original ? original.p.contentType : (KINDS.find((k) => k[0] === kind)?.[2] ?? 'application/octet-stream'),
      size,
      ...(original ? { duplicateOf: original.i } : {}),
    });
    total += size;
  }
  const byKind: S3SectionResult['byKind'] = {};
  // Each body comes from its own derived source, so bodies do not depend on upload order (8 at a time).
  const bodyOf = (p: Planned, i: number): Buffer => {
    const source = p.duplicateOf !== undefined ? (planned[p.duplicateOf] as Planned) : p;
    const label = p.duplicateOf !== undefined ? p.duplicateOf : i;
    if (source.kind === 'prose') return new TextContent(random.derive(`prose-${label}`)).prose(source.size);
    if (source.kind === 'log') return new TextContent(random.derive(`log-${label}`)).log(source.size);
    return random.bytes(`object-${label}`, source.size);
  };
  await mapBounded(planned, 8, async (p, i) => {
    const body = bodyOf(p, i);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: p.key, Body: body, ContentType: p.contentType, Metadata: { kind: p.kind, seed: options.seed } }));
    const entry = (byKind[p.duplicateOf !== undefined ? 'duplicate' : p.kind] ??= { objects: 0, bytes: 0 });
    entry.objects++;
    entry.bytes += p.size;
  });
  return { objects: planned.length, bytes: total, byKind };
}

/**
 * Rewrites seeded-random objects with new random bytes of the same size, up to `fraction` of the
 * bucket's bytes: objects that would overshoot are skipped (one 8 MiB object is 3 % of the default bucket).
 */
async function changeObjects(s3: S3Client, bucket: string, fraction: number, seed: string): Promise<{ objects: number; bytes: number }> {
  const objects: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key !== undefined) objects.push({ key: o.Key, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const total = objects.reduce((sum, o) => sum + o.size, 0);
  const random = new SeededRandom(`lifeboat-bench-s3-change/v1/${seed}`);
  const chosen: { key: string; size: number }[] = [];
  let bytes = 0;
  for (const o of random.shuffled(objects)) {
    if (bytes + o.size > fraction * total) continue;
    chosen.push(o);
    bytes += o.size;
  }
  await mapBounded(chosen, 8, async (o) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: random.bytes(`changed-${o.key}`, o.size), ContentType: 'application/octet-stream' }));
  });
  return { objects: chosen.length, bytes };
}

/** Every key, page by page (ListObjectsV2 with continuation tokens). */
async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** The ceiling: list, then GetObject + PutObject each object (content type and user metadata kept), `concurrency` at a time. */
async function plainCopy(s3: S3Client, from: string, to: string, concurrency: number): Promise<void> {
  const keys = await listKeys(s3, from);
  await mapBounded(keys, concurrency, async (key) => {
    const got = await s3.send(new GetObjectCommand({ Bucket: from, Key: key }));
    const body = (await got.Body?.transformToByteArray()) ?? new Uint8Array();
    await s3.send(new PutObjectCommand({ Bucket: to, Key: key, Body: body, ContentType: got.ContentType, Metadata: got.Metadata }));
  });
}

/**
 * A bucket's contents as one hash: per object its key, size, SHA-256 of the body, content type and
 * user metadata, sorted by key. Equal digests mean equal buckets, independently of Lifeboat's code.
 */
export async function digestBucket(s3: S3Client, bucket: string): Promise<BucketDigest> {
  const keys = await listKeys(s3, bucket);
  let bytes = 0;
  const lines = await mapBounded(keys, 8, async (key) => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = (await got.Body?.transformToByteArray()) ?? new Uint8Array();
    bytes += body.length;
    const metadata = Object.entries(got.Metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `${JSON.stringify(key)}\t${body.length}\t${createHash('sha256').update(body).digest('hex')}\t${got.ContentType ?? ''}\t${JSON.stringify(metadata)}\n`;
  });
  const hash = createHash('sha256');
  for (const line of lines.sort()) hash.update(line);
  return { objects: keys.length, bytes, sha256: hash.digest('hex') };
}
