import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTagsOfResourceCommand,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketCommand,
  DeleteBucketLifecycleCommand,
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createActiveTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { localAwsManagedKeyArn } from '../../../../local/cloud/table-protection';
import { prepareFailoverTargets } from '../../../../lambdas/failover/failover-targets';
import { createPrivateBucket } from '../../../../lambdas/restore/private-bucket';
import { ABORT_INCOMPLETE_UPLOADS_DAYS, ABORT_INCOMPLETE_UPLOADS_RULE, ensureAbortIncompleteUploadsRule } from '../../../../lambdas/restore/target-upload-lifecycle';

/** The local cloud's emulation of table protection (dynalite) and bucket encryption / Block Public Access (s3rver), as AWS documents them. */
const REGION = 'us-west-2';
const ACCOUNT = '000000000000';
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

let dataDir: string;
let endpoints: Parameters<typeof localS3Client>[0];
let s3: S3Client;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-protection-emulation-'));
  const cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  endpoints = cloud.endpoints;
  s3 = localS3Client(endpoints, REGION);
  dynamodb = localDynamoDbClient(endpoints, REGION);
});

afterAll(async () => {
  s3.destroy();
  dynamodb.destroy();
  await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

const keyed = { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }], BillingMode: 'PAY_PER_REQUEST' as const };

