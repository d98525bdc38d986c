import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { targetWriteUnitsPerSecond } from '../../../../lambdas/sources/dynamodb-capacity-budget';
import { captureTable, createTableFromSchema, describeTargetTable, finishNewTable, type NewTableSettings, type TableSchema, tableSchemaSchema } from '../../../../lambdas/sources/dynamodb-table-schema';

/**
 * What the backup records of a table's capacity and settings, and what a restore gives the table it
 * creates and budgets for the one it overwrites (audit R13, F2 and F3). The local cloud's dynalite
 * reports no GSI capacity, stream, table class or on-demand maximum, so DynamoDB is scripted here and
 * CreateTable's input is recorded.
 */
const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1' });

const keys = {
  TableName: 'orders',
  TableArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/orders',
  TableStatus: 'ACTIVE' as const,
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' as const },
    { AttributeName: 'g', AttributeType: 'S' as const },
  ],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
};

/** Provisioned 400 RCU / 1000 WCU, its GSI byG 5 RCU / 10 WCU (the auditor's gsi.ts). */
const provisioned: TableDescription = {
  ...keys,
  BillingModeSummary: { BillingMode: 'PROVISIONED' },
  ProvisionedThroughput: { ReadCapacityUnits: 400, WriteCapacityUnits: 1000 },
  GlobalSecondaryIndexes: [{ IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' }, ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 10 } }],
};

/** On-demand with a maximum of 200 reads / 100 writes, a GSI capped at 40 writes, a stream and Standard-IA (the auditor's settings.ts). */
const onDemand: TableDescription = {
  ...keys,
  BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
  ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
  OnDemandThroughput: { MaxReadRequestUnits: 200, MaxWriteRequestUnits: 100 },
  StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  TableClassSummary: { TableClass: 'STANDARD_INFREQUENT_ACCESS' },
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byG',
      KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
      ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
      OnDemandThroughput: { MaxReadRequestUnits: -1, MaxWriteRequestUnits: 40 },
    },
  ],
};

function serve(table: TableDescription): void {
  ddb.reset();
  ddb.on(DescribeTableCommand).resolves({ Table: table });
  ddb.on(DescribeTimeToLiveCommand).resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } });
  ddb.on(DescribeContinuousBackupsCommand).resolves({ ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' } } });
  ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
  ddb.on(CreateTableCommand).resolves({});
}

async function recreate(schema: TableSchema): Promise<CreateTableCommandInput | undefined> {
  serve({ ...keys, TableName: 'restored' });
  await createTableFromSchema(client, schema, 'restored');
  return ddb.commandCalls(CreateTableCommand)[0]?.args[0].input;
}

afterAll(() => ddb.restore());

describe('a GSI keeps its own capacity', () => {
  it('is recorded with the schema and given back to the restored index, the table keeping its own', async () => {
    serve(provisioned);
    const { schema } = await captureTable(client, 'orders');
    expect(schema.globalSecondaryIndexes[0]?.provisionedThroughput).toEqual({ read: 5, write: 10 });
    const input = await recreate(schema);
    expect(input?.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 400, WriteCapacityUnits: 1000 });
    expect(input?.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 10 });
  });

  it('falls back to the table capacity for a snapshot recorded before GSIs had theirs', async () => {
    serve(provisioned);
    const { schema } = await captureTable(client, 'orders');
    const old = tableSchemaSchema.parse(JSON.parse(JSON.stringify({ ...schema, globalSecondaryIndexes: schema.globalSecondaryIndexes.map(({ indexName, keySchema, projection }) => ({ indexName, keySchema, projection })) })));
    const input = await recreate(old);
    expect(input?.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 400, WriteCapacityUnits: 1000 });
    expect(input).not.toHaveProperty('StreamSpecification');
    expect(input).not.toHaveProperty('TableClass');
    expect(input).not.toHaveProperty('OnDemandThroughput');
  });

  it('bounds an overwrite restore’s write budget by the smallest write capacity of the table and its GSIs', async () => {
    serve(provisioned);
    const { capacity } = await describeTargetTable(client, 'orders');
    expect(capacity.provisioned).toEqual({ read: 400, write: 10 });
    expect(targetWriteUnitsPerSecond(undefined, capacity, 'existing')).toBe(2.5);
    serve(onDemand);
    const target = await describeTargetTable(client, 'orders');
    expect(target.capacity.onDemandMax).toEqual({ read: 200, write: 40 });
    expect(targetWriteUnitsPerSecond(undefined, target.capacity, 'existing')).toBe(10);
  });
});

