/**
 * Errors by which DynamoDB says "too fast": a table or index over its provisioned capacity
 * (ProvisionedThroughputExceededException), an on-demand table past its instant capacity or an
 * account or control-plane limit (ThrottlingException), the account's request rate
 * (RequestLimitExceeded). The SDK's standard retry strategy retries these itself (up to maxAttempts);
 * they reach Lifeboat's code when it has given up.
 */
const THROTTLING_ERRORS = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);

export function isDynamoDbThrottle(err: unknown): boolean {
  return err instanceof Error && THROTTLING_ERRORS.has(err.name);
}
