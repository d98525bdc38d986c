import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type RestorePlanDocument, type RestoreShard } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { repairIndex } from '../../../../vault/repair/repair-index';
import { INDEX_PREFIX } from '../../../../vault/repository/vault-layout';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { listedKeys, newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

const planS3 = mockClient(S3Client);

/**
 * Review r58H F3: a shard of the restore workflow whose file's blob is in no index because an index object the snapshot
 * lists is missing failed with the bare "in no index", though `vault restore` names the missing objects and says that
 * `repair index` comes first (it rebuilds the index from the packs, which still hold the blob).
 */
describe('a restore shard of a snapshot whose index object is missing', () => {
  let dir: string;
  afterAll(async () => {
    planS3.restore();
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  it('fails naming the missing index objects and the repair; after the repair the shard restores the file equal to the source', async () => {
    dir = await tempDir('restore-shard-missing-index');
    const { vault, store } = await newTestVault(dir);
    const source = pseudoRandomBytes(20_000, 3);
    const writer = await vault.newSnapshotWriter();
    await writer.add({ path: 'a.bin', kind: 'file', meta: { mode: 0o644 }, content: source });
    const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] });
    const indexes = await listedKeys(store, INDEX_PREFIX);
    expect(indexes.length).toBeGreaterThan(0);
    for (const key of indexes) await store.delete(key);
    const shards: RestoreShard[] = [{ index: 0, first: 'a.bin', last: 'a.bin', entries: 1, bytes: source.length }];
    const plan = (restoreId: string): RestorePlanDocument => ({
      restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: `/${restoreId}` } }),
      entries: 1,
      bytes: source.length,
      shards,
    });
    servePlanObjects(planS3, new Map(['r1', 'r2'].map((id) => [`restore-plans/${id}.json`, JSON.stringify(plan(id))])));
    const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));

    const failed = restoreShard({ restoreId: 'r1', planKey: 'restore-plans/r1.json', shardIndex: 0 }, io);
    const message = ((await failed.catch((err: unknown) => err)) as Error).message;
    expect(message).toMatch(/object blob [0-9a-f]{64} is corrupt: it is referenced by the manifest but is in no index; /);
    expect(message).toContain(`; the snapshot lists ${indexes.length} index object(s) the vault does not hold (${indexes.join(', ')}), and the packs they listed may still hold it: run \`lifeboat vault repair index\``);
    expect(message).toContain("an environment's vault: its repair-index runbook, `lifeboat repair-index --env <env> --vault <primary|dr>`");

    await repairIndex(vault);
    await restoreShard({ restoreId: 'r2', planKey: 'restore-plans/r2.json', shardIndex: 0 }, io);
    expect(await fs.readFile(path.join(dir, 'fs', 'r2', 'a.bin'))).toEqual(source);
  });
});
