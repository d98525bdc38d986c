import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { statusCommand } from '../../../cli/commands/status-command';
import { type EnvironmentStatus } from '../../../cli/status/environment-status';
import { type PlanStatus } from '../../../cli/status/plan-status';
import { DEFAULT_CONFIG_FILE, loadLifeboatConfig } from '../../../config/load-config';
import { DEFAULT_DATA_DIR } from '../../../local/cloud/cloud-state';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { type BackupTotals } from '../../../lambdas/catalog/backup-record';
import { DrillLog } from '../../../lambdas/catalog/drill-log';
import { PruneLog } from '../../../lambdas/catalog/prune-log';
import { pruneRunRecord } from '../../../lambdas/catalog/prune-record';
import { ScrubLog } from '../../../lambdas/catalog/scrub-log';
import { shellWord } from '../../../lambdas/runtime/shell-word';
import { MirrorLog } from '../../../lambdas/mirror/mirror-log';
import { type LocalCloudHandle, localDynamoDbClient, startLocalCloud, stopLocalCloud, stopRegion } from '../../../local/cloud/local-cloud';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, drillReport, objectiveMissedReport } from '../../support/drill-records';
import { DR, PRIMARY, tempDir } from '../../support/local-cloud-helpers';
import { REPO_ROOT, SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { createCatalogShapedTable } from '../../../local/cloud';

/**
 * `lifeboat status` on the local cloud, as a user runs it: both regions' catalog tables
 * (`lifeboat-dev-catalog`, with the byPlan index) seeded through BackupCatalog, DrillLog and ScrubLog
 * as the workflows write them, a config with a fresh plan and a stale one, the CLI finding the cloud
 * by its data directory.
 */

const tmp = tempDir('status-cli');
// The default names in tmp.dir: run from there with the default options, the screen's command lines carry none (docs/RUNBOOKS.md shows it).
const dataDir = join(tmp.dir, DEFAULT_DATA_DIR);
const configFile = join(tmp.dir, DEFAULT_CONFIG_FILE);
const TABLE = 'lifeboat-dev-catalog';
const NOW = () => new Date('2026-11-30T12:00:00.000Z');
let cloud: LocalCloudHandle;
const clients: DynamoDBClient[] = [];

const totals = (bytes: number, bytesStored: number): BackupTotals => ({ entries: 100, bytes, bytesScanned: bytes, bytesNew: bytesStored, bytesStored, blobsNew: 4 });

async function committed(catalog: BackupCatalog, plan: string, backupId: string, startedAt: string, t: BackupTotals, drCopied: boolean): Promise<void> {
  await catalog.createBackup({ backupId, plan, environment: 'dev', sourceNames: [`${plan}-assets`], sources: [], strategy: 'incremental', status: 'RUNNING', startedAt, shardCount: 1 });
  await catalog.markCommitted(backupId, { sources: [], totals: t, endedAt: startedAt.replace(':00.000Z', ':30.000Z') });
  if (drCopied) expect(await catalog.markCopied(backupId)).toBe(true);
}

beforeAll(async () => {
  // The sample config's environment at an RPO of a day, with a second plan (`legacy`) whose schedule stopped.
  const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
  const [dev] = config.environments;
  if (!dev?.plans[0]) throw new Error('the sample config has no dev environment with a plan');
  const demo = { ...dev.plans[0], objectives: { rpoMinutes: 1440, rtoMinutes: 60 } };
  const legacy = { ...demo, name: 'legacy', sources: [{ type: 's3' as const, name: 'legacy-assets', bucket: 'lifeboat-legacy-assets', prefix: '' }], drill: undefined };
  writeFileSync(configFile, JSON.stringify({ environments: [{ ...dev, plans: [demo, legacy] }] }, null, 2));

  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  const docs: Record<string, DynamoDBDocumentClient> = {};
  for (const region of [PRIMARY, DR]) {
    const ddb = localDynamoDbClient(cloud.endpoints, region);
    clients.push(ddb);
    await createCatalogShapedTable(ddb, TABLE, { byPlan: true });
    docs[region] = DynamoDBDocumentClient.from(ddb);
  }
  const primary = docs[PRIMARY] as DynamoDBDocumentClient;
  const catalog = new BackupCatalog(primary, TABLE);
  // demo: backed up this morning, replicated up to yesterday's (24h30m old: within the RPO plus the replication-lag threshold); the newest drill of each vault (DR at 10:15, primary at 11:00) PASSED.
  await committed(catalog, 'demo', '20261128T060000Z-00000001', '2026-11-28T06:00:00.000Z', totals(40 * 1024 * 1024, 16 * 1024 * 1024), true);
  await committed(catalog, 'demo', '20261129T113000Z-00000002', '2026-11-29T11:30:00.000Z', totals(40 * 1024 * 1024, 2 * 1024 * 1024), true);
  await committed(catalog, 'demo', '20261130T060000Z-00000003', '2026-11-30T06:00:00.000Z', totals(40 * 1024 * 1024, 2 * 1024 * 1024), false);
  // legacy: the last committed backup is three days old, the newest run since FAILED; its last drill (primary) missed the RTO.
  await committed(catalog, 'legacy', '20261127T060000Z-00000004', '2026-11-27T06:00:00.000Z', totals(8 * 1024 * 1024, 4 * 1024 * 1024), true);
  await catalog.createBackup({ backupId: '20261128T060000Z-00000005', plan: 'legacy', environment: 'dev', sourceNames: ['legacy-assets'], sources: [], strategy: 'incremental', status: 'RUNNING', startedAt: '2026-11-28T06:00:00.000Z', shardCount: 1 });
  await catalog.markFailed('20261128T060000Z-00000005', 'SourceUnreachableError', 'bucket lifeboat-legacy-assets: AccessDenied', '2026-11-28T06:01:00.000Z');
  // The DR catalog lists what the Replicate step copied: demo's first two backups, legacy's one.
  const drCatalog = new BackupCatalog(docs[DR] as DynamoDBDocumentClient, TABLE);
  await committed(drCatalog, 'demo', '20261128T060000Z-00000001', '2026-11-28T06:00:00.000Z', totals(40 * 1024 * 1024, 16 * 1024 * 1024), true);
  await committed(drCatalog, 'demo', '20261129T113000Z-00000002', '2026-11-29T11:30:00.000Z', totals(40 * 1024 * 1024, 2 * 1024 * 1024), true);
  await committed(drCatalog, 'legacy', '20261127T060000Z-00000004', '2026-11-27T06:00:00.000Z', totals(8 * 1024 * 1024, 4 * 1024 * 1024), true);
  await new DrillLog(docs[DR] as DynamoDBDocumentClient, TABLE).record(drillRecordOf(drillReport()).record);
  await new DrillLog(primary, TABLE).record(drillRecordOf(drillReport({ drillId: '20261130T110000Z-5e6f7a8b', vault: 'primary', region: PRIMARY, startedAt: '2026-11-30T11:00:00.000Z', endedAt: '2026-11-30T11:12:04.000Z' })).record);
  await new DrillLog(primary, TABLE).record(drillRecordOf(objectiveMissedReport({ plan: 'legacy', vault: 'primary', region: PRIMARY })).record);
  await new ScrubLog(primary, TABLE).record({
    environment: 'dev', startedAt: '2026-11-30T03:00:00.000Z', endedAt: '2026-11-30T03:04:00.000Z', scope: 'both', fraction: 1 / 7, repair: true,
    cursor: { cycle: 2, after: null }, nextCursor: { cycle: 2, after: 'data/3f' }, cycleComplete: false, objects: 420, read: { primary: 60, dr: 60 },
    corrupt: 0, missing: 0, repaired: 0, repairable: 0, unrepaired: 0, outcome: 'CLEAN', unrepairedKeys: [], affectedBackups: [],
  });
  // The primary vault's prune ran at 03:30 (the DR vault's never); the mirror check of demo-assets, in the DR catalog, 4 minutes ago.
  await new PruneLog(primary, TABLE).record(
    pruneRunRecord(
      { environment: 'dev', vault: 'primary', trigger: 'workflow', startedAt: new Date('2026-11-30T03:30:00.000Z'), finishedAt: new Date('2026-11-30T03:32:05.000Z'), done: true },
      { snapshots: 9, packsDeleted: 6, indexesDeleted: 2, manifestsDeleted: 4, bytesFreed: 48 * 1024 * 1024, packsRepacked: 2, bytesRepackWritten: 1024, packsCondemned: 3, indexesCondemned: 1, manifestsCondemned: 2, bytesCondemned: 9 * 1024 * 1024, lockedCount: 0, spared: 0, damagedCount: 0, batchesPending: 1 },
    ),
  );
  await new MirrorLog(docs[DR] as DynamoDBDocumentClient, TABLE).record({
    environment: 'dev', source: 'demo-assets', plan: 'demo', type: 's3', mirror: 's3://lifeboat-dev-mirror-demo-assets/', checkedAt: '2026-11-30T11:56:00.000Z',
    passed: true, compared: 240, differences: 0, inFlight: 0, lagSeconds: 2.4, graceSeconds: 900, cursor: '', durationMs: 120,
    // A pass over the whole source that ended clean: what the data age counts from (without one, status shows ✗).
    passUnfollowed: 0, cleanPassStartedAt: '2026-11-30T11:56:00.000Z', cleanPassLagSeconds: 2.4,
  });
}, 60_000);

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(dataDir);
  tmp.remove();
});

