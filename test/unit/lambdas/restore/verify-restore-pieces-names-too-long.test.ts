import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type RestorePlanDocument, type RestoreShard } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { createPieceFiles } from '../../../../lambdas/restore/split-file-pieces';
import { openTargetDirectory } from '../../../../lambdas/restore/target-directory';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r59E F2: a file restored in pieces (over the piece budget, 1 GiB in AWS) is written into a piece file of a short
 * name beside its own, then renamed by the verify step. A name the target's file system refuses as too long (over 255
 * bytes here) failed that rename with a raw ENAMETOOLONG once every piece was written, and under a directory so refused
 * the plan step failed before any shard ran. Such an entry is now listed as not restored, as a restorer lists it, the
 * restore goes on, and the counts add up.
 */
const planS3 = mockClient(S3Client);
let dir: string;
const made: string[] = [];
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
  for (const each of made) await removeDir(each);
});

it('lists a file in pieces whose name, or whose directory\'s, is too long as not restored, and restores the rest', async () => {
  dir = await tempDir('verify-pieces-names-too-long');
  made.push(dir);
  const { vault } = await newTestVault(dir);
  const CONTENT = 'restored\n';
  const writer = await vault.newSnapshotWriter({ inline: true });
  const stored = await writer.storeContent(Buffer.from(CONTENT));
  const parts = [await writer.finish()];
  await vault.reloadIndex();
  const file = (p: string): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644 }, size: stored.size, content: [...stored.content] });
  const longDir = 'd'.repeat(300);
  const tooLong = 'x'.repeat(256);
  const entries: ManifestEntry[] = [file('a.txt'), { path: longDir, kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] }, file(`${longDir}/big`), file('m.bin'), file(tooLong)];
  const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/cifs-share' }, parts, entries });

  const restoreId = 'r-pieces-too-long';
  const half = Math.floor(stored.size / 2);
  const piecesOf = (p: string, from: number): RestoreShard[] =>
    [
      [0, half],
      [half, stored.size],
    ].map(([start, end], i) => ({ index: from + i, first: p, last: p, entries: i === 0 ? 1 : 0, bytes: (end ?? 0) - (start ?? 0), piece: { start: start ?? 0, end: end ?? 0, firstPart: i + 1, partSize: half, pieces: 2 } }));
  const plan: RestorePlanDocument = {
    restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: '/restored' } }),
    entries: entries.length,
    bytes: stored.size * 4,
    shards: [{ index: 0, first: 'a.txt', last: longDir, entries: 2, bytes: stored.size }, ...piecesOf(`${longDir}/big`, 1), ...piecesOf('m.bin', 3), ...piecesOf(tooLong, 5)],
  };
  const planKey = `restore-plans/${restoreId}.json`;
  const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  const out = path.join(dir, 'fs', 'restored');
  await fs.mkdir(out, { recursive: true });
  // The plan step's part (plan-restore.ts createSplitFiles: the plan stored with what it sets), then every shard, then the verify step.
  expect(await createPieceFiles(out, plan.shards, plan.restore)).toBe(true);
  servePlanObjects(planS3, new Map([[planKey, JSON.stringify(plan)]]));
  expect(await fs.readdir(out)).toEqual([`.m.bin.lifeboat-${restoreId}.part`]);
  for (const { index } of plan.shards) await restoreShard({ restoreId, planKey, shardIndex: index }, io);

  const report = await verifyRestore({ planKey }, io);
  const ownName = (bytes: number) => expect.stringMatching(new RegExp(`^not restored: the target's file system refuses its name as too long \\(ENAMETOOLONG; the name is ${bytes} bytes`, 'u')) as string;
  expect(report.notRestored).toEqual({
    count: 3,
    first: [
      { path: longDir, what: ownName(300) },
      { path: `${longDir}/big`, what: `not restored: the directory ${JSON.stringify(longDir)} above it could not be made, the target's file system refusing its name (or path) as too long (ENAMETOOLONG)` },
      { path: tooLong, what: ownName(256) },
    ],
  });
  expect(report.verified).toEqual({ entries: 2, mismatches: 0 });
  expect(report.verified.entries + (report.notRestored?.count ?? 0)).toBe(report.entries);
  // No piece file left behind, the rest restored (a name the target takes, in pieces too).
  expect((await fs.readdir(out)).sort()).toEqual(['a.txt', 'm.bin']);
  for (const name of ['a.txt', 'm.bin']) expect(await fs.readFile(path.join(out, name), 'utf8')).toBe(CONTENT);
});

