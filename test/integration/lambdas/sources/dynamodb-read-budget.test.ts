import {
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  DescribeTableCommand,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  ScanCommand,
  type ScanCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { newBackupId } from '../../../../lambdas/backup/backup-id';
import { commitBackup } from '../../../../lambdas/backup/commit-backup';
import { planBackup } from '../../../../lambdas/backup/plan-backup';
import { plannedShardSpecs } from '../../../../lambdas/backup/planned-shard-specs';
import { snapshotShard } from '../../../../lambdas/backup/snapshot-shard';
import { writeDynamoDbItems } from '../../../../lambdas/restore/dynamodb-item-writer';
import { budgetedTargetBytesPerSegment } from '../../../../lambdas/sources/dynamodb-segment-count';
import { CapacityTokenBucket } from '../../../../lambdas/sources/capacity-token-bucket';
import { decodeItemLines, encodeItemText, type DynamoDbItem } from '../../../../lambdas/sources/dynamodb-item-codec';
import { protectionPlanSchema, type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { readEntryContent } from '../../../../vault/restorer/restore';
import { type BenchCloud, startBenchCloud } from '../../../../bench/bench-cloud';
import { FakeBucketClock } from '../../../support/fake-bucket-clock';
import { checkDynamoDbItems } from '../../../../lambdas/restore/dynamodb-item-check';
import { createActiveTable } from '../../../../local/cloud';

/**
 * The read-capacity budget against the local cloud's DynamoDB (dynalite, which reports
 * ConsumedCapacity by AWS's rules: docs/LOCAL-CLOUD.md). Each shard runs with its own fake clock, which
 * only moves when the budget waits: units per second are computed from the units DynamoDB reported and
 * that clock, so the assertions are exact, not timed.
 */
const TABLE = 'lifeboat-test-budget';
const WRITE_TABLE = 'lifeboat-test-budget-writes';
const VAULT_BUCKET = 'lifeboat-test-budget-vault';
const ITEMS = 3000;
/** Provisioned 40 RCU: the default share (25 %) gives the backup 10 RCU/s. */
const PROVISIONED_RCU = 40;
const SOURCE_BUDGET = 10;
const MAX_CONCURRENCY = 2;
const SEGMENTS = 3;

let cloud: BenchCloud;
const source = new Map<string, string>();

const plan: ProtectionPlanConfig = protectionPlanSchema.parse({
  name: 'budget',
  schedule: 'rate(1 day)',
  strategy: 'full',
  retention: { keepLast: 3 },
  objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
  maxConcurrency: MAX_CONCURRENCY,
  sources: [{ type: 'dynamodb', name: 'budget-table', table: TABLE, scanSegments: SEGMENTS }],
});

function item(i: number): DynamoDbItem {
  return {
    pk: { S: `customer#${String(i % 211).padStart(4, '0')}` },
    sk: { N: String(i) },
    // Sizes from about 100 bytes to 1.3 KB, so units per item vary and the page sizing has to learn.
    note: { S: 'x'.repeat(50 + ((i * 7919) % 1200)) },
    tags: { SS: [`t${i % 13}`, `u${i % 7}`] },
  };
}

async function createTable(name: string, units: { read: number; write: number }): Promise<void> {
  await createActiveTable(cloud.ddb, {
    TableName: name,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PROVISIONED',
    ProvisionedThroughput: { ReadCapacityUnits: units.read, WriteCapacityUnits: units.write },
  });
}

async function scanAll(table: string): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  let start: ScanCommandOutput['LastEvaluatedKey'];
  do {
    const page = await cloud.ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const i of page.Items ?? []) items.set(`${i['pk']?.S}/${i['sk']?.N}`, encodeItemText(i));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

beforeAll(async () => {
  cloud = await startBenchCloud('read-budget');
  await cloud.createBucket(VAULT_BUCKET);
  await createTable(TABLE, { read: PROVISIONED_RCU, write: 1000 });
  const items = Array.from({ length: ITEMS }, (_, i) => item(i));
  for (let i = 0; i < items.length; i += 25) {
    await cloud.ddb.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
  for (const [key, text] of await scanAll(TABLE)) source.set(key, text);
  expect(source.size).toBe(ITEMS);
}, 120_000);

afterAll(async () => {
  await cloud?.close();
});

it('the local DynamoDB reports consumed capacity by AWS\'s rules: Scan 1 RCU per started 4 KB of items (half eventually consistent), writes 1 WCU per started KB of each item', async () => {
  const table = 'lifeboat-test-capacity-rules';
  await createActiveTable(cloud.ddb, { TableName: table, AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' });
  // Ten items of 2 + 2 + 4 + 1,000 bytes (names and values): 10,080 bytes, three started 4 KB blocks.
  const ten = Array.from({ length: 10 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `k${i}` }, note: { S: 'x'.repeat(1000) } } } }));
  const written = await cloud.ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: ten }, ReturnConsumedCapacity: 'TOTAL' }));
  expect(written.ConsumedCapacity).toEqual([{ TableName: table, CapacityUnits: 10 }]);
  const consistent = await cloud.ddb.send(new ScanCommand({ TableName: table, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
  expect(consistent.ConsumedCapacity).toEqual({ TableName: table, CapacityUnits: 3 });
  const eventual = await cloud.ddb.send(new ScanCommand({ TableName: table, ReturnConsumedCapacity: 'INDEXES' }));
  expect(eventual.ConsumedCapacity).toEqual({ TableName: table, CapacityUnits: 1.5, Table: { CapacityUnits: 1.5 } });
  const indexes = await cloud.ddb.send(new ScanCommand({ TableName: table, ConsistentRead: true, ReturnConsumedCapacity: 'INDEXES' }));
  expect(indexes.ConsumedCapacity).toEqual({ TableName: table, CapacityUnits: 3, Table: { CapacityUnits: 3 } });
  // 2 + 3 + 4 + 2,500 bytes: three started KB; 2 + 5 bytes: one.
  const mixed = await cloud.ddb.send(
    new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { pk: { S: 'big' }, note: { S: 'x'.repeat(2500) } } } }, { PutRequest: { Item: { pk: { S: 'small' } } } }] }, ReturnConsumedCapacity: 'TOTAL' }),
  );
  expect(mixed.ConsumedCapacity).toEqual([{ TableName: table, CapacityUnits: 4 }]);
});

