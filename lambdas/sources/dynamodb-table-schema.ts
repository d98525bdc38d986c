import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  type Projection,
  type TableDescription,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { type TableCapacity } from './dynamodb-capacity-budget';

/** What a restore needs to recreate a table: keys, indexes with projections, TTL, billing. Stored in the backup's manifest. */
export const tableSchemaSchema = z.object({
  tableName: z.string(),
  attributeDefinitions: z.array(z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) })),
  keySchema: z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) })),
  globalSecondaryIndexes: z.array(z.object({ indexName: z.string(), keySchema: z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) })), projection: z.object({ ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']), NonKeyAttributes: z.array(z.string()).optional() }) })),
  localSecondaryIndexes: z.array(z.object({ indexName: z.string(), keySchema: z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) })), projection: z.object({ ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']), NonKeyAttributes: z.array(z.string()).optional() }) })),
  billingMode: z.enum(['PAY_PER_REQUEST', 'PROVISIONED']),
  provisionedThroughput: z.object({ read: z.number(), write: z.number() }).optional(),
  ttlAttribute: z.string().optional(),
});
export type TableSchema = z.infer<typeof tableSchemaSchema>;

type Index = TableSchema['globalSecondaryIndexes'][number];

function toIndex(i: { IndexName?: string; KeySchema?: KeySchemaElement[]; Projection?: Projection }): Index {
  return tableSchemaSchema.shape.globalSecondaryIndexes.element.parse({
    indexName: i.IndexName,
    keySchema: i.KeySchema,
    projection: { ProjectionType: i.Projection?.ProjectionType ?? 'ALL', ...(i.Projection?.NonKeyAttributes ? { NonKeyAttributes: i.Projection.NonKeyAttributes } : {}) },
  });
}

/** Reads a table's schema (DescribeTable + DescribeTimeToLive). */
export async function captureTableSchema(ddb: DynamoDBClient, table: string): Promise<TableSchema> {
  return (await captureTable(ddb, table)).schema;
}

/** What planning a backup reads of a table: its schema, and from the same DescribeTable its size (for the segment count) and capacity (for the read budget). */
export type CapturedTable = { schema: TableSchema; size: { sizeBytes: number; itemCount: number }; capacity: TableCapacity };

export async function captureTable(ddb: DynamoDBClient, table: string): Promise<CapturedTable> {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
  if (!Table) throw new Error(`DescribeTable returned no description for ${table}.`);
  let ttlAttribute: string | undefined;
  try {
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: table }));
    if (ttl.TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED') ttlAttribute = ttl.TimeToLiveDescription.AttributeName;
  } catch (err) {
    // Some emulators lack DescribeTimeToLive; a table without TTL is the safe reading.
    if ((err as Error).name !== 'UnknownOperationException') throw err;
  }
  const billingMode = Table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' || (Table.ProvisionedThroughput?.ReadCapacityUnits ?? 0) === 0 ? 'PAY_PER_REQUEST' : 'PROVISIONED';
  const schema = tableSchemaSchema.parse({
    tableName: Table.TableName,
    attributeDefinitions: Table.AttributeDefinitions ?? [],
    keySchema: Table.KeySchema ?? [],
    globalSecondaryIndexes: (Table.GlobalSecondaryIndexes ?? []).map(toIndex),
    localSecondaryIndexes: (Table.LocalSecondaryIndexes ?? []).map(toIndex),
    billingMode,
    ...(billingMode === 'PROVISIONED'
      ? { provisionedThroughput: { read: Table.ProvisionedThroughput?.ReadCapacityUnits ?? 1, write: Table.ProvisionedThroughput?.WriteCapacityUnits ?? 1 } }
      : {}),
    ...(ttlAttribute ? { ttlAttribute } : {}),
  });
  return { schema, size: { sizeBytes: Table.TableSizeBytes ?? 0, itemCount: Table.ItemCount ?? 0 }, capacity: capacityOf(Table) };
}

/** A table's capacity, from DescribeTable alone (a restore's plan step needs no more). */
export async function describeTableCapacity(ddb: DynamoDBClient, table: string): Promise<TableCapacity> {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
  if (!Table) throw new Error(`DescribeTable returned no description for ${table}.`);
  return capacityOf(Table);
}

function capacityOf(table: TableDescription): TableCapacity {
  const read = table.ProvisionedThroughput?.ReadCapacityUnits ?? 0;
  const provisioned = table.BillingModeSummary?.BillingMode !== 'PAY_PER_REQUEST' && read > 0;
  return {
    billingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(provisioned ? { provisioned: { read, write: table.ProvisionedThroughput?.WriteCapacityUnits ?? 1 } } : {}),
    onDemandMax: { read: positive(table.OnDemandThroughput?.MaxReadRequestUnits), write: positive(table.OnDemandThroughput?.MaxWriteRequestUnits) },
  };
}

/** OnDemandThroughput's -1 means "no maximum". */
function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}

/** Creates `tableName` with the schema of the backed-up table and waits until it is ACTIVE. */
export async function createTableFromSchema(ddb: DynamoDBClient, schema: TableSchema, tableName: string): Promise<void> {
  const throughput = schema.provisionedThroughput
    ? { ProvisionedThroughput: { ReadCapacityUnits: schema.provisionedThroughput.read, WriteCapacityUnits: schema.provisionedThroughput.write } }
    : {};
  const input: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: schema.attributeDefinitions as AttributeDefinition[],
    KeySchema: schema.keySchema,
    BillingMode: schema.billingMode,
    ...throughput,
    ...(schema.globalSecondaryIndexes.length
      ? { GlobalSecondaryIndexes: schema.globalSecondaryIndexes.map((i) => ({ IndexName: i.indexName, KeySchema: i.keySchema, Projection: i.projection, ...throughput })) }
      : {}),
    ...(schema.localSecondaryIndexes.length
      ? { LocalSecondaryIndexes: schema.localSecondaryIndexes.map((i) => ({ IndexName: i.indexName, KeySchema: i.keySchema, Projection: i.projection })) }
      : {}),
  };
  await ddb.send(new CreateTableCommand(input));
  // minDelay 1: the waiter's default first pause is 20 s, longer than most tables take to become ACTIVE.
  await waitUntilTableExists({ client: ddb, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
  if (schema.ttlAttribute) {
    try {
      await ddb.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: schema.ttlAttribute, Enabled: true } }));
    } catch (err) {
      if ((err as Error).name !== 'UnknownOperationException') throw err;
    }
  }
}
