import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { protectionPlanSchema, type SourceConfig } from '../../../../config/lifeboat-config';
import { newBackupId } from '../../../../lambdas/backup/backup-id';
import { commitBackup } from '../../../../lambdas/backup/commit-backup';
import { planBackup } from '../../../../lambdas/backup/plan-backup';
import { plannedShardSpecs } from '../../../../lambdas/backup/planned-shard-specs';
import { snapshotShard } from '../../../../lambdas/backup/snapshot-shard';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { createCatalogShapedTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { BackupOutlivedGraceError, pruneVault, type Vault } from '../../../../vault';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit R2 F2, in the backup workflow's steps (plan, shards, commit, run in this process): each
 * shard's part records what its writer saw of prune's state, and commit holds the snapshot only to
 * the prunes no writer saw. A backup that starts right after a `prune --grace 0` commits (it was
 * refused for a minute after one); a grace-0 prune that runs while the shards are done but the commit
 * is not still refuses the commit.
 */
const REGION = 'us-east-1';
const CATALOG = 'lifeboat-test-after-prune-catalog';
const BUCKET = 'lifeboat-test-after-prune';
const PLAN = 'after-prune';
const source: SourceConfig = { type: 's3', name: 'files', bucket: BUCKET, prefix: '' };
const plans = [
  protectionPlanSchema.parse({
    name: PLAN,
    schedule: 'rate(1 day)',
    strategy: 'full',
    retention: { keepLast: 5 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
    maxConcurrency: 2,
    sources: [source],
  }),
];

let dataDir: string;
let work: string;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let vault: Vault;
let catalog: BackupCatalog;

/** Plans the backup and runs its shards; `commit` then runs the commit step. */
async function backupUpToCommit(): Promise<{ backupId: string; commit: () => Promise<unknown> }> {
  const backupId = newBackupId(new Date());
  const request = { plan: PLAN, backupId, trigger: 'test', strategy: 'full' as const };
  const deps = { s3, dynamodb, vault, catalog, plans, environment: 'test' };
  let planned = await planBackup(request, deps);
  while (planned.continuation) planned = await planBackup({ ...request, continuation: planned.continuation }, deps);
  for (const spec of await plannedShardSpecs(vault.store, planned)) await snapshotShard({ backupId, planKey: planned.planKey, spec }, { s3, dynamodb, vault });
  return { backupId, commit: () => commitBackup({ backupId, planKey: planned.planKey }, { vault, catalog }) };
}

/** A prune with a grace of 0, as `lifeboat prune --grace 0` runs it (every cursor followed). */
async function pruneGraceZero(): Promise<void> {
  let result = await pruneVault(vault, { graceMs: 0 });
  while (!result.done && result.cursor) result = await pruneVault(vault, { graceMs: 0, cursor: result.cursor });
}

beforeAll(async () => {
  dataDir = await tempDir('after-prune-cloud');
  work = await tempDir('after-prune');
  const cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  dynamodb = localDynamoDbClient(cloud.endpoints, REGION);
  await createCatalogShapedTable(dynamodb, CATALOG);
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }), CATALOG);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `doc-${i}.txt`, Body: `document ${i}\n`.repeat(100 + i) }));
  await mkdir(join(work, 'vault'));
  vault = (await newTestVault(join(work, 'vault'))).vault;
});

afterAll(async () => {
  s3.destroy();
  dynamodb.destroy();
  await stopLocalCloud(dataDir);
  await removeDir(dataDir);
  await removeDir(work);
});

it('commits a backup that started right after a grace-0 prune: its shards saw that prune', async () => {
  await pruneGraceZero();
  const { backupId, commit } = await backupUpToCommit();
  await expect(commit()).resolves.toMatchObject({ backupId, status: 'COMMITTED' });
});

it('refuses the commit when a grace-0 prune ran after the shards, which no writer saw', async () => {
  const { commit } = await backupUpToCommit();
  await pruneGraceZero();
  await expect(commit()).rejects.toBeInstanceOf(BackupOutlivedGraceError);
});
