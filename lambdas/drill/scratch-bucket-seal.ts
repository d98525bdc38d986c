import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import { decodeUrlEncodedKey } from '../sources/url-encoded-listing';
import { asScratchBucketCall } from './scratch-bucket-call-refused-error';
import { isUnsupportedS3Call } from './unsupported-s3-call';

/**
 * Sealing a drill's scratch bucket before its cleanup empties it (docs/ARCHITECTURE.md, "The drill workflow").
 *
 * When a drill's restore fails or times out, Step Functions stops the child execution, not the Lambda invocations in
 * flight: a restore shard goes on writing into the scratch bucket for up to its function's timeout (15 minutes). The
 * cleanup, seconds later, would empty the bucket while the shard refills it, and DeleteBucket would keep failing
 * BucketNotEmpty: the bucket, a partial copy of production data, would stay until a later drill's sweep, a day on.
 * So the cleanup first gives the bucket a policy that denies every object write to everyone (s3:PutObject covers
 * PutObject, CopyObject and every step of a multipart upload), aborts the multipart uploads under way, and only then
 * empties and deletes it. A late shard's writes fail AccessDenied (its invocation fails, which nobody reads).
 *
 * The deny names every principal: no role needs to write a scratch bucket once its drill is cleaning up, and the
 * policy goes with the bucket. A bucket the cleanup could not delete stays sealed until the sweep takes it; an
 * administrator who needs to write it deletes the policy (a Deny of s3:PutObject does not cover s3:DeleteBucketPolicy).
 * A Deny with a wildcard principal is not a public policy, so Block Public Access (on for every scratch bucket) allows it.
 */

/** The statement id of the seal, which names why the bucket refuses writes to anyone reading its policy. */
export const SCRATCH_SEAL_SID = 'LifeboatDrillCleanupDeniesWrites';

/** The ARN partition of a region: a policy's Resource must name the bucket in the partition it lives in. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The policy that seals `bucket`: every principal is denied every object write. */
export function scratchSealPolicy(bucket: string, region: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: SCRATCH_SEAL_SID, Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:${partitionOfRegion(region)}:s3:::${bucket}/*` }],
  });
}


/**
 * Seals `bucket` against late writers and aborts its multipart uploads under way (whose parts DeleteObjects does not
 * reach). A policy takes a few seconds to be in force everywhere: a write accepted meanwhile is emptied by the
 * cleanup's next attempt (scratch-targets.ts removeBucket). An endpoint without multipart listing (the local cloud) has no uploads to abort here.
 * A failed call is a ScratchBucketCallRefusedError naming its IAM action (the cleanup says which right was refused).
 */
export async function sealScratchBucket(s3: S3Client, region: string, bucket: string): Promise<void> {
  await asScratchBucketCall(bucket, 's3:PutBucketPolicy', () => s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: scratchSealPolicy(bucket, region) })));
  try {
    let markers: { KeyMarker?: string | undefined; UploadIdMarker?: string | undefined } = {};
    for (;;) {
      const page = await asScratchBucketCall(bucket, 's3:ListBucketMultipartUploads', () => s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, EncodingType: 'url', ...markers })));
      const key = (value: string | undefined): string | undefined => (value !== undefined && page.EncodingType === 'url' ? decodeUrlEncodedKey(value) : value);
      for (const upload of page.Uploads ?? []) {
        await asScratchBucketCall(bucket, 's3:AbortMultipartUpload', () =>
          s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key(upload.Key) ?? '', UploadId: upload.UploadId ?? '' })).catch((err: unknown) => {
            // Completed or aborted meanwhile: nothing is left of it.
            if (!(err instanceof Error && err.name === 'NoSuchUpload')) throw err;
          }),
        );
      }
      if (!page.IsTruncated) break;
      markers = { KeyMarker: key(page.NextKeyMarker), UploadIdMarker: page.NextUploadIdMarker };
    }
  } catch (err) {
    if (!(err instanceof Error && isUnsupportedS3Call(err.cause))) throw err;
  }
}