/** A client of the local DynamoDB that records the consumed units every Scan and BatchWriteItem reported. */
function recordingClient(): { client: DynamoDBClient; reported: number[] } {
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.ddb.config.endpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const reported: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'ScanCommand') reported.push((result.output as ScanCommandOutput).ConsumedCapacity?.CapacityUnits ?? Number.NaN);
      if (context.commandName === 'BatchWriteItemCommand') reported.push(((result.output as BatchWriteItemCommandOutput).ConsumedCapacity ?? []).reduce((s, c) => s + (c.CapacityUnits ?? 0), 0));
      if (context.commandName === 'BatchGetItemCommand') reported.push(((result.output as BatchGetItemCommandOutput).ConsumedCapacity ?? []).reduce((s, c) => s + (c.CapacityUnits ?? 0), 0));
      return result;
    },
    { step: 'initialize', name: 'recordConsumedCapacity' },
  );
  return { client, reported };
}

/** The requests (items to write, keys to get) of a BatchWriteItem or BatchGetItem input. */
function requestsOf(input: unknown): number {
  const items = Object.values((input as { RequestItems: Record<string, unknown[] | { Keys: unknown[] }> }).RequestItems)[0];
  return Array.isArray(items) ? items.length : (items?.Keys.length ?? 0);
}

/**
 * Throttles the client's `command` calls: the first 3 are refused whole, the next 3 that carry more
 * than one request are half processed (`split` sends the first half, puts the rest in the response
 * as unprocessed). Returns the counts, read once the calls are done.
 */