const target = () => ({ config: configFile, env: 'dev', dataDir });
/** The command's catalog clients, given by the test so it can close them (the CLI's own end with the process). */
const commandClients = () => {
  const byRegion = (region: string) => {
    const client = localDynamoDbClient(cloud.endpoints, region);
    clients.push(client);
    return client;
  };
  return { dynamodb: byRegion(PRIMARY), drDynamodb: byRegion(DR), drills: { dynamodb: byRegion, s3: () => { throw new Error('status reads no report object'); } } };
};

it('shows the stale plan ✗ on its RPO and its missed drill, the fresh one ✓ with its DR lag and vault figures; exits 1', async () => {
  const { out, err, io } = capturedCliIo();
  // As a user runs it from the directory of its config, the local cloud in the default data dir: no target option given.
  const cwd = process.cwd();
  process.chdir(tmp.dir);
  try {
    expect(await statusCommand({ config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: DEFAULT_DATA_DIR }, { io, now: NOW, clients: commandClients() })).toBe(1);
  } finally {
    process.chdir(cwd);
  }
  expect(err).toEqual([]);
  expect(out).toEqual([
    'Environment dev (local cloud): primary us-east-1, DR us-west-2, at 2026-11-30 12:00 UTC',
    'PLAN       BACKUP AGE/RPO NEXT RUN     LAST DRILL          DR COPY        VAULT       SCRUB, PRUNE',
    '─'.repeat(100),
    '✓ demo     ✓ 6h/24h       not firing   ✓ PASSED            lag 18h30m     20.0 MiB    CLEAN 9h ago',
    '           COMMITTED      (no local    RTO ✓ 12m04s/1h     newest PENDING dedup 6.0×  pruned 8h27m',
    '                          scheduler)   RPO ✓ 23h53m/24h                               ago',
    '                                       1h ago, primary',
    '                                       ✓ PASSED',
    '                                       RTO ✓ 12m04s/1h',
    '                                       RPO ✓ 23h53m/24h',
    '                                       1h45m ago, dr',
    '─'.repeat(100),
    '✗ legacy   ✗ 3d6h/24h     not firing   ✗ OBJECTIVE_MISSED  up to date     4.0 MiB     CLEAN 9h ago',
    '           newer FAILED   (no local    RTO ✗ 1h05m/1h                     dedup 2.0×  pruned 8h27m',
    '                          scheduler)   RPO ✓ 23h53m/24h                               ago',
    '                                       25h45m ago, primary',
    '✗ legacy: last committed backup 20261127T060000Z-00000004 started 3d6h ago, older than the RPO of',
    '    24h (the newest run 20261128T060000Z-00000005 FAILED): run `lifeboat backup --plan legacy` and',
    '    see why the schedule did not',
    '✗ legacy: last primary drill 20261129T101500Z-2b3c4d5e OBJECTIVE_MISSED: see',
    '    `lifeboat drills show 20261129T101500Z-2b3c4d5e`',
    'Mirrors in us-west-2 (✓: last check equal, at most 2× its schedule old, lag within the RPO):',
    '  ✓ demo/demo-assets → s3://lifeboat-dev-mirror-demo-assets/: equal (240 compared), lag 2.4s,',
    '    checked 4m ago',
    'Prune of the primary vault (us-east-1): completed 8h27m ago in 2m05s, 48.0 MiB freed (6 pack(s)',
    '    deleted, 2 repacked, 3 condemned)',
    'Prune of the DR vault (us-west-2): no run recorded yet',
    'Alarms in ALARM: not emulated on the local cloud (CloudWatch alarms exist in AWS: --aws)',
    '✗ 1 of 2 plan(s) not within their objectives',
  ]);
  // docs/RUNBOOKS.md shows this very screen.
  const runbooks = readFileSync(join(REPO_ROOT, 'docs', 'RUNBOOKS.md'), 'utf8');
  const documented = /^## Status — `lifeboat status`\n[^]*?^```\n([^]*?)^```$/m.exec(runbooks)?.[1];
  expect(documented).toBe(`${out.join('\n')}\n`);
});

