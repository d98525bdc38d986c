import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { mapBounded } from '../vault';
import { secondsSince, startBenchCloud } from './bench-cloud';
import { benchPlan, type BackupRun, runBackupWorkflow, runRestoreWorkflow, type RestoreRun } from './lifeboat-workflow';
import { flushWrites } from './s3-throughput';
import { SeededRandom } from './seeded-random';
import { createActiveTable } from '../local/cloud';

type Item = Record<string, AttributeValue>;

const SOURCE_TABLE = 'bench-source';
const COPY_TABLE = 'bench-plain-copy';
// The restore policy (restore-target-policy.ts) allows new targets named lifeboat-<environment>-restore-* only.
const RESTORE_TABLE = 'lifeboat-bench-restore-table';
const VAULT_BUCKET = 'bench-vault';
const BATCH = 25;
/**
 * BatchWriteItem calls in flight per scan segment in the plain copy: restoreShard writes 4 pages
 * at once per shard (its default concurrency), so the copy is given as many writers per segment.
 */
const WRITES_IN_FLIGHT_PER_SEGMENT = 4;

export type TableDigest = { items: number; sha256: string };

export type DynamoDbSectionResult = {
  items: number;
  itemBytes: number;
  seedSeconds: number;
  backup: { seconds: number; itemsPerSecond: number; shardCount: number; phases: BackupRun['phases']; bytesStored: number };
  restore: {
    seconds: number;
    itemsPerSecond: number;
    shardCount: number;
    phases: RestoreRun['phases'];
    verifySeconds: number;
    verified: RestoreRun['verify']['report']['verified'];
  };
  plainCopy: { seconds: number; itemsPerSecond: number; segments: number; writesInFlight: number };
  digests: { source: TableDigest; plainCopy: TableDigest; restored: TableDigest };
  mismatches: string[];
};

export type DynamoDbSectionOptions = { items: number; seed: string; log: (line: string) => void };

/**
 * DynamoDB backup and restore items/s: the backup workflow (parallel-scan segments → canonical
 * pages → vault) and the restore runbook (table recreated from the captured schema, pages →
 * BatchWriteItem), against a plain parallel Scan + BatchWriteItem copy into another table on the
 * same dynalite. Every copy is checked against the source afterwards.
 */
export async function runDynamoDbSection(options: DynamoDbSectionOptions): Promise<DynamoDbSectionResult> {
  const cloud = await startBenchCloud('dynamodb');
  try {
    await cloud.createBucket(VAULT_BUCKET);
    await createSourceTable(cloud.ddb);
    options.log(`dynamodb: seeding ${options.items} items into ${SOURCE_TABLE}`);
    const seedStarted = process.hrtime.bigint();
    const itemBytes = await seedTable(cloud.ddb, options);
    const seedSeconds = secondsSince(seedStarted);
    // Budgets lifted: the section measures the pipeline against an unpaced plain copy, not the default share of the table's capacity.
    const plan = benchPlan('bench-dynamodb', { type: 'dynamodb', name: 'bench-table', table: SOURCE_TABLE, readBudget: { readUnitsPerSecond: 1e6 }, writeBudget: { writeUnitsPerSecond: 1e6 } });
    await cloud.openVault(VAULT_BUCKET, true);

    flushWrites();
    options.log('dynamodb: Lifeboat backup workflow (in-process): table → vault');
    const backup = await runBackupWorkflow(cloud, plan, VAULT_BUCKET);
    options.log(`dynamodb: Lifeboat backup took ${backup.seconds.toFixed(2)} s over ${backup.shardCount} segment(s)`);

    // The same parallelism as the backup's Map: one scan segment per shard.
    const segments = backup.shardCount;
    flushWrites();
    options.log(`dynamodb: plain copy (parallel Scan, ${segments} segments + BatchWriteItem, ${WRITES_IN_FLIGHT_PER_SEGMENT} in flight per segment)`);
    const copyStarted = process.hrtime.bigint();
    await plainCopy(cloud.ddb, SOURCE_TABLE, COPY_TABLE, segments);
    const copySeconds = secondsSince(copyStarted);
    options.log(`dynamodb: plain copy took ${copySeconds.toFixed(2)} s`);

    flushWrites();
    options.log('dynamodb: Lifeboat restore runbook (in-process): vault → new table');
    const restore = await runRestoreWorkflow(cloud, {
      plan,
      vaultBucket: VAULT_BUCKET,
      backupId: backup.backupId,
      target: { type: 'dynamodb', table: RESTORE_TABLE },
      restoreId: 'bench-dynamodb-restore',
    });
    options.log(`dynamodb: Lifeboat restore took ${restore.seconds.toFixed(2)} s (+ ${restore.verify.seconds.toFixed(2)} s verify)`);

    options.log('dynamodb: comparing the plain copy and the restored table with the source (count + SHA-256 of every item)');
    const digests = {
      source: await digestTable(cloud.ddb, SOURCE_TABLE),
      plainCopy: await digestTable(cloud.ddb, COPY_TABLE),
      restored: await digestTable(cloud.ddb, RESTORE_TABLE),
    };
    const mismatches: string[] = [];
    for (const [name, digest] of [['plain copy', digests.plainCopy], ['restored table', digests.restored]] as const) {
      if (digest.sha256 !== digests.source.sha256) mismatches.push(`${name} differs from the source: ${digest.items} items vs ${digests.source.items}`);
    }
    const restoredSchema = await cloud.ddb.send(new DescribeTableCommand({ TableName: RESTORE_TABLE }));
    if ((restoredSchema.Table?.GlobalSecondaryIndexes ?? []).length !== 1) mismatches.push('the restored table lacks the source GSI "byKind"');
    const items = digests.source.items;
    return {
      items,
      itemBytes,
      seedSeconds,
      backup: {
        seconds: backup.seconds,
        itemsPerSecond: items / backup.seconds,
        shardCount: backup.shardCount,
        phases: backup.phases,
        bytesStored: backup.committed.totals.bytesStored,
      },
      restore: {
        seconds: restore.seconds,
        itemsPerSecond: items / restore.seconds,
        shardCount: restore.shardCount,
        phases: restore.phases,
        verifySeconds: restore.verify.seconds,
        verified: restore.verify.report.verified,
      },
      plainCopy: { seconds: copySeconds, itemsPerSecond: items / copySeconds, segments, writesInFlight: segments * WRITES_IN_FLIGHT_PER_SEGMENT },
      digests,
      mismatches,
    };
  } finally {
    await cloud.close();
  }
}

