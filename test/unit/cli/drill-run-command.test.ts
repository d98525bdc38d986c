import { createHash } from 'node:crypto';
import { drillRunCommand } from '../../../cli/commands/drill-commands';
import { DRILL_EXIT, drillIdCandidates, drillRunInput, drillRunRegion, exitCodeOfRun, interpretDrillOutcome } from '../../../cli/drills/drill-run-outcome';
import { type WorkflowName, type WorkflowOutcome, type WorkflowRunner, type WorkflowRunOptions } from '../../../cli/workflow-runner';
import { ForgottenBackupError } from '../../../lambdas/catalog/catalog-errors';
import { InvalidInputError } from '../../../lambdas/runtime/errors';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, drillReport, failedReport, objectiveMissedReport } from '../../support/drill-records';
import { inMemoryDrillAccess } from '../../support/in-memory-drill-access';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat drill run`: the input and region a command line stands for, and what each way an
 * execution ends prints and exits with (the workflow itself is tested with its handlers).
 */

const plans = [{ name: 'demo', drill: { vault: 'primary' as const } }, { name: 'logs' }];
const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent' };
const stderr = { isTTY: false, write: () => true };

/** A runner that records what it was asked and ends as told. */
function fakeRunner(outcome: WorkflowOutcome) {
  const calls: { workflow: WorkflowName; input: unknown; options?: WorkflowRunOptions }[] = [];
  const runner: WorkflowRunner = {
    run: async (workflow, input, _onProgress, options) => {
      calls.push({ workflow, input, ...(options ? { options } : {}) });
      return outcome;
    },
  };
  return { runner, calls };
}

describe('the command line', () => {
  it('builds the input from --plan and --backup', () => {
    expect(drillRunInput({ plan: 'demo' }, plans)).toEqual({ plan: 'demo' });
    expect(drillRunInput({ plan: 'demo', backup: '20261130T060000Z-0badcafe' }, plans)).toEqual({ plan: 'demo', backupId: '20261130T060000Z-0badcafe' });
  });

  it('refuses an unknown plan and a malformed backup id, naming the option', () => {
    expect(() => drillRunInput({ plan: 'nope' }, plans)).toThrow(new InvalidInputError('--plan nope: no such plan in this environment (plans: demo, logs)'));
    expect(() => drillRunInput({ plan: 'demo', backup: 'latest' }, plans)).toThrow(/^--backup latest: must be a backup id such as/);
  });

  // Review r64H F1: the operator's text was echoed raw, so an ESC in it drove the terminal and a long one filled lines.
  it('refuses a --backup, --plan or --vault text with its controls escaped and a long one cut', async () => {
    const { runner, calls } = fakeRunner({ executionId: 'exec-1', status: 'SUCCEEDED' });
    const refused = async (options: { plan: string; backup?: string; vault?: string }): Promise<string[]> => {
      const { io, err } = capturedCliIo();
      expect(await drillRunCommand({ ...target, ...options }, { io, stderr, runner })).toBe(DRILL_EXIT.USAGE);
      return err;
    };
    expect(await refused({ plan: 'demo', backup: '20261130T060000Z-0badcafe\u001b[2J\n' })).toEqual([
      'lifeboat drill run: --backup 20261130T060000Z-0badcafe\\x1b[2J\\n: must be a backup id such as 20261124T100000Z-1a2b3c4d (see lifeboat backups list)',
    ]);
    const long = `20261130T060000Z-0badcafe${'x'.repeat(263)}-last-12-abc`;
    const digest = createHash('sha256').update(long).digest('hex').slice(0, 8);
    expect(await refused({ plan: 'demo', backup: long })).toEqual([
      `lifeboat drill run: --backup 20261130T060000Z-0badcafexxx…-last-12-abc (cut from 300 characters, sha256 ${digest}): must be a backup id such as 20261124T100000Z-1a2b3c4d (see lifeboat backups list)`,
    ]);
    expect((await refused({ plan: 'demo\u001b]0;pwned\u0007' }))[0]).toMatch(/^lifeboat drill run: --plan demo\\x1b\]0;pwned\\a: no such plan in this environment/);
    expect(await refused({ plan: 'demo', vault: 'dr\u009b31m' })).toEqual(['lifeboat drill run: --vault must be dr or primary, got dr\\x9b31m']);
    expect(calls).toEqual([]);
  });

  it('runs in the region of --vault, else the plan\'s drill.vault, else the DR region', () => {
    expect(drillRunRegion({ plan: 'demo', vault: 'dr' }, plans)).toBe('dr');
    expect(drillRunRegion({ plan: 'demo' }, plans)).toBe('primary');
    expect(drillRunRegion({ plan: 'logs' }, plans)).toBe('dr');
    expect(() => drillRunRegion({ plan: 'demo', vault: 'replica' }, plans)).toThrow(new InvalidInputError('--vault must be dr or primary, got replica'));
  });
});

describe('what an outcome means', () => {
  const ok = (output: unknown): WorkflowOutcome => ({ executionId: 'exec-1', status: 'SUCCEEDED', output });

  it.each([
    ['PASSED', drillReport(), DRILL_EXIT.PASSED],
    ['OBJECTIVE_MISSED', objectiveMissedReport(), DRILL_EXIT.OBJECTIVE_MISSED],
    ['FAILED', failedReport(), DRILL_EXIT.FAILED],
  ] as const)('a succeeded execution whose record says %s exits %d', (_verdict, report, code) => {
    const result = interpretDrillOutcome(ok(drillRecordOf(report).record));
    expect(result).toEqual({ kind: 'report', record: drillRecordOf(report).record });
    expect(exitCodeOfRun(result)).toBe(code);
  });

  it('maps the workflow\'s DrillFailed and DrillObjectiveMissed to their verdicts, with the ids the cause names', () => {
    const cause = 'Drill 20261130T101500Z-1a2b3c4d of backup 20261130T060000Z-0badcafe: RTO missed by 300 s';
    const missed = interpretDrillOutcome({ executionId: 'e', status: 'FAILED', error: 'DrillObjectiveMissed', cause });
    expect(missed).toEqual({ kind: 'recorded', verdict: 'OBJECTIVE_MISSED', message: `DrillObjectiveMissed: ${cause}`, drillIdCandidates: ['20261130T101500Z-1a2b3c4d', '20261130T060000Z-0badcafe'] });
    expect(exitCodeOfRun(missed)).toBe(4);
    const failed = interpretDrillOutcome({ executionId: 'e', status: 'FAILED', error: 'DrillFailed', cause: JSON.stringify({ errorMessage: 'RestoreVerificationError in demo-assets' }) });
    expect(failed).toMatchObject({ kind: 'recorded', verdict: 'FAILED', message: 'DrillFailed: RestoreVerificationError in demo-assets', drillIdCandidates: [] });
    expect(exitCodeOfRun(failed)).toBe(1);
  });

  it('treats any other failure, and an output that is not a drill record, as not recorded: exit 1', () => {
    const invalid = interpretDrillOutcome({ executionId: 'e', status: 'FAILED', error: 'InvalidInputError', cause: JSON.stringify({ errorMessage: 'plan: unknown plan x' }) });
    expect(invalid).toEqual({ kind: 'not-recorded', message: 'InvalidInputError: plan: unknown plan x' });
    expect(exitCodeOfRun(invalid)).toBe(1);
    expect(interpretDrillOutcome({ executionId: 'e', status: 'TIMED_OUT' })).toEqual({ kind: 'not-recorded', message: 'TIMED_OUT' });
    expect(interpretDrillOutcome(ok({ verdict: 'PASSED' }))).toMatchObject({ kind: 'not-recorded', message: expect.stringMatching(/^the execution succeeded but its output is not a drill record/) });
  });

  it('finds drill-id-shaped ids once each, in order', () => {
    expect(drillIdCandidates(undefined)).toEqual([]);
    expect(drillIdCandidates('a 20261130T101500Z-1a2b3c4d b 20261130T101500Z-1a2b3c4d')).toEqual(['20261130T101500Z-1a2b3c4d']);
  });
});

describe('lifeboat drill run', () => {
  it('starts the drill in the DR region by default (the sample plan has no drill config) and prints the report: exit 0', async () => {
    const { record } = drillRecordOf(drillReport());
    const { runner, calls } = fakeRunner({ executionId: 'exec-1', status: 'SUCCEEDED', output: record });
    const { out, err, io } = capturedCliIo();
    expect(await drillRunCommand({ ...target, plan: 'demo' }, { io, stderr, runner })).toBe(0);
    expect(calls).toEqual([{ workflow: 'drill', input: { plan: 'demo' }, options: { region: 'dr' } }]);
    expect(out[0]).toBe('Drill     20261130T101500Z-1a2b3c4d (plan demo, environment dev)');
    expect(out).toContain('Verdict   PASSED: every source restored and verified, objectives met');
    expect(out.at(-1)).toBe('Execution exec-1');
    expect(err).toEqual([]);
  });

  it("a local run's last line names the command that shows its history, with the run's --data-dir (review r57N F3)", async () => {
    const { record } = drillRecordOf(drillReport());
    const { runner } = fakeRunner({ executionId: 'exec-1', status: 'SUCCEEDED', output: record, historyFile: '/srv/dr cloud/executions/exec-1.json' });
    const { out, io } = capturedCliIo();
    expect(await drillRunCommand({ ...target, dataDir: '/srv/dr cloud', plan: 'demo' }, { io, stderr, runner })).toBe(0);
    expect(out.at(-1)).toBe("Execution exec-1 (lifeboat executions show exec-1 --data-dir '/srv/dr cloud')");
  });

  it('reads the report of a drill that missed its objective back from the catalog of the region it ran in: exit 4', async () => {
    const memory = inMemoryDrillAccess();
    const { record } = drillRecordOf(objectiveMissedReport({ vault: 'primary', region: 'us-east-1' }));
    memory.catalogs.primary.push(record);
    const { runner, calls } = fakeRunner({ executionId: record.execution, status: 'FAILED', error: 'DrillObjectiveMissed', cause: `drill ${record.drillId} of backup 20261130T060000Z-0badcafe: RTO missed by 300 s` });
    const { out, err, io } = capturedCliIo();
    expect(await drillRunCommand({ ...target, plan: 'demo', vault: 'primary', backup: '20261130T060000Z-0badcafe' }, { io, stderr, runner, access: memory.access })).toBe(4);
    expect(calls[0]).toEqual({ workflow: 'drill', input: { plan: 'demo', backupId: '20261130T060000Z-0badcafe' }, options: { region: 'primary' } });
    expect(out).toContain('RTO       1 h 05 min of 1 h: MISSED by 5 min');
    expect(out).toContain(`Report    drills/${record.drillId}.json in the primary vault, SHA-256 ${record.reportSha256}`);
    expect(err).toEqual([`Drill OBJECTIVE_MISSED: DrillObjectiveMissed: drill ${record.drillId} of backup 20261130T060000Z-0badcafe: RTO missed by 300 s`]);
  });

  it('without an id in the cause, takes the drill of this execution started since the command: exit 1 and the report in --json', async () => {
    const memory = inMemoryDrillAccess();
    const older = drillRecordOf(drillReport({ drillId: '20261130T090000Z-00000001', startedAt: '2026-11-30T09:00:00.000Z', execution: 'exec-3' })).record;
    const { record } = drillRecordOf(failedReport({ drillId: '20261130T101500Z-0000000f', startedAt: '2026-11-30T10:15:00.000Z', execution: 'exec-3' }));
    memory.catalogs.dr.push(older, record);
    const { runner } = fakeRunner({ executionId: 'exec-3', status: 'FAILED', error: 'DrillFailed', cause: 'NoBackupToDrillError: no backup' });
    const { out, io } = capturedCliIo();
    const code = await drillRunCommand({ ...target, plan: 'demo', json: true }, { io, stderr, runner, access: memory.access, now: () => new Date('2026-11-30T10:14:59.000Z') });
    expect(code).toBe(1);
    expect(JSON.parse(out.join('\n'))).toEqual({ executionId: 'exec-3', status: 'FAILED', verdict: 'FAILED', report: record, error: 'DrillFailed: NoBackupToDrillError: no backup' });
  });

  it('never prints a concurrent drill of the same plan: the record must be of this execution (an AWS ARN\'s name), else it says none was found', async () => {
    const memory = inMemoryDrillAccess();
    const mine = drillRecordOf(objectiveMissedReport({ drillId: '20261130T101500Z-aaaaaaaa', startedAt: '2026-11-30T10:15:00.000Z', execution: 'mine' })).record;
    // Started 30 s later by someone else, and recorded PASSED before ours ended: the newest drill of the plan.
    const theirs = drillRecordOf(drillReport({ drillId: '20261130T101530Z-bbbbbbbb', startedAt: '2026-11-30T10:15:30.000Z', execution: 'theirs' })).record;
    memory.catalogs.dr.push(mine, theirs);
    const arn = 'arn:aws:states:us-west-2:111111111111:execution:lifeboat-dev-drill:mine';
    const { runner } = fakeRunner({ executionId: arn, status: 'FAILED', error: 'DrillObjectiveMissed', cause: "RPO missed: the backup's age 25.0 h exceeded the RPO of 24.0 h" });
    const ours = capturedCliIo();
    const now = () => new Date('2026-11-30T10:14:59.000Z');
    expect(await drillRunCommand({ ...target, plan: 'demo', json: true }, { io: ours.io, stderr, runner, access: memory.access, now })).toBe(4);
    expect(JSON.parse(ours.out.join('\n'))).toMatchObject({ executionId: arn, verdict: 'OBJECTIVE_MISSED', report: { drillId: mine.drillId, execution: 'mine' } });

    memory.catalogs.dr.splice(0, 1);
    const none = capturedCliIo();
    expect(await drillRunCommand({ ...target, plan: 'demo' }, { io: none.io, stderr, runner, access: memory.access, now })).toBe(4);
    expect(none.out.join('\n')).not.toContain(theirs.drillId);
    expect(none.err[1]).toBe('The drill recorded a report that could not be read back (no drill of plan demo by execution mine is recorded in the dr catalog since 2026-11-30T10:14:59.000Z): see lifeboat drills list --plan demo --vault dr');
  });

  it('says so when a recorded report cannot be read back (the region\'s catalog down), keeping the verdict\'s exit code', async () => {
    const memory = inMemoryDrillAccess();
    memory.down.add('dr');
    const { runner } = fakeRunner({ executionId: 'exec-4', status: 'FAILED', error: 'DrillObjectiveMissed', cause: 'RPO missed' });
    const { err, io } = capturedCliIo();
    expect(await drillRunCommand({ ...target, plan: 'demo' }, { io, stderr, runner, access: memory.access })).toBe(4);
    expect(err[1]).toMatch(/^The drill recorded a report that could not be read back \(connect ECONNREFUSED .*\): see lifeboat drills list --plan demo --vault dr$/);
  });

  it('exits 1 with the error when the execution failed before recording anything', async () => {
    const { runner } = fakeRunner({ executionId: 'exec-5', status: 'FAILED', error: 'InvalidInputError', cause: JSON.stringify({ errorMessage: 'backupId: backup 20261130T060000Z-0badcafe belongs to plan logs, not demo' }) });
    const { err, io } = capturedCliIo();
    expect(await drillRunCommand({ ...target, plan: 'demo' }, { io, stderr, runner })).toBe(1);
    expect(err).toEqual(['Drill FAILED: InvalidInputError: backupId: backup 20261130T060000Z-0badcafe belongs to plan logs, not demo']);
  });

  // Review r63R F7: the execution's error was printed raw and whole; its cause may quote a source object's key.
  it("escapes the execution's error and cuts a run-away one to 1,000 characters, saying --json has it all; an ordinary one reads as it was", async () => {
    const forged = `States.TaskFailed: key "photos/\u202egpj.exe\u009b31m"\n✓ Drill PASSED ${'x'.repeat(1_200)}`;
    const { runner } = fakeRunner({ executionId: 'exec-6', status: 'FAILED', error: 'InvalidInputError', cause: JSON.stringify({ errorMessage: forged }) });
    const { err, io } = capturedCliIo();
    expect(await drillRunCommand({ ...target, plan: 'demo' }, { io, stderr, runner })).toBe(1);
    const said = `InvalidInputError: ${forged}`;
    const kept = [...said].slice(0, 1_000).join('').replace('\u202e', '\\u202e').replace('\u009b', '\\u009b').replace('\n', '\\u000a');
    expect(err).toEqual([`Drill FAILED: ${kept}… (cut from ${[...said].length} characters) (--json has all of it)`]);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(err[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/u);
  });

  // Review r63X F3: a refusal's own message ends with the way out, and the 200 cut dropped it.
  it("prints a refusal's bounded message whole, its way out included (a ForgottenBackupError)", async () => {
    const refusal = new ForgottenBackupError('20261130T060000Z-0badcafe', '2026-12-01T03:00:00.000Z', 'primary');
    const { runner } = fakeRunner({ executionId: 'exec-7', status: 'FAILED', error: 'ForgottenBackupError', cause: JSON.stringify({ errorType: 'ForgottenBackupError', errorMessage: refusal.message }) });
    const { err, io } = capturedCliIo();
    expect(await drillRunCommand({ ...target, plan: 'demo', backup: '20261130T060000Z-0badcafe' }, { io, stderr, runner })).toBe(1);
    expect(err).toEqual([`Drill FAILED: ForgottenBackupError: ${refusal.message}`]);
    expect(err[0]).toMatch(/or restore it from the other vault if that one still keeps it\.$/);
  });

  it.each([
    [{ plan: 'nope' }, 'lifeboat drill run: --plan nope: no such plan in this environment (plans: demo)'],
    [{ plan: 'demo', vault: 'both' }, 'lifeboat drill run: --vault must be dr or primary, got both'],
    [{ plan: 'demo', backup: 'yesterday' }, 'lifeboat drill run: --backup yesterday: must be a backup id such as 20261124T100000Z-1a2b3c4d (see lifeboat backups list)'],
  ])('refuses %j with exit 2 without starting anything', async (bad, message) => {
    const { runner, calls } = fakeRunner({ executionId: 'never', status: 'SUCCEEDED' });
    const { err, io } = capturedCliIo();
    expect(await drillRunCommand({ ...target, ...bad }, { io, stderr, runner })).toBe(2);
    expect(err).toEqual([message]);
    expect(calls).toEqual([]);
  });
});
