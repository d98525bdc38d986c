import { type AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { NoBackupAtTimeError } from '../../../../lambdas/catalog/catalog-errors';
import { watchBackupAges } from '../../../../lambdas/operations/backup-age-watch';
import { createCatalogShapedTable } from '../../../../local/cloud';
import { capturedStdout } from '../../../support/captured-stdout';

/**
 * Audit R26: reads that want the newest few of a plan's or a source's history cost O(1) requests however long the
 * history, on the real BackupCatalog over dynalite (127.0.0.1), with every request counted by a client middleware.
 */

const HISTORY = 2000;
/**
 * Backups the point-in-time test forgets, each through markForgotten (an UpdateItem and a DeleteItem): 20 of the
 * index's 25-item pages (NEWEST_PAGE), which a read passing forgotten index items would turn into 20 Queries and 500
 * GetItems. Forgetting HISTORY's 2,000 cost ~10 s of CPU more over dynalite and told nothing more: O(1) is O(1).
 */
const FORGOTTEN = 500;
const start = Date.parse('2021-01-01T00:00:00.000Z');
const hourly = (i: number): string => new Date(start + i * 3_600_000).toISOString();

function record(plan: string, i: number, overrides: Partial<BackupRecord> = {}): BackupRecord {
  return {
    backupId: `${plan}-${String(i).padStart(6, '0')}`,
    plan,
    environment: 'prod',
    sourceNames: [`${plan}-src`],
    sources: [{ name: `${plan}-src`, type: 's3', snapshotId: `snap-${plan}-${i}`, rootHash: 'r', entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 }],
    strategy: 'incremental',
    status: 'COMMITTED',
    startedAt: hourly(i),
    endedAt: hourly(i),
    shardCount: 1,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    ...overrides,
  };
}

let server: ReturnType<typeof dynalite>;
let ddb: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let catalog: BackupCatalog;
/** Requests by command name, and the items Queries returned, since the last reset. */
const counted = { calls: {} as Record<string, number>, queryItems: 0 };
const resetCounts = (): void => {
  counted.calls = {};
  counted.queryItems = 0;
};

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await createCatalogShapedTable(ddb, 'catalog', { byPlan: true });
  doc = DynamoDBDocumentClient.from(ddb);
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counted.calls[name] = (counted.calls[name] ?? 0) + 1;
      const result = await next(args);
      const output = result.output as { Items?: unknown[] };
      if (name === 'QueryCommand') counted.queryItems += output.Items?.length ?? 0;
      return result;
    },
    { step: 'initialize', name: 'countRequests' },
  );
  catalog = new BackupCatalog(doc, 'catalog');
}, 30_000);

