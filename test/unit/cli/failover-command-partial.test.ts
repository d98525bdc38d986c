import { failoverCommand, failoverInput } from '../../../cli/commands/failover-command';
import { type WorkflowOutcome, type WorkflowRunner } from '../../../cli/workflow-runner';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { awsFailoverReportReader, localFailoverReportReader, reportOfStepOutput } from '../../../cli/failover-report-from-history';
import { failoverIncompleteCause, reportStepOutput } from '../../../lambdas/failover/failover-incomplete';
import { saveExecutionHistory } from '../../../local/executor/execution-history';
import { type FailoverReport } from '../../../lambdas/failover/failover-report';
import { capturedCliDeps } from '../../support/captured-cli-io';

/**
 * `lifeboat failover` when a source's restore failed (FailoverIncompleteError): per source live (its target) or
 * FAILED (its error), what to point the applications at, and the command that restores only the failed sources.
 */

const runnerReturning = (outcome: WorkflowOutcome): WorkflowRunner => ({ run: () => Promise.resolve(outcome) });
const options = { config: 'lifeboat.config.json', env: 'au', dataDir: '.unused' };
// Printed absolute, as any --data-dir but the literal default (review r58E F3).
const UNUSED_DATA_DIR = path.resolve('.unused');
const BACKUP = '20261205T100000Z-1a2b3c4d';
// The report function's environment (LIFEBOAT_ENVIRONMENT), in AWS.
const IN_AWS = { environment: 'au', localCloud: false };

const report: FailoverReport = {
  failoverId: 'f-1',
  plan: 'trio',
  backup: { backupId: BACKUP, startedAt: '2026-12-05T10:00:00.000Z' },
  startedAt: '2026-12-05T12:00:00.000Z',
  finishedAt: '2026-12-05T12:01:00.000Z',
  sources: [
    { source: 'trio-a', type: 's3', target: 's3://lifeboat-au-restore-trio-a-cli/', entries: 29, bytes: 4096, rtoSeconds: 3, from: 'vault' },
    { source: 'trio-t', type: 'dynamodb', target: 'dynamodb table lifeboat-au-restore-trio-t-cli', entries: 1, items: 60, bytes: 6000, rtoSeconds: 5, from: 'vault' },
  ],
  rtoSeconds: 60,
  rpoSeconds: 7200,
  objectives: { rtoMinutes: 60, rpoMinutes: 1440, rtoMet: false, rpoMet: true },
  failed: [{ source: 'trio-b', type: 's3', target: 's3://lifeboat-au-restore-trio-b-cli/', error: 'RestoreIncompleteError', message: '1 object(s) could not be restored (e.g. "readme.txt")', action: 'Fix what the error names, then restore it.' }],
  finish: { plan: 'trio', backupId: BACKUP, targetSuffix: 'cli', overwrite: true, sources: ['trio-b'] },
};
const incomplete: WorkflowOutcome = { executionId: 'f-1', status: 'FAILED', error: 'FailoverIncompleteError', cause: failoverIncompleteCause(report, IN_AWS) };

it('prints per source live with its target or FAILED with its error, and the command that finishes the failover; exit 1', async () => {
  const { out, err, deps } = capturedCliDeps();
  expect(await failoverCommand({ ...options, plan: 'trio', targetSuffix: 'cli' }, { ...deps, runner: runnerReturning(incomplete) })).toBe(1);
  expect(out).toEqual([]);
  const text = err.join('\n');
  expect(err[0]).toBe(`Failover f-1 of plan trio is INCOMPLETE: 1 of 3 source(s) not restored; backup ${BACKUP} (started 2026-12-05T10:00:00.000Z), from the DR vault`);
  expect(text).toMatch(/trio-a\s*│\s*live\s*│\s*s3:\/\/lifeboat-au-restore-trio-a-cli\/\s*│/);
  expect(text).toMatch(/trio-t\s*│\s*live\s*│\s*dynamodb table lifeboat-au-restore-trio-t-cli\s*│/);
  expect(text).toMatch(/trio-b\s*│\s*FAILED\s*│\s*s3:\/\/lifeboat-au-restore-trio-b-cli\/ \(not for the applications\)\s*│\s*RestoreIncompleteError: 1 object\(s\) could not be restored/);
  expect(err).toContain('trio-b: Fix what the error names, then restore it.');
  expect(err).toContain('Point the applications of trio-a, trio-t at their targets above (docs/RUNBOOKS.md, "A source fails").');
  expect(err).toContain(`  lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-b --overwrite --env au --data-dir ${UNUSED_DATA_DIR}`);
  expect(err).toContain(`  or in the console: {"plan":"trio","backupId":"${BACKUP}","targetSuffix":"cli","overwrite":true,"sources":["trio-b"]}`);
  expect(err.at(-1)).toBe(`Execution f-1`);
});

