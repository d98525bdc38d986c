import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndexDescription,
  type KeySchemaElement,
  type OnDemandThroughput,
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

const keySchemaSchema = z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) }));
const projectionSchema = z.object({ ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']), NonKeyAttributes: z.array(z.string()).optional() });
const throughputSchema = z.object({ read: z.number(), write: z.number() });
/** An on-demand maximum (OnDemandThroughput), each side only when the owner set one. */
const onDemandMaxSchema = z.object({ read: z.number().optional(), write: z.number().optional() });

/**
 * What a restore needs to recreate a table: keys, indexes with projections (and each GSI's own
 * capacity), TTL, billing, on-demand maximum, stream, table class, and its protection (encryption,
 * point-in-time recovery, deletion protection, tags). Stored in the backup's snapshot. Every field
 * added after the first snapshots is optional, so older snapshots stay readable: `protection`, a
 * GSI's `provisionedThroughput` (absent: the table's, as restores always gave it) and
 * `onDemandThroughput`, and the table's `onDemandThroughput`, `stream` and `tableClass` (absent:
 * DynamoDB's defaults, no maximum, no stream, STANDARD).
 */
export const tableSchemaSchema = z.object({
  tableName: z.string(),
  attributeDefinitions: z.array(z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) })),
  keySchema: keySchemaSchema,
  globalSecondaryIndexes: z.array(
    z.object({ indexName: z.string(), keySchema: keySchemaSchema, projection: projectionSchema, provisionedThroughput: throughputSchema.optional(), onDemandThroughput: onDemandMaxSchema.optional() }),
  ),
  localSecondaryIndexes: z.array(z.object({ indexName: z.string(), keySchema: keySchemaSchema, projection: projectionSchema })),
  billingMode: z.enum(['PAY_PER_REQUEST', 'PROVISIONED']),
  provisionedThroughput: throughputSchema.optional(),
  onDemandThroughput: onDemandMaxSchema.optional(),
  /** The source's stream view type. A restored table gets a new stream (another ARN, none of the source's records). */
  stream: z.object({ viewType: z.enum(['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES']) }).optional(),
  tableClass: z.enum(['STANDARD', 'STANDARD_INFREQUENT_ACCESS']).optional(),
  ttlAttribute: z.string().optional(),
  protection: tableProtectionSchema.optional(),
});
export type TableSchema = z.infer<typeof tableSchemaSchema>;

type IndexDescription = { IndexName?: string; KeySchema?: KeySchemaElement[]; Projection?: Projection };

function projectionOf(i: IndexDescription): z.input<typeof projectionSchema> {
  return { ProjectionType: i.Projection?.ProjectionType ?? 'ALL', ...(i.Projection?.NonKeyAttributes ? { NonKeyAttributes: i.Projection.NonKeyAttributes } : {}) };
}

function toLocalIndex(i: IndexDescription): TableSchema['localSecondaryIndexes'][number] {
  return tableSchemaSchema.shape.localSecondaryIndexes.element.parse({ indexName: i.IndexName, keySchema: i.KeySchema, projection: projectionOf(i) });
}

/** A GSI with its own capacity: its provisioned RCU/WCU on a provisioned table, its on-demand maximum when set. */
function toGlobalIndex(i: GlobalSecondaryIndexDescription, billingMode: TableSchema['billingMode']): TableSchema['globalSecondaryIndexes'][number] {
  const onDemand = onDemandMaxOf(i.OnDemandThroughput);
  return tableSchemaSchema.shape.globalSecondaryIndexes.element.parse({
    indexName: i.IndexName,
    keySchema: i.KeySchema,
    projection: projectionOf(i),
    ...(billingMode === 'PROVISIONED' && (i.ProvisionedThroughput?.ReadCapacityUnits ?? 0) > 0
      ? { provisionedThroughput: { read: i.ProvisionedThroughput?.ReadCapacityUnits, write: i.ProvisionedThroughput?.WriteCapacityUnits ?? 1 } }
      : {}),
    ...(onDemand ? { onDemandThroughput: onDemand } : {}),
  });
}

