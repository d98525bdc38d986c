import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { abandonRestore } from '../../../../lambdas/restore/abandon-restore';
import { planRestore, type PlannedRestore } from '../../../../lambdas/restore/plan-restore';
import { SplitEntryIncompleteError } from '../../../../lambdas/restore/restore-errors';
import { restorePlanDocumentSchema, type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { type ResolvedRestore } from '../../../../lambdas/restore/resolved-restore';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { PieceFileMissingError } from '../../../../vault/restorer/restore-target';
import { openVault, type Vault } from '../../../../vault/repository/vault';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { VaultIndexTooLargeError } from '../../../../vault/blob-index/index-memory';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';

/**
 * Issue 16: one large file is restored by several shards, each writing the blobs that start in its
 * byte range into a piece file the restore shares, which the verify step puts in place
 * (split-file-pieces.ts). Plan, every shard and verify run as the runbook chains them, with a
 * piece budget of 8 MiB (one part) in place of 1 GiB; the plan's bucket is an in-memory stand-in.
 */
const planS3 = mockClient(S3Client);
const MIB = 1024 * 1024;
const BIG = 'media/video.raw';

let dir: string;
let vault: Vault;
let keyFile: string;
let snapshot: Snapshot;
let source: string;
/** What was stored in the plan bucket (plans, shard manifests, piece records), by key. */
const stored = new Map<string, string>();

/** 17 MiB with a zero run in the middle and zeros at its end: holes in the piece file, and a length only the finish sets. */
function bigContent(): Buffer {
  const body = pseudoRandomBytes(17 * MIB, 71);
  body.fill(0, 9 * MIB, 10 * MIB);
  body.fill(0, 17 * MIB - 512 * 1024);
  return body;
}

beforeAll(async () => {
  dir = await tempDir('split-file-restore');
  ({ vault, keyFile } = await newTestVault(dir));
  source = path.join(dir, 'src');
  for (const sub of ['a', 'media']) await fs.mkdir(path.join(source, sub), { recursive: true });
  await fs.writeFile(path.join(source, BIG), bigContent(), { mode: 0o640 });
  await fs.utimes(path.join(source, BIG), new Date('2025-05-01T10:00:00Z'), new Date('2025-05-01T10:00:00Z'));
  // Entries before and after it in manifest order, in range shards of their own.
  for (let i = 0; i < 5; i++) await fs.writeFile(path.join(source, i < 2 ? 'a' : 'media', `small-${i}`), pseudoRandomBytes(2000 + i, 300 + i));
  await fs.writeFile(path.join(source, 'media', 'zz-after'), pseudoRandomBytes(5000, 399));
  snapshot = (await backupDirectory(vault, source)).snapshot;
  await fs.mkdir(path.join(dir, 'fs'));
}, 60_000);
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
  await removeDir(dir);
});
beforeEach(() => {
  planS3.reset();
  servePlanObjects(planS3, stored);
});

/** The piece files in `dir`, with their sizes. */
async function partFiles(dir: string): Promise<Array<[string, number]>> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.part')).sort();
  return Promise.all(names.map(async (n): Promise<[string, number]> => [n, (await fs.stat(path.join(dir, n))).size]));
}

function io(): RestoreIo {
  return mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
}

async function plan(restoreId: string): Promise<{ planned: PlannedRestore; document: RestorePlanDocument; target: string }> {
  const restore: ResolvedRestore = resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: `/${restoreId}` } });
  const planned = await planRestore(restore, { map: 'inline', maxConcurrency: 2 }, { ...io(), limits: { pieceBytes: 8 * MIB } });
  const document = restorePlanDocumentSchema.parse(JSON.parse(stored.get(planned.planKey) ?? 'null'));
  return { planned, document, target: path.join(dir, 'fs', restoreId) };
}

it('writes each piece into one shared piece file, puts the file in place at verify with its mode and mtime, equal byte for byte, holes kept', async () => {
  const { planned, document, target } = await plan('r-file-pieces');
  const pieces = document.shards.filter((s) => s.piece);
  expect(pieces.map((s) => [s.first, s.piece?.start, s.piece?.end, s.entries])).toEqual([
    [BIG, 0, 8 * MIB, 1],
    [BIG, 8 * MIB, 16 * MIB, 0],
    [BIG, 16 * MIB, 17 * MIB, 0],
  ]);
  expect(pieces.every((s) => s.piece?.uploadId === undefined)).toBe(true);
  // The entries before and after it are in range shards that skip it.
  const ranges = document.shards.filter((s) => !s.piece);
  expect(ranges.reduce((n, s) => n + s.entries, 0)).toBe(document.entries - 1);
  expect(ranges.some((s) => s.first === 'media/zz-after')).toBe(true);

  // The plan step made the piece file, empty, before any shard ran.
  expect(await partFiles(path.join(target, 'media'))).toEqual([['.video.raw.lifeboat-r-file-pieces.part', 0]]);
  for (const batch of planned.shards ?? []) await restoreShardBatch(batch, io());
  // A piece's shard retried (its first invocation's response lost) writes its range again into the same file.
  const retried = (planned.shards ?? []).find((b) => b.Items[0]?.shardIndex === pieces[1]?.index);
  if (!retried) throw new Error('no batch of the second piece');
  await restoreShardBatch(retried, io());
  // Before verify: the pieces are in the piece file only; no file has the name.
  await expect(fs.lstat(path.join(target, BIG))).rejects.toMatchObject({ code: 'ENOENT' });
  expect((await fs.readdir(path.join(target, 'media'))).filter((n) => n.endsWith('.part'))).toEqual(['.video.raw.lifeboat-r-file-pieces.part']);

  const report = await verifyRestore({ planKey: planned.planKey }, io());
  expect(report.verified).toEqual({ entries: document.entries, mismatches: 0 });
  const restored = await fs.readFile(path.join(target, BIG));
  expect(restored.equals(await fs.readFile(path.join(source, BIG)))).toBe(true);
  const stats = await fs.stat(path.join(target, BIG));
  expect([stats.mode & 0o7777, stats.mtime.toISOString()]).toEqual([0o640, '2025-05-01T10:00:00.000Z']);
  // The zero runs are holes: fewer blocks than the length needs.
  expect(stats.blocks * 512).toBeLessThan(stats.size - MIB);
  expect((await fs.readdir(path.join(target, 'media'))).filter((n) => n.includes('lifeboat'))).toEqual([]);
  for (const name of ['a/small-0', 'a/small-1', 'media/small-2', 'media/small-4', 'media/zz-after']) expect([name, (await fs.readFile(path.join(target, name))).equals(await fs.readFile(path.join(source, name)))]).toEqual([name, true]);
  // A retried verify step finds the file in place and checks it again.
  await expect(verifyRestore({ planKey: planned.planKey }, io())).resolves.toMatchObject({ verified: { mismatches: 0 } });
}, 60_000);

