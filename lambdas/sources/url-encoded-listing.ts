import { ListObjectsV2Command, type ListObjectsV2CommandInput, type ListObjectsV2CommandOutput, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';

/**
 * Key listings (ListObjectsV2) asked for with EncodingType 'url', their answers decoded. Without it S3 sends
 * each key as raw XML text, and XML parsing changes some keys S3 accepts: every CR and CRLF becomes LF, and a
 * key of only whitespace with a LF in it becomes ''. A key `cr\rkey` was listed as `cr\nkey`, which GetObject
 * answers 404 (the object left out of every backup as vanished); `x\ry` beside `x\ny` was listed twice; `\n`
 * was listed as ''. With it S3 sends `cr%0Dkey`, which XML leaves alone.
 *
 * The encoding is the HTML form's (what the AWS SDKs that decode it do: botocore's unquote_plus, the Java
 * SDK's URLDecoder): '+' is a space, a literal '+' comes as %2B, every other escape is UTF-8 percent-encoding.
 * S3 encodes Key, Prefix, Delimiter and StartAfter of the answer and each CommonPrefixes' Prefix; the request's
 * own Prefix and StartAfter are sent as they are. An endpoint that does not encode says no <EncodingType> in its
 * answer: its keys are taken as sent, as decoding them would turn each '+' into a space.
 */
const REQUESTED_ENCODING = 'url';

/** The endpoint said it URL-encoded its listing, yet sent a value that is not URL encoding: no key of it can be trusted. */
export class S3ListingEncodingError extends Error {
  override readonly name = 'S3ListingEncodingError';
  constructor(
    readonly bucket: string,
    readonly value: string,
    options?: { cause: unknown },
  ) {
    super(
      `Bucket ${bucket} listed ${JSON.stringify(value)} as URL-encoded (EncodingType url), which is not valid URL encoding: ` +
        'the endpoint is not S3-compatible in its listing encoding, so the keys it lists cannot be read. Use an S3-compatible endpoint for this bucket.',
      options,
    );
  }
}

/** One value of a URL-encoded listing (or S3 Inventory's Key field), as it was: '+' is a space. Malformed escapes throw URIError. */
export function decodeUrlEncodedKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** One page of a listing, asked for URL-encoded and decoded (or as sent, by an endpoint that does not encode). */
export async function listObjectsPage(s3: S3Client, input: ListObjectsV2CommandInput): Promise<ListObjectsV2CommandOutput> {
  return decodedPage(input.Bucket ?? '', await s3.send(new ListObjectsV2Command({ ...input, EncodingType: REQUESTED_ENCODING })));
}

/** Every page of a listing, as the SDK's paginator asks for them (the continuation token is not encoded), each decoded. */
export async function* listObjectPages(s3: S3Client, input: ListObjectsV2CommandInput): AsyncGenerator<ListObjectsV2CommandOutput> {
  for await (const page of paginateListObjectsV2({ client: s3 }, { ...input, EncodingType: REQUESTED_ENCODING })) yield decodedPage(input.Bucket ?? '', page);
}

function decodedPage(bucket: string, page: ListObjectsV2CommandOutput): ListObjectsV2CommandOutput {
  if (page.EncodingType !== REQUESTED_ENCODING) return page;
  const decode = (value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    try {
      return decodeUrlEncodedKey(value);
    } catch (err) {
      if (err instanceof URIError) throw new S3ListingEncodingError(bucket, value, { cause: err });
      throw err;
    }
  };
  return {
    ...page,
    Prefix: decode(page.Prefix),
    Delimiter: decode(page.Delimiter),
    StartAfter: decode(page.StartAfter),
    ...(page.Contents ? { Contents: page.Contents.map((o) => ({ ...o, Key: decode(o.Key) })) } : {}),
    ...(page.CommonPrefixes ? { CommonPrefixes: page.CommonPrefixes.map((p) => ({ ...p, Prefix: decode(p.Prefix) })) } : {}),
  };
}
