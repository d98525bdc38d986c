import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { registerReportCommand, reportCommand } from '../../../cli/commands/report-command';
import { registerStatusCommand, statusCommand } from '../../../cli/commands/status-command';
import { ALARMS_NOT_EMULATED } from '../../../cli/status/alarm-status';
import { localNextRun } from '../../../cli/status/next-run';
import { type StatusSources } from '../../../cli/status/status-sources';
import { DEFAULT_CONFIG_FILE, findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { CatalogItemInvalidError } from '../../../lambdas/catalog/catalog-errors';
import { type PruneRunRecord, pruneRunRecord } from '../../../lambdas/catalog/prune-record';
import { type ScrubRunRecord } from '../../../lambdas/catalog/scrub-record';
import { UnreadableNewerBackupError } from '../../../lambdas/failover/unreadable-newer-backups';
import { type MirrorRecord } from '../../../lambdas/mirror/mirror-record';
import { pruneCommandLine } from '../../../lambdas/retention/prune-command-line';
import { PruneMarkOutOfTimeError } from '../../../vault/prune/prune-mark-out-of-time-error';
import { PruneOutOfTimeError } from '../../../vault/prune/prune-out-of-time-error';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, failedReport, objectiveMissedReport } from '../../support/drill-records';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r58A F3 and F6: the command lines `lifeboat status` and `lifeboat report` print to paste end with the target
 * options the command was run with. Until then status's prune and prune-damage scrub lines (and report's, the same)
 * carried only --env and --aws, its backup, drills show, backups list and scrub --json lines none, so pasted from a run
 * at another --config or --data-dir they pruned, repaired or backed up another target; and neither command took
 * --vault-key, so in AWS with another primary vault key their scrub and prune lines failed at KMS.
 */

const NOW = new Date('2026-11-30T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');

function backup(startedAt: string, overrides: Partial<BackupRecord> = {}): BackupRecord {
  return {
    backupId: `${startedAt.replace(/[-:]/g, '').slice(0, 15)}Z-0000000${overrides.status === 'RUNNING' ? 2 : 1}`,
    plan: 'demo',
    environment: 'dev',
    sourceNames: ['demo-assets'],
    sources: [],
    strategy: 'incremental',
    status: 'COMMITTED',
    startedAt,
    endedAt: startedAt,
    shardCount: 1,
    totals: { entries: 10, bytes: 1_000_000, bytesScanned: 1_000_000, bytesNew: 100_000, bytesStored: 50_000, blobsNew: 3 },
    copies: { primary: 'COMMITTED', dr: 'PENDING' },
    ...overrides,
  };
}

// Two days old (RPO 25h), never copied to the DR vault, 2 entries left out; and one dated a year ahead.
const stale = backup('2026-11-28T06:00:00.000Z', { sources: [{ name: 'demo-assets', type: 's3', snapshotId: 's-1', rootHash: 'r', entries: 5, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1, skipped: 2 }] });
const ahead = backup('2027-11-20T12:00:00.000Z', { status: 'RUNNING' });
const older = backup('2026-11-27T06:00:00.000Z');

// An object with no good copy that hits the stale backup, and one corrupt whose other copy a run's deadline left unread
// hitting the older (review r58E F1: its `lifeboat scrub --fraction 1 --repair` was bare); 3 objects the DR vault lacks not worked out.
const scrub: ScrubRunRecord = {
  environment: 'dev', startedAt: '2026-11-30T03:00:00.000Z', endedAt: '2026-11-30T03:05:00.000Z', scope: 'both', fraction: 1 / 7, repair: true,
  cursor: { cycle: 1, after: 'data/24' }, nextCursor: { cycle: 1, after: 'data/48' }, cycleComplete: false, objects: 100, read: { primary: 14, dr: 14 },
  corrupt: 0, missing: 0, repaired: 0, repairable: 0, unrepaired: 0, outcome: 'CLEAN', unrepairedKeys: [], affectedBackups: [],
  outstanding: {
    objects: [
      { vault: 'primary', key: 'data/01/016b', problem: 'corrupt', goodCopy: false, since: '2026-11-29T03:00:00.000Z', backups: [stale.backupId] },
      { vault: 'primary', key: 'data/02/02c4', problem: 'corrupt', goodCopy: false, otherCopy: 'unverified', since: '2026-11-29T03:00:00.000Z', backups: [older.backupId] },
    ],
    notListed: 0,
  },
  notWorkedOut: { dr: 3 },
};

