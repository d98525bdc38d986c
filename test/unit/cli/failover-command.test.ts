import { Command } from 'commander';
import { failoverCommand, type FailoverCommandOptions, failoverInput, formatFailoverReport, formatIncompleteFailover, registerFailoverCommand } from '../../../cli/commands/failover-command';
import { type WorkflowOutcome, type WorkflowRunner } from '../../../cli/workflow-runner';
import { type FailoverReport } from '../../../lambdas/failover/failover-report';
import { capturedCliDeps } from '../../support/captured-cli-io';

/** `lifeboat failover`: the command line → the runbook input, the DR region, exit codes and the report. */

function runnerReturning(outcome: WorkflowOutcome) {
  const calls: unknown[][] = [];
  const runner: WorkflowRunner = {
    run: async (workflow, input, _onProgress, options) => {
      calls.push([workflow, input, options]);
      return outcome;
    },
  };
  return { runner, calls };
}

const options = { config: 'lifeboat.config.json', env: 'dev', dataDir: '.unused' };

const report: FailoverReport = {
  failoverId: 'f1',
  plan: 'demo',
  backup: { backupId: '20261124T100000Z-1a2b3c4d', startedAt: '2026-11-24T10:00:00.000Z' },
  startedAt: '2026-11-24T12:00:00.000Z',
  finishedAt: '2026-11-24T13:02:05.000Z',
  sources: [{ source: 'demo-assets', type: 's3', target: 's3://lifeboat-dev-restore-demo-assets-failover/', entries: 308, bytes: 1536, rtoSeconds: 250 }],
  rtoSeconds: 3725,
  rpoSeconds: 7200,
  objectives: { rtoMinutes: 60, rpoMinutes: 1440, rtoMet: false, rpoMet: true },
};

it.each([
  [{ plan: 'demo' }, { plan: 'demo' }],
  [{ plan: 'demo', backup: '20261124T100000Z-1a2b3c4d' }, { plan: 'demo', backupId: '20261124T100000Z-1a2b3c4d' }],
  [{ plan: 'demo', at: '2026-11-24T10:00:00Z', targetSuffix: 'dr2', overwrite: true }, { plan: 'demo', at: '2026-11-24T10:00:00Z', targetSuffix: 'dr2', overwrite: true }],
])('maps %j to the runbook input %j', (given, input) => {
  expect(failoverInput(given)).toEqual(input);
});

it('refuses --backup with --at, exit 2, without starting anything', async () => {
  const { runner, calls } = runnerReturning({ executionId: 'x', status: 'SUCCEEDED' });
  const { err, deps } = capturedCliDeps();
  expect(await failoverCommand({ ...options, plan: 'demo', backup: '20261124T100000Z-1a2b3c4d', at: '2026-11-24T10:00:00Z' }, { ...deps, runner })).toBe(2);
  expect(err).toEqual(['lifeboat failover: give at most one of --backup <id> and --at <time> (neither: the newest backup in the DR vault)']);
  expect(calls).toEqual([]);
});

/** The options commander hands the action for a command line (the action replaced, so nothing runs). */
async function parsedOptions(args: string[]): Promise<FailoverCommandOptions> {
  const program = new Command('lifeboat').exitOverride();
  registerFailoverCommand(program);
  let parsed: FailoverCommandOptions | undefined;
  const failover = program.commands.find((c) => c.name() === 'failover');
  failover?.exitOverride().action((opts: FailoverCommandOptions) => {
    parsed = opts;
  });
  await program.parseAsync(['failover', '--plan', 'demo', ...args], { from: 'user' });
  if (!parsed) throw new Error('the failover action did not run');
  return parsed;
}

it.each([
  [[], { plan: 'demo' }],
  // A mirror keeping deleted objects (deleteMarkers false) is used only with useMirrors given true, which the console alone could send (review r13 F1).
  [['--use-mirrors'], { plan: 'demo', useMirrors: true }],
  [['--no-mirrors'], { plan: 'demo', useMirrors: false }],
  // The runbook refuses useMirrors with a backup named, naming the field: the command line sends it as given.
  [['--use-mirrors', '--backup', '20261124T100000Z-1a2b3c4d'], { plan: 'demo', backupId: '20261124T100000Z-1a2b3c4d', useMirrors: true }],
])('the command line failover --plan demo %j sends the runbook input %j (useMirrors only when a flag gives it)', async (args, input) => {
  const { requestedBy: _requestedBy, ...sent } = failoverInput(await parsedOptions(args));
  expect(sent).toEqual(input);
});

