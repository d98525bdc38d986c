import type S3rver from 's3rver';
import { escapeXml, replyS3Error } from './s3-xml-reply';
import { unescapeXml } from './xml-character-references';

/**
 * ListObjects(V2)'s `encoding-type=url`, which s3rver ignores ("currently unimplemented"): the listing's keys went
 * out as raw XML text, where a client's parser turns a CR into a LF, so no key with a CR could be listed as it is.
 * As S3 does: with `encoding-type=url` the answer's Key, Prefix (also of each CommonPrefixes), Delimiter,
 * StartAfter, Marker and NextMarker are URL-encoded and it says <EncodingType>url</EncodingType>; any other
 * encoding type is refused with 400 InvalidArgument.
 *
 * Outside the storage-class middleware, which reads the listing's keys as XML text to rewrite their classes.
 */
export function listingUrlEncodingMiddleware(): S3rver.Middleware {
  return async (ctx, next) => {
    const query = new URLSearchParams(ctx.querystring);
    const encoding = query.get('encoding-type');
    if (ctx.method !== 'GET' || encoding === null || !isBucketRequest(ctx.path)) return next();
    if (encoding !== 'url') {
      return replyS3Error(ctx, 400, 'InvalidArgument', 'Invalid Encoding Method specified in Request', `<ArgumentName>encoding-type</ArgumentName><ArgumentValue>${escapeXml(encoding)}</ArgumentValue>`);
    }
    await next();
    if (ctx.status === 200 && typeof ctx.body === 'string' && ctx.body.includes('<ListBucketResult')) ctx.body = urlEncodedListing(ctx.body);
  };
}

/** `/bucket` or `/bucket/`: a request on the bucket, not on an object. */
function isBucketRequest(path: string): boolean {
  const slash = path.indexOf('/', 1);
  return path.length > 1 && (slash < 0 || slash === path.length - 1);
}

const ENCODED_ELEMENTS = /<(Key|Prefix|Delimiter|StartAfter|Marker|NextMarker)>([^<]*)<\/\1>/g;

/** A ListBucketResult document with the elements S3 encodes URL-encoded, and the EncodingType that says so. */
export function urlEncodedListing(xml: string): string {
  const encoded = xml.replace(ENCODED_ELEMENTS, (_, name: string, text: string) => `<${name}>${encodeListedValue(unescapeXml(text))}</${name}>`);
  return encoded.replace('</ListBucketResult>', '<EncodingType>url</EncodingType></ListBucketResult>');
}

/**
 * S3's form-style URL encoding: letters, digits and `-_.*` and '/' as they are, a space as '+', every other byte of
 * the UTF-8 as %XX (so '+' is %2B, '~' %7E, '(' %28 — the S3 docs' `test_file%283%29.png`). That is Java's
 * URLEncoder with '/' left alone: S3 lists `run books/x.txt` as `run+books/x.txt`, and MinIO's s3URLEncode keeps '/'
 * and '*' and escapes '~' to match it. Until 2026-12 '/' and '*' were escaped here and '~' was not.
 */
export function encodeListedValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.*/]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
