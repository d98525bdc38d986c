import { THROTTLING_ERROR_NAMES } from '../runtime/throttling-error-names';

/**
 * Errors by which DynamoDB says "too fast": a table or index over its provisioned capacity
 * (ProvisionedThroughputExceededException), an on-demand table past its instant capacity or an
 * account or control-plane limit (ThrottlingException), the account's request rate
 * (RequestLimitExceeded). The SDK's standard retry strategy retries these itself (up to maxAttempts);
 * they reach Lifeboat's code when it has given up.
 */
export function isDynamoDbThrottle(err: unknown): boolean {
  // The project's one list (runtime/throttling-error-names.ts): the names DynamoDB never sends cost nothing here.
  return err instanceof Error && THROTTLING_ERROR_NAMES.has(err.name);
}
