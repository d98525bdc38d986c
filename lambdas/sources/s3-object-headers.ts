import { type EntryMeta } from '../../vault';

/**
 * The headers S3 keeps with an object besides its content type, user metadata and tags: what a
 * GetObject or HeadObject answers, and what PutObject and CreateMultipartUpload set. A backup records
 * each one the object has (`meta.headers` of an S3 `object` entry, docs/FORMAT.md §7) so that a
 * restore serves the same bytes the same way: without Content-Encoding a pre-compressed asset is gzip
 * bytes served as plain JavaScript. `field` is the name in `meta.headers`, `header` the HTTP name
 * that mismatches are reported by.
 */
export const S3_OBJECT_HEADERS = [
  { field: 'contentEncoding', header: 'Content-Encoding' },
  { field: 'cacheControl', header: 'Cache-Control' },
  { field: 'contentDisposition', header: 'Content-Disposition' },
  { field: 'contentLanguage', header: 'Content-Language' },
  { field: 'expires', header: 'Expires' },
  { field: 'websiteRedirectLocation', header: 'x-amz-website-redirect-location' },
] as const;

export type S3ObjectHeaderField = (typeof S3_OBJECT_HEADERS)[number]['field'];

/** The headers an object has; an absent field is a header the object does not have. */
export type S3ObjectHeaders = { readonly [F in S3ObjectHeaderField]?: string };

/** The fields of a GetObject or HeadObject answer that carry the headers. */
export type S3HeaderResponse = {
  ContentEncoding?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  /** The Expires header as sent: S3 keeps any string there, not only HTTP dates, so this is what is recorded. */
  ExpiresString?: string;
  /** The SDK's parse of Expires; only a fallback for an SDK or endpoint that gives no ExpiresString. */
  Expires?: Date;
  WebsiteRedirectLocation?: string;
};

/** The headers of a GetObject or HeadObject answer; empty values count as absent (S3 stores none). */
export function s3HeadersOfResponse(response: S3HeaderResponse): S3ObjectHeaders {
  const expires = response.ExpiresString ?? (response.Expires !== undefined && !Number.isNaN(response.Expires.getTime()) ? response.Expires.toUTCString() : undefined);
  return presentOnly({
    contentEncoding: response.ContentEncoding,
    cacheControl: response.CacheControl,
    contentDisposition: response.ContentDisposition,
    contentLanguage: response.ContentLanguage,
    expires,
    websiteRedirectLocation: response.WebsiteRedirectLocation,
  });
}

/**
 * The headers an entry's meta records (`meta.headers`, docs/FORMAT.md §7). Undefined for an entry
 * written before backups recorded them, which says nothing about them: it restores without them, as
 * it did, its check does not compare them, and the next incremental reads them afresh.
 */
export function s3HeadersOfMeta(meta: EntryMeta): S3ObjectHeaders | undefined {
  const recorded = meta['headers'];
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded)) return undefined;
  return presentOnly(Object.fromEntries(S3_OBJECT_HEADERS.map(({ field }) => [field, typeof recorded[field] === 'string' ? recorded[field] : undefined])));
}

/**
 * The headers whose values differ between an object read back and the ones wanted, by HTTP name,
 * each saying which side lacks it (values are not shown: like user metadata, they may name files or
 * people). Empty when equal.
 */
export function differingS3Headers(actual: S3ObjectHeaders, wanted: S3ObjectHeaders): string[] {
  return S3_OBJECT_HEADERS.filter(({ field }) => actual[field] !== wanted[field]).map(({ field, header }) => {
    if (actual[field] === undefined) return `${header} (missing in the target)`;
    if (wanted[field] === undefined) return `${header} (not in the backup)`;
    return header;
  });
}

function presentOnly(headers: Partial<Record<S3ObjectHeaderField, string | undefined>>): S3ObjectHeaders {
  const present: { [F in S3ObjectHeaderField]?: string } = {};
  for (const { field } of S3_OBJECT_HEADERS) {
    const value = headers[field];
    if (value !== undefined && value !== '') present[field] = value;
  }
  return present;
}
