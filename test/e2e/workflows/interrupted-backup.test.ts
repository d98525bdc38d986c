import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { drillReportLines } from '../../../cli/drills/drill-report-text';
import { formatFailoverReport } from '../../../cli/commands/failover-command';
import { isProcessAlive, readCloudState } from '../../../local/cloud/cloud-state';
import { localDynamoDbClient } from '../../../local/cloud/local-cloud';
import { stopRegion } from '../../../local/cloud/region-outage';
import { DEMO_LOCK_FILE } from '../../../local/demo/demo-lock';
import { DemoRegionStoppedError } from '../../../local/demo/demo-errors';
import { runDemo } from '../../../local/demo/run-demo';
import { listExecutionHistories } from '../../../local/executor/execution-history';
import { openLocalEnvironment, type LocalEnvironment } from '../../../local/local-environment';
import { runLocalExecution } from '../../../local/executor/run-local-execution';
import { type BackupTestEnvironment, committedBackupId, openBackupTestEnvironment, SMALL_PLAN, seedSmallSources, smallConfig } from '../../support/backup-test-environment';
import { executorCliArgv } from '../../support/executor-cli-argv';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * Ctrl-C of a local backup (docs/LOCAL-CLOUD.md, "Lifecycle"): the terminal sends SIGINT to the whole
 * foreground process group. The local cloud the CLI started is in a group of its own, so it still runs
 * while the CLI stops its execution, whose release of the backup lease (release-failed-backup) then
 * reaches the catalog; then the CLI stops the cloud. Killing the cloud with the group had left the plan
 * locked for 24 h. The demo stops the same way through its abort signal, and refuses a cloud left with
 * a region stopped.
 */
let env: BackupTestEnvironment;
let configFile: string;
/** Opened after the CLI has run: a cloud of this test's own on the same data directory. */
let reopened: LocalEnvironment | undefined;

beforeAll(async () => {
  env = await openBackupTestEnvironment('interrupted-backup');
  await seedSmallSources(env);
  // The CLI starts a cloud of its own: this one stops (its data stays in the data directory).
  await env.local.close();
  configFile = path.join(env.dataDir, 'lifeboat.config.json');
  writeFileSync(configFile, JSON.stringify(smallConfig));
}, 240_000);

afterAll(async () => {
  await reopened?.close();
  await env?.close();
});

/**
 * Runs `lifeboat backup` in a process group of its own, as a shell runs a foreground job, and once the lease is held
 * Ctrl-Cs the group, or closes the read end of its stderr pipe, as `lifeboat backup 2>&1 | head` does once head has its lines.
 */