function throttleCalls(client: DynamoDBClient, command: 'BatchWriteItemCommand' | 'BatchGetItemCommand', split: (args: { input: unknown }, send: (input: unknown) => Promise<{ output: unknown }>) => Promise<{ output: unknown }>): { refused: number; partial: number } {
  const counts = { refused: 0, partial: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== command) return next(args);
      if (counts.refused < 3) {
        counts.refused++;
        throw new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: { httpStatusCode: 400 } });
      }
      // Counted before the call is awaited: calls run side by side.
      if (counts.partial < 3 && requestsOf(args.input) > 1) {
        counts.partial++;
        return (await split(args, (input) => next({ ...args, input: input as typeof args.input }))) as Awaited<ReturnType<typeof next>>;
      }
      return next(args);
    },
    { step: 'initialize', name: `throttle${command}`, priority: 'low' },
  );
  return counts;
}

type ShardRun = { units: number; seconds: number; client: DynamoDBClient };

/** Plans, runs every shard (at most MaxConcurrency at once, each with its own client and fake clock) and commits; returns the snapshot's items and each shard's measures. */
async function backup(shardClient: () => { client: DynamoDBClient; reported: number[] }): Promise<{ items: Map<string, string>; shards: ShardRun[]; readUnitsPerShard: number[] }> {
  const backupId = newBackupId(new Date());
  const planned = await planBackup({ plan: plan.name, backupId, trigger: 'test' }, { s3: cloud.s3, dynamodb: cloud.ddb, vault: await cloud.openVault(VAULT_BUCKET, true), catalog: cloud.catalog, plans: [plan], environment: 'test' });
  expect(planned.done).toBe(true);
  const specs = await plannedShardSpecs((await cloud.openVault(VAULT_BUCKET, false)).store, planned);
  const shards: ShardRun[] = new Array<ShardRun>(specs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: planned.maxConcurrency }, async () => {
      while (next < specs.length) {
        const index = next++;
        const { client, reported } = shardClient();
        const clock = new FakeBucketClock();
        const vault = await cloud.openVault(VAULT_BUCKET, false);
        await snapshotShard({ backupId, planKey: planned.planKey, spec: specs[index]! }, { s3: cloud.s3, dynamodb: client, vault, clock });
        shards[index] = { units: reported.reduce((a, b) => a + b, 0), seconds: clock.now() / 1000, client };
      }
    }),
  );
  const vault = await cloud.openVault(VAULT_BUCKET, false);
  const committed = await commitBackup({ backupId, planKey: planned.planKey }, { vault, catalog: cloud.catalog });
  const record = await cloud.catalog.requireBackup(committed.backupId);
  const snapshot = await vault.loadSnapshot(record.sources[0]!.snapshotId);
  const items = new Map<string, string>();
  for await (const entry of vault.entries(snapshot)) {
    const chunks: Buffer[] = [];
    for await (const chunk of readEntryContent(vault, entry)) chunks.push(chunk);
    for (const i of decodeItemLines(Buffer.concat(chunks))) {
      const key = `${i['pk']?.S}/${i['sk']?.N}`;
      if (items.has(key)) throw new Error(`item ${key} is in the snapshot twice`);
      items.set(key, encodeItemText(i));
    }
  }
  return { items, shards, readUnitsPerShard: specs.map((s) => (s.kind === 'dynamodb' ? (s.readUnitsPerSecond ?? Number.NaN) : Number.NaN)) };
}

/** The wall time of shards run in order on `slots` Map slots (each takes the next shard when it frees up), from each shard's own duration. */
function makespan(durations: readonly number[], slots: number): number {
  const free = new Array<number>(slots).fill(0);
  for (const d of durations) {
    const slot = free.indexOf(Math.min(...free));
    free[slot] = (free[slot] ?? 0) + d;
  }
  return Math.max(...free);
}