it('--json: the same figures, one object per plan', async () => {
  const { out, io } = capturedCliIo();
  expect(await statusCommand({ ...target(), json: true }, { io, now: NOW, clients: commandClients() })).toBe(1);
  const status = JSON.parse(out.join('\n')) as EnvironmentStatus;
  expect(status).toEqual(expect.objectContaining({ environment: 'dev', target: 'local', withinObjectives: false, problems: [] }));
  const [demo, legacy] = status.plans as PlanStatus[];
  expect(demo).toEqual(
    expect.objectContaining({
      plan: 'demo',
      withinObjectives: true,
      drCopy: { state: 'behind', lagSeconds: 66_600, newestCopied: '20261129T113000Z-00000002', newestCommitted: '20261130T060000Z-00000003', newestCopy: 'PENDING' },
      // Judged by the dr-copy-age alarm's rule: the RPO plus the default replication-lag threshold of 60 minutes.
      drCopyObjective: { newestCopied: { backupId: '20261129T113000Z-00000002', ageSeconds: 88_200 }, objectiveSeconds: 90_000, met: true },
      vault: { committedBackups: 3, latestLogicalBytes: 40 * 1024 * 1024, logicalBytes: 120 * 1024 * 1024, storedBytes: 20 * 1024 * 1024, dedupRatio: 6 },
      // The command to start the scheduler, with the options status was given (review r58A F3).
      nextRun: expect.objectContaining({ state: 'not-firing', reason: `the local scheduler is not running: \`lifeboat local up --with-schedules --config ${shellWord(configFile)} --data-dir ${shellWord(dataDir)}\` fires the schedules` }),
      prune: expect.objectContaining({ state: 'ran', vault: 'primary', outcome: 'COMPLETED', finishedAt: '2026-11-30T03:32:05.000Z', bytesFreed: 48 * 1024 * 1024, durationMs: 125_000 }),
      // Read from the DR catalog, where the mirror check records it.
      mirrors: [expect.objectContaining({ source: 'demo-assets', verdict: 'equal', checkedAt: '2026-11-30T11:56:00.000Z', checkAgeSeconds: 240, lagSeconds: 2.4, stale: false, withinObjectives: true })],
    }),
  );
  expect(legacy?.mirrors).toEqual([]);
  expect(status.prunes.dr).toEqual({ state: 'never' });
  expect(legacy?.lastBackup).toEqual({
    newest: { backupId: '20261128T060000Z-00000005', status: 'FAILED', startedAt: '2026-11-28T06:00:00.000Z', error: 'SourceUnreachableError' },
    lastCommitted: { backupId: '20261127T060000Z-00000004', startedAt: '2026-11-27T06:00:00.000Z', endedAt: '2026-11-27T06:00:30.000Z', ageSeconds: 3 * 86_400 + 6 * 3600 },
    rpoSeconds: 86_400,
    withinRpo: false,
  });
  expect(legacy?.lastDrill).toEqual(expect.objectContaining({ verdict: 'OBJECTIVE_MISSED', rto: { seconds: 3900, objectiveSeconds: 3600, met: false } }));
  // lastDrill stays the newest of either vault; lastDrills, what is judged, has the newest of each.
  expect(demo?.lastDrill).toEqual(expect.objectContaining({ drillId: '20261130T110000Z-5e6f7a8b', vault: 'primary' }));
  expect(demo?.lastDrills).toEqual({
    primary: expect.objectContaining({ drillId: '20261130T110000Z-5e6f7a8b', region: PRIMARY, verdict: 'PASSED', ageSeconds: 3600 }),
    dr: expect.objectContaining({ drillId: '20261130T101500Z-1a2b3c4d', region: DR, verdict: 'PASSED', ageSeconds: 6300 }),
  });
  expect(legacy?.lastDrills).toEqual({ primary: legacy?.lastDrill });
});

