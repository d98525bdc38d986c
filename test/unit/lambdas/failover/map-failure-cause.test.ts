import { mapFailureCauseOf, TOLERATED_FAILURE_EXCEEDED } from '../../../../lambdas/failover/map-failure-cause';
import { DistributedMapFailureThresholdError } from '../../../../local/executor/errors';

it('reads back what the local executor writes: the counts and the first failed child\'s error', () => {
  const cause = new DistributedMapFailureThresholdError('Restore shards', 2, 40, 1, 4, 'Lambda.TooManyRequestsException: Rate exceeded').message;
  expect(mapFailureCauseOf(cause)).toEqual({ failedShards: 2, failedChildren: 1, firstError: 'Lambda.TooManyRequestsException' });
});

it('reads no first error when the cause names none, and no child count from an older local executor', () => {
  expect(mapFailureCauseOf(new DistributedMapFailureThresholdError('Restore shards', 3, 40, 2, 4, undefined).message)).toEqual({ failedShards: 3, failedChildren: 2 });
  expect(mapFailureCauseOf(`${TOLERATED_FAILURE_EXCEEDED}: 1 of 40 item(s); the first failed child: States.Timeout: late`)).toEqual({ failedShards: 1, firstError: 'States.Timeout' });
});

it("reads nothing from AWS's cause, which counts nothing", () => {
  expect(mapFailureCauseOf(TOLERATED_FAILURE_EXCEEDED)).toEqual({});
});