it('without scanSegments, a backup plans segments from the table size the local DynamoDB describes and the per-segment bytes its budget allows', async () => {
  const { Table } = await cloud.ddb.send(new DescribeTableCommand({ TableName: TABLE }));
  const sizeBytes = Table?.TableSizeBytes ?? 0;
  expect(Table?.ItemCount).toBe(ITEMS);
  const bySize = protectionPlanSchema.parse({ ...plan, name: 'budget-by-size', sources: [{ type: 'dynamodb', name: 'budget-table', table: TABLE, readBudget: { readUnitsPerSecond: 1 } }] });
  const planned = await planBackup({ plan: bySize.name, backupId: newBackupId(new Date()), trigger: 'test' }, { s3: cloud.s3, dynamodb: cloud.ddb, vault: await cloud.openVault(VAULT_BUCKET, true), catalog: cloud.catalog, plans: [bySize], environment: 'test' });
  const specs = await plannedShardSpecs((await cloud.openVault(VAULT_BUCKET, false)).store, planned);
  // 1 RCU/s over 2 slots: 0.5 × 4 KB × 300 s a segment.
  const expected = Math.ceil(sizeBytes / budgetedTargetBytesPerSegment(1, MAX_CONCURRENCY));
  expect(expected).toBeGreaterThan(1);
  expect(specs.filter((s) => s.kind === 'dynamodb')).toHaveLength(expected);
}, 60_000);

it('a backup of a provisioned table stays within 25 % of its RCU: the consumed units it reported per second of its own clock', async () => {
  const run = await backup(recordingClient);
  expect(run.items).toEqual(source);
  // 10 RCU/s over the 2 segments that run at once.
  expect(run.readUnitsPerShard).toEqual([5, 5, 5]);
  for (const shard of run.shards) {
    expect(shard.units).toBeGreaterThan(0);
    expect(shard.units / shard.seconds).toBeLessThanOrEqual(SOURCE_BUDGET / MAX_CONCURRENCY);
    // The budget is used, not wasted (pages sized to about a second of it).
    expect(shard.units / shard.seconds).toBeGreaterThan((SOURCE_BUDGET / MAX_CONCURRENCY) * 0.75);
  }
  const units = run.shards.reduce((s, r) => s + r.units, 0);
  const rate = units / makespan(run.shards.map((s) => s.seconds), MAX_CONCURRENCY);
  expect(rate).toBeLessThanOrEqual(SOURCE_BUDGET);
  // The figure, for the record (docs/ARCHITECTURE.md, "DynamoDB at scale").
  process.stdout.write(`read budget ${SOURCE_BUDGET} RCU/s: ${units} RCU consumed by ${ITEMS} items in ${SEGMENTS} segments, ${rate.toFixed(2)} RCU/s over the budgeted time\n`);
  for (const s of run.shards) s.client.destroy();
}, 120_000);

it('a throttled scan slows down instead of failing, and the snapshot still equals the table', async () => {
  const THROTTLED = 6;
  let refused = 0;
  let hidden = 0;
  const throttling = (): { client: DynamoDBClient; reported: number[] } => {
    const recording = recordingClient();
    // Refusals the budget sees (after the SDK would have given up) …
    recording.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ScanCommand' && refused < THROTTLED) {
          refused++;
          throw new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: { httpStatusCode: 400 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleFirstScans', priority: 'low' },
    );
    // … and one the SDK's own retry strategy absorbs (it retries throttling errors by name).
    recording.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ScanCommand' && hidden < 1) {
          hidden++;
          throw new ProvisionedThroughputExceededException({ message: 'throttled inside the SDK retry loop', $metadata: { httpStatusCode: 400 } });
        }
        return next(args);
      },
      { step: 'deserialize', name: 'throttleInsideRetries' },
    );
    return recording;
  };
  const run = await backup(throttling);
  expect(refused).toBe(THROTTLED);
  expect(hidden).toBe(1);
  expect(run.items).toEqual(source);
  for (const shard of run.shards) expect(shard.units / shard.seconds).toBeLessThanOrEqual(SOURCE_BUDGET / MAX_CONCURRENCY);
  for (const s of run.shards) s.client.destroy();
}, 120_000);

