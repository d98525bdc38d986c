import type S3rver from 's3rver';
import { unescapeXml } from './xml-character-references';
import { replyS3Error } from './s3-xml-reply';
import { s3RequestPath } from './s3-request-path';

/**
 * ListObjectsV2's continuation tokens, made here rather than by s3rver. s3rver's token holds
 * `<region>/<bucket>/<last key>` and reads the key back with /(.+)/, whose `.` stops at a CR, LF, U+2028 or U+2029:
 * a page that ended on `k0998\rcr` went on after `k0998`, answering that key again (a backup failed with
 * S3ListingOrderError), and a one-key page of such a key was answered for ever. A client gets
 * CONTINUATION_TOKEN_PREFIX and the base64url of `<bucket>/<last key>`; one it sends back is turned into s3rver's
 * start-after before s3rver sees the request, and the answer echoes the token as ContinuationToken, as S3 does,
 * instead of the StartAfter s3rver would echo. With or without encoding-type=url: the vault and the bench list
 * without it. Any other token is refused as S3 refuses one it did not make, 400 InvalidArgument.
 *
 * Inside the encoding middleware (listing-url-encoding.ts): it reads and writes the listing as s3rver's raw XML,
 * which that one then encodes.
 */
export const CONTINUATION_TOKEN_PREFIX = 'lifeboat-local-1.';

/** The token that continues a listing of `bucket` after `lastKey`. */
export function continuationTokenFor(bucket: string, lastKey: string): string {
  return `${CONTINUATION_TOKEN_PREFIX}${Buffer.from(`${bucket}/${lastKey}`, 'utf8').toString('base64url')}`;
}

/** The key a token of `bucket` continues after; undefined for a token this middleware did not make for that bucket. */
export function keyOfContinuationToken(bucket: string, token: string): string | undefined {
  if (!token.startsWith(CONTINUATION_TOKEN_PREFIX)) return undefined;
  const text = Buffer.from(token.slice(CONTINUATION_TOKEN_PREFIX.length), 'base64url').toString('utf8');
  const slash = text.indexOf('/');
  if (slash < 0 || text.slice(0, slash) !== bucket) return undefined;
  const key = text.slice(slash + 1);
  // Buffer's base64url decoding skips what is not base64url and UTF-8 decoding replaces bad bytes: only the token
  // made from this very key is taken.
  return key !== '' && continuationTokenFor(bucket, key) === token ? key : undefined;
}

export function listingContinuationTokenMiddleware(): S3rver.Middleware {
  return async (ctx, next) => {
    const { bucket, key } = s3RequestPath(ctx);
    const query = new URLSearchParams(ctx.querystring);
    if (ctx.method !== 'GET' || bucket === '' || key !== '' || query.get('list-type') !== '2') return next();
    const token = query.get('continuation-token') ?? '';
    const original = ctx.querystring;
    if (token !== '') {
      const after = keyOfContinuationToken(bucket, token);
      if (after === undefined) {
        return replyS3Error(ctx, 400, 'InvalidArgument', 'The continuation token provided is incorrect', '<ArgumentName>continuation-token</ArgumentName>');
      }
      query.delete('continuation-token');
      query.set('start-after', after);
      ctx.querystring = query.toString();
    }
    try {
      await next();
    } finally {
      ctx.querystring = original;
    }
    if (ctx.status !== 200 || typeof ctx.body !== 'string' || !ctx.body.includes('<ListBucketResult')) return;
    let xml = withOwnNextToken(ctx.body, bucket);
    if (token !== '') xml = xml.replace(/<StartAfter>[^<]*<\/StartAfter>/, '').replace('</ListBucketResult>', `<ContinuationToken>${token}</ContinuationToken></ListBucketResult>`);
    ctx.body = xml;
  };
}

/** s3rver's NextContinuationToken replaced by one of continuationTokenFor, after the page's last key. */
function withOwnNextToken(xml: string, bucket: string): string {
  if (!xml.includes('<NextContinuationToken>')) return xml;
  // s3rver makes its token from the page's last object, not from a common prefix: the last <Key> of the answer.
  const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)];
  const last = keys[keys.length - 1]?.[1];
  if (last === undefined) return xml;
  return xml.replace(/<NextContinuationToken>[^<]*<\/NextContinuationToken>/, `<NextContinuationToken>${continuationTokenFor(bucket, unescapeXml(last))}</NextContinuationToken>`);
}