it('refuses --use-mirrors with --no-mirrors, exit 2, without starting anything', async () => {
  const { runner, calls } = runnerReturning({ executionId: 'x', status: 'SUCCEEDED' });
  const { err, deps } = capturedCliDeps();
  expect(await failoverCommand({ ...options, plan: 'demo', useMirrors: true, mirrors: false }, { ...deps, runner })).toBe(2);
  expect(err).toEqual(['lifeboat failover: give at most one of --use-mirrors and --no-mirrors (neither: the mirrors that are fresh enough, but not those keeping deleted objects)']);
  expect(calls).toEqual([]);
});

it('runs the failover workflow in the DR region and prints the sources, RTO and RPO against the objectives', async () => {
  const { runner, calls } = runnerReturning({ executionId: 'f1', status: 'SUCCEEDED', output: report });
  const { out, deps } = capturedCliDeps();
  expect(await failoverCommand({ ...options, plan: 'demo', targetSuffix: 'dr2' }, { ...deps, runner })).toBe(0);
  expect(calls).toEqual([['failover', { plan: 'demo', targetSuffix: 'dr2' }, { region: 'dr' }]]);
  const text = out.join('\n');
  expect(text).toMatch(/demo-assets\s*│\s*vault\s*│\s*s3:\/\/lifeboat-dev-restore-demo-assets-failover\/\s*│\s*308\s*│\s*1\.5 KiB\s*│\s*4 min 10 s/);
  expect(text).toContain('RTO 1 h 02 min 05 s (objective 60 min: NOT MET)');
  expect(text).toContain('RPO 2 h 00 min 00 s (objective 1440 min: met)');
});

it('reports a failed run with the error and the handler message, exit 1; --json for scripts', async () => {
  const cause = JSON.stringify({ errorType: 'InvalidInputError', errorMessage: 'Invalid failover input: overwrite: the failover target …' });
  const { runner } = runnerReturning({ executionId: 'f2', status: 'FAILED', error: 'InvalidInputError', cause });
  const human = capturedCliDeps();
  expect(await failoverCommand({ ...options, plan: 'demo' }, { ...human.deps, runner })).toBe(1);
  expect(human.err[0]).toBe('Failover FAILED: InvalidInputError: Invalid failover input: overwrite: the failover target …');
  const json = capturedCliDeps();
  expect(await failoverCommand({ ...options, plan: 'demo', json: true }, { ...json.deps, runner })).toBe(1);
  expect(JSON.parse(json.out.join('\n'))).toEqual({ executionId: 'f2', status: 'FAILED', error: 'InvalidInputError', cause: 'Invalid failover input: overwrite: the failover target …' });
});

// Review r60E F4: the function's rebuild command names its --env (and --aws) only; pasted, it missed this run's --data-dir.
it("after the failover function's hint to rebuild the DR catalog, names the rebuild with the run's own target options", async () => {
  const cause = JSON.stringify({
    errorType: 'InvalidInputError',
    errorMessage:
      'Invalid failover input: plan: plan "demo" has no committed backup in the DR catalog; a backup reaches it once the backup\'s Replicate step has copied it to the DR vault; ' +
      'if the DR vault holds backups, the DR catalog may have been lost: rebuild it from the DR vault with `lifeboat catalog rebuild --vault dr --region dr --env staging` (and --data-dir <dir> for a local cloud not in .lifeboat), then start the failover again',
  });
  const { runner } = runnerReturning({ executionId: 'f3', status: 'FAILED', error: 'InvalidInputError', cause });
  const { err, deps } = capturedCliDeps();
  expect(await failoverCommand({ ...options, env: 'staging', dataDir: '/srv/dr cloud', plan: 'demo' }, { ...deps, runner })).toBe(1);
  expect(err[1]).toBe("With this run's target options: `lifeboat catalog rebuild --vault dr --region dr --env staging --data-dir '/srv/dr cloud'`.");
});

