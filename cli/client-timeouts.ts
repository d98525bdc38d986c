import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';

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
 * - Vault transfers (S3): an object's upload may take minutes on a slow link, so a request that sends a body has no
 *   `requestTimeout` (it would cut a part's upload that is still progressing), only an idle-socket timeout, long
 *   enough for S3's slowest silent wait (a CompleteMultipartUpload it keeps alive with whitespace) and for Node to
 *   hand one 16 MiB pack to a slow link (Node counts a socket active only when a whole write completes, so a big
 *   PUT shows no activity until its body is out). A request without a body (GET, HEAD, DELETE, the vault's first
 *   read of its config) is answered at once by a live S3, whatever the object's size: the wait for its response's
 *   headers is bounded by `requestTimeoutMs` (TransferHttpHandler), the download of its body by the idle timeout
 *   only. Without that bound a silent S3 took 3 attempts × the idle timeout (3 minutes) to fail the first read of a
 *   vault; with it, about 3 × requestTimeoutMs (the SDK's default attempts, kept for S3's throttling answers).
 * The connection timeout is the same for both: a connection to a live endpoint takes milliseconds.
 *
 * Not the table of the functions' clients (lambdas/runtime/aws-clients.ts, OTHER_REGION_TIMEOUTS) on purpose: a
 * function times out its clients of another region only (it stands or falls with its own), nobody waits at a
 * terminal for it, and its transfers cross AWS's network, not an operator's link.
 */
export type ClientTimeouts = {
  /** Giving up on a TCP connection that is not established (a dropped SYN). */
  connectionTimeoutMs: number;
  /** A small request's bound, until the response's headers and between any two bytes of its socket. */
  requestTimeoutMs: number;
  /** A small request's attempts (the first included): the SDK retries a timeout, a refused connection, a 5xx, a throttle. */
  requestMaxAttempts: number;
  /**
   * A vault transfer's bound between any two bytes of its socket, and on the hand-over of one write to it: it never
   * cuts a transfer that is progressing. (A vault request without a body is bounded by requestTimeoutMs too.)
   */
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
  return {
    requestHandler: new TransferHttpHandler(timeouts.requestTimeoutMs, {
      connectionTimeout: timeouts.connectionTimeoutMs,
      socketTimeout: timeouts.transferIdleTimeoutMs,
      // The bound TransferHttpHandler gives a request without a body throws, as a small request's does.
      throwOnRequestTimeout: true,
    }),
  };
}

/**
 * The request handler of a vault-transfer client: a request that sends no body must have its response's headers
 * within `answerTimeoutMs` (the SDK's per-request requestTimeout, retried as a timeout is); a request with a body
 * (an upload, whose headers come only after its body is out) keeps the idle-socket timeout alone.
 */
export class TransferHttpHandler extends NodeHttpHandler {
  constructor(
    private readonly answerTimeoutMs: number,
    options: NodeHttpHandlerOptions,
  ) {
    super(options);
  }

  override handle(request: Parameters<NodeHttpHandler['handle']>[0], options: Parameters<NodeHttpHandler['handle']>[1] = {}): ReturnType<NodeHttpHandler['handle']> {
    if (options.requestTimeout !== undefined || sendsBody(request.body)) return super.handle(request, options);
    return super.handle(request, { ...options, requestTimeout: this.answerTimeoutMs });
  }
}

/** Whether a request's body has bytes to upload (a stream is taken to have some). */
function sendsBody(body: unknown): boolean {
  if (body === undefined || body === null) return false;
  if (typeof body === 'string' || body instanceof Uint8Array) return body.length > 0;
  return true;
}
