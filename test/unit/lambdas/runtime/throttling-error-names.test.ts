import { isServerFault } from '../../../../cli/server-fault';
import { unreachableReason } from '../../../../lambdas/drill/live-sample';
import { classifyError, TransientError } from '../../../../lambdas/runtime/errors';
import { isDynamoDbThrottle } from '../../../../lambdas/sources/dynamodb-throttling';

/**
 * Every name by which a service says "call me less often", as the SDK's errors carry it. Until f61F the project kept
 * four lists of these that differed; the services whose errors reach these sites send only the first five names, the
 * others are kept as a safeguard for a service called later (review r61F F1).
 */
const THROTTLES = [
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'TooManyRequestsException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'BandwidthLimitExceeded',
] as const;

/** An SDK service error as the client throws it once its own retries are spent. */
function sdkError(name: string, status: number, fault: 'client' | 'server'): Error {
  return Object.assign(new Error(`${name} from the service`), { name, $fault: fault, $metadata: { httpStatusCode: status, attempts: 3 } });
}

describe('the one list of throttling error names', () => {
  it.each(THROTTLES)('makes a Lambda step retry a %s (a TransientError, not a failed step)', (name) => {
    const err = sdkError(name, 400, 'client');
    const classified = classifyError(err);
    expect(classified).toBeInstanceOf(TransientError);
    expect(classified).toMatchObject({ name: 'TransientError', message: `${name}: ${name} from the service`, cause: err });
  });

  it.each(THROTTLES)('does not take a %s for a service in an outage (the CLI keeps asking it, not its copy)', (name) => {
    expect(isServerFault(sdkError(name, 503, 'server'))).toBe(false);
  });

  it.each(THROTTLES)('lets a DynamoDB read wait out a %s', (name) => {
    expect(isDynamoDbThrottle(sdkError(name, 400, 'client'))).toBe(true);
  });

  it.each(THROTTLES)("notes a %s as the live region's trouble in a drill", (name) => {
    expect(unreachableReason(sdkError(name, 400, 'client'))).toBe(`HTTP 400 "${name}: ${name} from the service" (after 3 attempts)`);
  });

  it('leaves a 4xx that is no throttle to each site as it was', () => {
    const denied = sdkError('AccessDeniedException', 403, 'client');
    expect(classifyError(denied)).toBe(denied);
    expect(isDynamoDbThrottle(denied)).toBe(false);
    expect(unreachableReason(denied)).toBeUndefined();
  });

  // A quota reached is no throttle, although the SDK's retry strategy counts LimitExceededException as one: it does not
  // clear within a step's retries, so the step fails at once with the error that names the limit (review r61F F2).
  it.each([
    ['a KMS, CloudFormation or DynamoDB quota', sdkError('LimitExceededException', 400, 'client')],
    ["EFS's 24-hour wait after a throughput mode or size change (HTTP 429)", sdkError('TooManyRequests', 429, 'client')],
    ['a DynamoDB item collection full at 10 GB', sdkError('ItemCollectionSizeLimitExceededException', 400, 'client')],
  ])('fails a Lambda step at once on %s, with its own error (no TransientError to retry)', (_, err) => {
    expect(classifyError(err)).toBe(err);
    expect(isDynamoDbThrottle(err)).toBe(false);
  });
});
