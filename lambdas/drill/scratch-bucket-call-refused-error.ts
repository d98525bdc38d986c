import { errorAsText } from '../runtime/error-as-text';

/**
 * An S3 call the drill cleanup makes on a scratch bucket before emptying it (the seal, the expiry rules) failed. It
 * names the IAM action of the call, so that what the cleanup records can say which right a refusal (an SCP, a
 * permission boundary) withheld, and keeps S3's error as its cause (a bucket gone meanwhile is told by the cause).
 */
export class ScratchBucketCallRefusedError extends Error {
  override readonly name = 'ScratchBucketCallRefusedError';
  constructor(
    readonly bucket: string,
    /** The IAM action of the call, e.g. s3:PutBucketPolicy. */
    readonly action: string,
    override readonly cause: unknown,
  ) {
    super(`${action} on scratch bucket ${bucket} failed: ${errorAsText(cause)}`, { cause });
  }
}

/** Runs one S3 call of `action` on `bucket`, its failure a ScratchBucketCallRefusedError naming the action. */
export async function asScratchBucketCall<T>(bucket: string, action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new ScratchBucketCallRefusedError(bucket, action, err);
  }
}