it('--json gives scripts the partial report beside the error and the summary', async () => {
  const { out, deps } = capturedCliDeps();
  expect(await failoverCommand({ ...options, plan: 'trio', json: true }, { ...deps, runner: runnerReturning(incomplete) })).toBe(1);
  const printed = JSON.parse(out.join('\n')) as { status: string; error: string; cause: string; report: FailoverReport };
  expect(printed.report).toEqual(report);
  expect(printed).toMatchObject({ status: 'FAILED', error: 'FailoverIncompleteError', cause: expect.stringMatching(/^Failover f-1 of plan "trio" is incomplete: 1 of 3 source\(s\) not restored, 2 live\./) as unknown as string });
});

describe('a cause cut to fit Step Functions\' 32,768 characters, without the report (from ~20 failed sources; audit aX1-2)', () => {
  const cut = JSON.stringify({ errorType: 'FailoverIncompleteError', errorMessage: 'Failover f-1 of plan "trio" is incomplete: …' });
  // The report step's output as the history holds it: the state, with the step's result (the report and the cause) at `report`.
  const stepOutput = { failover: { failoverId: 'f-1' }, restored: [], report: reportStepOutput(report, IN_AWS) };

  it('prints the table and the per-source actions from the report step\'s output in the execution history', async () => {
    const asked: string[] = [];
    const reportReader = (executionId: string) => {
      asked.push(executionId);
      return Promise.resolve(reportOfStepOutput(stepOutput));
    };
    const { err, deps } = capturedCliDeps();
    expect(await failoverCommand({ ...options, plan: 'trio', targetSuffix: 'cli' }, { ...deps, runner: runnerReturning({ ...incomplete, cause: cut }), reportReader })).toBe(1);
    expect(asked).toEqual(['f-1']);
    expect(err[0]).toBe(`Failover f-1 of plan trio is INCOMPLETE: 1 of 3 source(s) not restored; backup ${BACKUP} (started 2026-12-05T10:00:00.000Z), from the DR vault`);
    expect(err.join('\n')).toMatch(/trio-b\s*│\s*FAILED\s*│\s*s3:\/\/lifeboat-au-restore-trio-b-cli\/ \(not for the applications\)\s*│\s*RestoreIncompleteError: /);
    expect(err).toContain('trio-b: Fix what the error names, then restore it.');
    expect(err).toContain(`  lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-b --overwrite --env au --data-dir ${UNUSED_DATA_DIR}`);
    expect(err.at(-1)).toBe('Execution f-1');
  });

  it('--json gives the report from the history too, without the cause the Fail state took from it', async () => {
    const { out, deps } = capturedCliDeps();
    const reportReader = () => Promise.resolve(reportOfStepOutput(stepOutput));
    expect(await failoverCommand({ ...options, plan: 'trio', json: true }, { ...deps, runner: runnerReturning({ ...incomplete, cause: cut }), reportReader })).toBe(1);
    expect((JSON.parse(out.join('\n')) as { report: FailoverReport }).report).toEqual(report);
  });

  it('when the history cannot be read, prints the summary, why, and where the full report is', async () => {
    const reportReader = () => Promise.reject(new Error('AccessDeniedException: not authorized to perform states:GetExecutionHistory'));
    const { err, deps } = capturedCliDeps();
    const arn = 'arn:aws:states:ap-southeast-4:111122223333:execution:lifeboat-au-failover:f-1';
    expect(await failoverCommand({ ...options, plan: 'trio', aws: true }, { ...deps, runner: runnerReturning({ ...incomplete, executionId: arn, cause: cut }), reportReader })).toBe(1);
    expect(err[0]).toBe('Failover FAILED: FailoverIncompleteError: Failover f-1 of plan "trio" is incomplete: …');
    expect(err[1]).toBe(
      'The full report could not be read from the execution\'s history (AccessDeniedException: not authorized to perform states:GetExecutionHistory). ' +
        'The full report (the table of the sources and what to do for each) is the output of the execution\'s "Failover report" step, under "report": ' +
        `aws stepfunctions get-execution-history --region ap-southeast-4 --execution-arn ${arn} --reverse-order (its TaskStateExited event of "Failover report"), ` +
        'or the Step Functions console of ap-southeast-4: State machines → lifeboat-au-failover → this execution → "Failover report" → Output.',
    );
  });

  it('another error than FailoverIncompleteError prints its error and message alone', async () => {
    const reportReader = jest.fn(() => Promise.resolve(undefined));
    const { err, deps } = capturedCliDeps();
    const failed: WorkflowOutcome = { executionId: 'f-1', status: 'FAILED', error: 'InvalidInputError', cause: JSON.stringify({ errorType: 'InvalidInputError', errorMessage: 'Invalid failover input: plan: …' }) };
    expect(await failoverCommand({ ...options, plan: 'trio' }, { ...deps, runner: runnerReturning(failed), reportReader })).toBe(1);
    expect(err).toEqual(['Failover FAILED: InvalidInputError: Invalid failover input: plan: …', 'Execution f-1']);
    expect(reportReader).not.toHaveBeenCalled();
  });

  it("a local run whose history holds no report names lifeboat executions show with the run's --data-dir, quoted for the shell (review r57N F3)", async () => {
    const reportReader = () => Promise.resolve(undefined);
    const { err, deps } = capturedCliDeps();
    const local: WorkflowOutcome = { ...incomplete, cause: cut, historyFile: '/srv/dr cloud/executions/f-1.json' };
    expect(await failoverCommand({ ...options, dataDir: '/srv/dr cloud', plan: 'trio' }, { ...deps, runner: runnerReturning(local), reportReader })).toBe(1);
    expect(err[1]).toBe(
      'The execution\'s history holds no output of its report step to print the full report from. ' +
        'The full report (the table of the sources and what to do for each) is the output of the execution\'s "Failover report" step, under "report": ' +
        "lifeboat executions show f-1 --data-dir '/srv/dr cloud' --json (its StateExited event of \"Failover report\").",
    );
    expect(err.at(-1)).toBe("Execution f-1 (lifeboat executions show f-1 --data-dir '/srv/dr cloud')");
  });

  it('reads the report from a local execution\'s saved history (lifeboat executions show)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-failover-history-'));
    try {
      const at = '2026-12-05T12:01:00.000Z';
      saveExecutionHistory(dataDir, {
        executionId: 'f-1', stateMachine: 'lifeboat-au-failover', stateMachineArn: 'arn', stackName: 'dr', status: 'FAILED', input: {}, startedAt: at, workers: 1, invocations: [], injectedFaults: [],
        events: [
          { type: 'StateExited', timestamp: at, state: 'Failover report', index: 0, output: { report: { failoverId: 'a child' } } },
          { type: 'StateExited', timestamp: at, state: 'Failover report', output: stepOutput },
          { type: 'StateEntered', timestamp: at, state: 'Failover incomplete', input: stepOutput },
        ],
      });
      expect(await localFailoverReportReader(dataDir)('f-1')).toEqual(report);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reads the report in AWS from GetExecutionHistory of the execution\'s region, newest event first', async () => {
    const requests: { region: string; input: unknown }[] = [];
    // A real client (the paginator checks its class) whose send answers here.
    const clientOf = (region: string) =>
      Object.assign(new SFNClient({ region }), {
        send: (command: { input: unknown }) => {
          requests.push({ region, input: command.input });
          return Promise.resolve({
            events: [
              { id: 9, type: 'FailStateEntered', stateEnteredEventDetails: { name: 'Failover incomplete' } },
              { id: 8, type: 'TaskStateExited', stateExitedEventDetails: { name: 'Failover report', output: JSON.stringify(stepOutput) } },
            ],
          });
        },
      }) as unknown as SFNClient;
    const arn = 'arn:aws:states:ap-southeast-4:111122223333:execution:lifeboat-au-failover:f-1';
    expect(await awsFailoverReportReader(clientOf)(arn)).toEqual(report);
    expect(requests).toEqual([{ region: 'ap-southeast-4', input: expect.objectContaining({ executionArn: arn, reverseOrder: true, includeExecutionData: true }) }]);
  });
});