/** A composite key, a number sort key and a GSI, so the restore has a real schema to recreate. */
export async function createSourceTable(ddb: DynamoDBClient, table = SOURCE_TABLE): Promise<void> {
  await createActiveTable(ddb, {
    TableName: table,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'kind', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byKind',
        KeySchema: [
          { AttributeName: 'kind', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  });
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november'];
const KINDS = ['order', 'customer', 'invoice', 'event'];

/** One seeded item of mixed attribute types: S, N (beyond double precision), B, SS, NS, BS, L, M, BOOL, NULL, nested. */
export function benchItem(random: SeededRandom, i: number): Item {
  const words = (n: number): string => Array.from({ length: n }, () => random.pick(WORDS)).join(' ');
  const item: Item = {
    pk: { S: `tenant-${String(i % 97).padStart(3, '0')}` },
    sk: { N: String(i) },
    kind: { S: KINDS[i % KINDS.length] as string },
    title: { S: words(random.int(3, 40)) },
    amount: { N: `${random.int(1, 999_999_999)}${random.int(100_000_000, 999_999_999)}.${random.int(0, 999_999)}` },
    active: { BOOL: random.next() < 0.5 },
  };
  if (random.next() < 0.6) item.payload = { B: random.bytes(`item-${i}`, random.int(16, 512)) };
  if (random.next() < 0.5) item.tags = { SS: [...new Set(Array.from({ length: random.int(1, 6) }, () => random.pick(WORDS)))] };
  if (random.next() < 0.4) item.scores = { NS: [...new Set(Array.from({ length: random.int(1, 5) }, () => String(random.int(-1000, 1000))))] };
  if (random.next() < 0.2) item.digests = { BS: [random.bytes(`bs-a-${i}`, 16), random.bytes(`bs-b-${i}`, 16)] };
  if (random.next() < 0.2) item.removed = { NULL: true };
  if (random.next() < 0.5) {
    item.history = {
      L: Array.from({ length: random.int(1, 6) }, (_, j) => ({ M: { at: { N: String(1_700_000_000 + j * 3600) }, note: { S: words(random.int(1, 8)) }, ok: { BOOL: j % 2 === 0 } } })),
    };
  }
  if (random.next() < 0.7) {
    item.profile = {
      M: {
        name: { S: words(2) },
        address: { M: { city: { S: random.pick(WORDS) }, zip: { S: String(random.int(10000, 99999)) }, lines: { L: [{ S: words(3) }, { NULL: true }] } } },
        prefs: { L: [{ BOOL: true }, { N: '0.1' }, { SS: ['a', 'b'] }] },
      },
    };
  }
  return item;
}

/** Writes the seeded items (not timed), 8 BatchWriteItem calls at a time; returns their canonical size in bytes. */
export async function seedTable(ddb: DynamoDBClient, options: Pick<DynamoDbSectionOptions, 'items' | 'seed'>, table = SOURCE_TABLE): Promise<number> {
  const random = new SeededRandom(`lifeboat-bench-dynamodb/v1/${options.seed}`);
  const items = Array.from({ length: options.items }, (_, i) => benchItem(random, i));
  const batches: Item[][] = [];
  for (let i = 0; i < items.length; i += BATCH) batches.push(items.slice(i, i + BATCH));
  await mapBounded(batches, 8, (batch) => batchWrite(ddb, table, batch));
  return items.reduce((n, item) => n + Buffer.byteLength(canonical(item)), 0);
}

/** BatchWriteItem with the unprocessed items sent again, as any careful copy (and Lifeboat's writer) does. */
async function batchWrite(ddb: DynamoDBClient, table: string, items: readonly Item[]): Promise<void> {
  let pending = items.map((Item) => ({ PutRequest: { Item } }));
  for (let round = 0; pending.length > 0; round++) {
    if (round === 10) throw new Error(`table ${table} kept ${pending.length} items unprocessed after 10 rounds`);
    if (round > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
    const result = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
    pending = (result.UnprocessedItems?.[table] ?? []).flatMap((r) => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
  }
}

/**
 * The ceiling: create the target with the source's keys and indexes (Lifeboat's restore creates
 * its table inside its time too), then a parallel Scan whose pages are written straight back with
 * BatchWriteItem, 25 items a call, a few calls in flight per segment.
 */
async function plainCopy(ddb: DynamoDBClient, from: string, to: string, segments: number): Promise<void> {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: from }));
  if (!Table) throw new Error(`DescribeTable ${from} returned nothing`);
  await createActiveTable(ddb, {
    TableName: to,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: Table.AttributeDefinitions,
    KeySchema: Table.KeySchema,
    ...(Table.GlobalSecondaryIndexes?.length
      ? { GlobalSecondaryIndexes: Table.GlobalSecondaryIndexes.map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection })) }
      : {}),
  });
  await mapBounded(
    Array.from({ length: segments }, (_, s) => s),
    segments,
    async (segment) => {
      let startKey: Item | undefined;
      do {
        const page = await ddb.send(new ScanCommand({ TableName: from, Segment: segment, TotalSegments: segments, ExclusiveStartKey: startKey, ConsistentRead: true }));
        const items = page.Items ?? [];
        const batches: Item[][] = [];
        for (let i = 0; i < items.length; i += BATCH) batches.push(items.slice(i, i + BATCH));
        await mapBounded(batches, WRITES_IN_FLIGHT_PER_SEGMENT, (batch) => batchWrite(ddb, to, batch));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    },
  );
}