const figures = { snapshots: 7, packsDeleted: 0, indexesDeleted: 0, manifestsDeleted: 0, bytesFreed: 0, packsRepacked: 0, bytesRepackWritten: 0, packsCondemned: 0, indexesCondemned: 0, manifestsCondemned: 0, bytesCondemned: 0, lockedCount: 0, spared: 0, batchesPending: 0 };
// The primary vault's run cut by its deadline a day ago and not continued since (its workflow's limit passed); the DR vault's met 2 damaged packs.
const prunes: Record<'primary' | 'dr', PruneRunRecord> = {
  primary: pruneRunRecord({ environment: 'dev', vault: 'primary', trigger: 'workflow', startedAt: ago(DAY + 60_000), finishedAt: ago(DAY), done: false }, { ...figures, damagedCount: 0 }),
  dr: pruneRunRecord({ environment: 'dev', vault: 'dr', trigger: 'workflow', startedAt: ago(3_600_000 + 60_000), finishedAt: ago(3_600_000), done: true }, { ...figures, damagedCount: 2 }),
};

const mirrorCheck: MirrorRecord = {
  environment: 'dev', source: 'demo-assets', plan: 'demo', type: 's3', mirror: 's3://lifeboat-dev-mirror-demo-assets/', checkedAt: ago(300_000).toISOString(),
  passed: false, compared: 120, differences: 1, firstDifference: { key: 'img/a.png', reason: 'only in the source' }, inFlight: 0, lagSeconds: 3, graceSeconds: 900, cursor: '', durationMs: 40, passUnfollowed: 0,
};

const sources: StatusSources = {
  environment,
  target: 'local',
  listBackupsOfPlan: async (plan, side) => (plan === 'demo' && side === 'primary' ? [ahead, stale, older] : []),
  latestScrub: async () => scrub,
  latestPrune: async (vault) => prunes[vault],
  mirrorCheck: async () => mirrorCheck,
  listDrills: async (side) => (side === 'primary' ? [drillRecordOf(objectiveMissedReport({ plan: 'demo', vault: 'primary', region: 'us-east-1' })).record] : []),
  nextRun: async () => ({ state: 'scheduled', at: '2026-12-01T06:00:00.000Z', expression: 'rate(1 day)' }),
  regionOf: (side) => (side === 'primary' ? 'us-east-1' : 'us-west-2'),
  alarms: async () => ALARMS_NOT_EMULATED,
};

/** The screen's text, a wrapped note's continuation joined back. */
async function screenText(options: Parameters<typeof statusCommand>[0], from: StatusSources = sources): Promise<string> {
  const { out, err, io } = capturedCliIo();
  expect(await statusCommand(options, { io, sources: from, now: () => NOW })).toBe(1);
  expect(err).toEqual([]);
  return out.join('\n').replace(/\n {4}/g, ' ');
}