async function interruptedCliBackup(by: 'ctrl-c' | 'closed-pipe' = 'ctrl-c'): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const args = ['backup', '--plan', SMALL_PLAN, '--strategy', 'full', '--config', configFile, '--env', 'test', '--data-dir', env.dataDir, '--workers', '2'];
  // The test run's CLI bundle, with the executor's Lambda worker beside it (tsx from the sources when run alone).
  const child = spawn(process.execPath, executorCliArgv(args), { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let interrupted = false;
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // The state after `Acquire lock`: the plan's lease is held.
      if (!interrupted && /backup small: Plan shards/.test(stderr) && child.pid !== undefined) {
        interrupted = true;
        if (by === 'closed-pipe') child.stderr.destroy();
        else process.kill(-child.pid, 'SIGINT');
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

it('a Ctrl-C of the process group ends the backup ABORTED with its lease given back, stops the cloud, and the next backup commits', async () => {
  const { code, stderr } = await interruptedCliBackup();
  expect(stderr).toMatch(/backup small: Plan shards/);
  expect(stderr).toContain('SIGINT: stopping the execution');
  expect(stderr).toContain('Backup ABORTED: States.Aborted');
  expect(code).toBe(1);
  // The cloud the CLI started stopped after the clean-up: none runs on the data directory.
  const cloud = readCloudState(env.dataDir);
  expect(cloud === undefined || !isProcessAlive(cloud.pid)).toBe(true);

  // The only execution so far (the seeding ran none) ended ABORTED, not left RUNNING.
  expect(listExecutionHistories(env.dataDir).map((h) => [h.stateMachine, h.status])).toEqual([[env.names.backupStateMachine, 'ABORTED']]);

  reopened = await openLocalEnvironment({ config: smallConfig, envName: 'test', dataDir: env.dataDir });
  const ddb = DynamoDBDocumentClient.from(localDynamoDbClient(reopened.endpoints, reopened.environment.primaryRegion));
  try {
    const { Item } = await ddb.send(new GetCommand({ TableName: env.names.catalogTable, Key: { pk: `LOCK#${SMALL_PLAN}`, sk: 'LOCK' } }));
    expect(Item).toBeUndefined();
  } finally {
    ddb.destroy();
  }
  const primary = reopened.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  const next = await runLocalExecution({
    stack: primary,
    stateMachine: env.names.backupStateMachine,
    input: { plan: SMALL_PLAN, trigger: 'test' },
    endpoints: reopened.endpoints,
    dataDir: env.dataDir,
    pool: reopened.lambdaPool(2),
    retryIntervalScale: 0.001,
    extraEnv: { LIFEBOAT_FS_ROOT: reopened.fsRoot },
  });
  expect(committedBackupId(next)).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
});

const demoOptions = (lines: string[], abortSignal?: AbortSignal) => ({
  config: smallConfig,
  envName: 'test',
  planName: SMALL_PLAN,
  dataDir: env.dataDir,
  workers: 2,
  out: (l: string) => lines.push(l),
  reportText: { drill: drillReportLines, failover: formatFailoverReport },
  ...(abortSignal ? { abortSignal } : {}),
});

it('a demo stopped through its abort signal ends its running backup ABORTED, says so, and gives back its demo lock', async () => {
  const lines: string[] = [];
  const stop = new AbortController();
  const result = await runDemo({
    ...demoOptions(lines, stop.signal),
    out: (l: string) => {
      lines.push(l);
      // The first backup is about to start: it starts stopped, and nothing after it runs.
      if (/^1\. Initial: /.test(l)) stop.abort('SIGINT');
    },
  });
  expect(result).toMatchObject({ ok: false, interrupted: true, backupIds: [] });
  expect(lines).toContainEqual(expect.stringMatching(/^ {2}workflow lifeboat-test-backup: ABORTED in /));
  expect(lines.at(-1)).toMatch(/^Demo STOPPED \(SIGINT\) after [\d.]+ m?s: the execution it was running, if any, ended ABORTED and gave back what it held\./);
  expect(lines.some((l) => /^2\. /.test(l))).toBe(false);
  expect(existsSync(path.join(env.dataDir, DEMO_LOCK_FILE))).toBe(false);
});

it('a closed output pipe ends the running backup ABORTED with its lease given back (the next backup can start), and exits 141', async () => {
  if (!reopened) throw new Error('the first test did not reopen the environment');
  const backups = () => listExecutionHistories(env.dataDir).filter((h) => h.stateMachine === env.names.backupStateMachine);
  const earlier = new Set(backups().map((h) => h.executionId));
  // The CLI uses the cloud already running on the data directory (the reopened one) and leaves it running.
  const { code, stderr } = await interruptedCliBackup('closed-pipe');
  expect(stderr).toMatch(/backup small: Plan shards/);
  // Ended at once with exit code 0, the execution stayed RUNNING and the lease held the plan for a day.
  expect(code).toBe(141);
  expect(backups().filter((h) => !earlier.has(h.executionId)).map((h) => h.status)).toEqual(['ABORTED']);
  const ddb = DynamoDBDocumentClient.from(localDynamoDbClient(reopened.endpoints, reopened.environment.primaryRegion));
  try {
    const { Item } = await ddb.send(new GetCommand({ TableName: env.names.catalogTable, Key: { pk: `LOCK#${SMALL_PLAN}`, sk: 'LOCK' } }));
    expect(Item).toBeUndefined();
  } finally {
    ddb.destroy();
  }
});

it('refuses a cloud with a region stopped, naming `local region start`, and says which stacks it provisioned', async () => {
  if (!reopened) throw new Error('the first test did not reopen the environment');
  await stopRegion(env.dataDir, reopened.environment.primaryRegion);
  const lines: string[] = [];
  const refused = runDemo(demoOptions(lines));
  await expect(refused).rejects.toBeInstanceOf(DemoRegionStoppedError);
  await expect(refused).rejects.toThrow(`Region us-east-1 of the local cloud on ${env.dataDir} is stopped, so it cannot be provisioned; run \`lifeboat local region start us-east-1 --data-dir ${env.dataDir}\` first`);
  expect(lines[1]).toBe('Synthesized Lifeboat-test-Primary (us-east-1) and Lifeboat-test-DR (us-west-2); buckets and tables of Lifeboat-test-DR provisioned from the templates; region us-east-1 is stopped.');
  expect(existsSync(path.join(env.dataDir, DEMO_LOCK_FILE))).toBe(false);
});
