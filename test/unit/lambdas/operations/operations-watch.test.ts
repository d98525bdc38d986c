import { type AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { DrillLog } from '../../../../lambdas/catalog/drill-log';
import { PruneLog } from '../../../../lambdas/catalog/prune-log';
import { pruneRunRecord } from '../../../../lambdas/catalog/prune-record';
import { ScrubLog } from '../../../../lambdas/catalog/scrub-log';
import { type ScrubRunRecord } from '../../../../lambdas/catalog/scrub-record';
import { DRILLS_WATCHED } from '../../../../lambdas/operations/drill-watch';
import { publishScrubMetrics } from '../../../../lambdas/operations/operation-metrics';
import { watchOperations } from '../../../../lambdas/operations/operations-watch';
import { WatchIncompleteError } from '../../../../lambdas/operations/watch-incomplete-error';
import { planStatus } from '../../../../cli/status/plan-status';
import { createCatalogShapedTable } from '../../../../local/cloud';
import { capturedStdout, jsonLines } from '../../../support/captured-stdout';
import { drillRecordOf, drillReport, failedReport } from '../../../support/drill-records';

/**
 * Audit a58C F2: the one-off alarms (drill not passed, entries skipped, scrub corruption, prune damage) summed a count
 * the run published once, so they went OK an hour later while the damage remained. The watchdogs now publish state
 * gauges from the newest record of each, every run, over the real logs on dynalite (127.0.0.1).
 */

const NOW = new Date('2026-12-07T12:00:00.000Z');
const PRIMARY = 'primary-catalog';
const DR = 'dr-catalog';

let server: ReturnType<typeof dynalite>;
let ddb: DynamoDBClient;
let doc: DynamoDBDocumentClient;
/** Items the Queries returned since the last reset. */
let queryItems = 0;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await createCatalogShapedTable(ddb, PRIMARY, { byPlan: true });
  await createCatalogShapedTable(ddb, DR, { byPlan: true });
  doc = DynamoDBDocumentClient.from(ddb);
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'QueryCommand') queryItems += (result.output as { Items?: unknown[] }).Items?.length ?? 0;
      return result;
    },
    { step: 'initialize', name: 'countQueryItems' },
  );
}, 30_000);

afterAll(async () => {
  ddb.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const deps = (table: string) => ({
  catalog: new BackupCatalog(doc, table),
  drills: new DrillLog(doc, table),
  prunes: new PruneLog(doc, table),
  scrubs: new ScrubLog(doc, table),
  now: () => NOW,
  warn: () => undefined,
});

/** The metric values of the EMF lines, by metric name, with their dimensions. */
function published(lines: readonly string[]): { dimensions: Record<string, unknown>; metrics: Record<string, unknown> }[] {
  return jsonLines(lines)
    .filter((line) => '_aws' in line)
    .map((line) => {
      const aws = line._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
      const names = new Set(aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => m.Name)));
      const entries = Object.entries(line).filter(([k]) => k !== '_aws');
      return { dimensions: Object.fromEntries(entries.filter(([k]) => !names.has(k))), metrics: Object.fromEntries(entries.filter(([k]) => names.has(k))) };
    });
}
const valueOf = (lines: ReturnType<typeof published>, metric: string, plan?: string): unknown[] =>
  lines.filter((l) => metric in l.metrics && (plan === undefined || l.dimensions.Plan === plan)).map((l) => l.metrics[metric]);

