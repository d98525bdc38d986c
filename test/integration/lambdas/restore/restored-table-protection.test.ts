import {
  BatchWriteItemCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTagsOfResourceCommand,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { planRestore, type PlanRestoreDeps } from '../../../../lambdas/restore/plan-restore';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { resolveRestore } from '../../../../lambdas/restore/resolve-restore';
import { restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { RestoreVerificationError } from '../../../../lambdas/restore/restore-errors';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { describeTableProtection } from '../../../../lambdas/sources/dynamodb-table-protection';
import { captureTableSchema } from '../../../../lambdas/sources/dynamodb-table-schema';
import { createActiveTable } from '../../../../local/cloud';
import { localAwsManagedKeyArn } from '../../../../local/cloud/table-protection';
import { type Vault } from '../../../../vault/repository/vault';
import { REGION, RESTORE_TARGET_PREFIX as PREFIX, type RestoreTestCloud, startRestoreTestCloud } from './restore-test-cloud';

/**
 * Issue 13, item 7, on the local cloud: a table a restore creates gets its source's KMS key,
 * point-in-time recovery (with its period), deletion protection and tags, as the backup recorded
 * them, and holds the source's items; a drill's scratch table keeps the key and tags only; a restore
 * in another region than the key's gets that region's AWS managed key; a backup recorded before the
 * protection was captured takes it from the live source.
 */
const ACCOUNT = '000000000000';
const SOURCE_TABLE = 'shop-orders';
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
const TAGS = [
  { Key: 'cost-centre', Value: '42' },
  { Key: 'team', Value: 'orders' },
];
const source: SourceConfig = { type: 'dynamodb', name: 'orders', table: SOURCE_TABLE };

let cloud: RestoreTestCloud;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let vault: Vault;
let catalog: BackupCatalog;
let backupId: string;
let io: RestoreIo;

const byTag = (a: { Key?: string }, b: { Key?: string }) => (a.Key ?? '').localeCompare(b.Key ?? '');


async function restoreTo(table: string, place: PlanRestoreDeps['tablePlace']): Promise<{ notes: string[] | undefined }> {
  const resolved = await resolveRestore({ source: 'orders', backupId, target: { type: 'dynamodb', table } }, `r-${table.slice(-6)}`, { restoreTargetPrefix: PREFIX, sources: [source], catalog, openVault: io.openVault, s3, dynamodb, directory: io.directory });
  const planned = await planRestore(resolved, { map: 'inline', maxConcurrency: 2 }, { ...io, tablePlace: place });
  for (const batch of planned.shards ?? []) await restoreShardBatch(batch, io);
  const report = await verifyRestore({ planKey: planned.planKey }, io);
  expect(report).toMatchObject({ items: 12, verified: { mismatches: 0 } });
  return { notes: planned.targetNotes };
}

beforeAll(async () => {
  cloud = await startRestoreTestCloud('restored-table');
  ({ s3, dynamodb, vault, catalog, io } = cloud);
  await createActiveTable(dynamodb, {
    TableName: SOURCE_TABLE,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY },
    DeletionProtectionEnabled: true,
    Tags: [...TAGS, { Key: 'aws:cloudformation:stack-name', Value: 'Shop' }],
  });
  await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: SOURCE_TABLE, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 14 } }));
  await dynamodb.send(
    new BatchWriteItemCommand({
      RequestItems: { [SOURCE_TABLE]: Array.from({ length: 12 }, (_, i) => ({ PutRequest: { Item: { id: { S: `order-${i}` }, total: { N: String(i * 3.5) }, lines: { L: [{ S: 'a' }, { N: String(i) }] }, blob: { B: Buffer.from([i, 255 - i]) } } } })) },
    }),
  );
  backupId = await cloud.commitBackup(source);
});

afterAll(async () => cloud.close());

it('the backup records the source table\'s protection beside its schema (user tags only)', async () => {
  expect((await captureTableSchema(dynamodb, SOURCE_TABLE)).protection).toEqual({
    encryption: { type: 'KMS', kmsKeyArn: KEY },
    pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 14 },
    deletionProtection: true,
    tags: TAGS,
  });
});

it('a restored table gets the source\'s KMS key, point-in-time recovery, deletion protection and tags, and its items', async () => {
  const target = `${PREFIX}orders-full`;
  const { notes } = await restoreTo(target, { region: REGION, account: ACCOUNT, scratch: false });
  expect(notes).toBeUndefined();
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: target }));
  expect(Table).toMatchObject({ SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: KEY }, DeletionProtectionEnabled: true });
  expect((await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: target }))).ContinuousBackupsDescription?.PointInTimeRecoveryDescription).toMatchObject({
    PointInTimeRecoveryStatus: 'ENABLED',
    RecoveryPeriodInDays: 14,
  });
  expect(((await dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: Table?.TableArn }))).Tags ?? []).sort(byTag)).toEqual(TAGS);
  expect(await cloud.items(target)).toEqual(await cloud.items(SOURCE_TABLE));
  // Deletion protection is real: the table cannot be dropped by mistake.
  await expect(dynamodb.send(new DeleteTableCommand({ TableName: target }))).rejects.toMatchObject({ name: 'ValidationException' });
});

