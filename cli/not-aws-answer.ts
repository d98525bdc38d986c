import { type UnreadPage } from './unread-answer';

/**
 * A 4xx answer the SDK read as an error but that is not AWS's: a proxy's or firewall's 403 with an empty body or JSON of
 * its own. The SDK then names it by its fallback (`Unknown`, `UnknownError`, the status itself) with the message
 * "UnknownError", and the command ended saying only that (f65F). AWS's own answers name their error and carry a request
 * ID (x-amzn-RequestId); this has neither, so it is a page between the CLI and AWS, as a page the SDK could not read is
 * (unread-answer.ts): its status, and no content type known.
 */
export function notAwsAnswerPageOf(err: unknown): UnreadPage | undefined {
  if (!(err instanceof Error) || !('$fault' in err)) return undefined;
  const metadata = (err as { $metadata?: { httpStatusCode?: unknown; requestId?: unknown } }).$metadata;
  const status = metadata?.httpStatusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500 || metadata?.requestId !== undefined) return undefined;
  if (!FALLBACK_NAMES.has(err.name) && err.name !== String(status)) return undefined;
  return { status, contentType: undefined };
}

/** The names the SDK gives an error answer that named none (smithy's throwDefaultError, the JSON protocols' parse). */
const FALLBACK_NAMES: ReadonlySet<string> = new Set(['Unknown', 'UnknownError']);