it('gives each source its own data age: the backup\'s start only for the vault\'s, a mirror\'s from its data age; no "from the DR vault" when none came from it (audit c1-1)', () => {
  const mirror = { source: 'demo-assets', type: 's3' as const, target: 's3://lifeboat-dev-mirror-demo-assets/', entries: 0, bytes: 0, rtoSeconds: 0, from: 'mirror' as const, reason: 'data at most 60 s old', dataAgeSeconds: 60 };
  const onlyMirror = formatFailoverReport({ ...report, sources: [mirror], rpoSeconds: 60 });
  expect(onlyMirror[0]).toBe('Failover f1 of plan demo: demo-assets from its mirror; no source from the DR vault (its newest backup, 20261124T100000Z-1a2b3c4d, was not restored)');
  expect(onlyMirror).toContain('RPO 1 min 00 s (objective 1440 min: met): the data is, per source: demo-assets (its mirror) as of 2026-11-24T11:59:00.000Z or later');
  const vault = { source: 'demo-t', type: 'dynamodb' as const, target: 'dynamodb table lifeboat-dev-restore-demo-t-failover', entries: 1, items: 3, bytes: 10, rtoSeconds: 2, from: 'vault' as const };
  const both = formatFailoverReport({ ...report, sources: [{ ...mirror, dataAgeSeconds: 72000 }, vault], rpoSeconds: 72000 });
  expect(both[0]).toBe('Failover f1 of plan demo: backup 20261124T100000Z-1a2b3c4d (started 2026-11-24T10:00:00.000Z), from the DR vault; demo-assets from its mirror');
  expect(both).toContain('RPO 20 h 00 min 00 s (objective 1440 min: met): the data is, per source: demo-t (the DR vault) as of 2026-11-24T10:00:00.000Z; demo-assets (its mirror) as of 2026-11-23T16:00:00.000Z or later');
  expect(formatFailoverReport(report)).toContain('RPO 2 h 00 min 00 s (objective 1440 min: met): the data is as of 2026-11-24T10:00:00.000Z');
  const incomplete = formatIncompleteFailover({
    ...report,
    sources: [mirror],
    failed: [{ source: 'demo-t', type: 'dynamodb', target: 'dynamodb table lifeboat-dev-restore-demo-t-failover', error: 'RestoreIncompleteError', message: 'm', action: 'a' }],
  }, options);
  expect(incomplete).toContain('Live sources: the data is, per source: demo-assets (its mirror) as of 2026-11-24T11:59:00.000Z or later');
});

// Review r58D F3: a source whose target lacks entries or attributes (its restore's notRestored) printed as any other,
// "Point the applications at the targets above", and nothing said what the target lacked.
it('lists what a source restored in part lacks under the table, escaped, counting the entries a line stands for; the partial failover marks it "live, in part"', () => {
  const files = {
    source: 'demo-files',
    type: 'filesystem' as const,
    target: 'efs:/mnt/lifeboat/restore-demo-files-failover',
    entries: 5003,
    bytes: 10,
    rtoSeconds: 20,
    notRestored: {
      count: 5002,
      kinds: ['extended attributes not restored', 'FIFO not recreated'],
      first: [
        { path: 'docs/a', what: 'extended attributes not restored: koffi cannot be loaded (and for 4999 more entries)', entries: 5000 },
        { path: 'pipes/\u001b[2Jp1', what: 'FIFO not recreated: EPERM' },
      ],
    },
  };
  const section = [
    'Restored in part (the rest restored and verified):',
    '  demo-files: 5002 entries or attributes not restored (extended attributes not restored, FIFO not recreated); the target lacks them, not counted as verified:',
    '    docs/a: extended attributes not restored: koffi cannot be loaded (and for 4999 more entries)',
    '    pipes/\\x1b[2Jp1: FIFO not recreated: EPERM',
    '    … and 1 more',
  ];
  const lines = formatFailoverReport({ ...report, sources: [...report.sources, files] });
  expect(lines.slice(2, 2 + section.length)).toEqual(section);
  // A source that lacks nothing: no such section.
  expect(formatFailoverReport(report).join('\n')).not.toContain('Restored in part');
  const incomplete = formatIncompleteFailover(
    { ...report, sources: [files], failed: [{ source: 'demo-t', type: 'dynamodb', target: 'dynamodb table lifeboat-dev-restore-demo-t-failover', error: 'RestoreIncompleteError', message: 'm', action: 'a' }] },
    options,
  );
  expect(incomplete[1]).toMatch(/│ demo-files +│ live, in part +│ efs:\/mnt\/lifeboat\/restore-demo-files-failover +│/);
  expect(incomplete.slice(2, 2 + section.length)).toEqual(section);
});

