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
  return `; ${service}'s request id ${metadata.requestId}${metadata.extendedRequestId !== undefined ? ` (extended ${metadata.extendedRequestId})` : ''}`;
}
