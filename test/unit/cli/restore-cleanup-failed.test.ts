import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { restoreFailureMessage } from '../../../cli/restore-cleanup-failed';
import { awsWorkflowRunner } from '../../../cli/workflow-runner';
import { cleanupFailedNote } from '../../../config/cleanup-failed-note';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r60E F2: a restore whose cleanup step (Abandon or Release restore) and `Bound restore's error` both failed
 * (the same function, throttled or broken) failed with its error alone, and nothing said that its claim still refuses
 * a restore into the target. The `Failure report` step's input keeps the cleanup's error at `abandonError`: the
 * runners hand it over, and the CLI prints the note after the message (test/unit/cli/restore-command-cleanup-note.test.ts).
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const MESSAGE = 'Restore verification failed: 1 of 1 entries differ from the backup\'s manifest: object "a.txt" differs: content';
const cause = JSON.stringify({ errorType: 'RestoreVerificationError', errorMessage: MESSAGE, trace: ['RestoreVerificationError: …', '    at verify (/var/task/index.js:1:1)'] });
const throttled = { Error: 'Lambda.TooManyRequestsException', Cause: 'Rate exceeded' };
/** The failure path's state when Abandon restore and Bound restore's error both failed after their retries. */
const bothFailed = { error: { Error: 'RestoreVerificationError', Cause: cause }, plan: { planKey: 'restore-plans/r1.json' }, abandonError: throttled, boundError: throttled };

describe('restoreFailureMessage', () => {
  it('adds the note, naming the cleanup\'s error, when the Failure report step was entered with abandonError and the message lacks it', () => {
    expect(restoreFailureMessage(MESSAGE, bothFailed)).toBe(`${MESSAGE} ${cleanupFailedNote('Lambda.TooManyRequestsException')}`);
  });

  it('says nothing more when the cleanup ran, when no history was read, or when the message says it already (Bound restore\'s error wrote it)', () => {
    expect(restoreFailureMessage(MESSAGE, { error: bothFailed.error, abandoned: { abortedUploads: 0 } })).toBe(MESSAGE);
    expect(restoreFailureMessage(MESSAGE, undefined)).toBe(MESSAGE);
    expect(restoreFailureMessage(MESSAGE, { abandonError: 'not an error' })).toBe(MESSAGE);
    expect(restoreFailureMessage(`${MESSAGE} ${cleanupFailedNote('TransientError')}`, bothFailed)).toBe(`${MESSAGE} ${cleanupFailedNote('TransientError')}`);
  });
});

describe('an --aws run that failed', () => {
  const executionArn = `arn:aws:states:${environment.primaryRegion}:${environment.account}:execution:lifeboat-dev-restore:r1`;
  function mockedSfn(history: () => Promise<unknown>) {
    const client = new SFNClient({ region: environment.primaryRegion });
    const mock = mockClient(client);
    mock.on(StartExecutionCommand).resolves({ executionArn });
    mock.on(GetExecutionHistoryCommand).callsFake(history);
    mock.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'RestoreVerificationError', cause });
    return { client, mock };
  }

  it('hands over the Failure report step\'s input, read from the history newest first once the execution failed', async () => {
    const events = [
      { id: 9, type: 'ExecutionFailed', executionFailedEventDetails: { error: 'RestoreVerificationError', cause } },
      { id: 8, type: 'PassStateExited', stateExitedEventDetails: { name: 'Failure report', output: '{}' } },
      { id: 7, type: 'PassStateEntered', stateEnteredEventDetails: { name: 'Failure report', input: JSON.stringify(bothFailed) } },
    ];
    const { client, mock } = mockedSfn(() => Promise.resolve({ events }));
    const outcome = await awsWorkflowRunner({ environment, client, pollMs: 1 }).run('restore', {}, () => undefined);
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'RestoreVerificationError', cause, failureReportInput: bothFailed });
    expect(mock.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input).filter((i) => i.reverseOrder === true)).toEqual([{ executionArn, reverseOrder: true, includeExecutionData: true, maxResults: 100 }]);
  });

  it('still reports the error when that history cannot be read then', async () => {
    let calls = 0;
    const { client } = mockedSfn(() => (++calls === 1 ? Promise.resolve({ events: [] }) : Promise.reject(new Error('ThrottlingException: Rate exceeded'))));
    const outcome = await awsWorkflowRunner({ environment, client, pollMs: 1 }).run('restore', {}, () => undefined);
    expect(outcome).toEqual({ executionId: executionArn, status: 'FAILED', error: 'RestoreVerificationError', cause });
  });
});