describe('an on-demand table with a stream, Standard-IA and maximum throughput', () => {
  it('is recreated with its stream view type, table class and on-demand maximums, its GSI’s too', async () => {
    serve(onDemand);
    const { schema } = await captureTable(client, 'orders');
    expect(schema).toMatchObject({ onDemandThroughput: { read: 200, write: 100 }, stream: { viewType: 'NEW_AND_OLD_IMAGES' }, tableClass: 'STANDARD_INFREQUENT_ACCESS' });
    const input = await recreate(schema);
    expect(input).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      OnDemandThroughput: { MaxReadRequestUnits: 200, MaxWriteRequestUnits: 100 },
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TableClass: 'STANDARD_INFREQUENT_ACCESS',
    });
    expect(input?.GlobalSecondaryIndexes?.[0]).toEqual({ IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' }, OnDemandThroughput: { MaxWriteRequestUnits: 40 } });
    expect(input).not.toHaveProperty('ProvisionedThroughput');
  });

  it('leaves out the side of a one-sided maximum the source has none for (AWS reads -1 as "remove the maximum")', async () => {
    serve({ ...onDemand, OnDemandThroughput: { MaxReadRequestUnits: 300, MaxWriteRequestUnits: -1 } });
    const { schema } = await captureTable(client, 'orders');
    expect(schema.onDemandThroughput).toEqual({ read: 300 });
    const input = await recreate(schema);
    expect(input?.OnDemandThroughput).toEqual({ MaxReadRequestUnits: 300 });
    expect(input?.GlobalSecondaryIndexes?.[0]?.OnDemandThroughput).toEqual({ MaxWriteRequestUnits: 40 });
  });
});

// Audit a57D-1: TTL turned on before the items are written deletes, within days, those of an older backup whose TTL time has
// passed; DynamoDB's own restores leave it off. A request may leave it off; by default the table gets the source's.
describe('TTL of a new table', () => {
  const schema = tableSchemaSchema.parse({ tableName: 'sessions', attributeDefinitions: keys.AttributeDefinitions, keySchema: keys.KeySchema, globalSecondaryIndexes: [], localSecondaryIndexes: [], billingMode: 'PAY_PER_REQUEST', ttlAttribute: 'expiresAt' });
  const plain: NewTableSettings = { deletionProtection: false, tags: [] };

  it('is turned on by the source\'s attribute once the table is ACTIVE, by default', async () => {
    serve({ ...keys, TableName: 'restored' });
    await createTableFromSchema(client, schema, 'restored', plain);
    expect(ddb.commandCalls(UpdateTimeToLiveCommand).map((c) => c.args[0].input)).toEqual([{ TableName: 'restored', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }]);
  });

  it('is left off, by a new table and by a retried plan step finishing one, when the settings say "off"', async () => {
    serve({ ...keys, TableName: 'restored' });
    const off = { ...plain, timeToLive: 'off' as const };
    await createTableFromSchema(client, schema, 'restored', off);
    await finishNewTable(client, schema, 'restored', off);
    expect(ddb.commandCalls(CreateTableCommand)).toHaveLength(1);
    expect(ddb.commandCalls(UpdateTimeToLiveCommand)).toEqual([]);
  });
});
