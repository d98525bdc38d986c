import { DescribeTableCommand, type DynamoDBClient, GetItemCommand, PutItemCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { GetBucketEncryptionCommand, GetObjectCommand, GetPublicAccessBlockCommand, HeadBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { ProvisioningError, UnresolvableTemplateValueError } from '../../../../local/cloud/errors';
import { type LocalCloudHandle, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud/local-cloud';
import { deriveBucketName, type ProvisionSummary, provisionFromTemplates } from '../../../../local/cloud/provision-from-templates';
import { ACCOUNT, DR, PRIMARY, synthesizeTestApp, TEST_NAMES, tempDir } from '../../../support/local-cloud-helpers';

const tmp = tempDir('provision');
let cloud: LocalCloudHandle;
let stacks: SynthesizedStack[];
let first: ProvisionSummary;
const clients: { destroy(): void }[] = [];

function s3(region: string): S3Client {
  const c = localS3Client(cloud.endpoints, region);
  clients.push(c);
  return c;
}
function ddb(region: string): DynamoDBClient {
  const c = localDynamoDbClient(cloud.endpoints, region);
  clients.push(c);
  return c;
}
async function describe_(region: string, TableName: string): Promise<TableDescription> {
  const table = (await ddb(region).send(new DescribeTableCommand({ TableName }))).Table;
  if (!table) throw new Error(`no table ${TableName}`);
  return table;
}
function handMadeStack(resources: SynthesizedStack['template']['Resources'], stackName = 'Hand-Made'): SynthesizedStack {
  return { stackName, role: 'primary', account: ACCOUNT, region: PRIMARY, template: { Resources: resources }, assemblyDir: tmp.dir };
}

beforeAll(async () => {
  const [started, synthesized] = await Promise.all([
    startLocalCloud({ dataDir: join(tmp.dir, 'data'), regions: [PRIMARY, DR], exitWithParent: true }),
    Promise.resolve().then(() => synthesizeTestApp(join(tmp.dir, 'cdk.out'))),
  ]);
  cloud = started;
  stacks = synthesized;
  first = await provisionFromTemplates(stacks, cloud.endpoints);
});

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(join(tmp.dir, 'data'));
  tmp.remove();
});

describe('provisioning from synthesized templates', () => {
  it('creates every bucket in its stack region, deriving a name where the template has none', async () => {
    const unnamed = deriveBucketName('LbTest-Primary', Object.keys(first.derivedNames).find((k) => k.includes('Unnamed'))?.split('/')[1] ?? '');
    expect(first.bucketsByRegion[PRIMARY]?.sort()).toEqual([TEST_NAMES.primaryBucket, unnamed].sort());
    expect(first.bucketsByRegion[DR]).toEqual([TEST_NAMES.drBucket]);
    expect(unnamed).toMatch(/^lbtest-primary-unnamed[a-z0-9-]*-[0-9a-f]{8}$/);
    expect(first.buckets.every((b) => b.created)).toBe(true);
    expect(first.buckets.find((b) => b.bucketName === TEST_NAMES.primaryBucket)?.ignoredProperties).toContain('VersioningConfiguration');
    for (const [region, names] of Object.entries(first.bucketsByRegion)) {
      for (const Bucket of names) await expect(s3(region).send(new HeadBucketCommand({ Bucket }))).resolves.toBeDefined();
    }
    await expect(s3(DR).send(new HeadBucketCommand({ Bucket: TEST_NAMES.primaryBucket }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('creates tables with the same key schema, attribute types, GSIs with projections and LSIs', async () => {
    const orders = await describe_(PRIMARY, TEST_NAMES.ordersTable);
    expect(orders.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(orders.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Object.fromEntries((orders.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]))).toEqual({
      pk: 'S',
      sk: 'S',
      customer: 'S',
      createdAt: 'N',
      status: 'S',
      amount: 'N',
    });
    const gsis = Object.fromEntries((orders.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g]));
    expect(gsis.byCustomer?.KeySchema).toEqual([
      { AttributeName: 'customer', KeyType: 'HASH' },
      { AttributeName: 'createdAt', KeyType: 'RANGE' },
    ]);
    expect(gsis.byCustomer?.Projection).toEqual({ ProjectionType: 'ALL' });
    expect(gsis.byStatus?.Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: ['total'] });
    expect(orders.LocalSecondaryIndexes?.map((l) => [l.IndexName, l.KeySchema, l.Projection])).toEqual([
      [
        'byAmount',
        [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'amount', KeyType: 'RANGE' },
        ],
        { ProjectionType: 'KEYS_ONLY' },
      ],
    ]);

    const provisioned = await describe_(PRIMARY, TEST_NAMES.provisionedTable);
    expect(provisioned.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(provisioned.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 3, WriteCapacityUnits: 2 });
    expect(provisioned.GlobalSecondaryIndexes?.[0]).toMatchObject({ IndexName: 'byKind', ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } });
  });

  it('creates a global table (TableV2) in each replica region with its indexes', async () => {
    for (const region of [PRIMARY, DR]) {
      const table = await describe_(region, TEST_NAMES.globalTable);
      expect(table.TableArn).toContain(`:${region}:`);
      expect(table.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(table.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['byOwner']);
      expect(table.LocalSecondaryIndexes?.map((l) => l.IndexName)).toEqual(['bySize']);
    }
    expect(first.tablesByRegion[DR]).toEqual([TEST_NAMES.globalTable]);
    expect(first.notes).toContainEqual(expect.stringMatching(/^LbTest-Primary\/Global\w+: global table lbtest-global replicated between us-west-2, us-east-1 \(last writer wins\)$/));
  });

  it('records the TTL dynalite cannot apply instead of failing', () => {
    const orders = first.tables.find((t) => t.tableName === TEST_NAMES.ordersTable);
    expect(orders).toMatchObject({ ttlAttribute: 'expiresAt', ttlApplied: false });
    expect(orders?.ignoredProperties).toContain('PointInTimeRecoverySpecification');
    expect(first.notes.join('\n')).toMatch(/TTL on "expiresAt" not applied/);
  });

  it('is idempotent: a second run succeeds and keeps the data', async () => {
    await s3(PRIMARY).send(new PutObjectCommand({ Bucket: TEST_NAMES.primaryBucket, Key: 'keep', Body: 'me' }));
    await ddb(DR).send(new PutItemCommand({ TableName: TEST_NAMES.globalTable, Item: { pk: { S: 'a' }, sk: { N: '1' } } }));

    const second = await provisionFromTemplates(stacks, cloud.endpoints);
    expect(second.buckets.map((b) => b.created)).toEqual(first.buckets.map(() => false));
    expect(second.tables.map((t) => t.created)).toEqual(first.tables.map(() => false));
    expect(second.bucketsByRegion).toEqual(first.bucketsByRegion);
    expect(second.derivedNames).toEqual(first.derivedNames);

    const kept = await s3(PRIMARY).send(new GetObjectCommand({ Bucket: TEST_NAMES.primaryBucket, Key: 'keep' }));
    expect(await kept.Body?.transformToString()).toBe('me');
    const item = await ddb(DR).send(new GetItemCommand({ TableName: TEST_NAMES.globalTable, Key: { pk: { S: 'a' }, sk: { N: '1' } } }));
    expect(item.Item).toBeDefined();
  });

  it('refuses an existing table that lacks a GSI the template gained (dynalite cannot add one in place)', async () => {
    const table = (gsis: string[]) =>
      handMadeStack({
        T: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            TableName: 'grows-an-index',
            BillingMode: 'PAY_PER_REQUEST',
            KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
            // As in DynamoDB, only key attributes (of the table and its indexes) may be defined.
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, ...(gsis.length ? [{ AttributeName: 'g', AttributeType: 'S' }] : [])],
            ...(gsis.length ? { GlobalSecondaryIndexes: gsis.map((IndexName) => ({ IndexName, KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } })) } : {}),
          },
        },
      });
    await provisionFromTemplates([table([])], cloud.endpoints);
    await expect(provisionFromTemplates([table(['byG'])], cloud.endpoints)).rejects.toThrow(
      /Hand-Made\/T: table grows-an-index in us-east-1: exists without the global secondary indexes byG/,
    );
  });

  it('refuses a table whose key schema changed, naming the resource', async () => {
    const changed = handMadeStack({
      Orders: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: TEST_NAMES.ordersTable,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        },
      },
    });
    const run = provisionFromTemplates([changed], cloud.endpoints);
    await expect(run).rejects.toBeInstanceOf(ProvisioningError);
    await expect(run).rejects.toThrow(/Hand-Made\/Orders: table lbtest-orders in us-east-1: exists with key schema/);
  });
});

