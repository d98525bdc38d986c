import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { restoreCommand, type RestoreCommandOptions } from '../../../cli/commands/restore-commands';
import { awsWorkflowRunner, type WorkflowOutcome, type WorkflowRunner } from '../../../cli/workflow-runner';
import { cleanupFailedNote } from '../../../config/cleanup-failed-note';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { capturedCliDeps } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r60E F2: `lifeboat restore` of a restore whose cleanup step and `Bound restore's error` both failed printed
 * the restore's message alone, while its claim still refused the next restore into the target. It prints the note
 * after the message now, from the Failure report step's input the runner hands over (cli/restore-cleanup-failed.ts).
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const options: RestoreCommandOptions = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', source: 'demo-orders', backup: '20261205T010148Z-ef61cda1', target: 'dynamodb://lifeboat-dev-restore-outage' };
const MESSAGE = 'Restore verification failed: 1 of 1 entries differ from the backup\'s manifest: object "a.txt" differs: content';
const cause = JSON.stringify({ errorType: 'RestoreVerificationError', errorMessage: MESSAGE, trace: ['RestoreVerificationError: …', '    at verify (/var/task/index.js:1:1)'] });
const throttled = { Error: 'Lambda.TooManyRequestsException', Cause: 'Rate exceeded' };
const bothFailed = { error: { Error: 'RestoreVerificationError', Cause: cause }, plan: { planKey: 'restore-plans/r1.json' }, abandonError: throttled, boundError: throttled };
const NOTE = cleanupFailedNote('Lambda.TooManyRequestsException');

const runnerAnswering = (outcome: WorkflowOutcome): WorkflowRunner => ({ run: () => Promise.resolve(outcome) });
const failed: WorkflowOutcome = { executionId: 'r1', status: 'FAILED', error: 'RestoreVerificationError', cause, failureReportInput: bothFailed };

it('prints the message, then that the cleanup failed: the claim that refuses a restore into the target, until when, and how to free it', async () => {
  const { err, deps } = capturedCliDeps();
  expect(await restoreCommand(options, { ...deps, runner: runnerAnswering(failed) })).toBe(1);
  expect(err[0]).toBe(`Restore FAILED: RestoreVerificationError: ${MESSAGE} ${NOTE}`);
  expect(err[0]).toMatch(/the restore's claim on its target, which refuses any other restore into it \(a finish too: RestoreTargetClaimedError\) until it lapses.*"Freeing a stuck claim"/);
});

it('says so in --json too, under cause', async () => {
  const { out, deps } = capturedCliDeps();
  expect(await restoreCommand({ ...options, json: true }, { ...deps, runner: runnerAnswering(failed) })).toBe(1);
  expect(JSON.parse(out.join('\n'))).toMatchObject({ status: 'FAILED', error: 'RestoreVerificationError', cause: `${MESSAGE} ${NOTE}` });
});

it('says so with --aws, from the execution\'s history', async () => {
  const executionArn = `arn:aws:states:${environment.primaryRegion}:${environment.account}:execution:lifeboat-dev-restore:r1`;
  const client = new SFNClient({ region: environment.primaryRegion });
  const mock = mockClient(client);
  mock.on(StartExecutionCommand).resolves({ executionArn });
  mock.on(GetExecutionHistoryCommand).resolves({ events: [{ id: 7, type: 'PassStateEntered', stateEnteredEventDetails: { name: 'Failure report', input: JSON.stringify(bothFailed) } }] as never });
  mock.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'RestoreVerificationError', cause });
  const { err, deps } = capturedCliDeps();
  expect(await restoreCommand({ ...options, aws: true }, { ...deps, runner: awsWorkflowRunner({ environment, client, pollMs: 1 }) })).toBe(1);
  expect(err[0]).toBe(`Restore FAILED: RestoreVerificationError: ${MESSAGE} ${NOTE}`);
});
