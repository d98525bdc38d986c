import { ContinuousBackupsUnavailableException, CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { restoredTableProtection } from '../../../../lambdas/restore/restored-table-protection';
import { type TableProtection } from '../../../../lambdas/sources/dynamodb-table-protection';
import { createTableFromSchema, type TableSchema } from '../../../../lambdas/sources/dynamodb-table-schema';

/** The rule of what a restored table gets (restored-table-protection.ts), and how a new table is given it. */
const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const TAGS = [{ Key: 'team', Value: 'orders' }];
const source = (over: Partial<TableProtection> = {}): TableProtection => ({
  encryption: { type: 'KMS', kmsKeyArn: KEY },
  pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 10 },
  deletionProtection: true,
  tags: TAGS,
  ...over,
});
const primary = { region: 'eu-west-1', account: '111111111111', scratch: false };

describe('restoredTableProtection', () => {
  it('gives a table of the key\'s region and account the source\'s key, PITR with its period, deletion protection and tags', () => {
    expect(restoredTableProtection(source(), primary)).toEqual({
      sse: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY },
      deletionProtection: true,
      pointInTimeRecovery: { recoveryPeriodInDays: 10 },
      tags: TAGS,
      notes: [],
    });
  });

  it('keeps the AWS owned key of a source that has it, and gives nothing the source lacks', () => {
    expect(restoredTableProtection(source({ encryption: { type: 'AWS_OWNED' }, pointInTimeRecovery: { enabled: false }, deletionProtection: false, tags: [] }), primary)).toEqual({
      deletionProtection: false,
      tags: [],
      notes: [],
    });
  });

  it('uses the AWS managed key of the region for a key of another region or account, and says why', () => {
    for (const place of [{ ...primary, region: 'eu-central-1' }, { ...primary, account: '222222222222' }]) {
      const decided = restoredTableProtection(source(), place);
      expect(decided.sse).toEqual({ Enabled: true, SSEType: 'KMS' });
      expect(decided.notes).toEqual([expect.stringMatching(new RegExp(`^the source's KMS key ${KEY} is not a key of ${place.region} in account ${place.account}: .*aws/dynamodb`))]);
    }
  });

  it('gives a drill\'s scratch table the key and tags only', () => {
    expect(restoredTableProtection(source(), { ...primary, scratch: true })).toEqual({ sse: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY }, deletionProtection: false, tags: TAGS, notes: [] });
  });

  it('says so when the backup recorded no protection', () => {
    expect(restoredTableProtection(undefined, primary)).toEqual({ deletionProtection: false, tags: [], notes: [expect.stringContaining('predates the record')] });
  });
});

describe('createTableFromSchema with settings', () => {
  const ddb = mockClient(DynamoDBClient);
  const schema: TableSchema = {
    tableName: 'orders',
    attributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    keySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    globalSecondaryIndexes: [],
    localSecondaryIndexes: [],
    billingMode: 'PAY_PER_REQUEST',
  };
  beforeEach(() => {
    ddb.reset();
    ddb.on(CreateTableCommand).resolves({});
    ddb.on(DescribeTableCommand).resolves({ Table: { TableName: 'restored', TableStatus: 'ACTIVE' } });
  });
  afterAll(() => ddb.restore());

  it('creates the table with its key, deletion protection and tags, and turns PITR on once AWS lets it (ContinuousBackupsUnavailableException is retried)', async () => {
    const unavailable = new ContinuousBackupsUnavailableException({ $metadata: {}, message: 'Backups are being enabled for the table: restored. Please retry later' });
    ddb.on(UpdateContinuousBackupsCommand).rejectsOnce(unavailable).rejectsOnce(unavailable).resolves({});
    const pauses: number[] = [];
    await createTableFromSchema(new DynamoDBClient({ region: 'eu-west-1' }), schema, 'restored', restoredTableProtection(source(), primary), { sleep: async (ms) => void pauses.push(ms) });
    expect(ddb.commandCalls(CreateTableCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'restored',
      SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY },
      DeletionProtectionEnabled: true,
      Tags: TAGS,
    });
    expect(ddb.commandCalls(UpdateContinuousBackupsCommand).map((c) => c.args[0].input)).toEqual(
      Array.from({ length: 3 }, () => ({ TableName: 'restored', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 10 } })),
    );
    expect(pauses).toEqual([2000, 2000]);
  });

  it('gives up after its wait with the error AWS gave', async () => {
    ddb.on(UpdateContinuousBackupsCommand).rejects(new ContinuousBackupsUnavailableException({ $metadata: {}, message: 'Backups are being enabled' }));
    const settings = restoredTableProtection(source(), primary);
    await expect(createTableFromSchema(new DynamoDBClient({ region: 'eu-west-1' }), schema, 'restored', settings, { sleep: async () => undefined, continuousBackupsWaitMs: 6000 })).rejects.toMatchObject({
      name: 'ContinuousBackupsUnavailableException',
    });
    expect(ddb.commandCalls(UpdateContinuousBackupsCommand)).toHaveLength(4);
  });
});
