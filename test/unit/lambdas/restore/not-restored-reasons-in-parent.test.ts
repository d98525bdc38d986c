import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { notRestoredLines } from '../../../../cli/not-restored-lines';
import { boundedNotRestored, ShortfallBudget } from '../../../../lambdas/drill/drill-shortfall';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { shardCheckKey } from '../../../../lambdas/restore/shard-checks';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r58I F3: the distinct reasons a drill's or a failover's report names for a source restored in part were taken
 * from the lines that survived the verify step's bound (a drill's or failover's source carries 2 KiB of texts): six
 * FIFOs of long paths took it, the loss of 5,000 files' extended attributes said once after them was dropped, and the
 * headline named only "FIFO not recreated" for 5,006 entries. The verify step now takes the reasons over every line it
 * read, before the bound, and carries them.
 */
const planS3 = mockClient(S3Client);
const DIR = `data/${'queues/'.repeat(25)}`;
const XATTRS_LOST = 'extended attributes not restored: koffi cannot be loaded (and for 4999 more entries)';
/** A shard's record of a source with six FIFOs under data/ (paths of ~180 bytes) and the platform loss said once for 5,000 files. */
const LINES = [
  ...Array.from({ length: 6 }, (_, i) => ({ path: `${DIR}p${i}`, what: `FIFO not recreated: EPERM: operation not permitted, mknod '/mnt/lifeboat/restore/${DIR}p${i}'` })),
  { path: 'www/index.html', what: XATTRS_LOST, entries: 5000 },
];

let dir: string;
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
  await removeDir(dir);
});

it("names every reason of the shards' lines in a drill's or failover's source, though the bound dropped the lines of one", async () => {
  dir = await tempDir('not-restored-reasons');
  const { vault } = await newTestVault(dir);
  const src = path.join(dir, 'src');
  await fs.mkdir(src);
  await fs.writeFile(path.join(src, 'a.txt'), 'hello\n');
  const snapshot = (await backupDirectory(vault, src)).snapshot;
  const restoreId = 'r-reasons';
  const plan: RestorePlanDocument = {
    restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: '/restored' } }),
    entries: 1,
    bytes: 6,
    shards: [{ index: 0, first: 'a.txt', last: 'a.txt', entries: 1, bytes: 6 }],
  };
  const planKey = `restore-plans/${restoreId}.json`;
  const stored = new Map([[planKey, JSON.stringify(plan)]]);
  servePlanObjects(planS3, stored);
  const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  await restoreShard({ restoreId, planKey, shardIndex: 0 }, io);
  const key = shardCheckKey(restoreId, 0);
  stored.set(key, JSON.stringify({ ...(JSON.parse(stored.get(key) ?? '{}') as object), notRestored: LINES, notRestoredCount: 5006 }));

  const report = await verifyRestore({ planKey, reportIn: 'parent-state' }, io);
  const reported = report.notRestored;
  expect(reported?.count).toBe(5006);
  // The bound kept some FIFOs, not the last line: the reasons are every line's all the same.
  expect(reported?.first.length).toBeLessThan(LINES.length);
  expect(reported?.first.map((n) => n.path)).not.toContain('www/index.html');
  expect(reported?.kinds).toEqual(['FIFO not recreated', 'extended attributes not restored']);
  // As the drill's and the failover's reports keep it, and `lifeboat drills show` / `lifeboat failover` print it.
  const kept = boundedNotRestored(reported ?? { count: 0, first: [] }, new ShortfallBudget());
  expect(kept.kinds).toEqual(['FIFO not recreated', 'extended attributes not restored']);
  expect(notRestoredLines('www-efs', kept)[0]).toBe('  www-efs: 5006 entries or attributes not restored (FIFO not recreated, extended attributes not restored); the target lacks them, not counted as verified:');

  // The runbook's own report lists 20 lines and carries no reasons (`lifeboat restore` prints none).
  const runbook = await verifyRestore({ planKey }, io);
  expect(runbook.notRestored).toEqual({ count: 5006, first: LINES });
});
