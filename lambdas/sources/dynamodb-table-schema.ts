import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  type Projection,
  type SSESpecification,
  type TableDescription,
  type Tag,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { type TableCapacity } from './dynamodb-capacity-budget';
import { captureTableProtection, tableProtectionSchema } from './dynamodb-table-protection';

/**
 * What a restore needs to recreate a table: keys, indexes with projections, TTL, billing, and its
 * protection (encryption, point-in-time recovery, deletion protection, tags). Stored in the backup's
 * snapshot; `protection` is absent from snapshots recorded before it existed (they stay readable).
 */
export const tableSchemaSchema = z.object({
  tableName: z.string(),
  attributeDefinitions: z.array(z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) })),
  keySchema: z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) })),
  globalSecondaryIndexes: z.array(z.object({ indexName: z.string(), keySchema: z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) })), projection: z.object({ ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']), NonKeyAttributes: z.array(z.string()).optional() }) })),
  localSecondaryIndexes: z.array(z.object({ indexName: z.string(), keySchema: z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) })), projection: z.object({ ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']), NonKeyAttributes: z.array(z.string()).optional() }) })),
  billingMode: z.enum(['PAY_PER_REQUEST', 'PROVISIONED']),
  provisionedThroughput: z.object({ read: z.number(), write: z.number() }).optional(),
  ttlAttribute: z.string().optional(),
  protection: tableProtectionSchema.optional(),
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

/** Reads a table's schema (DescribeTable, DescribeTimeToLive, DescribeContinuousBackups, ListTagsOfResource). */
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
  const protection = await captureTableProtection(ddb, Table);
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
    protection,
  });
  return { schema, size: { sizeBytes: Table.TableSizeBytes ?? 0, itemCount: Table.ItemCount ?? 0 }, capacity: capacityOf(Table) };
}

/**
 * A restore's target table, from one DescribeTable (its plan step needs no more): its capacity, and
 * its key attribute names (the partition key, then the sort key when it has one) by which the
 * shards read back what they write.
 */
export async function describeTargetTable(ddb: DynamoDBClient, table: string): Promise<{ capacity: TableCapacity; key: string[] }> {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
  if (!Table) throw new Error(`DescribeTable returned no description for ${table}.`);
  const schema = Table.KeySchema ?? [];
  const key = [...schema.filter((k) => k.KeyType === 'HASH'), ...schema.filter((k) => k.KeyType === 'RANGE')].flatMap((k) => (k.AttributeName ? [k.AttributeName] : []));
  if (key.length === 0) throw new Error(`DescribeTable returned no key schema for ${table}.`);
  return { capacity: capacityOf(Table), key };
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

/** What a new table gets beyond its schema (lambdas/restore/restored-table-protection.ts decides it for a restore). */
export type NewTableSettings = {
  sse?: SSESpecification;
  deletionProtection: boolean;
  /** Turned on once the table is ACTIVE (UpdateContinuousBackups); absent = off. */
  pointInTimeRecovery?: { recoveryPeriodInDays?: number };
  tags: Tag[];
};

export type CreateTableOptions = {
  /** Between UpdateContinuousBackups attempts while AWS is still enabling backups of the new table. @default 2 s */
  sleep?: (ms: number) => Promise<void>;
  /** How long to keep trying UpdateContinuousBackups. @default 5 minutes */
  continuousBackupsWaitMs?: number;
};

/**
 * Creates `tableName` with the schema of the backed-up table and `settings` (encryption, deletion
 * protection and tags with CreateTable itself, point-in-time recovery once it is ACTIVE), and waits
 * until it is ACTIVE.
 */
export async function createTableFromSchema(ddb: DynamoDBClient, schema: TableSchema, tableName: string, settings?: NewTableSettings, options: CreateTableOptions = {}): Promise<void> {
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
    ...(settings?.sse ? { SSESpecification: settings.sse } : {}),
    ...(settings?.deletionProtection ? { DeletionProtectionEnabled: true } : {}),
    ...(settings?.tags.length ? { Tags: settings.tags } : {}),
  };
  await ddb.send(new CreateTableCommand(input));
  await finishNewTable(ddb, schema, tableName, settings, options);
}

/**
 * What a new table gets once it exists: waits until it is ACTIVE, then TTL and point-in-time
 * recovery. Idempotent, so a retried plan step finishes a table its first attempt created.
 */
export async function finishNewTable(ddb: DynamoDBClient, schema: TableSchema, tableName: string, settings?: NewTableSettings, options: CreateTableOptions = {}): Promise<void> {
  // minDelay 1: the waiter's default first pause is 20 s, longer than most tables take to become ACTIVE.
  await waitUntilTableExists({ client: ddb, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
  if (schema.ttlAttribute) {
    try {
      await ddb.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: schema.ttlAttribute, Enabled: true } }));
    } catch (err) {
      // A retry finds TTL already on ("TimeToLive is already enabled"); some emulators lack the call.
      if ((err as Error).name !== 'UnknownOperationException' && !/already enabled/i.test((err as Error).message)) throw err;
    }
  }
  if (settings?.pointInTimeRecovery) await enablePointInTimeRecovery(ddb, tableName, settings.pointInTimeRecovery, options);
}

/**
 * UpdateContinuousBackups on a table just created: AWS answers ContinuousBackupsUnavailableException
 * ("Backups are being enabled for the table") for a while after it becomes ACTIVE, so that answer is
 * retried until `continuousBackupsWaitMs`; any other error is the caller's.
 */
async function enablePointInTimeRecovery(ddb: DynamoDBClient, tableName: string, pitr: { recoveryPeriodInDays?: number }, options: CreateTableOptions): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const budget = options.continuousBackupsWaitMs ?? 300_000;
  const pause = 2_000;
  for (let waited = 0; ; waited += pause) {
    try {
      await ddb.send(
        new UpdateContinuousBackupsCommand({
          TableName: tableName,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, ...(pitr.recoveryPeriodInDays !== undefined ? { RecoveryPeriodInDays: pitr.recoveryPeriodInDays } : {}) },
        }),
      );
      return;
    } catch (err) {
      if ((err as Error).name !== 'ContinuousBackupsUnavailableException' || waited + pause > budget) throw err;
      await sleep(pause);
    }
  }
}
