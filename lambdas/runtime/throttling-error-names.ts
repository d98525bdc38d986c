/**
 * The names (an SDK error's `name`, or its `code`) by which an AWS service asks to be called less often: it is up and
 * answered, so the call may pass when made again later, and it is never a sign that the service is down. One list for
 * the whole project, so that what the Lambdas retry (errors.ts), what a drill notes as the region's trouble
 * (drill/live-sample.ts), what DynamoDB reads wait out (sources/dynamodb-throttling.ts) and what the CLI neither takes
 * for an outage (cli/server-fault.ts) nor gives up on (cli/catalog-format-admission.ts) cannot drift apart again.
 * A name a service never sends costs nothing where that service is the only one called. The services whose errors
 * reach those sites (S3, DynamoDB, EFS, KMS, CloudFormation, STS) send ThrottlingException, Throttling,
 * RequestLimitExceeded, SlowDown and ProvisionedThroughputExceededException only: the other names are a safeguard for a
 * service called later, not the fix of an error seen (review r61F). Lives in lambdas/runtime because cli/ may import
 * lambdas/ and not the other way round (eslint.config.mjs).
 *
 * Quota names are left out on purpose, although the SDK's own retry strategy counts some as throttling
 * (LimitExceededException is in its THROTTLING_ERROR_CODES): they say a limit is reached, not that calls come too
 * fast, and for the services we call it does not clear by asking again within a step's retries: KMS's and
 * CloudFormation's LimitExceededException is a quota to raise, DynamoDB's a cap on concurrent control-plane operations,
 * its ItemCollectionSizeLimitExceededException an item collection full at 10 GB, and EFS's `TooManyRequests` (HTTP
 * 429) a file system whose throughput mode or size changed within the last 24 hours. Retried as a TransientError, each
 * would only hold a step for minutes and then fail it with the retries' name instead of its own.
 */
export const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  // Most JSON-protocol services: DynamoDB (on-demand or control-plane limits), KMS, EFS.
  'ThrottlingException',
  // Query-protocol services: CloudFormation, STS.
  'Throttling',
  // Lambda (Invoke past the account's or function's concurrency) and API Gateway, with HTTP 429.
  'TooManyRequestsException',
  // EC2 and the account-wide request rate of DynamoDB.
  'RequestLimitExceeded',
  // S3, with HTTP 503: reduce the request rate on a prefix.
  'SlowDown',
  // DynamoDB: a table or index over its provisioned capacity.
  'ProvisionedThroughputExceededException',
  // SNS, with HTTP 429.
  'ThrottledException',
  // Other services' spellings, which the SDK's own retry strategy counts as throttling too.
  'RequestThrottled',
  'RequestThrottledException',
  'BandwidthLimitExceeded',
]);

