import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliIo } from '../../../cli/cli-io';
import { type LocalCommandDeps, localDown, localStatus, localUp, registerLocalCommands } from '../../../cli/commands/local-commands';
import { fireScheduleCommand, listSchedulesCommand } from '../../../cli/commands/local-schedules-commands';
import { synthesizeEnvironment } from '../../../local/assembly/synthesize';
import { type SynthesizedStack } from '../../../local/assembly/synthesized-stack';
import { isProcessAlive, readCloudState, writeCloudState } from '../../../local/cloud/cloud-state';
import { processStartTime } from '../../../local/cloud/process-start-time';
import { connectLocalCloud, localDynamoDbClient, localS3Client, stopLocalCloud, stopRegion } from '../../../local/cloud/local-cloud';
import { stopLocalScheduler } from '../../../local/scheduler/local-scheduler';
import { readSchedulerState } from '../../../local/scheduler/scheduler-state';
import { DR, PRIMARY, synthesizeTestApp, TEST_NAMES, tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

const tmp = tempDir('cli');
const dataDir = join(tmp.dir, '.lifeboat');
const realDataDir = join(tmp.dir, 'real');
const scheduledDataDir = join(tmp.dir, 'scheduled');
const configFile = join(tmp.dir, 'lifeboat.config.json');

type Captured = CliIo & { lines: string[]; errors: string[]; text(): string };
function capture(): Captured {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), text: () => [...lines, ...errors].join('\n') };
}

/**
 * The test app, synthesized by the first `up` into its data dir's cdk.out and reused by the later ones
 * (it is the same app whatever the config, and `down` keeps the data dir). Without the CDK's built-in
 * CloudFormation validation, as the product's local synth (local/assembly/synthesize.ts): seconds of CPU.
 */
const testAppSyntheses = new Map<string, SynthesizedStack[]>();
function synthesizeTestAppOnce(outdir: string): SynthesizedStack[] {
  const known = testAppSyntheses.get(outdir);
  if (known) return known;
  const validation = process.env['CDK_VALIDATION'];
  process.env['CDK_VALIDATION'] = 'false';
  try {
    const stacks = synthesizeTestApp(outdir);
    testAppSyntheses.set(outdir, stacks);
    return stacks;
  } finally {
    if (validation === undefined) delete process.env['CDK_VALIDATION'];
    else process.env['CDK_VALIDATION'] = validation;
  }
}

function deps(io: CliIo): Partial<LocalCommandDeps> {
  return {
    io,
    synthesize: async ({ outdir }) => synthesizeTestAppOnce(outdir),
    // Detached like the real `up`, but bound to the test process so a failed run never leaks servers.
    cloudOptions: { exitWithParent: true },
  };
}

const up = (io: Captured, extra: Partial<LocalCommandDeps> = {}) => localUp({ dataDir, env: 'dev', config: configFile }, { ...deps(io), ...extra });

beforeAll(() => {
  copyFileSync(SAMPLE_CONFIG_FILE, configFile);
});

afterAll(async () => {
  await stopLocalScheduler(scheduledDataDir);
  await stopLocalCloud(scheduledDataDir);
  await stopLocalCloud(dataDir);
  await stopLocalCloud(realDataDir);
  tmp.remove();
});