function backup(plan: string, id: string, startedAt: string, skipped: number): BackupRecord {
  return {
    backupId: id,
    plan,
    environment: 'dev',
    sourceNames: ['files', 'bucket'],
    sources: [
      { name: 'files', type: 'filesystem', snapshotId: `s-${id}-1`, rootHash: 'r', entries: 10, bytes: 10, bytesScanned: 10, bytesNew: 1, bytesStored: 1, blobsNew: 1, skipped },
      { name: 'bucket', type: 's3', snapshotId: `s-${id}-2`, rootHash: 'r', entries: 10, bytes: 10, bytesScanned: 10, bytesNew: 1, bytesStored: 1, blobsNew: 1, skipped: 1 },
    ],
    strategy: 'incremental',
    status: 'COMMITTED',
    startedAt,
    endedAt: startedAt,
    shardCount: 1,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
}

/** The latest scrub run: its slice found nothing (CLEAN, ScrubCorrupt 0), while an object an earlier run found lost stays damaged in both vaults. */
const cleanRunWithEarlierDamage: ScrubRunRecord = {
  environment: 'dev',
  startedAt: '2026-12-07T03:00:00.000Z',
  endedAt: '2026-12-07T03:05:00.000Z',
  scope: 'both',
  fraction: 1 / 7,
  repair: false,
  cursor: { cycle: 3, after: 'index/75' },
  nextCursor: { cycle: 3, after: 'manifest/6a' },
  cycleComplete: false,
  objects: 13,
  read: { primary: 2, dr: 2 },
  corrupt: 0,
  missing: 0,
  repaired: 0,
  repairable: 0,
  unrepaired: 0,
  outcome: 'CLEAN',
  unrepairedKeys: [],
  affectedBackups: [],
  outstanding: {
    objects: (['primary', 'dr'] as const).map((vault) => ({ vault, key: 'data/0a/0a78', problem: 'corrupt' as const, goodCopy: false, since: '2026-12-06T03:00:00.000Z', backups: ['20261206T010000Z-aaaaaaaa'] })),
    notListed: 0,
  },
};

it('publishes from the newest records what the alarms watch, every run: a failed drill until a later one passes, the damage a clean scrub run did not read again, the newest backup\'s left-out entries, the latest prune\'s damaged packs', async () => {
  const catalog = new BackupCatalog(doc, PRIMARY);
  for (const b of [backup('demo', '20261206T010000Z-aaaaaaaa', '2026-12-06T01:00:00.000Z', 0), backup('demo', '20261207T110000Z-bbbbbbbb', '2026-12-07T11:00:00.000Z', 3)]) {
    await doc.send(new PutCommand({ TableName: PRIMARY, Item: { pk: `BACKUP#${b.backupId}`, sk: 'BACKUP', ...b } }));
  }
  const drills = new DrillLog(doc, PRIMARY);
  // Three days old and FAILED: the drill's own DrillNotPassed went quiet an hour after it.
  await drills.record(drillRecordOf(failedReport({ drillId: '20261204T101500Z-3c4d5e6f', startedAt: '2026-12-04T10:15:00.000Z', vault: 'primary', region: 'us-east-1' })).record);
  // Another plan's newer drill, and a drill of the DR vault in this catalog, judge nothing of demo's primary drills.
  await drills.record(drillRecordOf(drillReport({ drillId: '20261205T101500Z-1a2b3c4d', plan: 'other', startedAt: '2026-12-05T10:15:00.000Z', vault: 'primary', region: 'us-east-1' })).record);
  await drills.record(drillRecordOf(drillReport({ drillId: '20261206T101500Z-4d5e6f70', startedAt: '2026-12-06T10:15:00.000Z', vault: 'dr' })).record);
  await new ScrubLog(doc, PRIMARY).record(cleanRunWithEarlierDamage);
  const figures = { snapshots: 3, packsDeleted: 0, indexesDeleted: 0, manifestsDeleted: 0, bytesFreed: 0, packsRepacked: 0, bytesRepackWritten: 0, packsCondemned: 0, indexesCondemned: 0, manifestsCondemned: 0, bytesCondemned: 0, lockedCount: 0, spared: 0, batchesPending: 0 };
  const prune = { environment: 'dev', vault: 'primary' as const, trigger: 'workflow' as const, startedAt: new Date('2026-12-01T04:00:00.000Z'), finishedAt: new Date('2026-12-01T04:10:00.000Z'), done: true };
  await new PruneLog(doc, PRIMARY).record(pruneRunRecord(prune, { ...figures, damagedCount: 2 }));

  // demo's drill schedule drills the primary vault: its newest drill's age too (audit a58C F1); never has none.
  const plans = [{ name: 'demo', drill: { vault: 'primary' as const } }, { name: 'never' }];
  const lines = published(await capturedStdout(() => watchOperations('dev', plans, 'primary', deps(PRIMARY))));
  expect(valueOf(lines, 'LastDrillNotPassed', 'demo')).toEqual([1]);
  expect(valueOf(lines, 'LastDrillAge', 'demo')).toEqual([3 * 86_400 + 105 * 60]);
  expect(valueOf(lines, 'LastScrubAge')).toEqual([9 * 3600]);
  expect(valueOf(lines, 'LastDrillNotPassed', 'never')).toEqual([]);
  // One object, damaged in both vaults: counted once, as status counts it.
  expect(valueOf(lines, 'ScrubOutstandingObjects')).toEqual([1]);
  expect(valueOf(lines, 'LastBackupEntriesSkipped', 'demo')).toEqual([4]);
  expect(valueOf(lines, 'LastPruneDamagedPacks')).toEqual([2]);
  expect(valueOf(lines, 'LastCommittedBackupAge', 'demo')).toEqual([3600]);
  // The run's own figure, what the scrub-corruption alarm sums, is 0: only the gauge tells.
  expect(valueOf(published(await capturedStdout(() => publishScrubMetrics(cleanRunWithEarlierDamage))), 'ScrubCorrupt')).toEqual([0]);
  // Status judges the same record the same way: the object still DAMAGED, demo's backup it hits ✗.
  const row = planStatus({ plan: { name: 'demo', objectives: { rpoMinutes: 120, rtoMinutes: 60 } }, backups: [await catalog.requireBackup('20261206T010000Z-aaaaaaaa')], drills: [], latestScrub: cleanRunWithEarlierDamage, nextRun: { state: 'unknown', schedule: 'lifeboat-dev-demo', reason: 'not read' }, now: NOW });
  expect(row.scrub).toMatchObject({ state: 'ran', outcome: 'CLEAN', outstanding: { objects: 1, outcome: 'DAMAGED' }, affectedBackupsOfPlan: ['20261206T010000Z-aaaaaaaa'] });

  // A later primary drill of demo that passes: 0 from the next run on.
  await drills.record(drillRecordOf(drillReport({ drillId: '20261207T101500Z-5e6f7081', startedAt: '2026-12-07T10:15:00.000Z', vault: 'primary', region: 'us-east-1' })).record);
  const after = published(await capturedStdout(() => watchOperations('dev', plans, 'primary', deps(PRIMARY))));
  expect(valueOf(after, 'LastDrillNotPassed', 'demo')).toEqual([0]);
});

it('the DR region\'s watchdog publishes the DR vault\'s newest drills (their ages for plans whose schedule drills it) and latest prune from the DR catalog, and no backup ages or scrub', async () => {
  const drills = new DrillLog(doc, DR);
  await drills.record(drillRecordOf(drillReport({ drillId: '20261206T101500Z-6f708192', startedAt: '2026-12-06T10:15:00.000Z', verdict: 'OBJECTIVE_MISSED' })).record);
  const figures = { snapshots: 3, packsDeleted: 0, indexesDeleted: 0, manifestsDeleted: 0, bytesFreed: 0, packsRepacked: 0, bytesRepackWritten: 0, packsCondemned: 0, indexesCondemned: 0, manifestsCondemned: 0, bytesCondemned: 0, lockedCount: 0, spared: 0, batchesPending: 0 };
  await new PruneLog(doc, DR).record(pruneRunRecord({ environment: 'dev', vault: 'dr', trigger: 'workflow', startedAt: new Date('2026-12-02T04:00:00.000Z'), finishedAt: new Date('2026-12-02T04:10:00.000Z'), done: true }, { ...figures, damagedCount: 1 }));
  let watched: Awaited<ReturnType<typeof watchOperations>> | undefined;
  // demo's drill schedule drills the DR vault (the default); other's drills the primary: its age is the primary watchdog's.
  const plans = [{ name: 'demo', drill: {} }, { name: 'other', drill: { vault: 'primary' as const } }];
  await drills.record(drillRecordOf(drillReport({ drillId: '20261205T101500Z-708192a3', plan: 'other', startedAt: '2026-12-05T10:15:00.000Z' })).record);
  const lines = published(await capturedStdout(async () => (watched = await watchOperations('dev', plans, 'dr', deps(DR)))));
  expect(valueOf(lines, 'LastDrillNotPassed', 'demo')).toEqual([1]);
  expect(valueOf(lines, 'LastDrillAge', 'demo')).toEqual([25 * 3600 + 45 * 60]);
  expect(valueOf(lines, 'LastDrillNotPassed', 'other')).toEqual([0]);
  expect(valueOf(lines, 'LastDrillAge', 'other')).toEqual([]);
  expect(valueOf(lines, 'LastPruneDamagedPacks')).toEqual([1]);
  expect([...new Set(lines.flatMap((l) => Object.keys(l.metrics)))].sort()).toEqual(['LastDrillAge', 'LastDrillNotPassed', 'LastPruneDamagedPacks', 'WatchdogHeartbeat']);
  expect(watched).toMatchObject({ vault: 'dr', drills: [{ plan: 'demo', newest: { drillId: '20261206T101500Z-6f708192', verdict: 'OBJECTIVE_MISSED' } }, { plan: 'other' }], prune: { vault: 'dr', latest: { damagedPacks: 1 } } });
});

it('reads the drills newest first and stops once every plan is found, or after DRILLS_WATCHED drills for a plan never drilled (bounded time and memory)', async () => {
  const table = 'many-drills';
  await createCatalogShapedTable(ddb, table, { byPlan: true });
  const drills = new DrillLog(doc, table);
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  const count = DRILLS_WATCHED + 300;
  for (let i = 0; i < count; i++) {
    const startedAt = new Date(base + i * 3_600_000).toISOString();
    const drillId = `${startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${i.toString(16).padStart(8, '0')}`;
    // The busy plan's oldest drill failed, every later one passed.
    await drills.record(drillRecordOf(drillReport({ drillId, startedAt, vault: 'primary', region: 'us-east-1', ...(i === 0 ? { verdict: 'FAILED' as const } : {}) })).record);
  }
  queryItems = 0;
  let found = published(await capturedStdout(() => watchOperations('dev', [{ name: 'demo' }], 'primary', deps(table))));
  expect(valueOf(found, 'LastDrillNotPassed', 'demo')).toEqual([0]);
  expect(queryItems).toBeLessThanOrEqual(100);
  queryItems = 0;
  found = published(await capturedStdout(() => watchOperations('dev', [{ name: 'demo' }, { name: 'never' }], 'primary', deps(table))));
  expect(valueOf(found, 'LastDrillNotPassed', 'never')).toEqual([]);
  expect(queryItems).toBeGreaterThanOrEqual(DRILLS_WATCHED);
  expect(queryItems).toBeLessThanOrEqual(DRILLS_WATCHED + 100);
}, 60_000);

it('publishes what it can read and then fails naming what it could not: an unreadable scrub record does not leave the drills and prune unmeasured', async () => {
  const table = 'bad-scrub';
  await createCatalogShapedTable(ddb, table, { byPlan: true });
  await new DrillLog(doc, table).record(drillRecordOf(failedReport({ vault: 'primary', region: 'us-east-1' })).record);
  await doc.send(new PutCommand({ TableName: table, Item: { pk: 'SCRUB#RUNS', sk: '2026-12-07T03:00:00.000Z', ...cleanRunWithEarlierDamage, outcome: 'FINE' } }));
  let error: unknown;
  const lines = published(
    await capturedStdout(async () => {
      await watchOperations('dev', [{ name: 'demo' }], 'primary', deps(table)).catch((err: unknown) => (error = err));
    }),
  );
  expect(valueOf(lines, 'LastDrillNotPassed', 'demo')).toEqual([1]);
  // The watchdog runs: it beats, and the measure it could not read is told by its dead letter (review r59F F2: a run that
  // withheld its beat paged "the watchdog stopped" for as long as one catalog item stayed unreadable).
  expect(valueOf(lines, 'WatchdogHeartbeat')).toEqual([1]);
  expect(error).toBeInstanceOf(WatchIncompleteError);
  expect((error as Error).message).toMatch(/^The watchdog published its other figures but could not measure the scrub's outstanding damage and age \(Catalog item SCRUB#RUNS \/ 2026-12-07T03:00:00\.000Z in table bad-scrub is not a valid catalog item: outcome: /);
});

it('beats once per complete run in each region, with nothing to measure too: the heartbeat alarm hears a watchdog that stopped (review r58N F1)', async () => {
  // An environment with no plan, no scrub run and no prune yet (or a DR region whose vault no plan drills): no gauge, no
  // age, nothing whose missing data breaches; only the heartbeat says the watchdog ran.
  const table = 'nothing-yet';
  await createCatalogShapedTable(ddb, table, { byPlan: true });
  for (const vault of ['primary', 'dr'] as const) {
    const lines = published(await capturedStdout(() => watchOperations('dev', [], vault, deps(table))));
    expect(lines).toEqual([{ dimensions: { Environment: 'dev' }, metrics: { WatchdogHeartbeat: 1 } }]);
  }
});
