import { approvalTaskAnswer, sentDecision, type TaskHistoryEvent } from '../../../../lambdas/approval/task-answer';

/** The approval task's events as GetExecutionHistory shows them (lambda:invoke.waitForTaskToken), in pages. */
const LAMBDA = { resource: 'invoke.waitForTaskToken' };
const T = (s: number) => new Date(Date.UTC(2026, 11, 5, 10, 0, s));
const scheduled = (token: string | undefined, s: number): TaskHistoryEvent => ({
  type: 'TaskScheduled',
  timestamp: T(s),
  taskScheduledEventDetails: { ...LAMBDA, parameters: token === undefined ? undefined : JSON.stringify({ FunctionName: 'fn', Payload: { taskToken: token } }) },
});
async function* pages(...list: TaskHistoryEvent[][]): AsyncIterable<TaskHistoryEvent[]> {
  yield* list;
}

it('takes the answer to the task scheduled with the token, across pages, not one a retried task (another token) got', async () => {
  const failedInvoke: TaskHistoryEvent = { type: 'TaskFailed', timestamp: T(1), taskFailedEventDetails: { ...LAMBDA, error: 'Lambda.TooManyRequestsException', cause: 'x' } };
  const answered: TaskHistoryEvent = { type: 'TaskSucceeded', timestamp: T(9), taskSucceededEventDetails: { ...LAMBDA, output: '{"approvedBy":"carol","approvedAt":"2026-12-05T10:00:08.000Z"}' } };
  await expect(approvalTaskAnswer(pages([scheduled('old', 0), failedInvoke], [scheduled('tok', 2)], [answered]), 'tok')).resolves.toEqual({
    answer: 'success',
    output: '{"approvedBy":"carol","approvedAt":"2026-12-05T10:00:08.000Z"}',
    at: T(9).toISOString(),
  });
  // Another token's answer is not this one's: the task with this token was never answered.
  await expect(approvalTaskAnswer(pages([scheduled('tok', 0), { type: 'TaskTimedOut', timestamp: T(1), taskTimedOutEventDetails: LAMBDA }, scheduled('new', 2), answered]), 'tok')).resolves.toEqual({ answer: 'none' });
});

it('no answer: none once the task timed out or the execution ended, undefined while it waits; a history without the token cannot tell', async () => {
  await expect(approvalTaskAnswer(pages([scheduled('tok', 0), { type: 'ExecutionAborted', timestamp: T(5) }]), 'tok')).resolves.toEqual({ answer: 'none' });
  await expect(approvalTaskAnswer(pages([scheduled('tok', 0), { type: 'TaskSubmitted', timestamp: T(1) }]), 'tok')).resolves.toBeUndefined();
  await expect(approvalTaskAnswer(pages([scheduled(undefined, 0)]), 'tok')).rejects.toThrow('the execution history shows no approval task with this task token (its parameters are not in the history)');
});

it('a failed invocation of the request function is no answer: nobody rejected anything (review r2 F2)', async () => {
  for (const error of ['Sandbox.Timedout', 'Lambda.ServiceException', 'States.Timeout', 'Runtime.ExitError']) {
    const failed: TaskHistoryEvent = { type: 'TaskFailed', timestamp: T(3), taskFailedEventDetails: { ...LAMBDA, error, cause: 'x' } };
    await expect(approvalTaskAnswer(pages([scheduled('tok', 0), failed, { type: 'ExecutionFailed', timestamp: T(4) }]), 'tok')).resolves.toEqual({ answer: 'none' });
  }
  // SendTaskFailure's own errors stay answers: lifeboat approve's, and whatever the console's user typed.
  for (const error of ['ApprovalRejected', 'Nope']) {
    const failed: TaskHistoryEvent = { type: 'TaskFailed', timestamp: T(3), taskFailedEventDetails: { ...LAMBDA, error, cause: 'x' } };
    await expect(approvalTaskAnswer(pages([scheduled('tok', 0), failed]), 'tok')).resolves.toEqual({ answer: 'failure', error, cause: 'x', at: T(3).toISOString() });
  }
});

it('reads back the decisions lifeboat approve sends, and nothing else', () => {
  const at = '2026-12-05T10:00:09.000Z';
  expect(sentDecision({ answer: 'success', output: '{"approvedBy":"carol","approvedAt":"2026-12-05T10:00:08.000Z"}', at })).toEqual({ status: 'APPROVED', decidedBy: 'carol', decidedAt: '2026-12-05T10:00:08.000Z' });
  expect(sentDecision({ answer: 'success', output: '{"approvedBy":"carol"}', at })).toEqual({ status: 'APPROVED', decidedBy: 'carol', decidedAt: at });
  expect(sentDecision({ answer: 'failure', error: 'ApprovalRejected', cause: 'Rejected by a: b: wrong backup: really', at }, 'a: b')).toEqual({ status: 'REJECTED', decidedBy: 'a: b', decidedAt: at, reason: 'wrong backup: really' });
  expect(sentDecision({ answer: 'failure', error: 'ApprovalRejected', cause: 'Rejected by dave: stale', at }, 'carol')).toEqual({ status: 'REJECTED', decidedBy: 'dave', decidedAt: at, reason: 'stale' });
  // The console's answers: any output, any error.
  for (const answer of [
    { answer: 'success' as const, output: '{}', at },
    { answer: 'success' as const, output: 'not json', at },
    { answer: 'failure' as const, error: 'Nope', cause: 'Rejected by carol: x', at },
    { answer: 'none' as const },
  ]) {
    expect(sentDecision(answer, 'carol')).toBeUndefined();
  }
});
