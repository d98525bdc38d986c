import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { parseTargetSpec, restoreCommand, type RestoreCommandOptions } from '../../../cli/commands/restore-commands';
import { type EnvironmentAccess } from '../../../cli/environment-access';
import { awsWorkflowRunner, type WorkflowRunner } from '../../../cli/workflow-runner';
import { restoreFlagHint } from '../../../cli/runbook-field-flags';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { UnknownBackupError } from '../../../lambdas/catalog/catalog-errors';
import { approvalWaitLine } from '../../../cli/approval-wait-line';
import { capturedCliDeps } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat restore --from dr` runs the DR region's own restore runbook (with a client of the DR region
 * only, as `lifeboat failover`), so that it works with the primary region down; an S3 target's prefix is
 * a folder; a failed restore's hints name the options and regions that help.
 */
const configFile = SAMPLE_CONFIG_FILE;
const environment = findEnvironment(loadLifeboatConfig(configFile), 'dev');
const BACKUP = '20261205T010148Z-ef61cda1';
const base: RestoreCommandOptions = { config: configFile, env: 'dev', dataDir: '.unused', source: 'demo-orders', backup: BACKUP, target: 'dynamodb://lifeboat-dev-restore-outage' };

/** A runner that records what it was asked to run and answers `outcome`. */
function recordingRunner(outcome: Awaited<ReturnType<WorkflowRunner['run']>>) {
  const calls: { workflow: string; input: unknown; region: string | undefined }[] = [];
  const runner: WorkflowRunner = {
    run: async (workflow, input, _progress, options) => {
      calls.push({ workflow, input, region: options?.region });
      return outcome;
    },
  };
  return { calls, runner };
}

const succeeded = { executionId: 'r1', status: 'SUCCEEDED' as const, output: { restoreId: 'r1', backupId: BACKUP, source: 'demo-orders', vault: 'dr', entries: 20, bytes: 100, durationMs: 1000, verified: { entries: 20 } } };

describe('restore --from dr', () => {
  it('starts the DR region\'s restore state machine with a DR-region client, and never calls the primary region', async () => {
    const primary = new SFNClient({ region: environment.primaryRegion });
    const dr = new SFNClient({ region: environment.drRegion });
    const primaryMock = mockClient(primary);
    primaryMock.onAnyCommand().rejects(new Error('connect ECONNREFUSED: the primary region is down'));
    const drMock = mockClient(dr);
    drMock.on(StartExecutionCommand).resolves({ executionArn: `arn:aws:states:${environment.drRegion}:${environment.account}:execution:lifeboat-dev-restore:r1` });
    drMock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    drMock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify(succeeded.output) });
    const runner = awsWorkflowRunner({ environment, client: primary, drClient: dr, pollMs: 1 });
    const { out, err, deps } = capturedCliDeps();
    expect(await restoreCommand({ ...base, aws: true, from: 'dr' }, { ...deps, runner })).toBe(0);
    expect(err).toEqual([]);
    const start = drMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.stateMachineArn).toBe(`arn:aws:states:${environment.drRegion}:${environment.account}:stateMachine:lifeboat-dev-restore`);
    expect(JSON.parse(start?.input ?? '{}')).toEqual({ source: 'demo-orders', backupId: BACKUP, target: { type: 'dynamodb', table: 'lifeboat-dev-restore-outage' }, vault: 'dr' });
    expect(primaryMock.calls()).toHaveLength(0);
    expect(out.join('\n')).toMatch(/Backup\s+20261205T010148Z-ef61cda1 \(source demo-orders, dr vault\)/);
  });

  it('asks for the DR region\'s runbook by default, and the primary region\'s with --region primary', async () => {
    const viaDr = recordingRunner(succeeded);
    expect(await restoreCommand({ ...base, from: 'dr' }, { ...capturedCliDeps().deps, runner: viaDr.runner })).toBe(0);
    expect(viaDr.calls).toEqual([{ workflow: 'restore', input: expect.objectContaining({ vault: 'dr' }), region: 'dr' }]);
    const viaPrimary = recordingRunner(succeeded);
    expect(await restoreCommand({ ...base, from: 'dr', region: 'primary' }, { ...capturedCliDeps().deps, runner: viaPrimary.runner })).toBe(0);
    expect(viaPrimary.calls).toEqual([{ workflow: 'restore', input: expect.objectContaining({ vault: 'dr' }), region: 'primary' }]);
    const plain = recordingRunner(succeeded);
    expect(await restoreCommand({ ...base, from: 'primary' }, { ...capturedCliDeps().deps, runner: plain.runner })).toBe(0);
    expect(plain.calls).toEqual([{ workflow: 'restore', input: expect.objectContaining({ vault: 'primary' }), region: 'primary' }]);
  });

  it('refuses --region dr without --from dr (the DR region has no primary vault), exit 2, running nothing', async () => {
    const { calls, runner } = recordingRunner(succeeded);
    const { err, deps } = capturedCliDeps();
    expect(await restoreCommand({ ...base, region: 'dr' }, { ...deps, runner })).toBe(2);
    expect(err).toEqual([
      "lifeboat restore: --region dr runs the DR region's restore runbook, which reads the DR vault only (so that it works with the primary region down); add --from dr, or leave out --region to restore from the primary vault",
    ]);
    expect(calls).toEqual([]);
  });
});

describe('a failed restore says what to do', () => {
  it('with the primary region unreachable, points to --from dr and the failover', async () => {
    const { runner } = recordingRunner({ executionId: 'x1', status: 'FAILED', error: 'TransientError', cause: JSON.stringify({ errorType: 'TransientError', errorMessage: 'Error: connect ECONNREFUSED 127.0.0.1:40827' }) });
    const { err, deps } = capturedCliDeps();
    expect(await restoreCommand(base, { ...deps, runner })).toBe(1);
    expect(err[0]).toBe('Restore FAILED: TransientError: Error: connect ECONNREFUSED 127.0.0.1:40827');
    expect(err[1]).toContain('The primary region does not answer (its catalog or vault could not be reached): restore from the DR region with --from dr');
    expect(err[1]).toContain('`lifeboat failover --plan …`');
  });

  // Audit a59A F3: `--from dr --region primary` with the primary down ended on a bare connection error.
  it('with --from dr --region primary and the primary region unreachable, says to drop --region primary', async () => {
    const { runner } = recordingRunner({ executionId: 'x5', status: 'FAILED', error: 'TransientError', cause: JSON.stringify({ errorType: 'TransientError', errorMessage: 'Error: connect ECONNREFUSED 127.0.0.1:40827' }) });
    const { err, deps } = capturedCliDeps();
    expect(await restoreCommand({ ...base, from: 'dr', region: 'primary' }, { ...deps, runner })).toBe(1);
    expect(err[0]).toBe('Restore FAILED: TransientError: Error: connect ECONNREFUSED 127.0.0.1:40827');
    expect(err[1]).toBe(
      'The primary region does not answer (its restore runbook could not run): drop --region primary, and the DR region\'s own restore runbook restores from the DR vault ' +
        '(targets in the DR region); docs/RUNBOOKS.md, "The primary region is down".',
    );
  });

  // Audit a59A F5: the DR catalog's UnknownBackupError names its commands bare (a function cannot know the run's options).
  it('for a backup the DR catalog lacks, names backups list and the DR catalog\'s rebuild with the run\'s target options', async () => {
    const unknown = new UnknownBackupError(BACKUP, 'DR');
    const { runner } = recordingRunner({ executionId: 'x6', status: 'FAILED', error: unknown.name, cause: unknown.message });
    const { err, deps } = capturedCliDeps();
    expect(await restoreCommand({ ...base, from: 'dr', env: 'staging', dataDir: '/srv/dr cloud' }, { ...deps, runner })).toBe(1);
    expect(err[1]).toBe(
      `With this run's target options: \`lifeboat backups list --env staging --config ${configFile} --data-dir '/srv/dr cloud'\`, ` +
        `\`lifeboat catalog rebuild --vault dr --region dr --env staging --config ${configFile} --data-dir '/srv/dr cloud'\`.`,
    );
  });

  it('while a local run waits for its approval, the approve line ends with the run\'s target options', () => {
    expect(approvalWaitLine('x7', " --env staging --data-dir '/srv/dr cloud'")).toBe("waiting for approval: lifeboat approve x7 --env staging --data-dir '/srv/dr cloud' (or --reject --reason …)");
  });

  it("a local run's last line names the command that shows its history, with the run's --data-dir (review r57N F3)", async () => {
    const { runner } = recordingRunner({ executionId: 'x4', status: 'FAILED', error: 'VaultNotFoundError', cause: 's3://x holds no vault', historyFile: '/srv/dr cloud/executions/x4.json' });
    const { err, deps } = capturedCliDeps();
    expect(await restoreCommand({ ...base, dataDir: '/srv/dr cloud' }, { ...deps, runner })).toBe(1);
    expect(err.at(-1)).toBe("Execution x4 (lifeboat executions show x4 --data-dir '/srv/dr cloud')");
  });

  it('names --prefix for a filter the runbook refuses on a table', async () => {
    const { runner } = recordingRunner({ executionId: 'x2', status: 'FAILED', error: 'InvalidInputError', cause: 'Invalid restore request: filter: a DynamoDB table is restored whole; remove "filter" (it applies to S3 keys and directory paths)' });
    const { err, deps } = capturedCliDeps();
    expect(await restoreCommand({ ...base, prefix: 'x' }, { ...deps, runner })).toBe(1);
    expect(err[1]).toBe('On the command line: "filter" is --prefix.');
    // A message that names filter.prefix names the option once.
    expect(restoreFlagHint('Invalid restore request: filter.prefix: Too small')).toBe('On the command line: "filter.prefix" is --prefix.');
  });

  it('for a backup the primary vault forgot, says the DR vault still keeps it and names --from dr', async () => {
    const forgotten = { executionId: 'x3', status: 'FAILED' as const, error: 'ForgottenBackupError', cause: `Backup ${BACKUP} was forgotten by retention at 2026-12-05T02:00:00.000Z: its snapshots are no longer in the primary vault. Choose a kept backup (\`lifeboat backups list\`), or restore it from the other vault if that one still keeps it.` };
    const drRecord = { backupId: BACKUP, status: 'COMMITTED' } as BackupRecord;
    const access = (record: BackupRecord | undefined) => ({ catalogIn: (region: 'primary' | 'dr') => ({ getBackup: async () => (region === 'dr' ? record : undefined) }) }) as unknown as EnvironmentAccess;
    const kept = capturedCliDeps();
    expect(await restoreCommand(base, { ...kept.deps, runner: recordingRunner(forgotten).runner, access: access(drRecord) })).toBe(1);
    expect(kept.err.slice(1)).toEqual(['The DR vault still keeps it: restore it with --from dr.', 'Execution x3']);
    const alsoForgotten = capturedCliDeps();
    expect(await restoreCommand(base, { ...alsoForgotten.deps, runner: recordingRunner(forgotten).runner, access: access({ ...drRecord, forgottenAt: '2026-12-05T03:00:00.000Z' }) })).toBe(1);
    expect(alsoForgotten.err.slice(1)).toEqual(['Execution x3']);
  });
});

describe('--target s3://bucket/prefix', () => {
  it.each([
    ['s3://b/restored', 'restored/'],
    ['s3://b/restored/', 'restored/'],
    ['s3://b/a/b', 'a/b/'],
    ['s3://b', ''],
    ['s3://b/', ''],
  ])('%s restores under the folder %j', (spec, prefix) => expect(parseTargetSpec(spec)).toEqual({ type: 's3', bucket: 'b', prefix }));
});
