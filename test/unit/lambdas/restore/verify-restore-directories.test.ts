import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

const planS3 = mockClient(S3Client);

/**
 * The verify step finishes the directories of a file-system restore (mode, times) as the manifest
 * streams, in post-order batches, instead of holding them all: a tree of more directories than one
 * batch (1,000) comes out with every directory's mode and mtime as backed up.
 */
it('finishes the mode and mtime of every directory of a tree larger than one batch, deepest first', async () => {
  const dir = await tempDir('verify-restore-directories');
  try {
    const { vault } = await newTestVault(dir);
    const src = path.join(dir, 'src');
    const dirs: string[] = [];
    // 40 × 30 directories two levels deep, and a chain 12 deep: 1,252 directories.
    for (let a = 0; a < 40; a++) for (let b = 0; b < 30; b++) dirs.push(`d${String(a).padStart(2, '0')}/e${String(b).padStart(2, '0')}`);
    for (let a = 0; a < 40; a++) dirs.push(`d${String(a).padStart(2, '0')}`);
    dirs.push(...Array.from({ length: 12 }, (_, i) => Array.from({ length: i + 1 }, (__, j) => `deep${j}`).join('/')));
    for (const d of dirs) await fs.mkdir(path.join(src, d), { recursive: true });
    await fs.writeFile(path.join(src, 'd07', 'e03', 'file.txt'), 'inside\n');
    // Modes and times to restore, set deepest first so the children's do not change the parents'.
    const sorted = [...dirs].sort((x, y) => y.split('/').length - x.split('/').length);
    for (const [i, d] of sorted.entries()) {
      await fs.chmod(path.join(src, d), i % 3 === 0 ? 0o750 : 0o755);
      const t = new Date(Date.UTC(2020, 0, 1) + i * 60_000);
      await fs.utimes(path.join(src, d), t, t);
    }
    const { snapshot } = await backupDirectory(vault, src);

    const stored = new Map<string, string>();
    const plan: RestorePlanDocument = {
      restore: resolvedFileRestore({ restoreId: 'r-dirs', snapshotId: snapshot.id, target: { type: 'filesystem', path: '/out' } }),
      entries: 0,
      bytes: 0,
      shards: [{ index: 0, first: '', last: '\uffff', entries: 0, bytes: 0 }],
    };
    stored.set('restore-plans/r-dirs.json', JSON.stringify(plan));
    servePlanObjects(planS3, stored);
    const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
    await restoreShard({ restoreId: 'r-dirs', planKey: 'restore-plans/r-dirs.json', shardIndex: 0 }, io);
    const report = await verifyRestore({ planKey: 'restore-plans/r-dirs.json' }, io);
    expect(report.verified).toEqual({ entries: dirs.length + 1, mismatches: 0 });

    const out = path.join(dir, 'fs', 'out');
    for (const d of dirs) {
      const [want, got] = await Promise.all([fs.stat(path.join(src, d)), fs.stat(path.join(out, d))]);
      expect({ d, mode: got.mode & 0o7777, mtime: got.mtimeMs }).toEqual({ d, mode: want.mode & 0o7777, mtime: want.mtimeMs });
    }
    expect(await fs.readFile(path.join(out, 'd07', 'e03', 'file.txt'), 'utf8')).toBe('inside\n');
  } finally {
    planS3.reset();
    await removeDir(dir);
  }
}, 60_000);
