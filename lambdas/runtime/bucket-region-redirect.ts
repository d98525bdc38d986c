import { httpStatusOf } from '../../vault';
import { errorHeaderOf } from './sdk-error-header';

/** The header in which S3 names a bucket's region (on every HeadBucket answer, and on a redirect). */
export const BUCKET_REGION_HEADER = 'x-amz-bucket-region';

/** S3 sent the request elsewhere: the bucket is in `bucketRegion` (undefined: S3, or an S3-compatible store, did not say which). */
export type BucketRegionRedirect = { bucketRegion: string | undefined };

/**
 * S3's answer that a bucket is in another region than the client's. A function's S3 client is its own region's
 * and follows no redirect (aws-clients.ts: a function writes only its region's buckets), so S3 answers 301, whose
 * only content for a HEAD is the header: without a body the SDK names the error `Unknown`, message `UnknownError`
 * (aws-sdk-js-v3 issue #1802), which says nothing to an operator. A HeadBucket signed for another region than the
 * bucket's may be answered 400 with the header instead (the SDK's own region redirect follows both): pass
 * `headBucketIn`, the client's region, to recognise that one too.
 */
export function bucketRegionRedirectOf(err: unknown, headBucketIn?: string): BucketRegionRedirect | undefined {
  const status = httpStatusOf(err);
  // An S3-compatible store may send the header empty: it names no region then.
  const bucketRegion = errorHeaderOf(err, BUCKET_REGION_HEADER)?.trim() || undefined;
  if (status === 301) return { bucketRegion };
  if (status === 400 && headBucketIn !== undefined && bucketRegion !== undefined && bucketRegion !== headBucketIn) return { bucketRegion };
  return undefined;
}
