import type S3rver from 's3rver';

/**
 * How the local cloud's own S3 middlewares (Object Lock, bucket encryption and Block Public Access,
 * storage classes) answer in front of s3rver: XML bodies in S3's namespace, and S3's error document.
 */
export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** An S3 error a middleware answers with: the HTTP status, S3's error code and message. */
export class S3Failure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Answers with `status` and, when given, an XML document (the declaration added); else an empty body. */
export function replyXml(ctx: S3rver.Context, status: number, xml?: string): void {
  ctx.status = status;
  if (xml === undefined) {
    ctx.body = '';
    return;
  }
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
}

/**
 * Answers S3's error document `<Error><Code/><Message/>…</Error>` (`extra`: further elements, already XML,
 * such as `<BucketName>`). The request body is drained first, so the client is not left sending it.
 */
export function replyS3Error(ctx: S3rver.Context, status: number, code: string, message: string, extra = ''): void {
  ctx.req.resume();
  replyXml(ctx, status, `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${extra}</Error>`);
}
