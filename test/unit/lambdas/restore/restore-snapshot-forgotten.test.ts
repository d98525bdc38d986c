import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ForgottenBackupError } from '../../../../lambdas/catalog/catalog-errors';
import { planRestore } from '../../../../lambdas/restore/plan-restore';
import { type ResolvedRestore } from '../../../../lambdas/restore/resolved-restore';
import { restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { thawRestore } from '../../../../lambdas/restore/thaw-restore';
import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type Vault } from '../../../../vault/repository/vault';
import { snapshotKey } from '../../../../vault/repository/vault-layout';
import { type VaultStore } from '../../../../vault';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Retention forgetting a backup while a restore of it runs (the daily Forget during a thaw's wait, or
 * long shards): the thaw, plan and shard steps, which load the snapshot again, say that the
 * backup was forgotten during the restore (ForgottenBackupError), not the vault's bare "does not exist".
 */
const planS3 = mockClient(S3Client);
const written = new Map<string, string>();
let dir: string;
let vault: Vault;
let store: VaultStore;
let restore: ResolvedRestore;

beforeEach(async () => {
  dir = await tempDir('restore-forgotten');
  ({ vault, store } = await newTestVault(dir));
  const src = path.join(dir, 'src');
  await fs.mkdir(src, { recursive: true });
  await fs.writeFile(path.join(src, 'a.txt'), 'restore me\n');
  const { snapshot } = await backupDirectory(vault, src);
  await fs.mkdir(path.join(dir, 'fs'));
  restore = resolvedFileRestore({ restoreId: 'r-forgotten', snapshotId: snapshot.id, backupId: '20260301T100000Z-1a2b3c4d', target: { type: 'filesystem', path: '/out' } });
  written.clear();
  planS3.reset();
  servePlanObjects(planS3, written);
});
afterEach(async () => removeDir(dir));
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
});

const io = () => mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
const forgottenDuringRestore = {
  name: 'ForgottenBackupError',
  backupId: '20260301T100000Z-1a2b3c4d',
  message: expect.stringMatching(/^Backup 20260301T100000Z-1a2b3c4d was forgotten by retention during this restore: the snapshot [0-9a-f]{12} of source files was in the primary vault when the restore was resolved and is gone now\./) as unknown,
};

describe('a restore whose backup retention forgets under it', () => {
  it('the plan step reports ForgottenBackupError naming the backup and the race', async () => {
    await store.delete(snapshotKey(restore.snapshotId));
    const planning = planRestore(restore, { map: 'distributed', maxConcurrency: 2 }, io());
    await expect(planning).rejects.toBeInstanceOf(ForgottenBackupError);
    await expect(planning).rejects.toMatchObject(forgottenDuringRestore);
  });

  it('a shard step after the plan does too', async () => {
    const planned = await planRestore(restore, { map: 'distributed', maxConcurrency: 2 }, io());
    await store.delete(snapshotKey(restore.snapshotId));
    await expect(restoreShardBatch({ BatchInput: { restoreId: 'r-forgotten', planKey: planned.planKey }, Items: [{ shardIndex: 0 }] }, io())).rejects.toMatchObject(forgottenDuringRestore);
  });

  it('the thaw step, whose wait for archived packs is the longest, does too (review 40d)', async () => {
    // An S3-like store (archive tiers): every object readable, so the thaw has nothing to thaw but loads the snapshot.
    Object.assign(store, { storageState: () => Promise.resolve({ storageClass: 'STANDARD', readable: true }), requestThaw: () => Promise.resolve('ready') });
    const planned = await planRestore(restore, { map: 'distributed', maxConcurrency: 2 }, io());
    const thawDeps = { ...io(), plans: [{ name: 'demo', retention: { keepLast: 1 }, sources: [{ name: 'files', type: 'filesystem' as const, path: '/files' }] }] as unknown as ProtectionPlanConfig[] };
    await expect(thawRestore({ planKey: planned.planKey }, thawDeps)).resolves.toMatchObject({ pending: 0 });
    await store.delete(snapshotKey(restore.snapshotId));
    await expect(thawRestore({ planKey: planned.planKey }, thawDeps)).rejects.toMatchObject(forgottenDuringRestore);
  });
});
