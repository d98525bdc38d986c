import { httpStatusOf } from '../../vault';
import { classifyError } from '../runtime/errors';
import { BucketOwnerMismatchError } from '../runtime/expected-bucket-owner';
import { notPermissionRefusalAdvice } from '../replication/not-permission-refusal-advice';
import { quotedServiceWords } from '../runtime/quoted-service-words';

/** Where in an S3 source a request failed: the source (absent: a caller that does not know it), its bucket, its prefix, and the key read (absent: the listing). */
export type S3SourcePlace = { readonly source?: string; readonly bucket: string; readonly prefix?: string; readonly key?: string };

/**
 * S3 refused to list or read an S3 source: its bucket is gone (deleted, renamed), a policy or a KMS key keeps the
 * backup's role out, or a bucket of that name belongs to another account. S3's own error says none of that in terms
 * of the plan — `NoSuchBucket: The specified bucket does not exist` named neither the source nor the bucket, and an
 * AccessDenied on one object named no key (audit a58A F1) — so this one names the source, the bucket and the key (or
 * the prefix listed), keeps S3's error as its `cause` and in its message (quoted and cut: quotedServiceWords, as it holds
 * a key: review r60C F4), and says what to check. Permanent, as the
 * error under it: retrying does not bring a bucket back or change a policy.
 */
export class S3SourceReadError extends Error {
  override readonly name = 'S3SourceReadError';
  constructor(
    readonly place: S3SourcePlace,
    readonly action: 'list' | 'read',
    options: { cause: unknown },
  ) {
    super(`${refusal(place, action)}: ${quotedServiceWords(options.cause)}${adviceFor(options.cause, place)}`, options);
  }
}

/**
 * `err` as an S3SourceReadError at `place` when it is S3 refusing the request for good (a 4xx answer); any other error
 * as it is: a transient one (throttling, 5xx, a timeout, a network error) must keep its name for the workflows'
 * retries (lambdas/runtime/errors.ts, classifyError), a redirect becomes BucketInOtherRegionError there, and
 * Lifeboat's own errors (S3ObjectChangedError, S3ListingOrderError, an archived object's) already name what they are about.
 */
export function s3SourceReadError(err: unknown, place: S3SourcePlace, action: 'list' | 'read'): unknown {
  // A permission refusal's 403 under the ExpectedBucketOwner guard (every Lambda's and the local cloud's S3 client;
  // since fix f65D no other 403) keeps the name the ownership guard is known by (DEPLOYMENT.md, SECURITY.md; the e2e
  // security guards), but says which source, bucket and key S3 refused and what S3 said: a KMS denial of one object
  // read as a squatted bucket (review r59D F1).
  if (err instanceof BucketOwnerMismatchError && err.refused === undefined) {
    return new BucketOwnerMismatchError(err.bucket, err.expectedOwner, err.operation, { cause: err.cause, refused: refusal(place, action) });
  }
  if (!isRefusal(err)) return err;
  return new S3SourceReadError(place, action, { cause: err });
}

/** Every item of `listing`, an S3 source's keys; a refusal of the listing names the source, bucket and prefix (s3SourceReadError). */
export async function* namingS3Source<T>(listing: AsyncIterable<T>, place: S3SourcePlace): AsyncGenerator<T> {
  try {
    yield* listing;
  } catch (err) {
    throw s3SourceReadError(err, place, 'list');
  }
}

/**
 * The requests a reader sends to an S3 source, told apart from the vault's: a reader's catch sees both, and the vault's
 * S3 store lets S3's errors through as they are, so a refusal of the vault bucket (writing a pack) must not be named
 * as one of the source. `send` marks the errors of the source's requests; `named` names only those.
 */
export class S3SourceRequests {
  private readonly failed = new WeakSet<object>();

  async send<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (err) {
      if (typeof err === 'object' && err !== null) this.failed.add(err);
      throw err;
    }
  }

  /** `err` named at `place` (s3SourceReadError) when a source request of this reader failed with it; otherwise as it is. */
  named(err: unknown, place: S3SourcePlace): unknown {
    return typeof err === 'object' && err !== null && this.failed.has(err) ? s3SourceReadError(err, place, 'read') : err;
  }
}

