import { unseenJsonEscaped } from '../lambdas/runtime/quoted-service-words';

/**
 * What an error said in the CLI's words keeps of the SDK error's `$metadata`: the answer's HTTP status, which what
 * follows a failure through reads (isServerFault, isThrottledRequest, the format admission's glance), and the service's
 * request ids, which AWS support asks for to trace the request (review r64E F5: the vault's words dropped them).
 */
export type AnswerMetadata = { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };

export function answerMetadataOf(err: Error): AnswerMetadata {
  const metadata = (err as { $metadata?: { httpStatusCode?: unknown; requestId?: unknown; extendedRequestId?: unknown } }).$metadata;
  const { httpStatusCode, requestId, extendedRequestId } = metadata ?? {};
  return {
    ...(typeof httpStatusCode === 'number' ? { httpStatusCode } : {}),
    ...(typeof requestId === 'string' && requestId !== '' ? { requestId } : {}),
    ...(typeof extendedRequestId === 'string' && extendedRequestId !== '' ? { extendedRequestId } : {}),
  };
}

/** The request ids as a message ends with them: `; S3's request id <id> (extended <id>)`, or '' when the answer had none. */
export function requestIdsSaid(metadata: AnswerMetadata, service: string): string {
  if (metadata.requestId === undefined) return '';
  return `; ${service}'s request id ${idShown(metadata.requestId)}${metadata.extendedRequestId !== undefined ? ` (extended ${idShown(metadata.extendedRequestId)})` : ''}`;
}

/** AWS's request ids are base64 or hex: one that is not is shown JSON-quoted, escaped and cut, as it is header text. */
const REQUEST_ID = /^[A-Za-z0-9+/=_-]{1,200}$/;

/**
 * An id as a message shows it: bare when it is AWS's form, else quoted with its controls, C1 controls and bidi overrides
 * escaped (review r64N F3: a header's CSI or U+202E reached the terminal raw in the vault's words) and cut at 80.
 */
function idShown(id: string): string {
  if (REQUEST_ID.test(id)) return id;
  return unseenJsonEscaped(JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id));
}
