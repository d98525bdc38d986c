import { unseenJsonEscaped } from '../lambdas/runtime/quoted-service-words';

/**
 * Whether a call to AWS failed on an answer the SDK could not read: its deserialization error carries the `$response` it
 * could not read and no `$fault`, which AWS's own answers (AccessDeniedException, ExpiredTokenException) have, whatever
 * the status: a 200 cut or garbled on its way (AWS may have done what was asked) or a proxy's 403 or 407 HTML page
 * between the CLI and AWS (review r63AC F1). Such a failure may pass, and says nothing of what AWS did: the poll of an
 * execution is made again (poll-failure-kind.ts), and a start is an attempt without answer (workflow-runner.ts, review
 * r64A F2: it ended the command with the SDK's bare SyntaxError, though the run may have started), unless the page is a
 * 4xx (isRefusalInBetween: something in between refused the start, which did not reach AWS).
 */
export function isUnreadAnswer(err: unknown): boolean {
  return err instanceof Error && '$response' in err && !('$fault' in err);
}

/**
 * An unread answer that came whole (isUnreadAnswer, and no network code: a connection cut mid-body reaches the SDK as
 * ECONNRESET with the `$response` it began, review r64I): its HTTP status and the content type its headers named.
 */
export type UnreadPage = {
  status: number | undefined;
  contentType: string | undefined;
  /** Read by the SDK as an error, but without AWS's request ID (not-aws-answer.ts): a page it did read (review r65F F3). */
  withoutRequestId?: true;
};

export function unreadPageOf(err: unknown): UnreadPage | undefined {
  if (!isUnreadAnswer(err) || typeof (err as { code?: unknown }).code === 'string') return undefined;
  const response = (err as { $response?: { statusCode?: unknown; headers?: Record<string, unknown> } }).$response;
  const status = response?.statusCode;
  const header = Object.entries(response?.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  return { status: typeof status === 'number' ? status : undefined, contentType: typeof header === 'string' ? header : undefined };
}

/**
 * Whether the page is a refusal by something between the CLI and AWS: a 4xx that the SDK could not read. AWS says its
 * own refusals (AccessDenied, ExpiredToken…) in the JSON or XML the SDK reads; a proxy's 403 or 407 HTML page is not
 * AWS's, so the request did not reach it (review r64I F1: such a start was retried, looked up and said "may have started").
 */
export function isRefusalInBetween(page: UnreadPage): boolean {
  return page.status !== undefined && page.status >= 400 && page.status < 500;
}

/** `a page the CLI could not read (HTTP 403, text/html)`: the status and content type, not the SDK's parse error. */
export function unreadPageWords(page: UnreadPage): string {
  const what = page.withoutRequestId === true ? "a page without AWS's request ID" : 'a page the CLI could not read';
  return `${what} (${page.status !== undefined ? `HTTP ${page.status}` : 'no HTTP status'}, ${contentTypeWords(page.contentType)})`;
}

/** The media type as a proxy sent it, its parameters left out; one that is not a media type's token form is quoted and cut. */
function contentTypeWords(contentType: string | undefined): string {
  const media = (contentType ?? '').split(';')[0]?.trim() ?? '';
  if (media === '') return 'no content type';
  if (MEDIA_TYPE.test(media) && media.length <= 80) return media;
  return `content type ${unseenJsonEscaped(JSON.stringify(media.length > 40 ? `${media.slice(0, 40)}…` : media))}`;
}

const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
