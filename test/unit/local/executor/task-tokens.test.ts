import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TASK_TOKEN_PLACEHOLDER, withTaskToken, withTaskTokenPlaceholder } from '../../../../local/executor/state-machine-definition';
import { awaitTaskToken, newTaskToken, registerTaskToken, sendTaskFailure, sendTaskSuccess, TaskDoesNotExistError } from '../../../../local/executor/task-tokens';

/** The local executor's task tokens: what `.waitForTaskToken` tasks wait on, answered through the data directory. */
let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-tokens-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const pending = (token: string) => ({ token, execution: 'e1', state: 'Wait for approval', since: new Date().toISOString() });
const forever = { deadline: Number.MAX_SAFE_INTEGER, stopped: () => false, pollMs: 5 };

describe('local task tokens', () => {
  it('a waiting task gets what SendTaskSuccess sends, and the token is gone afterwards', async () => {
    const token = newTaskToken();
    registerTaskToken(dataDir, pending(token));
    const waiting = awaitTaskToken(dataDir, token, forever);
    sendTaskSuccess(dataDir, token, { approvedBy: 'bob' });
    await expect(waiting).resolves.toEqual({ status: 'SUCCEEDED', output: { approvedBy: 'bob' } });
    expect(readdirSync(path.join(dataDir, 'task-tokens'))).toEqual([]);
    expect(() => sendTaskSuccess(dataDir, token, {})).toThrow(TaskDoesNotExistError);
  });

  it('SendTaskFailure carries its error and cause; a second answer for the same token is refused', async () => {
    const token = newTaskToken();
    registerTaskToken(dataDir, pending(token));
    sendTaskFailure(dataDir, token, 'ApprovalRejected', 'Rejected by bob: no');
    expect(() => sendTaskSuccess(dataDir, token, {})).toThrow(TaskDoesNotExistError);
    await expect(awaitTaskToken(dataDir, token, forever)).resolves.toEqual({ status: 'FAILED', error: 'ApprovalRejected', cause: 'Rejected by bob: no' });
  });

  it('a token never issued is refused (TaskDoesNotExist)', () => {
    expect(() => sendTaskFailure(dataDir, 'made-up', 'X', 'y')).toThrow(TaskDoesNotExistError);
  });

  it('the wait ends with States.Timeout at the deadline and releases the token, so a late approval is refused', async () => {
    const token = newTaskToken();
    registerTaskToken(dataDir, pending(token));
    await expect(awaitTaskToken(dataDir, token, { deadline: Date.now() - 1, stopped: () => false })).rejects.toMatchObject({ name: 'States.Timeout' });
    expect(() => sendTaskSuccess(dataDir, token, {})).toThrow(TaskDoesNotExistError);
  });

  it('$$.Task.Token in a callback task\'s Parameters becomes the task\'s own token', () => {
    const parameters = { FunctionName: 'f', Payload: { 'taskToken.$': '$$.Task.Token', 'execution.$': '$$.Execution.Name', nested: [{ 't.$': '$$.Task.Token' }] } };
    const prepared = withTaskTokenPlaceholder(parameters);
    expect(prepared).toEqual({ FunctionName: 'f', Payload: { taskToken: TASK_TOKEN_PLACEHOLDER, 'execution.$': '$$.Execution.Name', nested: [{ t: TASK_TOKEN_PLACEHOLDER }] } });
    expect(withTaskToken({ Payload: { taskToken: TASK_TOKEN_PLACEHOLDER, x: 1 } }, 'tok')).toEqual({ Payload: { taskToken: 'tok', x: 1 } });
  });
});
