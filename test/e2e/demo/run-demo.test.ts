import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { formatFailoverReport } from '../../../cli/commands/failover-command';
import { planStatusLines } from '../../../cli/commands/status-command';
import { drillReportLines } from '../../../cli/drills/drill-report-text';
import { loadLifeboatConfig } from '../../../config/load-config';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { localCloudStatus, localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { type DemoResult, runDemo } from '../../../local/demo/run-demo';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { openLocalVault } from '../../../local/demo/local-vault';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { backupDurationLimit, CONDEMNATION_CLOCK_MARGIN_MS, DEFAULT_PRUNE_GRACE_MS, readPrunePolicy } from '../../../vault';

/**
 * `lifeboat demo` end to end on the sample config: backups, restores, then a drill in the DR region,
 * a failover with the primary region stopped, and retention with prune. The test starts the local cloud itself, so it is
 * still running after the demo (which then leaves it alone) and the regions can be inspected.
 */
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
let dataDir: string;
let local: LocalEnvironment;
let result: DemoResult;
const lines: string[] = [];
const clients: { s3: S3Client; ddb: DynamoDBClient }[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-demo-'));
  local = await openLocalEnvironment({ config, envName: 'dev', dataDir, exitWithParent: true });
  result = await runDemo({
    config,
    envName: 'dev',
    planName: 'demo',
    dataDir,
    workers: 2,
    out: (l) => lines.push(l),
    reportText: { drill: drillReportLines, failover: formatFailoverReport },
    statusText: (plan) => planStatusLines({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir }, plan),
  });
}, 600_000);