/** Each command line the screen prints in backquotes. */
async function commandLines(options: Parameters<typeof statusCommand>[0], from: StatusSources = sources): Promise<string[]> {
  return [...(await screenText(options, from)).matchAll(/`(lifeboat [^`]*)`/g)].map((m) => m[1] as string);
}

/** Every command line status prints for this environment, each ending with `target` or (those opening the vault) `vault`. */
function expected(target: string, vault: string): string[] {
  return [
    `lifeboat backup --plan demo${target}`,
    `lifeboat backups list --plan demo${target}`,
    `lifeboat drills show ${objectiveMissedReport({ plan: 'demo' }).drillId}${target}`,
    `lifeboat scrub --json${vault}`,
    `lifeboat backups list --plan demo${target}`,
    `lifeboat backups list --plan demo${target}`,
    `lifeboat backups list --plan demo${target}`,
    `lifeboat scrub --fraction 1 --repair${vault}`,
    `lifeboat scrub --vault dr --repair${vault}`,
    `lifeboat prune${vault}`,
    `lifeboat scrub --vault dr --fraction 1 --repair${vault}`,
  ];
}

describe('lifeboat status: the command lines it prints carry its target options', () => {
  it('run at another config and data dir (quoted for the shell): every line names them', async () => {
    const options = ` --config '/etc/lifeboat b/lifeboat.json' --data-dir '/srv/cloud b'\\''s'`;
    const lines = await commandLines({ env: 'dev', config: '/etc/lifeboat b/lifeboat.json', dataDir: "/srv/cloud b's" });
    expect([...lines].sort()).toEqual(expected(options, options).sort());
  });

  it('in AWS with --vault-key: the scrub and prune lines name the key, the others (which take no --vault-key) not', async () => {
    const lines = await commandLines({ env: 'dev', config: DEFAULT_CONFIG_FILE, dataDir: '.lifeboat', aws: true, vaultKey: 'alias/other' });
    expect([...lines].sort()).toEqual(expected(' --aws', ' --aws --vault-key alias/other').sort());
  });

  it('at the defaults: the lines are bare', async () => {
    const lines = await commandLines({ env: 'dev', config: DEFAULT_CONFIG_FILE, dataDir: '.lifeboat' });
    expect([...lines].sort()).toEqual(expected('', '').sort());
  });

  // Review r58E F3: a relative --config or --data-dir was printed as given, and pasted in another directory named another
  // config or cloud; an absolute --data-dir equal to <cwd>/.lifeboat was left out, and pasted elsewhere named that directory's.
  it('run at a relative config and data dir, or at this directory\'s .lifeboat spelt absolute: every line names them absolute', async () => {
    const relative = ` --config ${resolve('conf/lifeboat.json')} --data-dir ${resolve('../cloud-b')}`;
    expect([...(await commandLines({ env: 'dev', config: 'conf/lifeboat.json', dataDir: '../cloud-b' }))].sort()).toEqual(expected(relative, relative).sort());
    const here = ` --data-dir ${resolve('.lifeboat')}`;
    expect([...(await commandLines({ env: 'dev', config: DEFAULT_CONFIG_FILE, dataDir: resolve('.lifeboat') }))].sort()).toEqual(expected(here, here).sort());
  });

  it('the local scheduler named when it is not running or lacks the plan: `lifeboat local up` with the options', () => {
    const options = ' --env prod --data-dir /srv/cloud-b';
    expect(localNextRun({ state: 'stopped' }, 'lifeboat-prod-demo', options)).toEqual(
      expect.objectContaining({ reason: 'the local scheduler is not running: `lifeboat local up --with-schedules --env prod --data-dir /srv/cloud-b` fires the schedules' }),
    );
    const running = { state: 'running' as const, pid: 42, startedAt: '2026-11-30T00:00:00.000Z', schedules: [] };
    expect(localNextRun(running, 'lifeboat-prod-demo', options)).toEqual(
      expect.objectContaining({ reason: 'the local scheduler (pid 42) has no schedule lifeboat-prod-demo: restart it with `lifeboat local up --with-schedules --env prod --data-dir /srv/cloud-b`' }),
    );
  });
});

// What lambdas/handlers/prune-vault.ts records when its prune runs out of time: the error's name and message, whose line
// is the workflow's own (pruneCommandLine with --env and --aws only).
const stoppedBy = (err: Error) => ({ error: err.name, message: err.message });
const stoppedPrunes = (aws: boolean): Record<'primary' | 'dr', PruneRunRecord> => ({
  primary: pruneRunRecord(
    { environment: 'dev', vault: 'primary', trigger: 'workflow', startedAt: ago(DAY + 60_000), finishedAt: ago(DAY), done: false, stoppedBy: stoppedBy(new PruneOutOfTimeError('s3://v', 'listing data/', 7, 1000, 2000, false, pruneCommandLine({ vault: 'primary', environment: 'dev', aws }))) },
    { ...figures, damagedCount: 0 },
  ),
  dr: pruneRunRecord(
    { environment: 'dev', vault: 'dr', trigger: 'workflow', startedAt: ago(3_600_000 + 60_000), finishedAt: ago(3_600_000), done: false, stoppedBy: stoppedBy(new PruneMarkOutOfTimeError('s3://d', 5, 7, 900_000, false, pruneCommandLine({ vault: 'dr', environment: 'dev', aws }))) },
    { ...figures, damagedCount: 0 },
  ),
});

