import { executionProblem } from '../../../../local/demo/execution-problem';

it("a Lambda's failure reads as its error name and message, without the JSON and its trace", () => {
  const cause = JSON.stringify({
    errorType: 'BackupInProgressError',
    errorMessage: 'Plan "demo" is locked by backup 20261205T162829Z-b3680393, which is still running',
    trace: ['BackupInProgressError: Plan "demo" is locked', '    at BackupCatalog.acquireLock (/tmp/lambdas/catalog/backup-catalog.ts:192:13)'],
  });
  expect(executionProblem({ status: 'FAILED', error: 'BackupInProgressError', cause })).toBe('BackupInProgressError: Plan "demo" is locked by backup 20261205T162829Z-b3680393, which is still running');
});

it('keeps a cause that is not a Lambda error as it is, and names the status when there is no error', () => {
  expect(executionProblem({ status: 'ABORTED', error: 'States.Aborted', cause: 'The execution was stopped.' })).toBe('States.Aborted: The execution was stopped.');
  expect(executionProblem({ status: 'TIMED_OUT' })).toBe('TIMED_OUT');
});