function isRefusal(err: unknown): boolean {
  // BucketOwnerMismatchError (a permission refusal's 403 under ExpectedBucketOwner) keeps its name; s3SourceReadError names its place.
  if (!(err instanceof Error) || err instanceof S3SourceReadError || err instanceof BucketOwnerMismatchError || classifyError(err) !== err) return false;
  // 403 InvalidObjectState is an archived object, which the readers leave out or name themselves (s3-archived-object.ts).
  if (err.name === 'InvalidObjectState') return false;
  const status = httpStatusOf(err);
  return status !== undefined && status >= 400 && status < 500;
}

/** "source photos-src: S3 refused to read object "k" of bucket b": the first words of both refusals. */
function refusal(place: S3SourcePlace, action: 'list' | 'read'): string {
  return `${sourceOf(place)}: S3 refused to ${action} ${whereOf(place)}`;
}

/** S3's names for a session token it no longer takes (HTTP 400): ExpiredToken; TokenRefreshRequired for an STS token it asks be refreshed. */
const EXPIRED_TOKEN_NAMES: ReadonlySet<string> = new Set(['ExpiredToken', 'TokenRefreshRequired']);

/** The names the SDK gives a 400 without a body (a HEAD's): "Unknown" (older ones the status, or "BadRequest"). */
const BODILESS_400_NAMES: ReadonlySet<string> = new Set(['Unknown', 'UnknownError', 'BadRequest', '400']);

function sourceOf(place: S3SourcePlace): string {
  return place.source === undefined ? 'S3 source' : `source ${place.source}`;
}

function whereOf(place: S3SourcePlace): string {
  if (place.key !== undefined) return `object ${JSON.stringify(place.key)} of bucket ${place.bucket}`;
  return place.prefix ? `bucket ${place.bucket} under prefix ${JSON.stringify(place.prefix)}` : `bucket ${place.bucket}`;
}

/**
 * What to do, where S3's message does not say: a bucket that is not there, credentials S3 no longer takes, a 403 that
 * is no want of a permission, or a bare AccessDenied (a client without the ExpectedBucketOwner guard; under it a
 * permission refusal is BucketOwnerMismatchError, whose message says both).
 */
function adviceFor(err: unknown, place: S3SourcePlace): string {
  if (err instanceof Error && err.name === 'NoSuchBucket') {
    return `. The bucket does not exist (deleted or renamed): create it, or correct the source's bucket in the plan (lifeboat.config.json), then run the backup again`;
  }
  // S3 answers an expired session token 400, not 403 (a HEAD's bodiless 400 names nothing, so only a GET or a list
  // gets here by name): no policy or plan lifts it, and a retry within the invocation sends the same token, so it is
  // not transient to the workflows; the next run's invocation has fresh credentials (review r65M F3).
  if (err instanceof Error && EXPIRED_TOKEN_NAMES.has(err.name)) {
    return `. S3 refused the credentials, not the request (${err.name}): their session token had expired, which no policy or plan change puts right; the backup's next run reads it with fresh credentials`;
  }
  // A HEAD's 400 has no body, so the SDK names it nothing (Unknown). No cause is named: S3 answers so for a HEAD that
  // lacks a header it needs (an object encrypted with a customer-provided key, SSE-C, which the backup never sends: it
  // fails every run) as for an expired session token; a GET of the object says which (review r65V F1).
  if (err instanceof Error && httpStatusOf(err) === 400 && BODILESS_400_NAMES.has(err.name)) {
    return `. S3 answered 400 without words (a HEAD has no body to say why): get the object with the backup's role (aws s3api get-object) to read S3's own error. An object encrypted with a customer-provided key (SSE-C) answers so on every run, and the backup cannot read it; expired credentials answer so too, and the next run has fresh ones`;
  }
  // Under the guard a permission refusal is BucketOwnerMismatchError, so a 403 here is one of a bare client, or one for
  // the clock, the credentials or the account (RequestTimeTooSkewed, InvalidAccessKeyId, AllAccessDisabled), which no
  // policy lifts: said by S3's error name as a scrub says it (review r65M F2).
  const notRefusal = notPermissionRefusalAdvice(err, 'run the backup', 'the backup');
  if (notRefusal !== undefined) return `. ${notRefusal}`;
  if (httpStatusOf(err) === 403) {
    return (
      `. The backup's role may not do that: check the bucket's policy, the policy of the KMS key that encrypts ${place.key === undefined ? 'its objects' : 'the object'}, ` +
      "and that the bucket is owned by the account the source names (its `account`, else the environment's; docs/DEPLOYMENT.md, \"An S3 source in another account\")"
    );
  }
  return '';
}