// Review f58O: what the restored backup left out of a source (archived objects it skipped, files that vanished while
// read) was dropped from the failover's report, and lifeboat failover printed the source as any other.
it("lists what a source's backup left out under the table as lifeboat drills show does, escaped; the partial failover marks it \"live, in part\"", () => {
  const bucket = {
    source: 'demo-archive',
    type: 's3' as const,
    target: 's3://lifeboat-dev-restore-demo-archive-failover/',
    entries: 300,
    bytes: 10,
    rtoSeconds: 20,
    backupLeftOut: { skipped: 5000, skippedExamples: ['cold/ledger-2025.csv: in storage class GLACIER (archived); not backed up', 'cold/\u001b[2Jq1.csv: cannot read'], vanished: 2, changedDuringRead: 0 },
  };
  const section = [
    'Restored in part (the rest restored and verified):',
    '  demo-archive: 5002 left out by the backup (counts of the whole source): 5000 skipped as archived or unreadable; 2 vanished between listing and reading',
    '    cold/ledger-2025.csv: in storage class GLACIER (archived); not backed up',
    '    cold/\\x1b[2Jq1.csv: cannot read',
  ];
  expect(formatFailoverReport({ ...report, sources: [...report.sources, bucket] }).slice(2, 2 + section.length)).toEqual(section);
  const unknown = formatFailoverReport({ ...report, sources: [{ ...bucket, backupLeftOut: { unknown: 'the backup\'s catalog record could not be read (Throttled: \u0007)' } }] });
  expect(unknown.slice(2, 4)).toEqual(['Restored in part (the rest restored and verified):', "  demo-archive: left out by the backup not known (the backup's catalog record could not be read (Throttled: \\a))"]);
  const incomplete = formatIncompleteFailover(
    { ...report, sources: [bucket], failed: [{ source: 'demo-t', type: 'dynamodb', target: 'dynamodb table lifeboat-dev-restore-demo-t-failover', error: 'RestoreIncompleteError', message: 'm', action: 'a' }] },
    options,
  );
  expect(incomplete[1]).toMatch(/│ demo-archive +│ live, in part +│ s3:\/\/lifeboat-dev-restore-demo-archive-failover\/ +│/);
  expect(incomplete.slice(2, 2 + section.length)).toEqual(section);
});

it('prints an RPO it cannot measure as unknown, judged neither way (review r64O F5)', () => {
  const { rpoSeconds: _rpo, ...unmeasured } = report;
  const lines = formatFailoverReport({ ...unmeasured, objectives: { rtoMinutes: 60, rpoMinutes: 1440, rtoMet: false } });
  expect(lines.find((l) => l.startsWith('RPO'))).toBe("RPO unknown (objective 1440 min: not judged, the backup's startedAt is not a time): the data is as of 2026-11-24T10:00:00.000Z");
});

// f65E (6): the backup's startedAt is any string of a record; printed raw, a newline forged a line of the report and an
// ESC coloured the terminal. It is escaped (and cut) as other record text is shown (shownItemKeyPart).
it("shows the backup's start escaped in every line that names it", () => {
  const forged = 'x\n✓ failover complete\u001b[32m';
  const { rpoSeconds: _rpo, ...unmeasured } = report;
  const vault = { source: 'demo-t', type: 'dynamodb' as const, target: 'dynamodb table lifeboat-dev-restore-demo-t-failover', entries: 1, items: 3, bytes: 10, rtoSeconds: 2, from: 'vault' as const };
  const mirror = { source: 'demo-assets', type: 's3' as const, target: 's3://lifeboat-dev-mirror-demo-assets/', entries: 0, bytes: 0, rtoSeconds: 0, from: 'mirror' as const, reason: 'r', dataAgeSeconds: 60 };
  const forgedBackup = { ...unmeasured.backup, startedAt: forged };
  const lines = [
    ...formatFailoverReport({ ...unmeasured, backup: forgedBackup }),
    ...formatFailoverReport({ ...unmeasured, backup: forgedBackup, sources: [mirror, vault] }),
  ];
  expect(lines.join('\n')).not.toContain('\u001b');
  expect(lines.join('\n')).not.toContain('x\n✓');
  expect(lines.find((l) => l.startsWith('RPO'))).toContain('the data is as of x\\u000a✓ failover complete\\u001b[32m');
});

it('f65N (r65E F2): prints a long offset ISO start as its instant whole, in every line that names it', () => {
  // 44 characters, a real time: cut as record text, its middle (the hour) was lost.
  const long = '2026-11-24T10:00:00.000000000000000000+00:00';
  const vault = { source: 'demo-t', type: 'dynamodb' as const, target: 'dynamodb table lifeboat-dev-restore-demo-t-failover', entries: 1, items: 3, bytes: 10, rtoSeconds: 2, from: 'vault' as const };
  const mirror = { source: 'demo-assets', type: 's3' as const, target: 's3://lifeboat-dev-mirror-demo-assets/', entries: 0, bytes: 0, rtoSeconds: 0, from: 'mirror' as const, reason: 'r', dataAgeSeconds: 60 };
  const backup = { ...report.backup, startedAt: long };
  const whole = formatFailoverReport({ ...report, backup });
  const perSource = formatFailoverReport({ ...report, backup, sources: [mirror, vault] });
  expect(whole.find((l) => l.startsWith('RPO'))).toContain('the data is as of 2026-11-24T10:00:00.000Z');
  expect(perSource.join('\n')).toContain('(started 2026-11-24T10:00:00.000Z)');
  expect(perSource.find((l) => l.startsWith('RPO'))).toContain('demo-t (the DR vault) as of 2026-11-24T10:00:00.000Z');
  expect([...whole, ...perSource].join('\n')).not.toContain('cut from');
});
