import { type UnreadPage } from './unread-answer';

/**
 * A 4xx answer the SDK read as an error but that is not AWS's: a proxy's or firewall's 403 with an empty body or JSON of
 * its own. The SDK names it by the body's `code` when it has one (`{"code":"Forbidden"}` became `Forbidden`, taken as
 * Step Functions' own answer: review r65F F2), else by its fallback (`Unknown`, `UnknownError`, the status itself). So
 * the name says nothing: AWS sends a request ID (x-amzn-RequestId) with every answer, and this has none, so it is a page
 * between the CLI and AWS, as a page the SDK could not read is (unread-answer.ts): its status and content type.
 * An error with no HTTP answer behind it (`$response`: one a test or mock made) is judged by its fallback name only.
 */
export function notAwsAnswerPageOf(err: unknown): UnreadPage | undefined {
  if (!(err instanceof Error) || !('$fault' in err)) return undefined;
  const metadata = (err as { $metadata?: { httpStatusCode?: unknown; requestId?: unknown } }).$metadata;
  const response = answerOf(err);
  const status = metadata?.httpStatusCode ?? response?.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (hasRequestId(metadata?.requestId) || (response !== undefined && REQUEST_ID_HEADERS.some((name) => hasRequestId(headerOf(response, name))))) return undefined;
  if (response === undefined && !FALLBACK_NAMES.has(err.name) && err.name !== String(status)) return undefined;
  // The page's own content type (a JSON page said "no content type": review r65F F3). Its body was read by the SDK
  // into the error's fields, and is not kept whole: only its status and content type are said.
  const contentType = response !== undefined ? headerOf(response, 'content-type') : undefined;
  return { status, contentType: typeof contentType === 'string' ? contentType : undefined, withoutRequestId: true };
}

type Answer = { statusCode?: unknown; headers?: Record<string, unknown> };

/** The HTTP answer the SDK attaches to the errors it read from one (a hidden property), if any. */
function answerOf(err: Error): Answer | undefined {
  const response = (err as { $response?: unknown }).$response;
  return typeof response === 'object' && response !== null ? (response as Answer) : undefined;
}

function headerOf(response: Answer, name: string): unknown {
  return Object.entries(response.headers ?? {}).find(([header]) => header.toLowerCase() === name)?.[1];
}

function hasRequestId(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}

/** The headers AWS's services carry their request ID in (the SDK reads the same into `$metadata.requestId`). */
const REQUEST_ID_HEADERS: readonly string[] = ['x-amzn-requestid', 'x-amzn-request-id', 'x-amz-request-id'];

/** The names the SDK gives an error answer that named none (smithy's throwDefaultError, the JSON protocols' parse). */
const FALLBACK_NAMES: ReadonlySet<string> = new Set(['Unknown', 'UnknownError']);

/**
 * The message of a page without AWS's request ID (notAwsAnswerPageOf), as the SDK read it from the page's JSON body
 * (`blocked by policy`): a proxy's own words, which say who refused (review r65L F2: they were dropped). Undefined when
 * the page said none, and the SDK put its fallback name (`UnknownError`) or the error's name in its stead.
 */
export function notAwsPageMessageOf(err: unknown): string | undefined {
  if (!(err instanceof Error) || notAwsAnswerPageOf(err) === undefined) return undefined;
  const message = err.message.trim();
  return message === '' || message === err.name || FALLBACK_NAMES.has(message) ? undefined : err.message;
}
