import { type S3Client } from '@aws-sdk/client-s3';
import { isS3ObjectLockRefusal, isS3PermissionRefusal } from '../../vault';
import { quotedServiceWords } from './quoted-service-words';

/**
 * S3 refused a call that required the bucket to be owned by a given account (ExpectedBucketOwner):
 * the bucket is another account's (a squatted source name, a restore target someone else created
 * and opened to our roles), or our role lacks the permission. Either way nothing is read from or
 * written to it. Not retried: the owner does not change between attempts.
 */
export class BucketOwnerMismatchError extends Error {
  override readonly name = 'BucketOwnerMismatchError';
  /** S3's response metadata (status 403), kept so that code reading an error's HTTP status still sees it. */
  readonly $metadata: { httpStatusCode?: number } = { httpStatusCode: 403 };
  /** What was refused, in the words of a caller that knows more than the bucket (an S3 source's reader); absent: the bucket alone. */
  readonly refused?: string;
  constructor(
    readonly bucket: string,
    readonly expectedOwner: string,
    readonly operation: string,
    options?: { cause?: unknown; refused?: string },
  ) {
    // Both causes answer 403 alike, so the message names both: a cross-account source whose bucket policy does not
    // let our roles in looked like a squatted bucket when it said only the first.
    super(options?.refused === undefined ? bucketMessage(bucket, expectedOwner, operation) : refusedMessage(options.refused, expectedOwner, operation, options.cause), options);
    this.refused = options?.refused;
  }
}

function bucketMessage(bucket: string, expectedOwner: string, operation: string): string {
  return (
    `bucket ${bucket}: S3 answered ${operation} with 403 AccessDenied under ExpectedBucketOwner ${expectedOwner}, so nothing was read from or written to it. ` +
    `Either the bucket is not owned by account ${expectedOwner} (a bucket of that name in another account), or this role may not do that: ` +
    `check its IAM policy and, for a bucket of another account, that bucket's policy (docs/DEPLOYMENT.md, "An S3 source in another account").`
  );
}

/**
 * A refusal of a source's object or listing: the Lambda error payload and the handler's log carry only the message, so
 * S3's own words (which name a KMS key's denial, `kms:Decrypt`, or the policy that refused) must be in it, not only in
 * `cause` (review r59D F1: a KMS denial of one source object read as a squatted bucket, naming no source and no key).
 */
function refusedMessage(refused: string, expectedOwner: string, operation: string, cause: unknown): string {
  return (
    `${refused} (${operation}: 403 AccessDenied under ExpectedBucketOwner ${expectedOwner}, so nothing was read): ` +
    `either the bucket is not owned by account ${expectedOwner} (a bucket of that name in another account), or this role's IAM policy, the bucket's policy ` +
    `or the policy of the KMS key that encrypts its objects refuses it (docs/DEPLOYMENT.md, "An S3 source in another account"). S3 said: ${s3Said(cause)}`
  );
}

/** S3's words, quoted and cut (quotedServiceWords): they can hold an object key, printed to the operator's terminal. */
function s3Said(cause: unknown): string {
  return cause === undefined ? 'nothing more' : quotedServiceWords(cause);
}

/** Which account must own a bucket: the function's own, or the one a source names; undefined sends no ExpectedBucketOwner. */
export type BucketOwnerOf = (bucket: string) => string | undefined;

/**
 * The owner rule of a function: the buckets of sources that name an account belong to it, every
 * other bucket (vaults, restore targets, sources without an account) to the function's account.
 */
export function bucketOwnerRule(account: string, sourceOwners: ReadonlyMap<string, string>): BucketOwnerOf {
  return (bucket) => sourceOwners.get(bucket) ?? account;
}

type BucketInput = { Bucket?: unknown; ExpectedBucketOwner?: unknown };

function isObjectStateRefusal(err: unknown): boolean {
  return err instanceof Error && err.name === 'InvalidObjectState';
}

/** A 403 that speaks of the object, not of the bucket or the caller: its callers handle these themselves. */
function isObjectRefusal(err: unknown): boolean {
  return isObjectStateRefusal(err) || isS3ObjectLockRefusal(err);
}

/**
 * Puts ExpectedBucketOwner on every command of `client` that names a bucket, so that a bucket of the
 * right name in the wrong account is refused by S3 itself, before a byte moves (issue 13, item 1).
 * It is set on the input, not as a raw header: each command's serializer sends it only where S3
 * defines it (CreateBucket and ListBuckets have none). A 403 on such a call becomes
 * BucketOwnerMismatchError when it is a permission refusal (isS3PermissionRefusal), but for 403 InvalidObjectState (an archived object) and Object Lock's 403
 * AccessDenied (a locked version). Idempotent per client.
 */
export function expectBucketOwner(client: S3Client, ownerOf: BucketOwnerOf): S3Client {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as BucketInput;
      const bucket = typeof input.Bucket === 'string' ? input.Bucket : undefined;
      const owner = bucket !== undefined && input.ExpectedBucketOwner === undefined ? ownerOf(bucket) : undefined;
      if (bucket === undefined || owner === undefined) return next(args);
      try {
        return await next({ ...args, input: { ...args.input, ExpectedBucketOwner: owner } });
      } catch (err) {
        // 403 InvalidObjectState (a GET of an archived object not thawed) speaks of the object, not the bucket: the
        // vault store turns it into VaultObjectArchivedError, which the readers of archived packs handle. So does Object
        // Lock's refusal to delete a locked version: the vault store makes it ObjectLockedError, which a failed backup's
        // cleanup reports as a snapshot kept; blaming the owner sent the operator to an IAM policy (review a61A F1).
        // Only a permission refusal (AccessDenied, a HEAD's bodiless 403) can be a foreign owner: a clock skew, a bad
        // signature or an expired token stays S3's own error, so the Lambda's message says what S3 said, not "check IAM".
        if (isS3PermissionRefusal(err) && !isObjectRefusal(err)) throw new BucketOwnerMismatchError(bucket, owner, context.commandName ?? 'the request', { cause: err });
        throw err;
      }
    },
    { name: 'lifeboatExpectedBucketOwner', step: 'initialize', override: true },
  );
  return client;
}