it('a piece shard still running after Abandon restore removed the piece file (its restore failed) writes nothing and leaves no .part file', async () => {
  const { planned, document, target } = await plan('r-file-late');
  const [, late, failing] = document.shards.filter((s) => s.piece).map((s) => s.index);
  // The other shards ran; one piece's shard failed, so the restore failed and was abandoned while `late` was still running.
  for (const batch of planned.shards ?? []) if (batch.Items[0]?.shardIndex !== late && batch.Items[0]?.shardIndex !== failing) await restoreShardBatch(batch, io());
  expect((await partFiles(path.join(target, 'media')))[0]?.[1]).toBeGreaterThanOrEqual(8 * MIB);
  expect(await abandonRestore({ planKey: planned.planKey }, io())).toEqual({ restoreId: 'r-file-late', abortedUploads: 0, removedPieceFiles: 1 });
  expect(await partFiles(path.join(target, 'media'))).toEqual([]);
  // The late invocation reaches its write now (audit R17 F2: it used to create the piece file again, 8 MiB and more, never removed).
  const lateBatch = (planned.shards ?? []).find((b) => b.Items[0]?.shardIndex === late);
  if (!lateBatch) throw new Error('no batch of the late piece');
  const attempt = restoreShardBatch(lateBatch, io());
  await expect(attempt).rejects.toThrow(PieceFileMissingError);
  await expect(attempt).rejects.toThrow(`the piece file media/.video.raw.lifeboat-r-file-late.part is not in the target, so this piece of "${BIG}" was not written by restore r-file-late`);
  expect(await partFiles(path.join(target, 'media'))).toEqual([]);
  await expect(fs.lstat(path.join(target, BIG))).rejects.toMatchObject({ code: 'ENOENT' });
  // Nor does one whose target directory is gone (a drill's cleanup removed it) make the directory again.
  await fs.rm(target, { recursive: true });
  await expect(restoreShardBatch(lateBatch, io())).rejects.toThrow(`the target directory /r-file-late is not in the target, so this piece of "${BIG}" was not written`);
  await expect(fs.lstat(target)).rejects.toMatchObject({ code: 'ENOENT' });
}, 60_000);

it('a piece whose shard never ran fails the verify step naming that shard; the piece file is removed and no file has the name', async () => {
  const { planned, document, target } = await plan('r-file-missing');
  const skipped = document.shards.filter((s) => s.piece)[2]?.index as number;
  for (const batch of planned.shards ?? []) if (batch.Items[0]?.shardIndex !== skipped) await restoreShardBatch(batch, io());
  const attempt = verifyRestore({ planKey: planned.planKey }, io());
  await expect(attempt).rejects.toThrow(SplitEntryIncompleteError);
  await expect(attempt).rejects.toThrow(`"${BIG}" is restored in 3 pieces, but shard(s) ${skipped} recorded no written piece; its piece file was removed: run the restore again`);
  await expect(fs.lstat(path.join(target, BIG))).rejects.toMatchObject({ code: 'ENOENT' });
  expect((await fs.readdir(path.join(target, 'media'))).filter((n) => n.includes('lifeboat'))).toEqual([]);
}, 60_000);

it('restores the pieces and puts the file in place through a vault whose whole index is too large for the functions', async () => {
  const { planned, document, target } = await plan('r-file-scoped');
  // A function of 0 MB holds no blob of the index: shards and verify take views scoped to their own blobs.
  const limited = await openVault(vault.store, (await KeyFileKeyProvider.loadOrCreate(keyFile)).provider);
  limited.memoryLimitMb = 0;
  await expect(limited.index()).rejects.toThrow(VaultIndexTooLargeError);
  const limitedIo = mockedRestoreIo(limited, (p) => path.join(dir, 'fs', p));
  for (const batch of planned.shards ?? []) await restoreShardBatch(batch, limitedIo);
  const report = await verifyRestore({ planKey: planned.planKey }, limitedIo);
  expect(report.verified).toEqual({ entries: document.entries, mismatches: 0 });
  expect((await fs.readFile(path.join(target, BIG))).equals(await fs.readFile(path.join(source, BIG)))).toBe(true);
}, 60_000);