/** OnDemandThroughput as the schema records it; undefined when neither side has a maximum. */
function onDemandMaxOf(t: OnDemandThroughput | undefined): TableSchema['onDemandThroughput'] {
  const read = positive(t?.MaxReadRequestUnits);
  const write = positive(t?.MaxWriteRequestUnits);
  return read === undefined && write === undefined ? undefined : { ...(read !== undefined ? { read } : {}), ...(write !== undefined ? { write } : {}) };
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
  const onDemand = billingMode === 'PAY_PER_REQUEST' ? onDemandMaxOf(Table.OnDemandThroughput) : undefined;
  const schema = tableSchemaSchema.parse({
    tableName: Table.TableName,
    attributeDefinitions: Table.AttributeDefinitions ?? [],
    keySchema: Table.KeySchema ?? [],
    globalSecondaryIndexes: (Table.GlobalSecondaryIndexes ?? []).map((i) => toGlobalIndex(i, billingMode)),
    localSecondaryIndexes: (Table.LocalSecondaryIndexes ?? []).map(toLocalIndex),
    billingMode,
    ...(billingMode === 'PROVISIONED'
      ? { provisionedThroughput: { read: Table.ProvisionedThroughput?.ReadCapacityUnits ?? 1, write: Table.ProvisionedThroughput?.WriteCapacityUnits ?? 1 } }
      : {}),
    ...(onDemand ? { onDemandThroughput: onDemand } : {}),
    ...(Table.StreamSpecification?.StreamEnabled && Table.StreamSpecification.StreamViewType ? { stream: { viewType: Table.StreamSpecification.StreamViewType } } : {}),
    ...(Table.TableClassSummary?.TableClass ? { tableClass: Table.TableClassSummary.TableClass } : {}),
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

/**
 * The table's capacity as budgets use it. Reads (a Scan, a read-back) use the table's own read
 * capacity. Writes use the smallest write capacity of the table and its GSIs: every item written
 * into the table is also written into each GSI whose key it holds, and a GSI short of write capacity
 * throttles the table's writes, the application's too. Which items a GSI takes is not known before
 * they are written, so every GSI counts.
 */
function capacityOf(table: TableDescription): TableCapacity {
  const read = table.ProvisionedThroughput?.ReadCapacityUnits ?? 0;
  const provisioned = table.BillingModeSummary?.BillingMode !== 'PAY_PER_REQUEST' && read > 0;
  const indexes = table.GlobalSecondaryIndexes ?? [];
  const write = smallest([table.ProvisionedThroughput?.WriteCapacityUnits ?? 1, ...indexes.map((i) => i.ProvisionedThroughput?.WriteCapacityUnits)]);
  const onDemandWrite = smallest([table.OnDemandThroughput?.MaxWriteRequestUnits, ...indexes.map((i) => i.OnDemandThroughput?.MaxWriteRequestUnits)]);
  return {
    billingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(provisioned ? { provisioned: { read, write: write ?? 1 } } : {}),
    onDemandMax: { read: positive(table.OnDemandThroughput?.MaxReadRequestUnits), write: onDemandWrite },
  };
}

/** The smallest positive figure, or undefined when none is (0 or -1: not provisioned, no maximum). */
function smallest(values: ReadonlyArray<number | undefined>): number | undefined {
  const set = values.filter((v): v is number => v !== undefined && v > 0);
  return set.length > 0 ? Math.min(...set) : undefined;
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
  /**
   * The schema's TTL attribute turned on once the table is ACTIVE ('on'), or left off ('off'): with TTL on,
   * DynamoDB deletes within days the restored items whose TTL time has passed, which a restore of an older
   * backup made to look at expired data must keep. @default 'on' (as the source had it)
   */
  timeToLive?: 'on' | 'off';
};

export type CreateTableOptions = {
  /** Between UpdateContinuousBackups attempts while AWS is still enabling backups of the new table. @default 2 s */
  sleep?: (ms: number) => Promise<void>;
  /** How long to keep trying UpdateContinuousBackups. @default 5 minutes */
  continuousBackupsWaitMs?: number;
};

/**
 * Creates `tableName` with the schema of the backed-up table (keys, indexes with their capacity,
 * billing, on-demand maximum, stream view type, table class) and `settings` (encryption, deletion
 * protection and tags with CreateTable itself, TTL and point-in-time recovery once it is ACTIVE), and
 * waits until it is ACTIVE.
 */
export async function createTableFromSchema(ddb: DynamoDBClient, schema: TableSchema, tableName: string, settings?: NewTableSettings, options: CreateTableOptions = {}): Promise<void> {
  const throughput = schema.provisionedThroughput
    ? { ProvisionedThroughput: { ReadCapacityUnits: schema.provisionedThroughput.read, WriteCapacityUnits: schema.provisionedThroughput.write } }
    : {};
  const onDemand = (max: TableSchema['onDemandThroughput']): Pick<CreateTableCommandInput, 'OnDemandThroughput'> => {
    if (schema.billingMode !== 'PAY_PER_REQUEST' || max === undefined || (max.read === undefined && max.write === undefined)) return {};
    // A side without a maximum is left out, not sent as -1: AWS documents -1 as "remove the maximum currently set",
    // and a new table given no maximum for a side has none, which is what the source had.
    return { OnDemandThroughput: { ...(max.read !== undefined ? { MaxReadRequestUnits: max.read } : {}), ...(max.write !== undefined ? { MaxWriteRequestUnits: max.write } : {}) } };
  };
  // A GSI gets its own recorded capacity; a snapshot recorded before GSIs had theirs gives each the table's, as restores always did.
  const indexThroughput = (i: TableSchema['globalSecondaryIndexes'][number]): Pick<CreateTableCommandInput, 'ProvisionedThroughput'> =>
    i.provisionedThroughput && schema.billingMode === 'PROVISIONED'
      ? { ProvisionedThroughput: { ReadCapacityUnits: i.provisionedThroughput.read, WriteCapacityUnits: i.provisionedThroughput.write } }
      : throughput;
  const input: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: schema.attributeDefinitions as AttributeDefinition[],
    KeySchema: schema.keySchema,
    BillingMode: schema.billingMode,
    ...throughput,
    ...onDemand(schema.onDemandThroughput),
    ...(schema.globalSecondaryIndexes.length
      ? {
          GlobalSecondaryIndexes: schema.globalSecondaryIndexes.map((i) => ({
            IndexName: i.indexName,
            KeySchema: i.keySchema,
            Projection: i.projection,
            ...indexThroughput(i),
            ...onDemand(i.onDemandThroughput),
          })),
        }
      : {}),
    // A new stream: its own ARN and none of the source's records; consumers of the source's stream must be pointed at it.
    ...(schema.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: schema.stream.viewType } } : {}),
    ...(schema.tableClass ? { TableClass: schema.tableClass } : {}),
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
 * What a new table gets once it exists: waits until it is ACTIVE, then TTL (unless `settings.timeToLive`
 * is 'off') and point-in-time recovery. Idempotent, so a retried plan step finishes a table its first
 * attempt created.
 */
export async function finishNewTable(ddb: DynamoDBClient, schema: TableSchema, tableName: string, settings?: NewTableSettings, options: CreateTableOptions = {}): Promise<void> {
  // minDelay 1: the waiter's default first pause is 20 s, longer than most tables take to become ACTIVE.
  await waitUntilTableExists({ client: ddb, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
  if (schema.ttlAttribute && settings?.timeToLive !== 'off') {
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