describe('intrinsic functions in templates', () => {
  it('resolves Fn::Join, Fn::Sub, Fn::Select/Split, pseudo parameters, parameter defaults and Refs to named tables', async () => {
    const stack = handMadeStack({
      Joined: {
        Type: 'AWS::S3::Bucket',
        Properties: { BucketName: { 'Fn::Join': ['-', ['joined', { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Region' }]] } },
      },
      Subbed: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': ['sub-${Env}-${AWS::Region}', { Env: { Ref: 'EnvName' } }] } } },
      Selected: {
        Type: 'AWS::S3::Bucket',
        Properties: { BucketName: { 'Fn::Select': [1, { 'Fn::Split': [',', 'x,selected-bucket,y'] }] } },
      },
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: { 'Fn::Sub': '${AWS::StackName}-table' },
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
          SSESpecification: { SSEEnabled: true, KMSMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } },
        },
      },
    });
    stack.template.Parameters = { EnvName: { Type: 'String', Default: 'dev' } };
    const summary = await provisionFromTemplates([stack], cloud.endpoints);
    expect(summary.bucketsByRegion[PRIMARY]?.sort()).toEqual(['joined-000000000000-us-east-1', 'selected-bucket', 'sub-dev-us-east-1']);
    // SSESpecification (with its GetAtt) is ignored, not evaluated.
    expect(summary.tables[0]).toMatchObject({ tableName: 'Hand-Made-table', ignoredProperties: ['SSESpecification'] });
  });

  it('fails with a clear error naming the stack, resource and property for what it cannot resolve', async () => {
    const stack = handMadeStack({
      Bad: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Join': ['-', ['b', { 'Fn::GetAtt': ['Other', 'Arn'] }]] } } },
    });
    const run = provisionFromTemplates([stack], cloud.endpoints);
    await expect(run).rejects.toBeInstanceOf(UnresolvableTemplateValueError);
    await expect(run).rejects.toThrow('Cannot provision Hand-Made/Bad: Properties.BucketName.Fn::Join[1][1] uses Fn::GetAtt');
  });

  it('fails when a stack is in a region the local cloud does not serve', async () => {
    const stack = { ...handMadeStack({ B: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'far-away' } } }), region: 'eu-west-1' };
    await expect(provisionFromTemplates([stack], cloud.endpoints)).rejects.toThrow(/serves no s3 in eu-west-1/);
  });
});