/**
 * A canonical text of an item, written here rather than taken from Lifeboat's codec so the check
 * does not trust the code it checks: names sorted, set members sorted, binary as base64.
 */
function canonical(value: Item): string {
  const enc = (v: AttributeValue): string => {
    if (v.S !== undefined) return `S:${JSON.stringify(v.S)}`;
    if (v.N !== undefined) return `N:${v.N}`;
    if (v.B !== undefined) return `B:${Buffer.from(v.B).toString('base64')}`;
    if (v.BOOL !== undefined) return `BOOL:${v.BOOL}`;
    if (v.NULL !== undefined) return 'NULL';
    if (v.SS !== undefined) return `SS:${JSON.stringify([...v.SS].sort())}`;
    if (v.NS !== undefined) return `NS:${JSON.stringify([...v.NS].sort())}`;
    if (v.BS !== undefined) return `BS:${JSON.stringify(v.BS.map((b) => Buffer.from(b).toString('base64')).sort())}`;
    if (v.L !== undefined) return `L:[${v.L.map(enc).join(',')}]`;
    if (v.M !== undefined) return `M:${canonical(v.M)}`;
    throw new Error(`unknown attribute value ${JSON.stringify(Object.keys(v))}`);
  };
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}=${enc(value[k] as AttributeValue)}`)
    .join(',')}}`;
}

/** Every item of a table (parallel Scan, 4 segments), canonically encoded, sorted and hashed. */
export async function digestTable(ddb: DynamoDBClient, table: string): Promise<TableDigest> {
  const lines: string[] = [];
  await mapBounded([0, 1, 2, 3], 4, async (segment) => {
    let startKey: Item | undefined;
    do {
      const page = await ddb.send(new ScanCommand({ TableName: table, Segment: segment, TotalSegments: 4, ExclusiveStartKey: startKey, ConsistentRead: true }));
      for (const item of page.Items ?? []) lines.push(`${canonical(item)}\n`);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  });
  const hash = createHash('sha256');
  for (const line of lines.sort()) hash.update(line);
  return { items: lines.length, sha256: hash.digest('hex') };
}