it('--sources becomes the input\'s sources', () => {
  expect(failoverInput({ plan: 'trio', backup: BACKUP, targetSuffix: 'cli', sources: ['trio-b'], overwrite: true })).toEqual({ plan: 'trio', backupId: BACKUP, targetSuffix: 'cli', overwrite: true, sources: ['trio-b'] });
});

it('a source refused because another failover holds its target: REFUSED "held by" it, no finish command and no overwrite (audit R38 F1)', async () => {
  const held: FailoverReport = {
    ...report,
    sources: [],
    failed: [
      { source: 'trio-a', type: 's3', target: 's3://lifeboat-au-restore-trio-a-cli/', error: 'RestoreTargetClaimedError', message: 'Invalid restore request: target: … is being restored by restore f-0-trio-a (…', action: 'This failover wrote nothing to s3://lifeboat-au-restore-trio-a-cli/: restore f-0-trio-a holds it.', heldBy: 'f-0-trio-a' },
    ],
  };
  delete held.finish;
  const { err, deps } = capturedCliDeps();
  expect(await failoverCommand({ ...options, plan: 'trio', targetSuffix: 'cli' }, { ...deps, runner: runnerReturning({ ...incomplete, cause: failoverIncompleteCause(held, IN_AWS) }) })).toBe(1);
  const text = err.join('\n');
  expect(text).toMatch(/trio-a\s*│\s*REFUSED\s*│\s*s3:\/\/lifeboat-au-restore-trio-a-cli\/ \(held by f-0-trio-a\)\s*│\s*RestoreTargetClaimedError: /);
  expect(err).toContain('trio-a: This failover wrote nothing to s3://lifeboat-au-restore-trio-a-cli/: restore f-0-trio-a holds it.');
  expect(err).toContain('No source of this failover is live; the targets of trio-a are held by other restores (above), whose own reports say whether they are live.');
  expect(text).not.toMatch(/FAILED|not for the applications|No source is live yet|--overwrite|Finish the failover/);
});