describe('lifeboat local', () => {
  it('status and down say the cloud is not running before any up (exit 3 and 0)', async () => {
    const io = capture();
    expect(await localStatus({ dataDir }, { io })).toBe(3);
    expect(await localDown({ dataDir }, { io })).toBe(0);
    expect(io.lines).toEqual([`The local cloud is not running (data dir ${dataDir}).`, `The local cloud is not running (data dir ${dataDir}).`]);
  });

  it('up starts the cloud, provisions the templates and prints the endpoints', async () => {
    const io = capture();
    expect(await up(io)).toBe(0);
    expect(io.errors).toEqual([]);
    expect(io.text()).toMatch(/^Local cloud started \(pid \d+/);
    expect(io.text()).toContain(`bucket ${TEST_NAMES.primaryBucket} (created)`);
    expect(io.text()).toContain(`table  ${TEST_NAMES.ordersTable} (created)`);
    expect(io.text()).toMatch(/LIFEBOAT_LOCAL_ENDPOINTS='\{"s3":/);
    // A data directory other than ./.lifeboat: the hint stops this cloud, not the one of ./.lifeboat.
    expect(io.lines).toContain(`Stop it with \`lifeboat local down --data-dir ${dataDir}\` (the data stays in the data dir).`);
  });

  it('status reports running with every endpoint answering, as text and JSON', async () => {
    const io = capture();
    expect(await localStatus({ dataDir }, { io })).toBe(0);
    expect(io.lines[0]).toMatch(/^The local cloud is running \(pid \d+/);
    expect(io.lines.slice(1).filter((l) => l.endsWith('ok'))).toHaveLength(4);

    const json = capture();
    expect(await localStatus({ dataDir, json: true }, { io: json })).toBe(0);
    const parsed = JSON.parse(json.lines.join('\n')) as { state: string; healthy: boolean; regions: string[] };
    expect(parsed).toMatchObject({ state: 'running', healthy: true, regions: [PRIMARY, DR] });
  });

  it('up → write data → down → up finds the data in S3 and DynamoDB', async () => {
    const before = await connectLocalCloud(dataDir);
    const s3 = localS3Client(before, PRIMARY);
    const ddb = localDynamoDbClient(before, DR);
    await s3.send(new PutObjectCommand({ Bucket: TEST_NAMES.primaryBucket, Key: 'persist/me.txt', Body: 'across restarts' }));
    await ddb.send(new PutItemCommand({ TableName: TEST_NAMES.globalTable, Item: { pk: { S: 'persist' }, sk: { N: '7' }, note: { S: 'kept' } } }));
    s3.destroy();
    ddb.destroy();

    const again = capture();
    expect(await up(again)).toBe(0);
    expect(again.lines[0]).toMatch(/^Local cloud already running/);
    expect(again.text()).toContain(`bucket ${TEST_NAMES.primaryBucket} (exists)`);

    const down = capture();
    expect(await localDown({ dataDir }, { io: down })).toBe(0);
    expect(down.lines[0]).toMatch(/^Local cloud stopped \(pid \d+\); data kept in /);
    expect(await localStatus({ dataDir }, { io: capture() })).toBe(3);

    const restarted = capture();
    expect(await up(restarted)).toBe(0);
    expect(restarted.text()).toMatch(/^Local cloud started/);
    expect(restarted.text()).toContain(`table  ${TEST_NAMES.ordersTable} (exists)`);
    const after = await connectLocalCloud(dataDir);
    const s3After = localS3Client(after, PRIMARY);
    const ddbAfter = localDynamoDbClient(after, DR);
    try {
      const object = await s3After.send(new GetObjectCommand({ Bucket: TEST_NAMES.primaryBucket, Key: 'persist/me.txt' }));
      expect(await object.Body?.transformToString()).toBe('across restarts');
      const item = await ddbAfter.send(new GetItemCommand({ TableName: TEST_NAMES.globalTable, Key: { pk: { S: 'persist' }, sk: { N: '7' } } }));
      expect(item.Item?.note).toEqual({ S: 'kept' });
    } finally {
      s3After.destroy();
      ddbAfter.destroy();
    }
  });

  it('up refuses a running cloud that does not serve the environment regions', async () => {
    const other = join(tmp.dir, 'other.config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { environments: { drRegion: string }[] };
    config.environments.forEach((e) => (e.drRegion = 'eu-west-1'));
    writeFileSync(other, JSON.stringify(config));
    const io = capture();
    expect(await localUp({ dataDir, env: 'dev', config: other }, deps(io))).toBe(1);
    expect(io.errors[0]).toMatch(/serves us-east-1, us-west-2 but environment dev needs eu-west-1; run `lifeboat local down --data-dir \S+` first/);
  });

  it('up fails with exit 1 and a clear message for an unknown environment', async () => {
    const io = capture();
    expect(await localUp({ dataDir, env: 'nope', config: configFile }, deps(io))).toBe(1);
    expect(io.errors[0]).toMatch(/environment "nope" is not defined in the configuration \(its environments: .*\): pass --env with one of them/);
  });

  it('a damaged cloud.json: status cannot tell (exit 4), down and up fail (exit 1) and leave the running cloud alone, all saying how to find it (audit e2-3)', async () => {
    const stateFile = join(dataDir, 'cloud.json');
    const saved = readFileSync(stateFile, 'utf8');
    const { pid } = JSON.parse(saved) as { pid: number };
    writeFileSync(stateFile, '{garbage');
    try {
      const damaged = new RegExp(`^${stateFile} is damaged \\(.*JSON.*\\), so whether a local cloud still runs on ${dataDir} cannot be told; no cloud was started or signalled\\. Find a cloud that may still run there with \`pgrep -af 'cloud-process\\.\\*${dataDir}'\``);
      const status = capture();
      expect(await localStatus({ dataDir }, { io: status })).toBe(4);
      expect(status.lines[0]).toMatch(damaged);
      const down = capture();
      expect(await localDown({ dataDir }, { io: down })).toBe(1);
      expect(down.errors[0]?.replace('lifeboat local down failed: ', '')).toMatch(damaged);
      expect(isProcessAlive(pid)).toBe(true);
      const again = capture();
      expect(await up(again)).toBe(1);
      expect(again.errors[0]?.replace('lifeboat local up failed: ', '')).toMatch(damaged);
      expect(readFileSync(stateFile, 'utf8')).toBe('{garbage');
    } finally {
      writeFileSync(stateFile, saved);
    }
    await expect(connectLocalCloud(dataDir)).resolves.toMatchObject({ s3: expect.any(Object) });
  });

  it('is wired into commander: `lifeboat local down` then `local status` (exit codes via process.exitCode)', async () => {
    const io = capture();
    const program = new Command('lifeboat').exitOverride();
    registerLocalCommands(program, deps(io));
    try {
      await program.parseAsync(['local', 'down', '--data-dir', dataDir], { from: 'user' });
      expect(process.exitCode).toBe(0);
      await program.parseAsync(['local', 'status', '--data-dir', dataDir, '--json'], { from: 'user' });
      expect(process.exitCode).toBe(3);
    } finally {
      process.exitCode = undefined;
    }
    expect(io.lines[0]).toMatch(/^Local cloud stopped/);
  });

  it('up with the real CDK app provisions the vaults of both regions and the catalog', async () => {
    const io = capture();
    const code = await localUp({ dataDir: realDataDir, env: 'dev', config: configFile }, { io, cloudOptions: { exitWithParent: true } });
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    const endpoints = await connectLocalCloud(realDataDir);
    for (const region of [PRIMARY, DR]) {
      const s3 = localS3Client(endpoints, region);
      await expect(s3.send(new HeadBucketCommand({ Bucket: `lifeboat-dev-vault-000000000000-${region}` }))).resolves.toBeDefined();
      s3.destroy();
    }
    expect(io.text()).toContain('table  lifeboat-dev-catalog (created)');
  });
});

describe('lifeboat local with schedules', () => {
  /**
   * The real app's stacks with the plan's schedule moved to 2199, so the scheduler this starts has
   * nothing to fire during the test; `edit` breaks the templates further.
   */
  const farFuture = (edit: (resources: NonNullable<SynthesizedStack['template']['Resources']>) => void = () => undefined): LocalCommandDeps['synthesize'] => async (options) => {
    const stacks = JSON.parse(JSON.stringify(await synthesizeEnvironment(options))) as SynthesizedStack[];
    for (const stack of stacks) {
      const resources = stack.template.Resources ?? {};
      for (const resource of Object.values(resources)) {
        if (resource.Type === 'AWS::Scheduler::Schedule' && resource.Properties) resource.Properties.ScheduleExpression = 'cron(0 3 1 1 ? 2199)';
      }
      edit(resources);
    }
    return stacks;
  };
  const scheduledDeps = (io: CliIo, synthesize = farFuture()): LocalCommandDeps => ({ io, synthesize, cloudOptions: { exitWithParent: true } });
  const options = { dataDir: scheduledDataDir, env: 'dev', config: SAMPLE_CONFIG_FILE };

  it('up --with-schedules starts the scheduler, status shows it active, list shows what it will fire, down stops it', async () => {
    const io = capture();
    expect(await localUp({ ...options, withSchedules: true }, scheduledDeps(io))).toBe(0);
    expect(io.errors).toEqual([]);
    expect(io.text()).toMatch(/Local scheduler started \(pid \d+\), firing 6 schedule\(s\):/);
    expect(io.text()).toContain('lifeboat-dev-scrub  cron(0 3 1 1 ? 2199) UTC  next 2199-01-01T03:00:00.000Z');
    expect(io.text()).toContain('lifeboat-dev-demo  cron(0 3 1 1 ? 2199) UTC  next 2199-01-01T03:00:00.000Z');
    expect(io.text()).toContain('lifeboat-dev-drill-demo  cron(0 3 1 1 ? 2199) UTC  next 2199-01-01T03:00:00.000Z');
    for (const name of ['lifeboat-dev-prune', 'lifeboat-dev-prune-dr', 'lifeboat-dev-mirror-check']) expect(io.text()).toContain(`${name}  cron(0 3 1 1 ? 2199) UTC`);
    const schedulerPid = readSchedulerState(scheduledDataDir)?.pid ?? -1;
    expect(isProcessAlive(schedulerPid)).toBe(true);
    // With its start time, so a pid reused after a hard kill is never taken for it (review r11-F1).
    expect(readSchedulerState(scheduledDataDir)?.processStartTime).toBe(processStartTime(schedulerPid));

    const status = capture();
    expect(await localStatus({ dataDir: scheduledDataDir }, { io: status })).toBe(0);
    expect(status.text()).toContain(`Schedules: active (local scheduler pid ${schedulerPid}`);
    const statusJson = capture();
    await localStatus({ dataDir: scheduledDataDir, json: true }, { io: statusJson });
    expect(JSON.parse(statusJson.lines.join('\n'))).toMatchObject({ schedules: { active: true, pid: schedulerPid } });

    const list = capture();
    expect(await listSchedulesCommand({ ...options, json: true }, scheduledDeps(list))).toBe(0);
    expect(JSON.parse(list.lines.join('\n'))).toEqual({
      schedulerActive: true,
      schedules: [
        expect.objectContaining({ name: 'lifeboat-dev-scrub', stateMachine: 'lifeboat-dev-scrub', nextFireTime: '2199-01-01T03:00:00.000Z' }),
        expect.objectContaining({ name: 'lifeboat-dev-prune', stateMachine: 'lifeboat-dev-prune', targetArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:lifeboat-dev-prune' }),
        expect.objectContaining({
          name: 'lifeboat-dev-demo',
          expression: 'cron(0 3 1 1 ? 2199)',
          timezone: 'UTC',
          state: 'ENABLED',
          stateMachine: 'lifeboat-dev-backup',
          nextFireTime: '2199-01-01T03:00:00.000Z',
        }),
        // The plan's drill drills the DR vault, so its schedule is the DR stack's and starts the DR region's drill workflow.
        expect.objectContaining({ name: 'lifeboat-dev-drill-demo', stateMachine: 'lifeboat-dev-drill', targetArn: 'arn:aws:states:us-west-2:000000000000:stateMachine:lifeboat-dev-drill', nextFireTime: '2199-01-01T03:00:00.000Z' }),
        expect.objectContaining({ name: 'lifeboat-dev-prune-dr', stateMachine: 'lifeboat-dev-prune', targetArn: 'arn:aws:states:us-west-2:000000000000:stateMachine:lifeboat-dev-prune' }),
        expect.objectContaining({ name: 'lifeboat-dev-mirror-check', stateMachine: 'lifeboat-dev-mirror-check', targetArn: 'arn:aws:states:us-west-2:000000000000:stateMachine:lifeboat-dev-mirror-check' }),
      ],
    });
    const table = capture();
    expect(await listSchedulesCommand(options, scheduledDeps(table))).toBe(0);
    expect(table.text()).toMatch(/lifeboat-dev-demo.*cron\(0 3 1 1 \? 2199\).*UTC.*ENABLED.*lifeboat-dev-backup.*2199-01-01T03:00:00.000Z/);

    const down = capture();
    expect(await localDown({ dataDir: scheduledDataDir }, { io: down })).toBe(0);
    expect(down.lines[0]).toBe(`Local scheduler stopped (pid ${schedulerPid}).`);
    expect(isProcessAlive(schedulerPid)).toBe(false);
    expect(readSchedulerState(scheduledDataDir)).toBeUndefined();
  });

  it('schedules fire refuses an unknown name, listing the known schedules', async () => {
    const io = capture();
    expect(await fireScheduleCommand('nightly', options, scheduledDeps(io))).toBe(1);
    expect(io.errors).toEqual(['lifeboat local schedules fire failed: No schedule "nightly" in the synthesized templates. Known schedules: lifeboat-dev-scrub, lifeboat-dev-prune, lifeboat-dev-demo, lifeboat-dev-drill-demo, lifeboat-dev-prune-dr, lifeboat-dev-mirror-check.']);
  });

  it('schedules fire refuses, as AWS would fail the invocation, when the role may not start the backup state machine', async () => {
    const withoutGrant = farFuture((resources) => {
      for (const [id, resource] of Object.entries(resources)) if (resource.Type === 'AWS::IAM::Policy' && id.startsWith('SchedulesRole')) delete resources[id];
    });
    const io = capture();
    expect(await fireScheduleCommand('lifeboat-dev-demo', options, scheduledDeps(io, withoutGrant))).toBe(1);
    expect(io.errors[0]).toMatch(/^lifeboat local schedules fire failed: Schedule lifeboat-dev-demo cannot invoke its target: role Lifeboat-dev-Primary-SchedulesRole\w+ lacks states:StartExecution on arn:aws:states:us-east-1:000000000000:stateMachine:lifeboat-dev-backup/);
  });

  it('with the primary region stopped, fires a DR stack schedule without provisioning the primary, and refuses a primary one (review R43 F5)', async () => {
    const up = capture();
    expect(await localUp(options, scheduledDeps(up))).toBe(0);
    await stopRegion(scheduledDataDir, PRIMARY);
    try {
      const primarys = capture();
      expect(await fireScheduleCommand('lifeboat-dev-scrub', options, scheduledDeps(primarys))).toBe(1);
      expect(primarys.errors).toEqual([
        `lifeboat local schedules fire failed: lifeboat-dev-scrub is a schedule of Lifeboat-dev-Primary, whose region ${PRIMARY} is stopped: a region that is down fires none of its schedules. ` +
          `Start the region with \`lifeboat local region start ${PRIMARY} --data-dir ${scheduledDataDir}\` first, or fire a schedule of another region's stack`,
      ]);
      // The DR vault's prune: the DR stack's schedule, its state machine and everything it reads in the DR region.
      const dr = capture();
      expect(await fireScheduleCommand('lifeboat-dev-prune-dr', options, scheduledDeps(dr))).toBe(0);
      expect(dr.errors).toEqual([`note: region ${PRIMARY} is stopped: Lifeboat-dev-Primary's buckets and tables are not provisioned; lifeboat-dev-prune-dr is a schedule of Lifeboat-dev-DR (${DR}), which fires without it`]);
      expect(dr.lines.at(-1)).toMatch(/^Execution \S+: SUCCEEDED$/);
    } finally {
      await localDown({ dataDir: scheduledDataDir }, { io: capture() });
    }
  });

  it('schedules fire starts a cloud anew over a cloud.json whose pid now belongs to another program, and never signals it (review r11-F1)', async () => {
    const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const pid = victim.pid ?? -1;
      const endpoints = { s3: { [PRIMARY]: 'http://127.0.0.1:1', [DR]: 'http://127.0.0.1:1' }, dynamodb: { [PRIMARY]: 'http://127.0.0.1:1', [DR]: 'http://127.0.0.1:1' } };
      writeCloudState(scheduledDataDir, { pid, processStartTime: String(Number(processStartTime(pid)) - 1), startedAt: new Date().toISOString(), regions: [PRIMARY, DR], endpoints });
      const io = capture();
      expect(await fireScheduleCommand('lifeboat-dev-prune-dr', options, scheduledDeps(io))).toBe(0);
      expect(io.lines.at(-1)).toMatch(/^Execution \S+: SUCCEEDED$/);
      // The cloud it started, and stopped after the firing.
      expect(readCloudState(scheduledDataDir)).toBeUndefined();
      expect(victim.signalCode).toBeNull();
      expect(isProcessAlive(pid)).toBe(true);
    } finally {
      victim.kill('SIGKILL');
    }
  });
});
