import { type AttributeValue, BatchGetItemCommand, BatchWriteItemCommand, type DynamoDBClient, ProvisionedThroughputExceededException, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { planRestore } from '../../../../lambdas/restore/plan-restore';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { resolveRestore } from '../../../../lambdas/restore/resolve-restore';
import { getRestorePlan, type RestorePlanDocument, type RestoreShardBatch, restoreShardBatchSchema } from '../../../../lambdas/restore/restore-plan-document';
import { LAMBDA_RUN_SECONDS, MAX_RESTORE_SHARD_ROUNDS, type RestoreShardCursor, RestoreShardCursorError } from '../../../../lambdas/restore/restore-shard-cursor';
import { type RestoreShardBatchResult, restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { selectedEntries } from '../../../../lambdas/restore/restore-selection';
import { loadRestoreSnapshot } from '../../../../lambdas/restore/restore-snapshot';
import { SHARD_WRITE_SECONDS, ShardWriteTimeError } from '../../../../lambdas/restore/shard-write-time';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { parseInput } from '../../../../lambdas/runtime/parse-input';
import { isPageBoundary } from '../../../../lambdas/sources/dynamodb-page-entries';
import { createActiveTable } from '../../../../local/cloud';
import { FakeBucketClock } from '../../../support/fake-bucket-clock';
import { commitFixtureBackup } from '../../../support/vault-backup-fixture';
import { RESTORE_TARGET_PREFIX as PREFIX, type RestoreTestCloud, startRestoreTestCloud } from './restore-test-cloud';

/**
 * Audit R1 F2, on the local cloud: an overwrite restore into an existing table is written by that
 * table's key. A table keyed otherwise than the backup (`pk` where the backup's items are keyed
 * `pk` + `sk`, or `sk` of another type) would collapse the items that share its key, or fail
 * half-way with DynamoDB's "Provided list of item keys contains duplicates": it is refused before
 * any item is written, and the table stays as it was. A table with the backup's key takes the items.
 */
const SOURCE_TABLE = 'shop-order-lines';
const source: SourceConfig = { type: 'dynamodb', name: 'order-lines', table: SOURCE_TABLE };
/** 13 orders of two lines each: under a key of `pk` alone, every order's lines collide. */
const LINES: Array<Record<string, AttributeValue>> = Array.from({ length: 26 }, (_, i) => ({ pk: { S: `order-${Math.floor(i / 2)}` }, sk: { N: String(i % 2) }, qty: { N: String(i) } }));
const BEFORE: Record<string, AttributeValue> = { pk: { S: 'kept' }, sk: { N: '7' }, note: { S: 'there before the restore' } };

let cloud: RestoreTestCloud;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let catalog: BackupCatalog;
let backupId: string;
let io: RestoreIo;

/** An existing target table keyed `pk`, or `pk` + `sk` of the given type, holding one item of its own (BEFORE). */
async function existingTable(table: string, sk: 'N' | 'S' | undefined): Promise<void> {
  await createActiveTable(dynamodb, {
    TableName: table,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(sk ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(sk ? [{ AttributeName: 'sk', AttributeType: sk }] : [])],
    BillingMode: 'PAY_PER_REQUEST',
  });
  await dynamodb.send(new PutItemCommand({ TableName: table, Item: sk === 'S' ? { ...BEFORE, sk: { S: '7' } } : BEFORE }));
}

async function overwriteRestore(table: string, restoreId: string): Promise<unknown> {
  const resolved = await resolveRestore({ source: 'order-lines', backupId, target: { type: 'dynamodb', table }, overwrite: true }, restoreId, {
    restoreTargetPrefix: PREFIX,
    sources: [source],
    catalog,
    openVault: io.openVault,
    s3,
    dynamodb,
    directory: io.directory,
  });
  const planned = await planRestore(resolved, { map: 'inline', maxConcurrency: 2 }, io);
  for (const batch of planned.shards ?? []) await restoreShardBatch(batch, io);
  return verifyRestore({ planKey: planned.planKey }, io);
}

async function refusal(run: Promise<unknown>): Promise<Error> {
  const error = await run.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as Error;
}

beforeAll(async () => {
  cloud = await startRestoreTestCloud('overwrite-table-key');
  ({ s3, dynamodb, catalog, io } = cloud);
  await createActiveTable(dynamodb, {
    TableName: SOURCE_TABLE,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
  for (let i = 0; i < LINES.length; i += 25) await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [SOURCE_TABLE]: LINES.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  backupId = await cloud.commitBackup(source);
});

afterAll(async () => cloud.close());

it('refuses an overwrite into a table keyed by pk alone, naming target.table and both key schemas, before writing any item', async () => {
  const table = `${PREFIX}lines-by-pk`;
  await existingTable(table, undefined);
  const before = await cloud.items(table);
  const error = await refusal(overwriteRestore(table, 'r-by-pk'));
  expect(error.message).toContain(`target.table: table ${table} is keyed by pk (HASH, S), but the items of backup ${backupId} are keyed by pk (HASH, S) + sk (RANGE, N)`);
  expect(error.message).toContain('Nothing was written');
  expect(await cloud.items(table)).toEqual(before);
});

it('refuses a table whose key has the backup\'s names but another attribute type', async () => {
  const table = `${PREFIX}lines-sk-string`;
  await existingTable(table, 'S');
  const before = await cloud.items(table);
  const error = await refusal(overwriteRestore(table, 'r-sk-string'));
  expect(error.message).toContain(`is keyed by pk (HASH, S) + sk (RANGE, S), but the items of backup ${backupId} are keyed by pk (HASH, S) + sk (RANGE, N)`);
  expect(await cloud.items(table)).toEqual(before);
});

it('writes every item into an existing table with the backup\'s key, keeping what was there, and verifies them', async () => {
  const table = `${PREFIX}lines-same-key`;
  await existingTable(table, 'N');
  await expect(overwriteRestore(table, 'r-same-key')).resolves.toMatchObject({ items: LINES.length, verified: { mismatches: 0 } });
  expect(await cloud.items(table)).toEqual([...(await cloud.items(SOURCE_TABLE)), JSON.stringify(Object.fromEntries(Object.entries(BEFORE).sort(([a], [b]) => a.localeCompare(b))))].sort());
});

it('refuses it already in Validate and resolve, the step before an approval, not only when the plan prepares the target', async () => {
  const table = `${PREFIX}lines-by-pk-resolve`;
  await existingTable(table, undefined);
  const error = await refusal(
    resolveRestore({ source: 'order-lines', backupId, target: { type: 'dynamodb', table }, overwrite: true }, 'r-by-pk-resolve', {
      restoreTargetPrefix: PREFIX,
      sources: [source],
      catalog,
      openVault: io.openVault,
      s3,
      dynamodb,
      directory: io.directory,
    }),
  );
  expect(error.message).toContain(`target.table: table ${table} is keyed by pk (HASH, S), but the items of backup ${backupId} are keyed by pk (HASH, S) + sk (RANGE, N)`);
});

describe('an overwrite into a table of small provisioned capacity (audit d4-1)', () => {
  const WIDE_TABLE = 'shop-notes';
  const wide: SourceConfig = { type: 'dynamodb', name: 'notes', table: WIDE_TABLE };
  let wideBackup: string;
  const keyed = { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }] };

  beforeAll(async () => {
    await createActiveTable(dynamodb, { TableName: WIDE_TABLE, ...keyed, BillingMode: 'PAY_PER_REQUEST' });
    const items = Array.from({ length: 600 }, (_, i) => ({ pk: { S: `note-${i}` }, text: { S: 'x'.repeat(1000) } }));
    for (let i = 0; i < items.length; i += 25) await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [WIDE_TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    wideBackup = await cloud.commitBackup(wide);
  });

  async function plan(table: string, units: number, restoreId: string, maxConcurrency = 1): Promise<ReturnType<typeof planRestore>> {
    await createActiveTable(dynamodb, { TableName: table, ...keyed, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: units, WriteCapacityUnits: units } });
    const resolved = await resolveRestore({ source: 'notes', backupId: wideBackup, target: { type: 'dynamodb', table }, overwrite: true }, restoreId, {
      restoreTargetPrefix: PREFIX,
      sources: [wide],
      catalog,
      openVault: io.openVault,
      s3,
      dynamodb,
      directory: io.directory,
    });
    return planRestore(resolved, { map: 'distributed', maxConcurrency }, io);
  }

  /**
   * The least time each shard of a stored plan can take at its shares: every item costs at least one
   * write unit and one read unit, and together at least their bytes over 1 KB (writes) and 4 KB (reads).
   */
  async function leastShardSeconds(stored: RestorePlanDocument): Promise<number[]> {
    const snapshot = await loadRestoreSnapshot(cloud.vault, stored.restore);
    const seconds: number[] = [];
    for (const shard of stored.shards) {
      let items = 0;
      for await (const entry of selectedEntries(cloud.vault, snapshot, stored.restore, shard)) items += Number(entry.meta['items']);
      const write = Math.max(items, shard.bytes / 1024) / (stored.writeUnitsPerShard ?? 0);
      const read = Math.max(items, shard.bytes / 4096) / (stored.readUnitsPerShard ?? 0);
      seconds.push(write + read);
    }
    return seconds;
  }

  it('cuts shards that each write and read back their items within the shard time at their share of the budget', async () => {
    // 8 WCU and RCU: a quarter, 2 units a second, ~600 KB of items: one shard would take about 1,200 s.
    const planned = await plan(`${PREFIX}notes-8`, 8, 'r-notes-8');
    const stored = await getRestorePlan(io.planS3, io.planBucket, planned.planKey);
    expect(stored.shards.length).toBeGreaterThan(1);
    const seconds = await leastShardSeconds(stored);
    for (const s of seconds) expect(s).toBeLessThanOrEqual(SHARD_WRITE_SECONDS);
    // A batch's shards run one after the other in one invocation.
    expect(planned.shardsPerBatch * Math.max(...seconds)).toBeLessThanOrEqual(SHARD_WRITE_SECONDS);
  });

  it('runs fewer shards at once when the plan\'s concurrency would leave each too little of the budget, and says so (task F18)', async () => {
    // 10 WCU and RCU: a quarter, 2.5 units a second; over 10 shards at once 0.25 each, 75 units in 600 s, less than a backed-up page holds.
    const planned = await plan(`${PREFIX}notes-10`, 10, 'r-notes-10', 10);
    const stored = await getRestorePlan(io.planS3, io.planBucket, planned.planKey);
    expect(planned.maxConcurrency).toBeGreaterThanOrEqual(1);
    expect(planned.maxConcurrency).toBeLessThan(10);
    // The shares are the budget over the shards the Map now runs at once, for the writes and the read-back alike.
    const atOnce = Math.min(stored.shards.length, planned.maxConcurrency);
    expect(stored.writeUnitsPerShard).toBeCloseTo(2.5 / atOnce);
    expect(stored.readUnitsPerShard).toBeCloseTo(2.5 / atOnce);
    const seconds = await leastShardSeconds(stored);
    for (const s of seconds) expect(s).toBeLessThanOrEqual(SHARD_WRITE_SECONDS);
    expect(planned.shardsPerBatch * Math.max(...seconds)).toBeLessThanOrEqual(SHARD_WRITE_SECONDS);
    expect(planned.concurrencyNote).toContain(`Restores at most ${planned.maxConcurrency} shards of table ${PREFIX}notes-10 at once, not the plan's maxConcurrency of 10`);
  });

  it('refuses, naming the budget, a restore whose shards could not end in time however finely cut, even one at a time, before writing any item', async () => {
    const table = `${PREFIX}notes-1`;
    const error = await plan(table, 1, 'r-notes-1', 10).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ShardWriteTimeError);
    expect((error as Error).message).toContain(`Restore of table ${table} not started: at this restore's budget of 0.25 WCU/s and 0.25 RCU/s (1 shard at once, the fewest, of the plan's maxConcurrency of 10)`);
    expect((await dynamodb.send(new ScanCommand({ TableName: table }))).Count).toBe(0);
  });

  it('plans, with a note, a restore whose unread pages only at their most items could outlast the shard time (task F33)', async () => {
    // 20 WCU and RCU: a quarter, 5 units a second. No manifest page's items read (exactPages 0, as past the first 1,000) nor read
    // for a cut (maxShards 1, as at the shard limit): the ~10 backed-up pages of ~600 KB count up to ~38,000 items, ~15,000 s,
    // but at one item a page the fewest they hold take ~150 s (their real 600 items about 270 s).
    const table = `${PREFIX}notes-20`;
    await createActiveTable(dynamodb, { TableName: table, ...keyed, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 20, WriteCapacityUnits: 20 } });
    const resolved = await resolveRestore({ source: 'notes', backupId: wideBackup, target: { type: 'dynamodb', table }, overwrite: true }, 'r-notes-20', {
      restoreTargetPrefix: PREFIX,
      sources: [wide],
      catalog,
      openVault: io.openVault,
      s3,
      dynamodb,
      directory: io.directory,
    });
    const planned = await planRestore(resolved, { map: 'distributed', maxConcurrency: 4 }, { ...io, limits: { maxShards: 1, exactPages: 0 } });
    const stored = await getRestorePlan(io.planS3, io.planBucket, planned.planKey);
    // The finest cut the plan may, one shard at a time and one a batch, with the whole quarter.
    expect(planned.maxConcurrency).toBe(1);
    expect(planned.shardsPerBatch).toBe(1);
    expect(stored.writeUnitsPerShard).toBeCloseTo(5);
    for (const s of await leastShardSeconds(stored)) expect(s).toBeLessThanOrEqual(SHARD_WRITE_SECONDS);
    expect(planned.concurrencyNote).toContain(`Restores table ${table} in ${stored.shards.length} shard`);
    expect(planned.concurrencyNote).toContain('the plan read the item counts of the first 0 manifest pages only');
    expect(planned.concurrencyNote).toContain('a shard of very many tiny items could outlast its Lambda run');
  });

  it('counts every item of tiny items, which cost a unit each whatever their size, so no shard outlasts its Lambda (review r8-F1)', async () => {
    // 3,000 items of about 20 bytes: pages of 8 to a few hundred items, a few KB each; 60 KB in all but 3,000 WCU and 3,000 RCU.
    const TINY_TABLE = 'shop-flags';
    const tiny: SourceConfig = { type: 'dynamodb', name: 'flags', table: TINY_TABLE };
    await createActiveTable(dynamodb, { TableName: TINY_TABLE, ...keyed, BillingMode: 'PAY_PER_REQUEST' });
    const items = Array.from({ length: 3000 }, (_, i) => ({ pk: { S: `k${i}` } }));
    for (let i = 0; i < items.length; i += 25) await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [TINY_TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    // Backed-up pages as a real backup cuts them (dynamodb-page-entries.ts): after an item whose key hashes to a boundary, 8 to 4,096 items.
    const pages: Array<Array<Record<string, AttributeValue>>> = [[]];
    for (const item of (await dynamodb.send(new ScanCommand({ TableName: TINY_TABLE }))).Items ?? []) {
      const open = pages[pages.length - 1] ?? [];
      open.push(item);
      if ((open.length >= 8 && isPageBoundary(item, ['pk'])) || open.length >= 4096) pages.push([]);
    }
    if (pages[pages.length - 1]?.length === 0) pages.pop();
    expect(Math.max(...pages.map((page) => page.length))).toBeGreaterThan(200);
    // The fixture backs up one page a Scan response: the table's Scan answers one such page at a time.
    let next = 0;
    const paged = new Proxy(dynamodb, {
      get: (target, key, receiver) => {
        if (key !== 'send') return Reflect.get(target, key, receiver) as unknown;
        return async (command: Parameters<DynamoDBClient['send']>[0]) => {
          if (!(command instanceof ScanCommand) || command.input.TableName !== TINY_TABLE) return target.send(command);
          const page = pages[next++] ?? [];
          return { Items: page, ...(next < pages.length ? { LastEvaluatedKey: { pk: page[page.length - 1]?.['pk'] ?? { S: '' } } } : {}), $metadata: {} };
        };
      },
    });
    const tinyBackup = await commitFixtureBackup('shop', [tiny], { vault: cloud.vault, s3, dynamodb: paged, catalogTable: 'lifeboat-dev-catalog', directory: io.directory }, new Date(Date.now() - 3_600_000));
    const table = `${PREFIX}flags-8`;
    await createActiveTable(dynamodb, { TableName: table, ...keyed, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 8, WriteCapacityUnits: 8 } });
    const resolved = await resolveRestore({ source: 'flags', backupId: tinyBackup, target: { type: 'dynamodb', table }, overwrite: true }, 'r-flags-8', {
      restoreTargetPrefix: PREFIX,
      sources: [tiny],
      catalog,
      openVault: io.openVault,
      s3,
      dynamodb,
      directory: io.directory,
    });
    const planned = await planRestore(resolved, { map: 'distributed', maxConcurrency: 8 }, io);
    const stored = await getRestorePlan(io.planS3, io.planBucket, planned.planKey);
    const seconds = await leastShardSeconds(stored);
    for (const s of seconds) expect(s).toBeLessThanOrEqual(SHARD_WRITE_SECONDS);
    expect(planned.shardsPerBatch * Math.max(...seconds)).toBeLessThanOrEqual(SHARD_WRITE_SECONDS);
  });

  it('estimates a read-back at 4 KB a unit, so large items that fit in time are planned, not refused (review r8-F2)', async () => {
    // 10 items of 100 KB into 10 WCU and RCU (2.5 a second): 980 WCU and 250 RCU, about 490 s for one shard.
    const LARGE_TABLE = 'shop-scans';
    const large: SourceConfig = { type: 'dynamodb', name: 'scans', table: LARGE_TABLE };
    await createActiveTable(dynamodb, { TableName: LARGE_TABLE, ...keyed, BillingMode: 'PAY_PER_REQUEST' });
    for (let i = 0; i < 10; i++) await dynamodb.send(new PutItemCommand({ TableName: LARGE_TABLE, Item: { pk: { S: `scan-${i}` }, v: { S: 'x'.repeat(100_000) } } }));
    const largeBackup = await cloud.commitBackup(large);
    const table = `${PREFIX}scans-10`;
    await createActiveTable(dynamodb, { TableName: table, ...keyed, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 10 } });
    const resolved = await resolveRestore({ source: 'scans', backupId: largeBackup, target: { type: 'dynamodb', table }, overwrite: true }, 'r-scans-10', {
      restoreTargetPrefix: PREFIX,
      sources: [large],
      catalog,
      openVault: io.openVault,
      s3,
      dynamodb,
      directory: io.directory,
    });
    const planned = await planRestore(resolved, { map: 'distributed', maxConcurrency: 8 }, io);
    const stored = await getRestorePlan(io.planS3, io.planBucket, planned.planKey);
    for (const s of await leastShardSeconds(stored)) expect(s).toBeLessThanOrEqual(SHARD_WRITE_SECONDS);
  });

  /** A call's deadline on its (fake) clock: `ms` of work before its stop margin of a second. */
  const STOP_MARGIN_MS = 1000;
  const timeFor = (clock: FakeBucketClock, ms: number): (() => number) => () => STOP_MARGIN_MS + ms - clock.now();

  it('restores a table over many calls of Restore shard when each runs out of time, item for item, each call carrying on from the cursor of the one before (issue 16, item 3)', async () => {
    // About one batch of 25 items a call, then a few.
    for (const ms of [30, 100]) {
      const table = `${PREFIX}notes-resumed-${ms}`;
      // A budget large enough to plan one batch of the whole table; the clock is a test's, so pacing never sleeps.
      const planned = await plan(table, 10_000, `r-notes-resumed-${ms}`);
      const batches = await restoreShardManifestBatches(planned.restoreId, planned.planKey);
      let calls = 0;
      for (const first of batches) {
        let batch: RestoreShardBatch = first;
        for (;;) {
          calls++;
          const clock = new FakeBucketClock();
          // A page at a time: a FakeBucketClock adds up the waits of pages side by side, which a Lambda's clock overlaps.
          const answer = await restoreShardBatch(batch, { ...io, clock, deadline: timeFor(clock, ms), stopMarginMs: STOP_MARGIN_MS, concurrency: 1 });
          if (answer.done) break;
          expect(answer.resume).toBeDefined();
          // The answer is the next call's input, as the state machine hands it on (restore-source-chain.ts).
          batch = restoreShardBatchSchema.parse(JSON.parse(JSON.stringify(answer)));
        }
      }
      // 600 items: about a batch a call, a few batches a call.
      expect(calls).toBeGreaterThan(ms === 30 ? 20 : 4);
      expect(await cloud.items(table)).toEqual(await cloud.items(WIDE_TABLE));
      await expect(verifyRestore({ planKey: planned.planKey }, io)).resolves.toMatchObject({ items: 600, verified: { mismatches: 0 } });
    }
  });

  /** Wall time sped up SCALE times, sleeps included: concurrent waits overlap as in a real Lambda run, which a FakeBucketClock (sleeps add up) cannot show. */
  class ScaledClock {
    static readonly SCALE = 100;
    private readonly t0 = performance.now();
    now(): number {
      return (performance.now() - this.t0) * ScaledClock.SCALE;
    }
    sleep(ms: number): Promise<void> {
      return new Promise((resolve) => setTimeout(resolve, ms / ScaledClock.SCALE));
    }
  }

  it('ends every call of a slowly budgeted shard before its Lambda deadline, batches queued for the write budget and read-backs included (review rW F1)', async () => {
    // 240 small items, 4 backed-up pages of 60: at 1 WCU/s and 1 RCU/s a shard of ~490 s, in calls of a 300 s Lambda run.
    const TINY = 'shop-tiny-notes';
    await createActiveTable(dynamodb, { TableName: TINY, ...keyed, BillingMode: 'PAY_PER_REQUEST' });
    const tiny = Array.from({ length: 240 }, (_, i) => ({ pk: { S: `t${i}` } }));
    for (let i = 0; i < tiny.length; i += 25) await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [TINY]: tiny.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    const tinySource: SourceConfig = { type: 'dynamodb', name: 'tiny-notes', table: TINY };
    const tinyBackup = await cloud.commitBackup(tinySource);
    const table = `${PREFIX}tiny-notes-slow`;
    await createActiveTable(dynamodb, { TableName: table, ...keyed, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 4, WriteCapacityUnits: 4 } });
    const resolved = await resolveRestore({ source: 'tiny-notes', backupId: tinyBackup, target: { type: 'dynamodb', table }, overwrite: true }, 'r-tiny-slow', {
      restoreTargetPrefix: PREFIX,
      sources: [tinySource],
      catalog,
      openVault: io.openVault,
      s3,
      dynamodb,
      directory: io.directory,
    });
    const planned = await planRestore(resolved, { map: 'distributed', maxConcurrency: 1 }, io);
    const [first, ...others] = await restoreShardManifestBatches(planned.restoreId, planned.planKey);
    expect(others).toEqual([]);
    const LAMBDA_MS = 300_000;
    const ends: number[] = [];
    let batch = first as RestoreShardBatch;
    for (let call = 0; call < 10; call++) {
      const clock = new ScaledClock();
      const answer = await restoreShardBatch(batch, { ...io, clock, deadline: () => LAMBDA_MS - clock.now() });
      ends.push(Math.round(clock.now() / 1000));
      if (answer.done) break;
      batch = restoreShardBatchSchema.parse(JSON.parse(JSON.stringify(answer)));
    }
    // Each call, its queued batches and its read-backs within the 300 s; and more than one call was needed.
    for (const end of ends) expect(end).toBeLessThan(LAMBDA_MS / 1000);
    expect(ends.length).toBeGreaterThan(1);
    expect(await cloud.items(table)).toEqual(await cloud.items(TINY));
    await expect(verifyRestore({ planKey: planned.planKey }, io)).resolves.toMatchObject({ items: 240, verified: { mismatches: 0 } });
  });

  it('ends a call within its Lambda run when its read-back is throttled near the end, counting a page only up to the items read back (review rCC F1)', async () => {
    // 1,000 small items into 40 WCU and 4 RCU (10 and 1 a second): a call of a 300 s Lambda run stops at 240 s with reads to do.
    const MANY = 'shop-many-notes';
    await createActiveTable(dynamodb, { TableName: MANY, ...keyed, BillingMode: 'PAY_PER_REQUEST' });
    const many = Array.from({ length: 1000 }, (_, i) => ({ pk: { S: `m${i}` } }));
    for (let i = 0; i < many.length; i += 25) await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [MANY]: many.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    const manySource: SourceConfig = { type: 'dynamodb', name: 'many-notes', table: MANY };
    const manyBackup = await cloud.commitBackup(manySource);
    const table = `${PREFIX}many-notes-read-throttled`;
    await createActiveTable(dynamodb, { TableName: table, ...keyed, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 4, WriteCapacityUnits: 40 } });
    const resolved = await resolveRestore({ source: 'many-notes', backupId: manyBackup, target: { type: 'dynamodb', table }, overwrite: true }, 'r-many-throttled', {
      restoreTargetPrefix: PREFIX,
      sources: [manySource],
      catalog,
      openVault: io.openVault,
      s3,
      dynamodb,
      directory: io.directory,
    });
    const planned = await planRestore(resolved, { map: 'distributed', maxConcurrency: 1 }, { ...io, limits: { maxShards: 1, exactPages: 0 } });
    const [batch, ...others] = await restoreShardManifestBatches(planned.restoreId, planned.planKey);
    expect(others).toEqual([]);
    const LAMBDA_MS = 300_000;
    const clock = new ScaledClock();
    // From 150 s into the call to its Lambda's end the application's reads take the table's read capacity: every read-back call is refused (after the SDK's retries).
    const readBack = new Set<string>();
    const busy = new Proxy(dynamodb, {
      get: (target, key, receiver) => {
        if (key !== 'send') return Reflect.get(target, key, receiver) as unknown;
        return async (command: Parameters<DynamoDBClient['send']>[0]) => {
          if (command instanceof BatchGetItemCommand && clock.now() >= 150_000 && clock.now() < LAMBDA_MS) throw new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: { httpStatusCode: 400 } });
          if (!(command instanceof BatchGetItemCommand)) return target.send(command);
          const output = await target.send(command);
          for (const item of Object.values(output.Responses ?? {}).flat()) readBack.add(item['pk']?.S ?? '');
          return output;
        };
      },
    });
    const answer = await restoreShardBatch(batch as RestoreShardBatch, { ...io, dynamodb: busy, clock, deadline: () => LAMBDA_MS - clock.now() });
    // Before the read-back had a deadline the call waited for the throttled, slowed read budget until 320-420 s.
    expect(clock.now()).toBeLessThan(LAMBDA_MS);
    expect(answer.done).toBe(false);
    // The cursor counts only items read back; the next call writes the rest again.
    expect(answer.resume?.restored.items).toBeLessThanOrEqual(readBack.size);
  });

  it('starts a resumed call\'s write budget owing what the stopped call\'s ended owing, as a backup\'s resumed scan does (review rW F3)', async () => {
    const planned = await plan(`${PREFIX}notes-debt`, 10_000, 'r-notes-debt');
    const stored = await getRestorePlan(io.planS3, io.planBucket, planned.planKey);
    const rate = stored.writeUnitsPerShard ?? 0;
    const [batch] = await restoreShardManifestBatches(planned.restoreId, planned.planKey);
    const owing = (writeUnits: number): RestoreShardBatch => ({ ...(batch as RestoreShardBatch), resume: { round: 1, batchItem: 0, page: 0, item: 0, restored: { entries: 0, bytes: 0, items: 0, mismatches: [], mismatchCount: 0 }, debt: { writeUnits, readUnits: 0 } } });
    const call = async (writeUnits: number, ms: number): Promise<{ answer: RestoreShardBatchResult; took: number }> => {
      const clock = new FakeBucketClock();
      const answer = await restoreShardBatch(owing(writeUnits), { ...io, clock, deadline: timeFor(clock, ms), stopMarginMs: STOP_MARGIN_MS, concurrency: 1 });
      return { answer, took: clock.now() };
    };
    // Time enough: the debt is waited out before the first batch.
    expect((await call(100 * rate, 200_000)).took - (await call(0, 200_000)).took).toBeGreaterThanOrEqual(100_000);
  });

  it('waits out a cursor\'s debt only while the call has time, hands the rest on, and refuses a debt no call could have left (review rCC F2)', async () => {
    const planned = await plan(`${PREFIX}notes-debt-bounded`, 10_000, 'r-notes-debt-bounded');
    const stored = await getRestorePlan(io.planS3, io.planBucket, planned.planKey);
    const rate = stored.writeUnitsPerShard ?? 0;
    const [batch] = await restoreShardManifestBatches(planned.restoreId, planned.planKey);
    const owing = (writeUnits: number): RestoreShardBatch => ({ ...(batch as RestoreShardBatch), resume: { round: 1, batchItem: 0, page: 0, item: 0, restored: { entries: 0, bytes: 0, items: 0, mismatches: [], mismatchCount: 0 }, debt: { writeUnits, readUnits: 0 } } });
    const call = async (writeUnits: number, ms: number): Promise<{ answer: RestoreShardBatchResult; took: number }> => {
      const clock = new FakeBucketClock();
      const answer = await restoreShardBatch(owing(writeUnits), { ...io, clock, deadline: timeFor(clock, ms), stopMarginMs: STOP_MARGIN_MS, concurrency: 1 });
      return { answer, took: clock.now() };
    };
    // 100 s of debt, 40 s of time: it waits 40 s, writes nothing and carries on from the same place owing 60 s.
    const short = await call(100 * rate, 40_000);
    expect(short.took).toBeLessThanOrEqual(40_000);
    expect(short.answer).toMatchObject({ done: false, resume: { round: 2, batchItem: 0, page: 0, item: 0, restored: { items: 0 } } });
    expect(short.answer.resume?.debt?.writeUnits).toBeGreaterThan(59 * rate);
    expect(short.answer.resume?.debt?.writeUnits).toBeLessThanOrEqual(60 * rate);
    // No time for even the first batch: the same cursor, not a wait past the deadline (MAX_RESTORE_SHARD_ROUNDS ends a shard that never gets one).
    const none = await call(0, 0);
    expect(none.took).toBe(0);
    expect(none.answer).toMatchObject({ done: false, resume: { round: 2, page: 0, item: 0, restored: { items: 0 } } });
    // More than a Lambda run of the budget: not a debt this shard's calls could leave.
    const absurd = call(LAMBDA_RUN_SECONDS * rate + 1, 3_600_000);
    await expect(absurd).rejects.toThrow(RestoreShardCursorError);
    await expect(absurd).rejects.toThrow(new RegExp(`owing ${LAMBDA_RUN_SECONDS * rate + 1} write capacity units, more than a Lambda run \\(900 s\\) of its write budget \\(${rate} units a second`));
  });

  it('refuses a cursor past the end of its shard, of its page or of its batch, and a malformed one, naming what is wrong', async () => {
    const table = `${PREFIX}notes-cursor`;
    const planned = await plan(table, 10_000, 'r-notes-cursor');
    const [batch] = await restoreShardManifestBatches(planned.restoreId, planned.planKey);
    const resumed = (at: Partial<RestoreShardCursor>): RestoreShardBatch => ({ ...(batch as RestoreShardBatch), resume: { round: 1, batchItem: 0, page: 0, item: 0, restored: { entries: 0, bytes: 0, items: 0, mismatches: [], mismatchCount: 0 }, ...at } });
    await expect(restoreShardBatch(resumed({ page: 10_000 }), io)).rejects.toThrow(/carry on at manifest page 10000, item 0, but it has \d+ pages .*past its end/);
    await expect(restoreShardBatch(resumed({ item: 5000 }), io)).rejects.toThrow(/carry on at item 5000 of manifest page 0 .*which holds \d+ items: the cursor is past the page's end/);
    await expect(restoreShardBatch(resumed({ batchItem: 3 }), io)).rejects.toThrow(RestoreShardCursorError);
    expect(() => parseInput(restoreShardBatchSchema, { ...batch, resume: { round: 0, batchItem: 0, page: -1, item: 'x' } }, 'restore shard batch')).toThrow(InvalidInputError);
    expect(() => parseInput(restoreShardBatchSchema, { ...batch, resume: { round: 0, batchItem: 0, page: -1, item: 'x' } }, 'restore shard batch')).toThrow(/resume\.round.*resume\.page.*resume\.item/s);
  });

  it('fails with a clear error, not a timeout, when a batch still has items left after MAX_RESTORE_SHARD_ROUNDS calls', async () => {
    const planned = await plan(`${PREFIX}notes-rounds`, 10_000, 'r-notes-rounds');
    const [batch] = await restoreShardManifestBatches(planned.restoreId, planned.planKey);
    const last = { ...(batch as RestoreShardBatch), resume: { round: MAX_RESTORE_SHARD_ROUNDS - 1, batchItem: 0, page: 0, item: 0, restored: { entries: 0, bytes: 0, items: 0, mismatches: [], mismatchCount: 0 } } };
    await expect(restoreShardBatch(last, { ...io, clock: new FakeBucketClock(), deadline: () => 0, stopMarginMs: 1000 })).rejects.toThrow(
      new RegExp(`still had items to write after ${MAX_RESTORE_SHARD_ROUNDS} calls of Restore shard.*Raise the source's writeBudget`),
    );
  });

  /** The batches of a distributed plan, as its Map's ItemBatcher makes them: one batch per shardsPerBatch lines of its shard manifest. */
  async function restoreShardManifestBatches(restoreId: string, planKey: string): Promise<RestoreShardBatch[]> {
    const stored = await getRestorePlan(io.planS3, io.planBucket, planKey);
    return stored.shards.map((shard) => ({ BatchInput: { restoreId, planKey }, Items: [{ shardIndex: shard.index }] }));
  }
});