it('with the primary region down: each plan from the DR catalog, what the DR vault restores, and what could not be read; exits 1', async () => {
  await stopRegion(dataDir, PRIMARY);
  const { out, io } = capturedCliIo();
  expect(await statusCommand({ ...target(), json: true }, { io, now: NOW, clients: commandClients() })).toBe(1);
  const status = JSON.parse(out.join('\n')) as EnvironmentStatus;
  const [demo, legacy] = status.plans as PlanStatus[];
  expect(demo).toEqual(expect.objectContaining({ catalog: 'dr', withinObjectives: false, drCopy: { state: 'primary-unreadable' } }));
  expect(demo?.lastBackup).toEqual(expect.objectContaining({ lastCommitted: expect.objectContaining({ backupId: '20261129T113000Z-00000002', ageSeconds: 88_200 }), withinRpo: false }));
  // The DR region's drill of demo is still read; legacy's, run in the primary region, is not.
  expect(demo?.lastDrill?.verdict).toBe('PASSED');
  expect(Object.keys(demo?.lastDrills ?? {})).toEqual(['dr']);
  expect(legacy?.lastDrill).toBeUndefined();
  expect(legacy?.lastDrills).toEqual({});
  expect(legacy?.scrub).toEqual({ state: 'unreadable' });
  // The mirror's last check is in the DR catalog, read as before; the plan's (primary) vault's prune is unknown, with why, not "no prune yet".
  expect(demo?.mirrors).toEqual([expect.objectContaining({ source: 'demo-assets', verdict: 'equal', withinObjectives: true })]);
  expect(demo?.prune).toEqual({ state: 'unreadable', note: expect.stringMatching(/^the primary catalog \(us-east-1\) could not be read: .*ECONNREFUSED/) });
  expect(status.prunes.dr).toEqual({ state: 'never' });
  const screen = capturedCliIo();
  expect(await statusCommand(target(), { io: screen.io, now: NOW, clients: commandClients() })).toBe(1);
  expect(screen.out.join('\n')).not.toContain('no prune yet');
  expect(screen.out.filter((l) => l.includes('prune unknown'))).toHaveLength(2);
  expect(status.problems).toEqual([
    expect.stringMatching(/^the primary catalog \(us-east-1\) could not be read, its drills are not counted: .*ECONNREFUSED/),
    expect.stringMatching(/^the scrub runs could not be read: .*ECONNREFUSED/),
    expect.stringMatching(/^the primary vault's prune runs \(us-east-1\) could not be read: .*ECONNREFUSED/),
    expect.stringMatching(/^demo: backups read from the DR catalog \(us-west-2\), what the DR vault can restore; the primary catalog \(us-east-1\) could not be read: .*ECONNREFUSED/),
    expect.stringMatching(/^legacy: backups read from the DR catalog/),
  ]);
});
