import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type AttributeValue, BatchWriteItemCommand, type DynamoDBClient, paginateScan, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { planRestore } from '../../../../lambdas/restore/plan-restore';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { resolveRestore } from '../../../../lambdas/restore/resolve-restore';
import { restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { createActiveTable, createCatalogShapedTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { type Vault } from '../../../../vault/repository/vault';
import { commitFixtureBackup } from '../../../support/vault-backup-fixture';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit R1 F2, on the local cloud: an overwrite restore into an existing table is written by that
 * table's key. A table keyed otherwise than the backup (`pk` where the backup's items are keyed
 * `pk` + `sk`, or `sk` of another type) would collapse the items that share its key, or fail
 * half-way with DynamoDB's "Provided list of item keys contains duplicates": it is refused before
 * any item is written, and the table stays as it was. A table with the backup's key takes the items.
 */
const REGION = 'us-east-1';
const VAULT_BUCKET = 'lifeboat-dev-vault-000000000000-us-east-1';
const CATALOG = 'lifeboat-dev-catalog';
const PREFIX = 'lifeboat-dev-restore-';
const SOURCE_TABLE = 'shop-order-lines';
const source: SourceConfig = { type: 'dynamodb', name: 'order-lines', table: SOURCE_TABLE };
/** 13 orders of two lines each: under a key of `pk` alone, every order's lines collide. */
const LINES: Array<Record<string, AttributeValue>> = Array.from({ length: 26 }, (_, i) => ({ pk: { S: `order-${Math.floor(i / 2)}` }, sk: { N: String(i % 2) }, qty: { N: String(i) } }));
const BEFORE: Record<string, AttributeValue> = { pk: { S: 'kept' }, sk: { N: '7' }, note: { S: 'there before the restore' } };

let dataDir: string;
let work: string;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let vault: Vault;
let catalog: BackupCatalog;
let backupId: string;
let io: RestoreIo;

async function items(table: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of paginateScan({ client: dynamodb }, { TableName: table, ConsistentRead: true })) for (const item of page.Items ?? []) out.push(JSON.stringify(Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))));
  return out.sort();
}

/** An existing target table keyed `pk`, or `pk` + `sk` of the given type, holding one item of its own (BEFORE). */
async function existingTable(table: string, sk: 'N' | 'S' | undefined): Promise<void> {
  await createActiveTable(dynamodb, {
    TableName: table,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(sk ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(sk ? [{ AttributeName: 'sk', AttributeType: sk }] : [])],
    BillingMode: 'PAY_PER_REQUEST',
  });
  await dynamodb.send(new PutItemCommand({ TableName: table, Item: sk === 'S' ? { ...BEFORE, sk: { S: '7' } } : BEFORE }));
}

async function overwriteRestore(table: string, restoreId: string): Promise<unknown> {
  const resolved = await resolveRestore({ source: 'order-lines', backupId, target: { type: 'dynamodb', table }, overwrite: true }, restoreId, {
    restoreTargetPrefix: PREFIX,
    sources: [source],
    catalog,
    openVault: io.openVault,
    s3,
    dynamodb,
    directory: io.directory,
  });
  const planned = await planRestore(resolved, { map: 'inline', maxConcurrency: 2 }, io);
  for (const batch of planned.shards ?? []) await restoreShardBatch(batch, io);
  return verifyRestore({ planKey: planned.planKey }, io);
}

async function refusal(run: Promise<unknown>): Promise<Error> {
  const error = await run.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as Error;
}

beforeAll(async () => {
  dataDir = await tempDir('overwrite-table-key-cloud');
  work = await tempDir('overwrite-table-key');
  const cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  dynamodb = localDynamoDbClient(cloud.endpoints, REGION);
  await mkdir(join(work, 'vault'));
  vault = (await newTestVault(join(work, 'vault'))).vault;
  await s3.send(new CreateBucketCommand({ Bucket: VAULT_BUCKET }));
  await createCatalogShapedTable(dynamodb, CATALOG);
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }), CATALOG);
  await createActiveTable(dynamodb, {
    TableName: SOURCE_TABLE,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
  for (let i = 0; i < LINES.length; i += 25) await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [SOURCE_TABLE]: LINES.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  io = { openVault: async () => vault, planS3: s3, planBucket: VAULT_BUCKET, targetS3: s3, dynamodb, directory: (p) => join(work, 'fs', p) };
  backupId = await commitFixtureBackup('shop', [source], { vault, s3, dynamodb, catalogTable: CATALOG, directory: io.directory }, new Date(Date.now() - 3_600_000));
});

afterAll(async () => {
  s3.destroy();
  dynamodb.destroy();
  await stopLocalCloud(dataDir);
  await removeDir(dataDir);
  await removeDir(work);
});

it('refuses an overwrite into a table keyed by pk alone, naming target.table and both key schemas, before writing any item', async () => {
  const table = `${PREFIX}lines-by-pk`;
  await existingTable(table, undefined);
  const before = await items(table);
  const error = await refusal(overwriteRestore(table, 'r-by-pk'));
  expect(error.message).toContain(`target.table: table ${table} is keyed by pk (HASH, S), but the items of backup ${backupId} are keyed by pk (HASH, S) + sk (RANGE, N)`);
  expect(error.message).toContain('Nothing was written');
  expect(await items(table)).toEqual(before);
});

it('refuses a table whose key has the backup\'s names but another attribute type', async () => {
  const table = `${PREFIX}lines-sk-string`;
  await existingTable(table, 'S');
  const before = await items(table);
  const error = await refusal(overwriteRestore(table, 'r-sk-string'));
  expect(error.message).toContain(`is keyed by pk (HASH, S) + sk (RANGE, S), but the items of backup ${backupId} are keyed by pk (HASH, S) + sk (RANGE, N)`);
  expect(await items(table)).toEqual(before);
});

it('writes every item into an existing table with the backup\'s key, keeping what was there, and verifies them', async () => {
  const table = `${PREFIX}lines-same-key`;
  await existingTable(table, 'N');
  await expect(overwriteRestore(table, 'r-same-key')).resolves.toMatchObject({ items: LINES.length, verified: { mismatches: 0 } });
  expect(await items(table)).toEqual([...(await items(SOURCE_TABLE)), JSON.stringify(Object.fromEntries(Object.entries(BEFORE).sort(([a], [b]) => a.localeCompare(b))))].sort());
});

it('refuses it already in Validate and resolve, the step before an approval, not only when the plan prepares the target', async () => {
  const table = `${PREFIX}lines-by-pk-resolve`;
  await existingTable(table, undefined);
  const error = await refusal(
    resolveRestore({ source: 'order-lines', backupId, target: { type: 'dynamodb', table }, overwrite: true }, 'r-by-pk-resolve', {
      restoreTargetPrefix: PREFIX,
      sources: [source],
      catalog,
      openVault: io.openVault,
      s3,
      dynamodb,
      directory: io.directory,
    }),
  );
  expect(error.message).toContain(`target.table: table ${table} is keyed by pk (HASH, S), but the items of backup ${backupId} are keyed by pk (HASH, S) + sk (RANGE, N)`);
});