describe('bucket encryption and Block Public Access from templates', () => {
  it('gives a bucket the default encryption (its KMS key by GetAtt) and the public access block its template declares; an undeclared one keeps what S3 gives new buckets', async () => {
    const stack = handMadeStack(
      {
        Key: { Type: 'AWS::KMS::Key', Properties: {} },
        Vaultish: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            BucketName: 'declared-protection-bucket',
            BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } }, BucketKeyEnabled: true }] },
            PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: false },
          },
        },
        Plain: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'undeclared-protection-bucket' } },
      },
      'Protection-Stack',
    );
    const summary = await provisionFromTemplates([stack], cloud.endpoints);
    expect(summary.buckets.find((b) => b.bucketName === 'declared-protection-bucket')?.ignoredProperties).toEqual([]);
    const client = s3(PRIMARY);
    expect((await client.send(new GetBucketEncryptionCommand({ Bucket: 'declared-protection-bucket' }))).ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: `arn:aws:kms:${PRIMARY}:${ACCOUNT}:key/Key` }, BucketKeyEnabled: true },
    ]);
    expect((await client.send(new GetPublicAccessBlockCommand({ Bucket: 'declared-protection-bucket' }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: false,
    });
    expect((await client.send(new GetBucketEncryptionCommand({ Bucket: 'undeclared-protection-bucket' }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    expect((await client.send(new GetPublicAccessBlockCommand({ Bucket: 'undeclared-protection-bucket' }))).PublicAccessBlockConfiguration?.RestrictPublicBuckets).toBe(true);
  });
});