afterAll(async () => {
  ddb.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** Writes items 25 to a request, as a seed: not through the catalog, so no request of it is counted against a read. */
async function seed(items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    await doc.send(new BatchWriteCommand({ RequestItems: { catalog: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}
const recordItem = (r: BackupRecord): Record<string, unknown> => ({ pk: `BACKUP#${r.backupId}`, sk: 'BACKUP', ...r });
const indexItem = (r: BackupRecord): Record<string, unknown> => ({
  pk: `SOURCE#${r.plan}-src`,
  sk: `BACKUP#${r.startedAt}#${r.backupId}`,
  backupId: r.backupId,
  planName: r.plan,
  sourceName: `${r.plan}-src`,
  strategy: r.strategy,
  startedAt: r.startedAt,
});

describe('the watchdog reads a plan newest first and stops (audit R26 F1)', () => {
  // It reads a day of starts past the newest DR-copied one (backup-age-watch.ts, review r64U F2): 28 records here, two pages.
  it('measures a plan of thousands of records from its first two pages', async () => {
    // The newest two are not yet copied to DR; every older one is.
    await seed(Array.from({ length: HISTORY }, (_, i) => recordItem(record('long', i, i >= HISTORY - 2 ? { copies: { primary: 'COMMITTED', dr: 'PENDING' } } : {}))));
    resetCounts();
    let ages: Awaited<ReturnType<typeof watchBackupAges>> = [];
    await capturedStdout(async () => {
      ages = await watchBackupAges('prod', [{ name: 'long' }], { catalog, now: () => new Date(Date.parse(hourly(HISTORY - 1)) + 60_000), warn: () => undefined });
    });
    expect(ages).toEqual([{ plan: 'long', lastCommittedAgeSeconds: 60, lastReplicatedAgeSeconds: 2 * 3600 + 60, lastCommittedBackupId: 'long-001999' }]);
    expect(counted.calls).toEqual({ QueryCommand: 2 });
    expect(counted.queryItems).toBeLessThanOrEqual(50);
  }, 60_000);

  it('passes over a record it cannot read, says so, and measures the others', async () => {
    const plan = 'damaged';
    const bad = { ...recordItem(record(plan, 2, { copies: { primary: 'COMMITTED', dr: 'PENDING' } })), status: 'DONE', shardCount: 'three' };
    await seed([recordItem(record(plan, 1)), bad, recordItem(record(plan, 3, { copies: { primary: 'COMMITTED', dr: 'FAILED' } }))]);
    const warnings: string[] = [];
    let ages: Awaited<ReturnType<typeof watchBackupAges>> = [];
    await capturedStdout(async () => {
      ages = await watchBackupAges('prod', [{ name: plan }], { catalog, now: () => new Date(hourly(4)), warn: (m) => warnings.push(m) });
    });
    expect(ages).toEqual([{ plan, lastCommittedAgeSeconds: 3600, lastReplicatedAgeSeconds: 3 * 3600, lastCommittedBackupId: 'damaged-000003' }]);
    expect(warnings).toEqual([expect.stringMatching(/^Backup age watch of plan "damaged" passed over a catalog record it cannot read: Catalog item BACKUP#damaged-000002 \/ BACKUP .*status: Invalid option/)]);
  });

  // Audit b3-2: a record dated a year ahead was always the newest, 0 s old: the alarms stayed OK while the backups had stopped.
  it('passes over a record that starts in the future, says so, and measures the one before; clock skew within the tolerance reads as now', async () => {
    const plan = 'ahead';
    const now = new Date(hourly(4));
    const aYearAhead = record(plan, 4 + 365 * 24);
    const skewed = record(plan, 5, { startedAt: new Date(now.getTime() + 2 * 60_000).toISOString(), copies: { primary: 'COMMITTED', dr: 'PENDING' } });
    await seed([recordItem(record(plan, 1)), recordItem(skewed), recordItem(aYearAhead)]);
    const warnings: string[] = [];
    let ages: Awaited<ReturnType<typeof watchBackupAges>> = [];
    await capturedStdout(async () => {
      ages = await watchBackupAges('prod', [{ name: plan }], { catalog, now: () => now, warn: (m) => warnings.push(m) });
    });
    expect(ages).toEqual([{ plan, lastCommittedAgeSeconds: 0, lastReplicatedAgeSeconds: 3 * 3600, lastCommittedBackupId: 'ahead-000005' }]);
    expect(warnings).toEqual([
      `Backup age watch of plan "ahead" passed over backup ahead-008764: it starts at 2022-01-01T04:00:00.000Z, more than 5 min after this run's clock (2021-01-01T04:00:00.000Z): ` +
        "the clock that wrote it or the catalog is wrong; the plan's age is measured from the backup before it",
    ]);
  });
});

describe('the newest of a plan over dynalite: a record from before the vault is no backup', () => {
  it('is yielded as not valid from its projected first source, and the newer records of the plan as heads', async () => {
    const plan = 'upgraded';
    const preVault = { pk: 'BACKUP#20261124T120000Z-0000aaaa', sk: 'BACKUP', backupId: '20261124T120000Z-0000aaaa', plan, environment: 'prod', sources: ['a', 'b'], strategy: 'full', status: 'COMMITTED', startedAt: '2020-12-31T00:00:00.000Z', shardCount: 2 };
    await seed([preVault, recordItem(record(plan, 1, { copies: { primary: 'COMMITTED', dr: 'PENDING' } }))]);
    const reads = [];
    for await (const read of catalog.newestBackupsOfPlan(plan)) reads.push('head' in read ? read.head.backupId : `invalid, preVault ${read.invalid.preVault}`);
    expect(reads).toEqual([`${plan}-000001`, 'invalid, preVault true']);
  });
});

describe('a point in time passes no forgotten backup (audit R26 F2)', () => {
  it(`answers NoBackupAtTimeError before the oldest kept backup with O(1) reads when the forget marked ${FORGOTTEN} (${FORGOTTEN / 25} index pages)`, async () => {
    const plan = 'pit';
    const total = FORGOTTEN + 5;
    const records = Array.from({ length: total }, (_, i) => record(plan, i));
    await seed(records.flatMap((r) => [recordItem(r), indexItem(r)]));
    // Every backup but the newest five forgotten, through the catalog as the Forget step does it.
    for (const r of records.slice(0, FORGOTTEN)) expect(await catalog.markForgotten(r.backupId, '2026-12-01T00:00:00.000Z')).toBe(true);
    resetCounts();
    const before = hourly(total - 6);
    await expect(catalog.backupAsOf(`${plan}-src`, before)).rejects.toThrow(NoBackupAtTimeError);
    // The GetItem: the rebuild marker (catalog-rebuild-marker.ts), absent.
    expect(counted.calls).toEqual({ QueryCommand: 1, GetItemCommand: 1 });
    resetCounts();
    await expect(catalog.backupAsOf(`${plan}-src`, hourly(total - 3))).resolves.toMatchObject({ backupId: records[total - 3]?.backupId });
    expect(counted.calls).toEqual({ QueryCommand: 1, GetItemCommand: 2 });
  }, 120_000);

  it('sweeps, a bounded share per call, the index items of backups an older version forgot without removing them', async () => {
    const plan = 'legacy';
    const records = Array.from({ length: 60 }, (_, i) => record(plan, i, i < 55 ? { forgottenAt: '2026-01-01T00:00:00.000Z' } : {}));
    await seed(records.flatMap((r) => [recordItem(r), indexItem(r)]));
    resetCounts();
    await expect(catalog.backupAsOf(`${plan}-src`, hourly(54))).rejects.toThrow(NoBackupAtTimeError);
    // Unswept, the record of each passed index item is read to learn it is forgotten.
    expect(counted.calls.GetItemCommand).toBe(1 + 55);

    expect(await catalog.removeForgottenIndexItems(plan, 30)).toEqual({ records: 30, done: false });
    expect(await catalog.removeForgottenIndexItems(plan, 30)).toEqual({ records: 26, done: true });
    resetCounts();
    expect(await catalog.removeForgottenIndexItems(plan, 30)).toEqual({ records: 0, done: true });
    expect(counted.calls).toEqual({ GetItemCommand: 1 });

    resetCounts();
    await expect(catalog.backupAsOf(`${plan}-src`, hourly(54))).rejects.toThrow(NoBackupAtTimeError);
    expect(counted.calls).toEqual({ QueryCommand: 1, GetItemCommand: 1 });
    // The kept backups' index items stay.
    await expect(catalog.backupAsOf(`${plan}-src`, hourly(59))).resolves.toMatchObject({ backupId: records[59]?.backupId });
  }, 60_000);

  it('does not index a forgotten record again (a rebuild re-indexing the records it finds)', async () => {
    const forgotten = record('rebuilt', 1, { forgottenAt: '2026-01-01T00:00:00.000Z' });
    await doc.send(new PutCommand({ TableName: 'catalog', Item: recordItem(forgotten) }));
    await catalog.indexCommittedBackup(forgotten);
    const { Item } = await doc.send(new GetCommand({ TableName: 'catalog', Key: { pk: 'SOURCE#rebuilt-src', sk: `BACKUP#${forgotten.startedAt}#${forgotten.backupId}` } }));
    expect(Item).toBeUndefined();
  });

  // Review 42f F2: an operator's `backups forget` without dynamodb:DeleteItem forgot one backup per run and failed.
  it('forgets a backup though its index items cannot be deleted: the delete is best effort', async () => {
    const kept = record('denied', 1);
    await seed([recordItem(kept), indexItem(kept)]);
    const denying = new BackupCatalog(
      {
        send: (command: unknown) =>
          command instanceof DeleteCommand ? Promise.reject(Object.assign(new Error('not authorized to perform: dynamodb:DeleteItem'), { name: 'AccessDeniedException' })) : doc.send(command as never),
      } as unknown as DynamoDBDocumentClient,
      'catalog',
    );
    await expect(denying.markForgotten(kept.backupId, '2026-12-05T00:00:00.000Z')).resolves.toBe(true);
    expect((await catalog.getBackup(kept.backupId))?.forgottenAt).toBe('2026-12-05T00:00:00.000Z');
  });
});
