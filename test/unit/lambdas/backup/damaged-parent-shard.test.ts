import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { type BackupPlanDocument, type PlannedSource } from '../../../../lambdas/backup/backup-plan-document';
import { BackupWorkspace } from '../../../../lambdas/backup/backup-workspace';
import { type ShardWarning, snapshotShard } from '../../../../lambdas/backup/snapshot-shard';
import { type ShardSpec } from '../../../../lambdas/sources/shard-spec';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** Audit R10 F3, the workflow's side: a shard whose parent snapshot is damaged reads everything and says so. */
describe('a backup shard whose parent snapshot is damaged', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('damaged-parent-shard');
  });
  afterAll(async () => removeDir(dir));

  it('warns naming the damaged object, reads every entry and finishes', async () => {
    const { vault, store } = await newTestVault(dir);
    const root = path.join(dir, 'tree');
    await fs.mkdir(root);
    await fs.writeFile(path.join(root, 'a.bin'), pseudoRandomBytes(30_000, 7));
    await fs.writeFile(path.join(root, 'b.txt'), 'bee\n');
    const parent = (await backupDirectory(vault, root)).snapshot;
    const rootKey = manifestKey(parent.manifest);
    const bytes = await fs.readFile(store.localPath(rootKey));
    bytes[40] = (bytes[40] as number) ^ 0xff;
    await fs.writeFile(store.localPath(rootKey), bytes);
    vault.forgetIndex();

    const source: PlannedSource = { name: 'files', type: 'filesystem', snapshotSource: { kind: 'filesystem', id: 'files', path: '/data' }, parent: { backupId: '20251231T000000Z-parent', snapshotId: parent.id } };
    const backupId = '20260101T000000Z-damagedparent';
    const plan: BackupPlanDocument = { backupId, plan: 'p', environment: 'test', strategy: 'incremental', requestedStrategy: 'incremental', createdAt: new Date(0).toISOString(), sources: [source], shardManifests: [] };
    const planKey = await new BackupWorkspace(store).putPlan(plan);
    const spec: ShardSpec = { kind: 'filesystem', index: 0, source: 'files', root, paths: ['a.bin', 'b.txt'], includeRoot: true };
    const warnings: ShardWarning[] = [];

    const progress = await snapshotShard({ backupId, planKey, spec }, { s3: new S3Client({ region: 'us-east-1' }), dynamodb: new DynamoDBClient({ region: 'us-east-1' }), vault, warn: (w) => warnings.push(w) });

    expect(progress).toMatchObject({ done: true, bytesScanned: 30_004 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ backupId, shardIndex: 0, source: 'files' });
    expect(warnings[0]?.warning).toContain(`the parent snapshot ${parent.id} is damaged (${rootKey}: its SHA-256 does not match its name)`);
  });
});