describe('local DynamoDB: table protection', () => {
  it('keeps CreateTable’s KMS key, deletion protection and tags, and describes them as AWS does', async () => {
    const created = await createActiveTable(dynamodb, { TableName: 'protected-1', ...keyed, SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY }, DeletionProtectionEnabled: true, Tags: [{ Key: 'team', Value: 'blue' }] });
    expect(created.TableDescription).toMatchObject({ SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: KEY }, DeletionProtectionEnabled: true });
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: 'protected-1' }));
    expect(Table).toMatchObject({ SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: KEY }, DeletionProtectionEnabled: true });
    const tags = await dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: Table?.TableArn }));
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'blue' }]);
  });

  it('refuses DeleteTable of a protected table with ValidationException until UpdateTable turns protection off', async () => {
    await expect(dynamodb.send(new DeleteTableCommand({ TableName: 'protected-1' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.',
    });
    expect((await dynamodb.send(new DescribeTableCommand({ TableName: 'protected-1' }))).Table?.TableStatus).toBe('ACTIVE');
    const updated = await dynamodb.send(new UpdateTableCommand({ TableName: 'protected-1', DeletionProtectionEnabled: false }));
    expect(updated.TableDescription).toMatchObject({ DeletionProtectionEnabled: false, SSEDescription: { KMSMasterKeyArn: KEY } });
    await dynamodb.send(new DeleteTableCommand({ TableName: 'protected-1' }));
    // DeleteTable answers while the table is DELETING (dynalite too, for a tick): wait, as with AWS, then it is gone.
    await waitUntilTableNotExists({ client: dynamodb, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName: 'protected-1' });
    await expect(dynamodb.send(new DescribeTableCommand({ TableName: 'protected-1' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('describes a plain table with the AWS owned key and no protection; SSE without a key is the AWS managed key', async () => {
    await createActiveTable(dynamodb, { TableName: 'plain-1', ...keyed });
    const plain = (await dynamodb.send(new DescribeTableCommand({ TableName: 'plain-1' }))).Table;
    expect(plain?.SSEDescription).toBeUndefined();
    expect(plain?.DeletionProtectionEnabled).toBe(false);
    await createActiveTable(dynamodb, { TableName: 'managed-1', ...keyed, SSESpecification: { Enabled: true } });
    expect((await dynamodb.send(new DescribeTableCommand({ TableName: 'managed-1' }))).Table?.SSEDescription).toEqual({ Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: localAwsManagedKeyArn(REGION, ACCOUNT) });
  });

  it('describes an ACTIVE table with its measured ItemCount and TableSizeBytes (dynalite says 0), across Scan pages', async () => {
    await createActiveTable(dynamodb, { TableName: 'sized-1', ...keyed });
    expect((await dynamodb.send(new DescribeTableCommand({ TableName: 'sized-1' }))).Table).toMatchObject({ ItemCount: 0, TableSizeBytes: 0 });
    // Three items of ~390 KB: dynalite's Scan pages stop at 1 MB, so measuring takes two pages.
    const blob = Buffer.alloc(390_000, 1);
    for (const pk of ['a', 'b', 'c']) await dynamodb.send(new PutItemCommand({ TableName: 'sized-1', Item: { pk: { S: pk }, data: { B: blob }, n: { N: '42' } } }));
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: 'sized-1' }));
    expect(Table?.ItemCount).toBe(3);
    expect(Table?.TableSizeBytes).toBe(3 * (2 + 1 + 4 + 390_000 + 1 + 2));
  });

  it('refuses a KMS key of another region', async () => {
    await expect(
      dynamodb.send(new CreateTableCommand({ TableName: 'elsewhere-1', ...keyed, SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY.replace(REGION, 'us-east-1') } })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(dynamodb.send(new DescribeTableCommand({ TableName: 'elsewhere-1' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('turns point-in-time recovery on and off (UpdateContinuousBackups), with its recovery period, and answers TableNotFoundException for a missing table', async () => {
    const before = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'plain-1' }));
    expect(before.ContinuousBackupsDescription).toEqual({ ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' } });
    const on = await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'plain-1', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 } }));
    expect(on.ContinuousBackupsDescription?.PointInTimeRecoveryDescription).toMatchObject({ PointInTimeRecoveryStatus: 'ENABLED', RecoveryPeriodInDays: 7 });
    expect(on.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.EarliestRestorableDateTime).toBeInstanceOf(Date);
    expect((await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'plain-1' }))).ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('ENABLED');
    await expect(
      dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'plain-1', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 36 } })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'plain-1', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
    expect((await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'plain-1' }))).ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('DISABLED');
    await expect(dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'absent-1' }))).rejects.toMatchObject({ name: 'TableNotFoundException' });
  });

  it('forgets a deleted table’s protection: a new table of that name starts unprotected', async () => {
    await createActiveTable(dynamodb, { TableName: 'reborn-1', ...keyed, SSESpecification: { Enabled: true, KMSMasterKeyId: KEY } });
    await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'reborn-1', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    await dynamodb.send(new DeleteTableCommand({ TableName: 'reborn-1' }));
    await waitUntilTableNotExists({ client: dynamodb, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName: 'reborn-1' });
    await createActiveTable(dynamodb, { TableName: 'reborn-1', ...keyed });
    expect((await dynamodb.send(new DescribeTableCommand({ TableName: 'reborn-1' }))).Table?.SSEDescription).toBeUndefined();
    expect((await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'reborn-1' }))).ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('DISABLED');
  });
});