// Review r58E F2: a prune its workflow could not continue was shown with its error's message, whose `lifeboat prune`
// line had only --env and --aws: pasted from a status run at another config, data dir or vault key, it pruned another
// target. Status names its own line; --json keeps the message and adds that line as `command`.
describe('lifeboat status: a prune its workflow stopped names status\'s own prune line, not the error\'s', () => {
  it.each([
    ['at another config and data dir', { env: 'dev', config: '/etc/lb/other.json', dataDir: '/srv/cloud-b', aws: false }, ' --config /etc/lb/other.json --data-dir /srv/cloud-b'],
    ['in AWS with --vault-key', { env: 'dev', config: DEFAULT_CONFIG_FILE, dataDir: '.lifeboat', aws: true, vaultKey: 'alias/other' }, ' --aws --vault-key alias/other'],
  ])('%s', async (_what, target, options) => {
    const recorded = stoppedPrunes(target.aws);
    const from: StatusSources = { ...sources, latestPrune: async (vault) => recorded[vault] };
    const text = await screenText(target, from);
    expect(text).toContain('stopped 24h ago by PruneOutOfTimeError (the workflow cannot continue it)');
    expect(text).toContain('stopped 1h ago by PruneMarkOutOfTimeError (the workflow cannot continue it)');
    expect((await commandLines(target, from)).filter((line) => line.startsWith('lifeboat prune'))).toEqual([`lifeboat prune${options}`, `lifeboat prune --vault dr${options}`]);
    expect(text).not.toContain('lifeboat prune --env dev');

    const { out, io } = capturedCliIo();
    await statusCommand({ ...target, json: true }, { io, sources: from, now: () => NOW });
    const json = JSON.parse(out.join('\n')) as { prunes: Record<'primary' | 'dr', { stoppedBy: unknown }>; plans: { prune: { stoppedBy: unknown } }[] };
    expect(json.prunes.primary.stoppedBy).toEqual({ ...recorded.primary.stoppedBy, command: `lifeboat prune${options}` });
    expect(json.prunes.dr.stoppedBy).toEqual({ ...recorded.dr.stoppedBy, command: `lifeboat prune --vault dr${options}` });
    expect(json.plans[0]?.prune.stoppedBy).toEqual(json.prunes.primary.stoppedBy);
  });
});

// Review r58E F2: a drill's first error is shown as recorded, and a drill's Lambda writes command lines into some
// messages (here `lifeboat catalog rebuild --vault dr --region dr` and `lifeboat drill run …`) with no target option.
it('lifeboat status: a failed drill whose message names a command shows the error\'s name and status\'s own drills show line', async () => {
  const unreadable = { backupId: '20261128T060000Z-00000009', startedAt: '2026-11-28T06:00:00.000Z', preVault: false, mayBeHeld: false, forgotten: false, snapshotIds: [], key: { pk: 'BACKUP#20261128T060000Z-00000009', sk: 'BACKUP' }, error: new CatalogItemInvalidError('lifeboat-dev-catalog', 'BACKUP#20261128T060000Z-00000009', ['status: not a status']) };
  const err = new UnreadableNewerBackupError('drill', 'demo', { region: 'us-west-2', vault: 'dr' }, undefined, [unreadable]);
  expect(err.message).toContain('`lifeboat catalog rebuild --vault dr --region dr`');
  const failed = drillRecordOf(failedReport({ errors: [{ error: err.name, message: err.message, step: 'Start drill' }] })).record;
  const plain = drillRecordOf(failedReport({ drillId: '20261127T101500Z-4d5e6f70', vault: 'primary', region: 'us-east-1' })).record;
  const from: StatusSources = { ...sources, listDrills: async (side) => (side === 'dr' ? [failed] : [plain]) };
  const options = ' --config /etc/lb/other.json --data-dir /srv/cloud-b';
  const text = await screenText({ env: 'dev', config: '/etc/lb/other.json', dataDir: '/srv/cloud-b' }, from);
  expect(text).toContain(`last DR drill ${failed.drillId} FAILED: UnreadableNewerBackupError: see \`lifeboat drills show ${failed.drillId}${options}\``);
  expect(text).not.toContain('catalog rebuild');
  // A message that names no command is shown whole.
  expect(text).toContain(`last primary drill ${plain.drillId} FAILED: NoBackupToDrillError: plan demo has no committed, replicated backup`);
});