it('a source whose restore wrote nothing to its target: its finish command has no --overwrite, the other\'s has', async () => {
  const mixed: FailoverReport = {
    ...report,
    sources: [],
    failed: [
      { source: 'trio-a', type: 's3', target: 's3://lifeboat-au-restore-trio-a-cli/', error: 'BackupNotReplicatedError', message: 'its snapshot of source "trio-a" is missing', action: 'This failover wrote nothing to s3://lifeboat-au-restore-trio-a-cli/.', wroteNothing: true },
      ...(report.failed ?? []),
    ],
    finishWithoutOverwrite: { plan: 'trio', backupId: BACKUP, targetSuffix: 'cli', sources: ['trio-a'] },
  };
  const { err, deps } = capturedCliDeps();
  expect(await failoverCommand({ ...options, plan: 'trio', targetSuffix: 'cli' }, { ...deps, runner: runnerReturning({ ...incomplete, cause: failoverIncompleteCause(mixed, IN_AWS) }) })).toBe(1);
  expect(err).toContain(`  lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-b --overwrite --env au --data-dir ${UNUSED_DATA_DIR}`);
  expect(err).toContain('Finish trio-a, whose target this failover did not write (without --overwrite; it asks for an approval again):');
  expect(err).toContain(`  lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-a --env au --data-dir ${UNUSED_DATA_DIR}`);
  expect(err).toContain(`  or in the console: {"plan":"trio","backupId":"${BACKUP}","targetSuffix":"cli","sources":["trio-a"]}`);
});

it('the finish commands carry the run\'s target options: pasted, they fail over the same environment, in AWS or in the same local cloud (audit a57C-1)', async () => {
  const mixed: FailoverReport = { ...report, finishWithoutOverwrite: { plan: 'trio', backupId: BACKUP, targetSuffix: 'cli', sources: ['trio-a'] } };
  const finishLines = async (target: Partial<typeof options> & { aws?: boolean }) => {
    const { err, deps } = capturedCliDeps();
    expect(await failoverCommand({ ...options, ...target, plan: 'trio', targetSuffix: 'cli' }, { ...deps, runner: runnerReturning({ ...incomplete, cause: failoverIncompleteCause(mixed, IN_AWS) }) })).toBe(1);
    return err.filter((line) => line.startsWith('  lifeboat failover '));
  };
  // Without them the operator's paste during an outage was a local failover of env dev.
  expect(await finishLines({ aws: true, env: 'prod' })).toEqual([
    `  lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-b --overwrite --env prod --aws`,
    `  lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-a --env prod --aws`,
  ]);
  expect(await finishLines({ env: 'dev', config: 'ops/lifeboat.json', dataDir: '/srv/dr cloud' })).toEqual([
    `  lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-b --overwrite --config ${path.resolve('ops/lifeboat.json')} --data-dir '/srv/dr cloud'`,
    `  lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-a --config ${path.resolve('ops/lifeboat.json')} --data-dir '/srv/dr cloud'`,
  ]);
});
