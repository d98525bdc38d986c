import { type ExecutionHistory } from '../../../../local/executor/execution-history';
import { executionStatusEvent, matchesPattern } from '../../../../local/executor/execution-status-events';

/** The status-change event the local executor builds, against the pattern our rule synthesizes (lib/constructs/operations-alerts.ts). */
const history: ExecutionHistory = {
  executionId: 'run-1',
  stateMachine: 'lifeboat-dev-backup',
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:lifeboat-dev-backup',
  stackName: 'Lifeboat-dev-Primary',
  status: 'ABORTED',
  input: { plan: 'demo' },
  error: 'States.Aborted',
  startedAt: '2026-12-01T02:00:00.000Z',
  stoppedAt: '2026-12-01T02:00:05.000Z',
  workers: 1,
  events: [],
  invocations: [],
  injectedFaults: [],
};
const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-backup:run-1';
const event = executionStatusEvent(history, { account: '000000000000', region: 'us-east-1' }, executionArn);
const pattern = {
  source: ['aws.states'],
  'detail-type': ['Step Functions Execution Status Change'],
  detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [history.stateMachineArn, 'arn:aws:states:us-east-1:000000000000:stateMachine:lifeboat-dev-drill'] },
};

it('builds the event EventBridge delivers: the execution, its state machine, its status and its input as a JSON string', () => {
  expect(event).toMatchObject({
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    resources: [executionArn],
    detail: { executionArn, stateMachineArn: history.stateMachineArn, name: 'run-1', status: 'ABORTED', input: '{"plan":"demo"}', error: 'States.Aborted', startDate: Date.parse(history.startedAt) },
  });
});

it('matches a pattern by value lists and nested fields, and nothing else', () => {
  expect(matchesPattern(event, pattern)).toBe(true);
  expect(matchesPattern({ ...event, detail: { ...event.detail, status: 'SUCCEEDED' } }, pattern)).toBe(false);
  expect(matchesPattern({ ...event, detail: { ...event.detail, stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:other' } }, pattern)).toBe(false);
  expect(matchesPattern({ ...event, source: 'aws.s3' }, pattern)).toBe(false);
  // Content filters are not supported: they never match rather than matching everything.
  expect(matchesPattern(event, { detail: { status: [{ prefix: 'ABO' }] } })).toBe(false);
});