/**
 * Review r59J F2: a file in pieces whose own path fits the target's limit of a path (4,095 bytes) but whose piece file's,
 * longer by `.<name>.lifeboat-<id>.part`, does not: the plan step made no piece file and said nothing, each shard failed
 * with a raw ENAMETOOLONG opening it, and the verify step ended with SplitEntryIncompleteError "run the restore again",
 * which fails the same way every time. The plan step records the refusal, the shards write nothing, the entry is listed
 * as not restored, and the rest is restored.
 */
it('lists a file in pieces whose piece file\'s path is too long, though its own fits, as not restored', async () => {
  dir = await tempDir('verify-piece-path-too-long');
  made.push(dir);
  const { vault } = await newTestVault(dir);
  const CONTENT = 'restored\n';
  const writer = await vault.newSnapshotWriter({ inline: true });
  const stored = await writer.storeContent(Buffer.from(CONTENT));
  const parts = [await writer.finish()];
  await vault.reloadIndex();
  const file = (p: string): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644 }, size: stored.size, content: [...stored.content] });
  const directory = (p: string): ManifestEntry => ({ path: p, kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] });
  const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  const out = path.join(dir, 'fs', 'restored');
  await fs.mkdir(out, { recursive: true });
  // The target's path as the steps open it (/proc/self/fd/N: target-directory.ts), with room for the descriptor's digits.
  const rootBytes = '/proc/self/fd/1000'.length;
  // Names of 200 bytes down to a file whose path in the target is 4,080 bytes: its piece file's is some 40 more.
  const names: string[] = [];
  while (rootBytes + 1 + [...names, 'd'.repeat(200)].join('/').length + 3 < 4080) names.push('d'.repeat(200));
  names.push('e'.repeat(4080 - (rootBytes + 1 + names.join('/').length + 1 + 2)));
  const dirs = names.map((_, i) => names.slice(0, i + 1).join('/'));
  const big = `${dirs.at(-1) ?? ''}/f`;
  const entries = [file('a.txt'), ...dirs.map(directory), file(big)].sort((a, b) => (a.path < b.path ? -1 : 1));
  const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, entries });

  const restoreId = 'r-piece-path-too-long';
  const half = Math.floor(stored.size / 2);
  const pieces: RestoreShard[] = [
    [0, half],
    [half, stored.size],
  ].map(([start, end], i) => ({ index: 1 + i, first: big, last: big, entries: i === 0 ? 1 : 0, bytes: (end ?? 0) - (start ?? 0), piece: { start: start ?? 0, end: end ?? 0, firstPart: i + 1, partSize: half, pieces: 2 } }));
  const whole = entries.filter((e) => e.path !== big);
  const plan: RestorePlanDocument = {
    restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: '/restored' } }),
    entries: entries.length,
    bytes: stored.size * 2,
    shards: [{ index: 0, first: whole[0]?.path ?? '', last: whole.at(-1)?.path ?? '', entries: whole.length, bytes: stored.size }, ...pieces],
  };
  const planKey = `restore-plans/${restoreId}.json`;
  const targetDir = await openTargetDirectory({ configured: '/', real: path.join(dir, 'fs') }, '/restored', { create: false });
  try {
    expect(await createPieceFiles(targetDir?.path ?? '', plan.shards, plan.restore)).toBe(true);
  } finally {
    await targetDir?.close();
  }
  expect(pieces.map((shard) => shard.piece?.nameRefused?.name)).toEqual(['piece file', 'piece file']);
  servePlanObjects(planS3, new Map([[planKey, JSON.stringify(plan)]]));
  for (const { index } of plan.shards) await restoreShard({ restoreId, planKey, shardIndex: index }, io);

  const report = await verifyRestore({ planKey }, io);
  expect(report.notRestored).toEqual({
    count: 1,
    first: [{ path: big, what: expect.stringMatching(/^not restored: the target's file system refuses its name as too long \(ENAMETOOLONG; the name is 1 bytes/u) as string }],
  });
  expect(report.verified).toEqual({ entries: entries.length - 1, mismatches: 0 });
  expect(report.verified.entries + (report.notRestored?.count ?? 0)).toBe(report.entries);
  expect(await fs.readFile(path.join(out, 'a.txt'), 'utf8')).toBe(CONTENT);
  // Read and removed through the target's descriptor, as the steps reach it: by the temporary directory's path they are too deep.
  const again = await openTargetDirectory({ configured: '/', real: path.join(dir, 'fs') }, '/restored', { create: false });
  try {
    expect(await fs.readdir(path.join(again?.path ?? '', ...names))).toEqual([]);
    await fs.rm(path.join(again?.path ?? '', names[0] ?? ''), { recursive: true });
  } finally {
    await again?.close();
  }
});
