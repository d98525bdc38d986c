import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, DescribeTableCommand, type DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createCatalogShapedTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { cloudAccountsOf } from '../../../../local/cloud/cloud-accounts';
import { parseCloudProcessArgv, toCloudProcessArgv } from '../../../../local/cloud/cloud-process-args';

/**
 * An environment whose DR stack is in another account (drAccount), on the local cloud: the DR region is
 * served as that account (its buckets' owner for ExpectedBucketOwner, its tables' ARNs), and a table is
 * reached by its ARN as the primary account's functions reach the DR catalog.
 */
const PRIMARY = { region: 'us-east-1', account: '111111111111' };
const DR = { region: 'us-west-2', account: '222222222222' };
const TABLE = 'lifeboat-dev-catalog';
const arnOf = (where: { region: string; account: string }) => `arn:aws:dynamodb:${where.region}:${where.account}:table/${TABLE}`;

let dataDir: string;
let s3: { primary: S3Client; dr: S3Client };
let drTables: DynamoDBClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-region-accounts-'));
  const accounts = cloudAccountsOf({ account: PRIMARY.account, drAccount: DR.account, drRegion: DR.region });
  const cloud = await startLocalCloud({ dataDir, regions: [PRIMARY.region, DR.region], exitWithParent: true, ...accounts });
  s3 = { primary: localS3Client(cloud.endpoints, PRIMARY.region), dr: localS3Client(cloud.endpoints, DR.region) };
  drTables = localDynamoDbClient(cloud.endpoints, DR.region);
  await createCatalogShapedTable(drTables, TABLE);
});

afterAll(async () => {
  s3.primary.destroy();
  s3.dr.destroy();
  drTables.destroy();
  await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

it('passes the DR region\'s account to the cloud process, and only for a DR account that differs', () => {
  const accounts = cloudAccountsOf({ account: PRIMARY.account, drAccount: DR.account, drRegion: DR.region });
  expect(accounts).toEqual({ account: PRIMARY.account, regionAccounts: { [DR.region]: DR.account } });
  expect(cloudAccountsOf({ account: PRIMARY.account, drAccount: PRIMARY.account, drRegion: DR.region })).toEqual({ account: PRIMARY.account });
  const argv = toCloudProcessArgv({ dataDir: '/d', regions: [PRIMARY.region, DR.region], ...accounts, s3Ports: {}, dynamoDbPorts: {} });
  expect(parseCloudProcessArgv(argv, 1)).toMatchObject({ account: PRIMARY.account, regionAccounts: { [DR.region]: DR.account } });
  expect(() => parseCloudProcessArgv(['--region', DR.region, '--region-account', `${DR.region}=12`], 1)).toThrow('--region-account expects REGION=ACCOUNT (12 digits), got "us-west-2=12"');
});

it('a bucket of the DR region belongs to the DR account, one of the primary region to the primary account', async () => {
  await s3.dr.send(new CreateBucketCommand({ Bucket: 'lifeboat-dev-vault-222222222222-us-west-2' }));
  await s3.primary.send(new CreateBucketCommand({ Bucket: 'lifeboat-dev-vault-111111111111-us-east-1' }));
  await expect(s3.dr.send(new HeadBucketCommand({ Bucket: 'lifeboat-dev-vault-222222222222-us-west-2', ExpectedBucketOwner: DR.account }))).resolves.toBeDefined();
  await expect(s3.dr.send(new PutObjectCommand({ Bucket: 'lifeboat-dev-vault-222222222222-us-west-2', Key: 'config', Body: 'x', ExpectedBucketOwner: PRIMARY.account }))).rejects.toMatchObject({ name: 'AccessDenied' });
  await expect(s3.primary.send(new HeadBucketCommand({ Bucket: 'lifeboat-dev-vault-111111111111-us-east-1', ExpectedBucketOwner: PRIMARY.account }))).resolves.toBeDefined();
});

it('a DR table answers by its ARN (put, batch write, get, query) as by its name, and reports the DR account in its ARN; an ARN of another account is not found', async () => {
  expect((await drTables.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.TableArn).toBe(arnOf(DR));
  await drTables.send(new PutItemCommand({ TableName: arnOf(DR), Item: { pk: { S: 'BACKUP#a' }, sk: { S: 'BACKUP' }, plan: { S: 'demo' } } }));
  await drTables.send(new BatchWriteItemCommand({ RequestItems: { [arnOf(DR)]: [{ PutRequest: { Item: { pk: { S: 'BACKUP#b' }, sk: { S: 'BACKUP' } } } }] } }));
  expect((await drTables.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'BACKUP#a' }, sk: { S: 'BACKUP' } } }))).Item?.plan).toEqual({ S: 'demo' });
  const byArn = await drTables.send(new QueryCommand({ TableName: arnOf(DR), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'BACKUP#b' } } }));
  expect(byArn.Items).toEqual([{ pk: { S: 'BACKUP#b' }, sk: { S: 'BACKUP' } }]);
  await expect(drTables.send(new GetItemCommand({ TableName: arnOf({ region: DR.region, account: PRIMARY.account }), Key: { pk: { S: 'BACKUP#a' }, sk: { S: 'BACKUP' } } }))).rejects.toThrow();
});
