/**
 * The names (an SDK error's `name`, or its `code`) by which an AWS service asks to be called less often: it is up and
 * answered, so the call may pass when made again later, and it is never a sign that the service is down. One list for
 * the whole project, so that what the Lambdas retry (errors.ts), what a drill notes as the region's trouble
 * (drill/live-sample.ts), what DynamoDB reads wait out (sources/dynamodb-throttling.ts) and what the CLI neither takes
 * for an outage (cli/server-fault.ts) nor gives up on (cli/catalog-format-admission.ts) cannot drift apart again.
 * A name a service never sends costs nothing where that service is the only one called. Lives in lambdas/runtime
 * because cli/ may import lambdas/ and not the other way round (eslint.config.mjs).
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