/** The options commander hands the action of `lifeboat <command> …` (the action replaced, so nothing runs). */
async function parsedOptions(register: (program: Command) => void, args: string[]): Promise<Record<string, unknown>> {
  const program = new Command('lifeboat').exitOverride();
  register(program);
  let parsed: Record<string, unknown> | undefined;
  const command = program.commands.find((c) => c.name() === args[0]);
  command?.exitOverride().action((opts: Record<string, unknown>) => {
    parsed = opts;
  });
  await program.parseAsync(args, { from: 'user' });
  if (!parsed) throw new Error(`the ${args[0] ?? ''} action did not run`);
  return parsed;
}

it.each([
  ['status', registerStatusCommand],
  ['report', registerReportCommand],
])('lifeboat %s takes --vault-key (until review r58A F6 refused as an unknown option)', async (name, register) => {
  expect(await parsedOptions(register, [name, '--aws', '--vault-key', 'alias/other'])).toEqual(expect.objectContaining({ aws: true, vaultKey: 'alias/other' }));
});

describe('lifeboat report: its prune lines carry its own target options', () => {
  let reported = prunes;
  const cloudWatch = mockClient(CloudWatchClient);
  const scheduler = mockClient(SchedulerClient);
  const documents = mockClient(DynamoDBDocumentClient);
  beforeAll(() => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
    scheduler.on(GetScheduleCommand).resolves({ State: 'ENABLED', ScheduleExpression: 'rate(1 day)' });
    // Each catalog: its vault's last prune, and demo's backup dated a year ahead; nothing else.
    documents.on(QueryCommand).callsFake((input: { IndexName?: string; ExpressionAttributeValues?: Record<string, unknown> }) => {
      if (input.IndexName === 'byPlan') return { Items: input.ExpressionAttributeValues?.[':plan'] === 'demo' ? [{ pk: `BACKUP#${ahead.backupId}`, sk: 'BACKUP', ...ahead }] : [] };
      const pk = input.ExpressionAttributeValues?.[':pk'];
      const vault = pk === 'PRUNE#primary' ? 'primary' : pk === 'PRUNE#dr' ? 'dr' : undefined;
      return { Items: vault ? [{ pk, sk: reported[vault].startedAt, ...reported[vault] }] : [] };
    });
    documents.on(GetCommand).resolves({});
  });
  afterAll(() => {
    cloudWatch.restore();
    scheduler.restore();
    documents.restore();
  });

  it('in AWS at another config with --vault-key: the prune and the scrub it names carry them, its backups list line (no --vault-key) the others', async () => {
    const { out, io } = capturedCliIo();
    await reportCommand({ env: 'dev', config: SAMPLE_CONFIG_FILE, dataDir: '.lifeboat', aws: true, vaultKey: 'alias/other', json: true }, { io, now: () => NOW });
    const { latest, problems } = JSON.parse(out.join('\n')) as { latest: { prunes: string[] }; problems: string[] };
    const commandsIn = (lines: string[]) => lines.flatMap((line) => [...line.matchAll(/`(lifeboat [^`]*)`/g)].map((m) => m[1]));
    const options = ` --config ${SAMPLE_CONFIG_FILE} --aws`;
    expect(commandsIn(latest.prunes)).toEqual([`lifeboat prune${options} --vault-key alias/other`, `lifeboat scrub --vault dr --fraction 1 --repair${options} --vault-key alias/other`]);
    expect(commandsIn(problems)).toEqual([`lifeboat backups list --plan demo${options}`]);
  });

  // Review r58E F2: the page showed a stopped prune's message, whose line was the workflow's (--env and --aws only).
  it('a prune its workflow stopped: the page names the report\'s own prune line, with --config and --vault-key', async () => {
    reported = stoppedPrunes(true);
    try {
      const { out, io } = capturedCliIo();
      await reportCommand({ env: 'dev', config: SAMPLE_CONFIG_FILE, dataDir: '.lifeboat', aws: true, vaultKey: 'alias/other', json: true }, { io, now: () => NOW });
      const { latest } = JSON.parse(out.join('\n')) as { latest: { prunes: string[] } };
      const options = ` --config ${SAMPLE_CONFIG_FILE} --aws --vault-key alias/other`;
      expect(latest.prunes.flatMap((line) => [...line.matchAll(/`(lifeboat [^`]*)`/g)].map((m) => m[1]))).toEqual([`lifeboat prune${options}`, `lifeboat prune --vault dr${options}`]);
      expect(latest.prunes.join('\n')).not.toContain('--env dev');
    } finally {
      reported = prunes;
    }
  });
});
