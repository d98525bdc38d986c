import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type RestorePlanDocument, type RestoreShard } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { createPieceFiles } from '../../../../lambdas/restore/split-file-pieces';
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
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
  await removeDir(dir);
});

it('lists a file in pieces whose name, or whose directory\'s, is too long as not restored, and restores the rest', async () => {
  dir = await tempDir('verify-pieces-names-too-long');
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
  servePlanObjects(planS3, new Map([[planKey, JSON.stringify(plan)]]));
  const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  const out = path.join(dir, 'fs', 'restored');
  await fs.mkdir(out, { recursive: true });
  // The plan step's part (plan-restore.ts createSplitFiles), then every shard, then the verify step.
  await createPieceFiles(out, [`${longDir}/big`, 'm.bin', tooLong], plan.restore);
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