describe('local S3: default encryption and Block Public Access', () => {
  it('gives a new bucket what AWS gives one since 2023: SSE-S3 and all four Block Public Access settings', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'fresh-bucket-1', CreateBucketConfiguration: { LocationConstraint: REGION } }));
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'fresh-bucket-1' }));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules).toEqual([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }]);
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'fresh-bucket-1' }));
    expect(block.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
  });

  it('keeps what Put* sets; DeletePublicAccessBlock leaves none (404 NoSuchPublicAccessBlockConfiguration), DeleteBucketEncryption returns to SSE-S3', async () => {
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'fresh-bucket-1', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY }, BucketKeyEnabled: true }] } }));
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: 'fresh-bucket-1' }))).ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY }, BucketKeyEnabled: true },
    ]);
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'fresh-bucket-1', PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true } }));
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'fresh-bucket-1' }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'fresh-bucket-1' }));
    await expect(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'fresh-bucket-1' }))).rejects.toMatchObject({ name: 'NoSuchPublicAccessBlockConfiguration', $metadata: { httpStatusCode: 404 } });
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'fresh-bucket-1' }));
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: 'fresh-bucket-1' }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
  });

  it('answers NoSuchBucket for a bucket that does not exist, and 403 to the wrong ExpectedBucketOwner', async () => {
    await expect(s3.send(new GetBucketEncryptionCommand({ Bucket: 'absent-bucket-1' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'fresh-bucket-1', ExpectedBucketOwner: '111111111111' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });
});

describe('local S3: bucket lifecycle configuration (kept, never run)', () => {
  const abortUploads = { ID: 'abort', Status: 'Enabled' as const, Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 } };

  it('keeps what PutBucketLifecycleConfiguration sets; without one, and after Delete, Get is 404 NoSuchLifecycleConfiguration; DeleteBucket forgets it', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'lifecycle-bucket-1', CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await expect(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lifecycle-bucket-1' }))).rejects.toMatchObject({ name: 'NoSuchLifecycleConfiguration', $metadata: { httpStatusCode: 404 } });
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'lifecycle-bucket-1', LifecycleConfiguration: { Rules: [abortUploads] } }));
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lifecycle-bucket-1' }))).Rules).toEqual([abortUploads]);
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: 'lifecycle-bucket-1' }));
    await expect(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lifecycle-bucket-1' }))).rejects.toMatchObject({ name: 'NoSuchLifecycleConfiguration' });
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'lifecycle-bucket-1', LifecycleConfiguration: { Rules: [abortUploads] } }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'lifecycle-bucket-1' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'lifecycle-bucket-1', CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await expect(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lifecycle-bucket-1' }))).rejects.toMatchObject({ name: 'NoSuchLifecycleConfiguration' });
    await expect(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'absent-bucket-1' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('a bucket createPrivateBucket makes (a failover target, a drill scratch bucket) aborts incomplete multipart uploads: a timed-out restore runs no Abandon restore (audit aT1-2)', async () => {
    await createPrivateBucket(s3, REGION, 'lifeboat-au-restore-one-a-slow');
    const { Rules } = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lifeboat-au-restore-one-a-slow' }));
    expect(Rules).toEqual([expect.objectContaining({ Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_DAYS } })]);
    // Longer than a restore may keep an upload open (72 hours with thaws): the rule must not abort a running one.
    expect(ABORT_INCOMPLETE_UPLOADS_DAYS * 24).toBeGreaterThan(72);
  });

  it('refuses a malformed document, a rule without an action and an oversized body, and reads a hostile one in linear time (review rF F3)', async () => {
    const bucket = 'lifecycle-bucket-2';
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    const put = async (body: string): Promise<string> => {
      const answer = await fetch(`${endpoints.s3[REGION] ?? ''}/${bucket}?lifecycle`, { method: 'PUT', body });
      return `${answer.status} ${/<Code>([^<]*)<\/Code>/.exec(await answer.text())?.[1] ?? ''}`.trim();
    };
    expect(await put('<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>x</Rule></LifecycleConfiguration>')).toBe('400 MalformedXML');
    expect(await put('hello')).toBe('400 MalformedXML');
    expect(await put('<LifecycleConfiguration><Rule><Status>Enabled</Status></Rule></LifecycleConfiguration>')).toBe('400 InvalidRequest');
    expect(await put(`<LifecycleConfiguration>${' '.repeat(1024 * 1024)}</LifecycleConfiguration>`)).toBe('400 MaxMessageLengthExceeded');
    const rule = (i: number): string => `<Rule><ID>r${i}</ID><Filter><Prefix>p${i}/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`;
    expect(await put(`<LifecycleConfiguration>${Array.from({ length: 1001 }, (_, i) => rule(i)).join('')}</LifecycleConfiguration>`)).toBe('400 InvalidRequest');
    const began = Date.now();
    expect(await put('<LifecycleConfiguration>'.repeat(2_500))).toBe('400 MalformedXML');
    expect(Date.now() - began).toBeLessThan(1_000);
    await expect(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).rejects.toMatchObject({ name: 'NoSuchLifecycleConfiguration' });
    // What is kept is the document as read, which the SDK reads back.
    expect(await put(`<?xml version="1.0"?>\n<LifecycleConfiguration xmlns="${'http://s3.amazonaws.com/doc/2006-03-01/'}">\n  <Rule><ID>a</ID><Filter><Prefix/></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>\n</LifecycleConfiguration>`)).toBe('200');
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules).toEqual([{ ID: 'a', Filter: { Prefix: '' }, Status: 'Enabled', Expiration: { Days: 3 } }]);
    // Review rZ1: 500 rules (~70 KB from the SDK, within S3's 1,000) are kept, and values come back as sent, spaces and all.
    const many = Array.from({ length: 500 }, (_, i) => ({ ID: `r${i}`, Status: 'Enabled' as const, Filter: { Prefix: i === 0 ? ' reports/ ' : `p${i}/` }, Expiration: { Days: 3 } }));
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: many } }));
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules).toEqual(many);
  });

  it('leaves a bucket whose only rule is Lifeboat\'s, disabled by someone, as it is, and says the rule is not there (review rZ1 F3)', async () => {
    const bucket = 'lifeboat-au-restore-one-a-disabled';
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    const disabled = { ID: ABORT_INCOMPLETE_UPLOADS_RULE, Status: 'Disabled' as const, Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_DAYS } };
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: [disabled] } }));
    expect(await ensureAbortIncompleteUploadsRule(s3, bucket)).toBe(false);
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules).toEqual([disabled]);
  });

  it("leaves an own bucket's lifecycle configuration of other rules as it is, and says the rule is not there (review rF F1: CreateBucket answers BucketAlreadyOwnedByYou)", async () => {
    const bucket = 'lifeboat-au-restore-one-a-operator';
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    const operatorRule = { ID: 'operator-expire-logs', Status: 'Enabled' as const, Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } };
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: [operatorRule] } }));
    const hasRule = await createPrivateBucket(s3, REGION, bucket);
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules).toEqual([operatorRule]);
    expect(hasRule).toBe(false);
    // Its own rule alone is Lifeboat's: made again, it stays (and a bucket without a configuration gets it: above).
    await expect(createPrivateBucket(s3, REGION, 'lifeboat-au-restore-one-a-slow')).resolves.toBe(true);
  });

  it('a failover target whose rule failed to be put after its CreateBucket gets it when Validate failover is retried, and the failover says which buckets have it (review rF F2)', async () => {
    let throttled = 1;
    const flaky = localS3Client(endpoints, REGION);
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutBucketLifecycleConfigurationCommand' && throttled-- > 0) throw Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' });
        return next(args);
      },
      { step: 'initialize' },
    );
    const source = { type: 's3' as const, name: 'one-a', bucket: 'lifeboat-au-one-a', prefix: '' };
    const target = { type: 's3' as const, bucket: 'lifeboat-au-restore-one-a-retried', prefix: '' };
    const deps = { s3: flaky, dynamodb, directory: (path: string) => path, region: REGION, restoreTargetPrefix: 'lifeboat-au-restore-' };
    try {
      await expect(prepareFailoverTargets([{ source, target }], false, deps)).rejects.toMatchObject({ name: 'SlowDown' });
      const retried = await prepareFailoverTargets([{ source, target }], false, deps);
      const rules = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: target.bucket })).then((got) => got.Rules?.map((rule) => rule.ID), (err: Error) => err.name);
      expect(rules).toEqual([ABORT_INCOMPLETE_UPLOADS_RULE]);
      expect(retried).toEqual({ createdBuckets: [], bucketsAbortingUploads: [target.bucket] });
    } finally {
      flaky.destroy();
    }
  });
});