it('restore writes stay within their write budget; throttles and unprocessed items are retried until every item is written', async () => {
  await createTable(WRITE_TABLE, { read: 1000, write: 40 });
  const items = [...source.values()].slice(0, 600).map((text) => decodeItemLines(`${text}\n`)[0]!);
  const { client, reported } = recordingClient();
  const throttled = throttleCalls(client, 'BatchWriteItemCommand', async (args, send) => {
    const input = args.input as { RequestItems: Record<string, WriteRequest[]> };
    const requests = input.RequestItems[WRITE_TABLE] ?? [];
    // A partly throttled batch: DynamoDB writes some items and hands the rest back.
    const kept = requests.slice(0, Math.ceil(requests.length / 2));
    const result = await send({ ...input, RequestItems: { [WRITE_TABLE]: kept } });
    (result.output as BatchWriteItemCommandOutput).UnprocessedItems = { [WRITE_TABLE]: requests.slice(kept.length) };
    return result;
  });
  const clock = new FakeBucketClock();
  const budget = new CapacityTokenBucket({ unitsPerSecond: 10, minBurstUnits: 25, clock });
  await writeDynamoDbItems(client, WRITE_TABLE, items, { writeBudget: budget });
  expect(throttled).toEqual({ refused: 3, partial: 3 });
  const written = await scanAll(WRITE_TABLE);
  const texts = new Set(items.map((i) => encodeItemText(i)));
  expect(written).toEqual(new Map([...source].filter(([, text]) => texts.has(text))));
  const units = reported.reduce((a, b) => a + b, 0);
  expect(units).toBe(budget.stats.consumedUnits);
  expect(units / (clock.now() / 1000)).toBeLessThanOrEqual(10);
  expect(budget.stats.throttles).toBe(6);
  client.destroy();
}, 120_000);

it("a restore's read-back stays within its read budget; throttled calls and unprocessed keys are asked again until every item is compared", async () => {
  const items = [...source.values()].slice(0, 600).map((text) => decodeItemLines(`${text}\n`)[0]!);
  const { client, reported } = recordingClient();
  const throttled = throttleCalls(client, 'BatchGetItemCommand', async (args, send) => {
    const input = args.input as { RequestItems: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead?: boolean }> };
    const request = input.RequestItems[TABLE];
    const keys = request?.Keys ?? [];
    // A partly throttled call: DynamoDB returns some items and hands the other keys back.
    const kept = keys.slice(0, Math.ceil(keys.length / 2));
    const result = await send({ ...input, RequestItems: { [TABLE]: { ...request, Keys: kept } } });
    (result.output as BatchGetItemCommandOutput).UnprocessedKeys = { [TABLE]: { Keys: keys.slice(kept.length) as never, ConsistentRead: true } };
    return result;
  });
  const clock = new FakeBucketClock();
  const budget = new CapacityTokenBucket({ unitsPerSecond: 10, minBurstUnits: 100, clock });
  expect(await checkDynamoDbItems(client, TABLE, ['pk', 'sk'], items, { readBudget: budget })).toEqual([]);
  expect(throttled).toEqual({ refused: 3, partial: 3 });
  const units = reported.reduce((a, b) => a + b, 0);
  // Strongly consistent: at least 1 RCU an item.
  expect(units).toBeGreaterThanOrEqual(items.length);
  expect(units).toBe(budget.stats.consumedUnits);
  expect(units / (clock.now() / 1000)).toBeLessThanOrEqual(10);
  expect(budget.stats.throttles).toBe(6);

  // Paced, the read-back still compares: a changed item is named by its attributes.
  const changed = { ...items[0]!, note: { S: 'not what the table holds' } };
  const again = new CapacityTokenBucket({ unitsPerSecond: 10, minBurstUnits: 100, clock });
  expect(await checkDynamoDbItems(client, TABLE, ['pk', 'sk'], [changed], { readBudget: again })).toEqual([`an item with attributes "note", "pk", "sk", "tags" missing or different in ${TABLE}`]);
  client.destroy();
}, 120_000);