afterAll(async () => {
  for (const c of clients) {
    c.s3.destroy();
    c.ddb.destroy();
  }
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function regionClients(region: string): { s3: S3Client; ddb: DynamoDBClient } {
  const c = { s3: localS3Client(local.endpoints, region), ddb: localDynamoDbClient(local.endpoints, region) };
  clients.push(c);
  return c;
}

const exists = (promise: Promise<unknown>): Promise<boolean> => promise.then(
  () => true,
  () => false,
);

it('passes, says so, and ends with the status screen of the plan: ✓ within its objectives', () => {
  expect(lines.filter((l) => /FAIL/.test(l))).toEqual([]);
  expect(result.ok).toBe(true);
  const verdict = lines.findIndex((l) => /^Demo passed in /.test(l));
  expect(verdict).toBeGreaterThan(0);
  const screen = lines.slice(verdict + 1);
  expect(screen[1]).toBe(`lifeboat status --data-dir ${dataDir} (plan demo):`);
  expect(screen[2]).toMatch(/^Environment dev \(local cloud\): primary us-east-1, DR us-west-2, at /);
  expect(screen[3]).toMatch(/^PLAN +BACKUP AGE\/RPO +NEXT RUN +LAST DRILL +DR COPY +VAULT +SCRUB, PRUNE$/);
  // The row: backed up minutes ago within the 24 h RPO, the drill PASSED, the DR copy up to date.
  expect(screen[5]).toMatch(/^✓ demo +✓ \d+[ms]\S*\/25h +not firing +✓ PASSED +up to date +[\d.]+ [KMG]iB +no scrub yet$/);
  expect(screen).toContain('Alarms in ALARM: not emulated on the local cloud (CloudWatch alarms exist in AWS: --aws)');
  expect(lines.at(-1)).toBe('✓ every plan is within its objectives (last committed backup within the RPO, last drill PASSED)');
});

it('runs a drill of the plan from the DR vault that PASSED, and prints its RTO and RPO against the objectives', () => {
  const record = result.drill?.record;
  expect({ verdict: record?.verdict, vault: record?.vault, region: record?.region, problems: result.drill?.problems }).toEqual({ verdict: 'PASSED', vault: 'dr', region: 'us-west-2', problems: [] });
  expect(record?.sources.map((s) => [s.source, s.verifiedEntries === s.entries && s.entries > 0]).sort()).toEqual([
    ['demo-assets', true],
    ['demo-files', true],
    ['demo-orders', true],
  ]);
  // The table's items, counted by the restore that wrote and read back each of them: 250 seeded, then two rounds of changes of 3 inserted and 2 deleted.
  expect(record?.sources.find((s) => s.source === 'demo-orders')?.items).toBe(252);
  expect(lines.find((l) => l.startsWith('  OK   demo-orders  → table '))).toMatch(/: SUCCEEDED in \S+ m?s, 252 items \(\d+ pages\), [\d.]+ KiB, equal to the source$/);
  // Its scratch targets are gone again.
  expect(record?.cleanup).toMatchObject({ errors: [] });
  expect(record?.cleanup.removed).toHaveLength(3);
  expect(lines).toContain('  Verdict   PASSED: every source restored and verified, objectives met');
  expect(lines.find((l) => l.startsWith('  RTO   '))).toMatch(/^ {2}RTO {7}\d+ (s|min( \d\d s)?) of 1 h: met$/);
  expect(lines.find((l) => l.startsWith('  RPO   '))).toMatch(/^ {2}RPO {7}backup age .*, objective 1 d 1 h: met$/);
});

it('fails over with the primary region down: every source restored into the DR region, equal to its source', async () => {
  const failover = result.failover;
  expect({ status: failover?.status, problems: failover?.problems }).toEqual({ status: 'SUCCEEDED', problems: [] });
  expect(failover?.comparisons.map((c) => ({ source: c.source, problems: c.problems })).sort((a, b) => a.source.localeCompare(b.source))).toEqual([
    { source: 'demo-assets', problems: [] },
    { source: 'demo-files', problems: [] },
    { source: 'demo-orders', problems: [] },
  ]);
  const order = ['stopped (S3', 'started in the DR region', 'started again'].map((text) => lines.findIndex((l) => l.includes(`${text}`)));
  expect(order.every((i, n) => i >= 0 && (n === 0 || i > (order[n - 1] ?? -1)))).toBe(true);
  expect(lines.find((l) => /^ {2}RTO \d/.test(l))).toMatch(/^ {2}RTO \d+ s \(objective 60 min: met\)$/);

  // The targets are in the DR region, not in the primary.
  const primary = regionClients(local.environment.primaryRegion);
  const dr = regionClients(local.environment.drRegion);
  const targets = failover?.report?.sources ?? [];
  const bucket = /^s3:\/\/([^/]+)\//.exec(targets.find((s) => s.type === 's3')?.target ?? '')?.[1] ?? '';
  const table = /table (\S+)$/.exec(targets.find((s) => s.type === 'dynamodb')?.target ?? '')?.[1] ?? '';
  expect(await exists(dr.s3.send(new HeadBucketCommand({ Bucket: bucket })))).toBe(true);
  expect(await exists(primary.s3.send(new HeadBucketCommand({ Bucket: bucket })))).toBe(false);
  expect(await exists(dr.ddb.send(new DescribeTableCommand({ TableName: table })))).toBe(true);
  expect(await exists(primary.ddb.send(new DescribeTableCommand({ TableName: table })))).toBe(false);
  const directory = /^directory (.+)$/.exec(targets.find((s) => s.type === 'filesystem')?.target ?? '')?.[1] ?? '';
  expect(statSync(path.join(local.fsRoot, directory)).isDirectory()).toBe(true);
});

it('checks the mirror of the S3 source (equal, with the local replication\'s lag) and fails that source over to its mirror', () => {
  const check = result.mirrorCheck?.result;
  expect(check?.passed).toBe(true);
  expect(check?.sources).toEqual([expect.objectContaining({ source: 'demo-assets', mirror: 's3://lifeboat-dev-mirror-demo-assets/', passed: true, differences: 0 })]);
  expect(lines.find((l) => l.startsWith('  OK   demo-assets  → s3://lifeboat-dev-mirror-demo-assets/: '))).toMatch(/entries compared, 0 different, lag \d+\.\d s$/);
  expect(result.failover?.report?.sources.find((s) => s.source === 'demo-assets')).toEqual(expect.objectContaining({ from: 'mirror', target: 's3://lifeboat-dev-mirror-demo-assets/' }));
  expect(result.failover?.report?.sources.filter((s) => s.from === 'vault').map((s) => s.source).sort()).toEqual(['demo-files', 'demo-orders']);
  expect(result.failover?.report?.sources.find((s) => s.source === 'demo-orders')?.items).toBe(252);
});

it('leaves the primary region running again', async () => {
  expect(result.failover?.primaryRunning).toBe(true);
  const status = await localCloudStatus(dataDir);
  expect(status).toMatchObject({ state: 'running', regionStates: { 'us-east-1': 'up', 'us-west-2': 'up' } });
  const primary = regionClients(local.environment.primaryRegion);
  expect(await exists(primary.s3.send(new HeadBucketCommand({ Bucket: 'lifeboat-demo-assets' })))).toBe(true);
});

it('forgets the oldest backup, prunes what only it used, and every kept backup still reads back', async () => {
  const retention = result.retention;
  const [first, second, third] = result.backupIds;
  expect(retention?.decisions.map((d) => [d.backupId, d.keep])).toEqual([
    [third, true],
    [second, true],
    [first, false],
  ]);
  expect(retention?.forgotten).toEqual([first]);
  expect(retention?.snapshotsLeft).toEqual([]);
  // What the plan's policy and the demo's keep is counted from the catalog and the result, not assumed.
  expect(lines.find((l) => l.includes('Retention and prune'))).toMatch(
    /^\d+\. Retention and prune \(primary vault\): the plan's policy \{"keepLast":7,"keepDaily":7,"keepWeekly":4\} keeps all 3 of its 3 backup\(s\); the demo forgets with \{"keepLast":2\} instead/,
  );
  expect(lines).toContain('  kept 2, forgot 1 backup(s): their snapshot objects deleted, their catalog records marked forgotten');
  // The first run condemns, the second (after the demo's 0 h grace) deletes: bytes freed; the third puts the default grace back.
  expect(retention?.prunes.map((p) => p.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  expect(retention?.prunes[0]?.report?.bytesCondemned).toBeGreaterThan(0);
  expect(retention?.prunes[1]?.report?.bytesFreed).toBeGreaterThan(0);
  expect(lines.some((l) => /^ {4}condemned .*; deleted [1-9]\d* .*freed \d/.test(l))).toBe(true);
  expect(retention?.kept.map((k) => [k.backupId, k.source, k.problems]).sort()).toEqual(
    [second, third].flatMap((id) => ['demo-assets', 'demo-files', 'demo-orders'].map((s) => [id, s, []])).sort(),
  );
  // After the demo's prunes (its last with the default grace), a backup that starts later is held to no prune's grace:
  // none started while it ran (docs/FORMAT.md §11), so it commits however long it runs (the demo runs again in the same directory).
  const vault = await openLocalVault(regionClients(local.environment.primaryRegion).s3, resourceNames(local.environment).primaryVault, dataDir);
  expect((await readPrunePolicy(vault.store, vault.keys))?.graceMs).toBe(DEFAULT_PRUNE_GRACE_MS);
  expect(await backupDurationLimit(vault.store, vault.keys, new Date(Date.now() + CONDEMNATION_CLOCK_MARGIN_MS + 1000))).toBeNull();
  // The catalog marks the forgotten backup; the kept ones are untouched.
  const catalog = new BackupCatalog(DynamoDBDocumentClient.from(regionClients(local.environment.primaryRegion).ddb), 'lifeboat-dev-catalog');
  expect((await catalog.requireBackup(first ?? '')).forgottenAt).toEqual(expect.any(String));
  expect((await catalog.requireBackup(third ?? '')).forgottenAt).toBeUndefined();
});
