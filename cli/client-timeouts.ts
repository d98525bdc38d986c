/**
 * How long the CLI's SDK clients wait for an endpoint (audit R43 F1). The SDK's defaults wait forever for an
 * endpoint that accepts a connection and never answers (a blackholed or hung front end): @smithy/node-http-handler
 * sets no connection, request or socket timeout unless told. A region that is down in that way would hang
 * `lifeboat approve`, `approvals list`, `backups list` and `status`, although the DR catalog answers at once.
 *
 * Two kinds of client, as two kinds of request:
 * - Small requests (DynamoDB's catalog, KMS, Step Functions, Scheduler, CloudWatch, STS): a healthy endpoint answers
 *   in milliseconds, so `requestTimeout` (in this SDK a bound on the time until the response's headers, the whole
 *   request body's upload included) and an idle-socket `socketTimeout` of a few seconds each, and two attempts:
 *   a dead region is given up within about 2 × requestTimeout (+ the retry's backoff), about 20 s by default.
 * - Vault transfers (S3): an object's upload or download may take minutes on a slow link, so no `requestTimeout`
 *   (it would cut a part's upload that is still progressing); only an idle-socket timeout, long enough for S3's
 *   slowest silent wait (a CompleteMultipartUpload it keeps alive with whitespace), and the SDK's default attempts.
 * The connection timeout is the same for both: a connection to a live endpoint takes milliseconds.
 */
export type ClientTimeouts = {
  /** Giving up on a TCP connection that is not established (a dropped SYN). */
  connectionTimeoutMs: number;
  /** A small request's bound, until the response's headers and between any two bytes of its socket. */
  requestTimeoutMs: number;
  /** A small request's attempts (the first included): the SDK retries a timeout, a refused connection, a 5xx, a throttle. */
  requestMaxAttempts: number;
  /** A vault transfer's bound between any two bytes of its socket: it never cuts a transfer that is progressing. */
  transferIdleTimeoutMs: number;
};

export const CLI_CLIENT_TIMEOUTS: ClientTimeouts = {
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 10_000,
  requestMaxAttempts: 2,
  transferIdleTimeoutMs: 60_000,
};

/** The client settings of a small-request client (DynamoDB, KMS, SFN, Scheduler, CloudWatch, STS): spread into its config. */
export function requestClientSettings(timeouts: ClientTimeouts = CLI_CLIENT_TIMEOUTS) {
  return {
    maxAttempts: timeouts.requestMaxAttempts,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // Without it the SDK only logs a warning when requestTimeout passes, and goes on waiting.
      throwOnRequestTimeout: true,
      socketTimeout: timeouts.requestTimeoutMs,
    },
  };
}

/** The client settings of a vault-transfer client (S3): spread into its config. */
export function transferClientSettings(timeouts: ClientTimeouts = CLI_CLIENT_TIMEOUTS) {
  return { requestHandler: { connectionTimeout: timeouts.connectionTimeoutMs, socketTimeout: timeouts.transferIdleTimeoutMs } };
}