it('a drill\'s scratch table keeps the key and tags but gets neither deletion protection nor point-in-time recovery, so the drill can delete it', async () => {
  const target = `${PREFIX}orders-scratch`;
  await restoreTo(target, { region: REGION, account: ACCOUNT, scratch: true });
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: target }));
  expect(Table).toMatchObject({ SSEDescription: { KMSMasterKeyArn: KEY }, DeletionProtectionEnabled: false });
  expect((await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: target }))).ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('DISABLED');
  expect(((await dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: Table?.TableArn }))).Tags ?? []).sort(byTag)).toEqual(TAGS);
  expect(await cloud.items(target)).toEqual(await cloud.items(SOURCE_TABLE));
  await dynamodb.send(new DeleteTableCommand({ TableName: target }));
});

it('a restore where the source\'s key cannot be used (another region) gets the region\'s AWS managed key and says so', async () => {
  const target = `${PREFIX}orders-elsewhere`;
  // As the DR region's functions see a key of the primary region.
  const { notes } = await restoreTo(target, { region: 'us-west-2', account: ACCOUNT, scratch: false });
  expect(notes).toEqual([`the source's KMS key ${KEY} is not a key of us-west-2 in account ${ACCOUNT}: the table is encrypted with the AWS managed key aws/dynamodb of us-west-2 instead`]);
  expect((await dynamodb.send(new DescribeTableCommand({ TableName: target }))).Table?.SSEDescription).toEqual({ Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: localAwsManagedKeyArn(REGION, ACCOUNT) });
  expect(await cloud.items(target)).toEqual(await cloud.items(SOURCE_TABLE));
});

it('a backup recorded before protection was captured: the plan reads the live source; without one, DynamoDB\'s defaults, and a note', async () => {
  const schema = await captureTableSchema(dynamodb, SOURCE_TABLE);
  const { protection: _recorded, ...oldSchema } = schema;
  const writer = await vault.newSnapshotWriter({ parent: null });
  const snapshot = await vault.commitSnapshot({ source: { kind: 'dynamodb', id: 'orders', table: SOURCE_TABLE, schema: oldSchema }, parts: [await writer.finish()] });
  const resolved = (table: string, restoreId: string) => ({
    restoreId,
    source: { name: 'orders', type: 'dynamodb' as const },
    backupId: '20260101T000000Z-00000000',
    backupStartedAt: '2026-01-01T00:00:00.000Z',
    snapshotId: snapshot.id,
    vault: 'primary' as const,
    target: { type: 'dynamodb' as const, table },
    overwrite: false,
    keepSetIdBits: false,
    prefix: '',
    startedAt: new Date().toISOString(),
  });
  const place = { region: REGION, account: ACCOUNT, scratch: false };
  await planRestore(resolved(`${PREFIX}orders-old-live`, 'r-old-live'), { map: 'inline', maxConcurrency: 1 }, { ...io, tablePlace: place, liveSourceProtection: () => describeTableProtection(dynamodb, SOURCE_TABLE) });
  expect((await dynamodb.send(new DescribeTableCommand({ TableName: `${PREFIX}orders-old-live` }))).Table).toMatchObject({ SSEDescription: { KMSMasterKeyArn: KEY }, DeletionProtectionEnabled: true });
  const planned = await planRestore(resolved(`${PREFIX}orders-old-none`, 'r-old-none'), { map: 'inline', maxConcurrency: 1 }, { ...io, tablePlace: place });
  expect(planned.targetNotes).toEqual([expect.stringContaining('the backup records no protection of the source table')]);
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: `${PREFIX}orders-old-none` }));
  expect(Table?.SSEDescription).toBeUndefined();
  expect(Table?.DeletionProtectionEnabled).toBe(false);
});

it('a shard whose write of an item is lost reads the table back, records it, and verify fails naming the item\'s attributes, never its values', async () => {
  const target = `${PREFIX}orders-lossy`;
  const resolved = await resolveRestore({ source: 'orders', backupId, target: { type: 'dynamodb', table: target } }, 'r-lossy', { restoreTargetPrefix: PREFIX, sources: [source], catalog, openVault: io.openVault, s3, dynamodb, directory: io.directory });
  const planned = await planRestore(resolved, { map: 'inline', maxConcurrency: 2 }, { ...io, tablePlace: { region: REGION, account: ACCOUNT, scratch: true } });
  // DynamoDB acknowledges the batch, but the first put of the first batch never lands.
  let lost = false;
  const lossy = {
    send: (command: unknown) => {
      if (command instanceof BatchWriteItemCommand && !lost) {
        lost = true;
        const requests = command.input.RequestItems?.[target] ?? [];
        return dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [target]: requests.slice(1) } }));
      }
      return dynamodb.send(command as Parameters<DynamoDBClient['send']>[0]);
    },
  } as unknown as DynamoDBClient;
  for (const batch of planned.shards ?? []) await restoreShardBatch(batch, { ...io, dynamodb: lossy });
  expect(lost).toBe(true);
  expect((await cloud.items(target)).length).toBe(11);
  const error = await verifyRestore({ planKey: planned.planKey }, io).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(RestoreVerificationError);
  expect((error as RestoreVerificationError).mismatches).toEqual([`an item with attributes "blob", "id", "lines", "total" missing or different in ${target}`]);
  expect((error as Error).message).not.toMatch(/order-\d/);
  await dynamodb.send(new DeleteTableCommand({ TableName: target }));
});
