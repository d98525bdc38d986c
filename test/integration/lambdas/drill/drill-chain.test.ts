import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchWriteItemCommand, type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListBucketsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { protectionPlanSchema } from '../../../../config/lifeboat-config';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { DrillLog } from '../../../../lambdas/catalog/drill-log';
import { startDrill } from '../../../../lambdas/drill/drill-start';
import { compareWithLiveSources } from '../../../../lambdas/drill/live-sample';
import { recordDrill } from '../../../../lambdas/drill/record-drill';
import { cleanUpDrill } from '../../../../lambdas/drill/scratch-targets';
import { planRestore } from '../../../../lambdas/restore/plan-restore';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { resolveRestore } from '../../../../lambdas/restore/resolve-restore';
import { restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { type RestoreReport, verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { createActiveTable, createCatalogShapedTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { S3VaultStore } from '../../../../vault/aws';
import { type Vault } from '../../../../vault/repository/vault';
import { commitFixtureBackup } from '../../../support/vault-backup-fixture';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * The drill's steps chained in this process as the drill workflow chains them — start, the restore
 * chain per source, live comparison, cleanup, record — over a bucket, a table and a directory on the
 * local cloud: the scratch targets the start names are ones the restore chain accepts, its reports
 * are what the comparison and the record read, and nothing of the drill is left behind.
 */
const REGION = 'us-east-1';
const VAULT_BUCKET = 'lifeboat-dev-vault-000000000000-us-east-1';
const CATALOG = 'lifeboat-dev-catalog';
const PREFIX = 'lifeboat-dev-drill-';
const plan = protectionPlanSchema.parse({
  name: 'chain',
  schedule: 'rate(1 day)',
  strategy: 'full',
  retention: { keepLast: 3 },
  objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
  sources: [
    { type: 's3', name: 'chain-bucket', bucket: 'lifeboat-test-chain' },
    { type: 'dynamodb', name: 'chain-table', table: 'lifeboat-test-chain' },
    { type: 'filesystem', name: 'chain-files', path: '/data/chain' },
  ],
});

let dataDir: string;
let work: string;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let vault: Vault;
const directory = (p: string): string => join(work, 'fs', p);

beforeAll(async () => {
  dataDir = await tempDir('drill-chain-cloud');
  work = await tempDir('drill-chain');
  const cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  dynamodb = localDynamoDbClient(cloud.endpoints, REGION);
  await mkdir(join(work, 'vault'));
  vault = (await newTestVault(join(work, 'vault'))).vault;
  await s3.send(new CreateBucketCommand({ Bucket: VAULT_BUCKET }));
  await createCatalogShapedTable(dynamodb, CATALOG, { byPlan: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'lifeboat-test-chain' }));
  for (let i = 0; i < 6; i++) await s3.send(new PutObjectCommand({ Bucket: 'lifeboat-test-chain', Key: `obj/${i}`, Body: pseudoRandomBytes(2000 + i * 700, i + 1) }));
  await createActiveTable(dynamodb, { TableName: 'lifeboat-test-chain', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' });
  await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { 'lifeboat-test-chain': Array.from({ length: 5 }, (_, i) => ({ PutRequest: { Item: { id: { S: `item-${i}` }, n: { N: String(i) } } } })) } }));
  await mkdir(directory('/data/chain/sub'), { recursive: true });
  await writeFile(directory('/data/chain/a.bin'), pseudoRandomBytes(9000, 11));
  await writeFile(directory('/data/chain/sub/b.txt'), 'b '.repeat(500));
});

afterAll(async () => {
  s3.destroy();
  dynamodb.destroy();
  await stopLocalCloud(dataDir);
  await removeDir(dataDir);
  await removeDir(work);
});

it('start → restore chain per source → compare → cleanup → record: PASSED, evidence written, scratch gone', async () => {
  const catalog = new BackupCatalog(DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }), CATALOG);
  const backupStart = new Date(Date.now() - 3_600_000);
  const backupId = await commitFixtureBackup('chain', plan.sources, { vault, s3, dynamodb, catalogTable: CATALOG, directory }, backupStart);
  const startedAt = new Date().toISOString();
  const directoryRoot = { configured: '/', real: directory('/') };

  const drill = await startDrill({ input: { plan: 'chain', samples: 3 }, execution: 'chain-exec', startedAt }, { plans: [plan], catalog, vault: 'primary', region: REGION, drillTargetPrefix: PREFIX, s3, directoryRoot });
  expect(drill.backup.backupId).toBe(backupId);
  expect(drill.restores.map((r) => r.request.source)).toEqual(['chain-bucket', 'chain-table', 'chain-files']);

  const io: RestoreIo = { openVault: async () => vault, planS3: s3, planBucket: VAULT_BUCKET, targetS3: s3, dynamodb, directory };
  const restored: RestoreReport[] = [];
  for (const { restoreId, request } of drill.restores) {
    const resolved = await resolveRestore(request, restoreId, { restoreTargetPrefix: PREFIX, sources: plan.sources, catalog, openVault: io.openVault, s3, dynamodb, directory });
    // Each restore is a child execution whose Distributed Map reads the shard manifest: batches of shardsPerBatch shard indexes.
    const planned = await planRestore(resolved, { map: 'distributed', maxConcurrency: plan.maxConcurrency }, io);
    expect(planned.shards).toBeUndefined();
    for (let first = 0; first < planned.shardCount; first += planned.shardsPerBatch) {
      const items = Array.from({ length: Math.min(planned.shardsPerBatch, planned.shardCount - first) }, (_, i) => ({ shardIndex: first + i }));
      await restoreShardBatch({ BatchInput: { restoreId, planKey: planned.planKey }, Items: items }, io);
    }
    restored.push(await verifyRestore({ planKey: planned.planKey }, io));
  }

  const comparison = await compareWithLiveSources({ restored, samples: drill.samples, verifiedAt: new Date().toISOString() }, plan.sources, { openVault: io.openVault, liveS3: s3, targetS3: s3, directory, backupRecords: catalog });
  expect(comparison.errors).toEqual([]);
  expect(comparison.sources).toEqual([
    { source: 'chain-bucket', sampled: { compared: 3, matched: 3, skippedChanged: 0, checkedLive: expect.any(Number) } },
    { source: 'chain-table', sampled: expect.objectContaining({ compared: 0, unreachable: expect.stringMatching(/^DynamoDB tables are not sampled/) }) },
    { source: 'chain-files', sampled: { compared: 2, matched: 2, skippedChanged: 0 } },
  ]);

  const cleanup = await cleanUpDrill({ drillId: drill.drillId, sweep: true, now: new Date(), drillTimeoutSeconds: 86_400 }, PREFIX, { s3, dynamodb, directoryRoot, sources: plan.sources, region: REGION });
  expect(cleanup.errors).toEqual([]);
  expect(cleanup.removed).toHaveLength(3);
  expect(((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).filter((n) => n?.startsWith(PREFIX))).toEqual([]);
  expect(((await dynamodb.send(new ListTablesCommand({}))).TableNames ?? []).filter((n) => n.startsWith(PREFIX))).toEqual([]);

  const drillLog = new DrillLog(DynamoDBDocumentClient.from(dynamodb), CATALOG);
  const record = await recordDrill(
    { input: { plan: 'chain', samples: 3 }, execution: 'chain-exec', startedAt, drill, restored, comparison, cleanup },
    { plans: [plan], environment: 'dev', region: REGION, vault: 'primary', store: new S3VaultStore({ client: s3, bucket: VAULT_BUCKET }), drillLog },
  );
  expect(record).toMatchObject({ verdict: 'PASSED', errors: [], missed: [], totals: { entries: restored.reduce((n, r) => n + r.entries, 0) }, rpo: { backupsInWindow: 1, met: true }, rto: { met: true } });
  expect(record.sources.map((s) => [s.source, s.verifiedEntries === s.entries])).toEqual([
    ['chain-bucket', true],
    ['chain-table', true],
    ['chain-files', true],
  ]);
  expect(await drillLog.get(drill.drillId)).toEqual(record);
});
