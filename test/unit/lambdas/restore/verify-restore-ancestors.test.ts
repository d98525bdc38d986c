import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit R1 F4: a runbook restore with `filter.prefix` `a/b/c` makes `a` and `a/b` on the way. The
 * verify step gives them their recorded mode and mtime, as it does the restored directories (the
 * setgid bit dropped, as the runbook drops it unless keepSetIdBits), so the subtree is reachable
 * as it was, not through directories of mode 0700 dated by the restore.
 */
const planS3 = mockClient(S3Client);
let dir: string;
let vault: Vault;
let snapshot: Snapshot;
let src: string;

beforeAll(async () => {
  dir = await tempDir('verify-restore-ancestors');
  ({ vault } = await newTestVault(dir));
  src = path.join(dir, 'src');
  await fs.mkdir(path.join(src, 'a', 'b', 'c', 'd'), { recursive: true });
  await fs.writeFile(path.join(src, 'a', 'b', 'c', 'd', 'f.txt'), 'restored\n');
  await fs.writeFile(path.join(src, 'a', 'b', 'beside.txt'), 'not restored\n');
  // Deepest first, so that a child's change does not move its parent's mtime.
  for (const [d, mode, mtime] of [
    ['a/b/c/d', 0o755, '2022-02-02T02:02:02.222Z'],
    ['a/b/c', 0o750, '2021-01-01T01:01:01.111Z'],
    ['a/b', 0o2775, '2020-05-06T07:08:09.456Z'],
    ['a', 0o751, '2019-06-07T08:09:10.789Z'],
  ] as const) {
    await fs.chmod(path.join(src, d), mode);
    await fs.utimes(path.join(src, d), new Date(mtime), new Date(mtime));
  }
  snapshot = (await backupDirectory(vault, src)).snapshot;
});
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
  await removeDir(dir);
});

async function modeAndTime(root: string, d: string): Promise<{ d: string; mode: number; mtime: number }> {
  const stats = await fs.stat(path.join(root, d));
  return { d, mode: stats.mode & 0o7777, mtime: stats.mtimeMs };
}

it('gives the directories above filter.prefix their recorded mode (set-id bits dropped) and mtime, and reports only the selected entries', async () => {
  const stored = new Map<string, string>();
  const plan: RestorePlanDocument = {
    restore: { ...resolvedFileRestore({ restoreId: 'r-up', snapshotId: snapshot.id, target: { type: 'filesystem', path: '/out' } }), prefix: 'a/b/c' },
    entries: 4,
    bytes: 9,
    shards: [{ index: 0, first: '', last: '\uffff', entries: 4, bytes: 9 }],
  };
  stored.set('restore-plans/r-up.json', JSON.stringify(plan));
  servePlanObjects(planS3, stored);
  const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  await restoreShard({ restoreId: 'r-up', planKey: 'restore-plans/r-up.json', shardIndex: 0 }, io);
  const report = await verifyRestore({ planKey: 'restore-plans/r-up.json' }, io);
  // a/b/c, a/b/c/d and a/b/c/d/f.txt: the parents are finished and read back, not counted.
  expect(report.verified).toEqual({ entries: 3, mismatches: 0 });

  const out = path.join(dir, 'fs', 'out');
  expect(await modeAndTime(out, 'a')).toEqual(await modeAndTime(src, 'a'));
  expect(await modeAndTime(out, 'a/b')).toEqual({ ...(await modeAndTime(src, 'a/b')), mode: 0o775 });
  for (const d of ['a/b/c', 'a/b/c/d']) expect(await modeAndTime(out, d)).toEqual(await modeAndTime(src, d));
  await expect(fs.access(path.join(out, 'a', 'b', 'beside.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
});

it('with overwrite leaves the directories above filter.prefix as the target has them: they may be live ones other files share', async () => {
  const stored = new Map<string, string>();
  const live = path.join(dir, 'fs', 'live');
  await fs.mkdir(path.join(live, 'a', 'b'), { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(live, 'a', 'b', 'later.txt'), 'written after the backup\n');
  await fs.chmod(path.join(live, 'a'), 0o700);
  await fs.chmod(path.join(live, 'a', 'b'), 0o700);
  const plan: RestorePlanDocument = {
    restore: { ...resolvedFileRestore({ restoreId: 'r-over', snapshotId: snapshot.id, target: { type: 'filesystem', path: '/live' } }), prefix: 'a/b/c', overwrite: true },
    entries: 4,
    bytes: 9,
    shards: [{ index: 0, first: '', last: '\uffff', entries: 4, bytes: 9 }],
  };
  stored.set('restore-plans/r-over.json', JSON.stringify(plan));
  servePlanObjects(planS3, stored);
  const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  await restoreShard({ restoreId: 'r-over', planKey: 'restore-plans/r-over.json', shardIndex: 0 }, io);
  const report = await verifyRestore({ planKey: 'restore-plans/r-over.json' }, io);
  expect(report.verified).toEqual({ entries: 3, mismatches: 0 });
  for (const d of ['a', 'a/b']) expect((await modeAndTime(live, d)).mode).toBe(0o700);
  for (const d of ['a/b/c', 'a/b/c/d']) expect(await modeAndTime(live, d)).toEqual(await modeAndTime(src, d));
});
