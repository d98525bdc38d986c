import { type SourceConfig } from '../../config/lifeboat-config';
import { BucketOwnerMismatchError } from '../runtime/expected-bucket-owner';
import { NOT_VOUCHED } from './missing-mirror-resource';

/**
 * The names with which a service refuses the check's role on a resource: S3 AccessDenied (403; a listing needs no KMS),
 * DynamoDB AccessDeniedException (HTTP 400; the table's or replica's KMS key policy included: DynamoDB answers a key
 * policy's refusal so), EFS AccessDeniedException (403), and KMS's own name for it as some services relay it. Not any
 * other 403: a rejected credential (UnrecognizedClientException, ExpiredToken, InvalidAccessKeyId, SignatureDoesNotMatch,
 * OptInRequired) says nothing of a grant on this source, and fails the run as before.
 */
const REFUSALS = new Set(['AccessDenied', 'AccessDeniedException', 'KMSAccessDeniedException']);

/** `err` and the errors under it (`cause`), outermost first, a few deep. */
function* errorsUnder(err: unknown): Generator<Error> {
  for (let at: unknown = err, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++) yield at;
}

/**
 * The service's own error under `err`: in Lambda every S3 client answers a permission refusal's 403 (AccessDenied, a HEAD's bare 403) with BucketOwnerMismatchError
 * (lambdas/runtime/expected-bucket-owner.ts), S3's error kept as its `cause`. The innermost error that carries the
 * SDK's response metadata, else `err` itself.
 */
function serviceErrorOf(err: unknown): unknown {
  return [...errorsUnder(err)].findLast((at) => (at as { $metadata?: unknown }).$metadata !== undefined) ?? err;
}

/**
 * Whether `err` is a service refusing the check's role (REFUSALS, judged on the service's own error). Its region
 * answered: unlike an unreachable region (which keeps the last record), the refused side cannot be read now, so the
 * mirror is not vouched for. Asked after the missing-resource test (missing-mirror-resource.ts).
 */
export function isAccessRefusal(err: unknown): boolean {
  const name = (serviceErrorOf(err) as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' && REFUSALS.has(name);
}

const MAX_MESSAGE = 300;

/** The service's error as the note quotes it: its name and message (a policy's refusal names the action, the resource, and which policy denied). */
function serviceError(err: unknown): string {
  const { name, message } = serviceErrorOf(err) as { name?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message.trim() : '';
  const shown = text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
  return `${typeof name === 'string' ? name : 'Error'}${shown ? `: ${shown}` : ''}`;
}

const SEE_GRANTS = 'what the role is granted: lib/constructs/mirror-check-workflow.ts, docs/ARCHITECTURE.md "Mirrors"';

function note(what: string, where: string, err: unknown, granted: string, likely: string): string {
  const owner = expectedOwnerOf(err);
  // S3 answers an ExpectedBucketOwner mismatch with the same bare "Access Denied": a bucket of that name in another
  // account (a typo, a squatted name) reads like a policy's refusal unless the note says so.
  const notOwned =
    owner === undefined ? '' : `, or the bucket is not owned by account ${owner} (a bucket of that name in another account: S3 answers an ExpectedBucketOwner mismatch with the same AccessDenied) — check the plan's bucket name and its \`account\``;
  return `${what} in ${where} refused the mirror check (${serviceError(err)}): the mirror-check function's role lacks a grant it needs there (${granted}) or a policy denies it — ${likely}${notOwned}; ${SEE_GRANTS}; ${NOT_VOUCHED}`;
}

/** The account an S3 request required as the bucket's owner (ExpectedBucketOwner), when the runtime's middleware named it. */
function expectedOwnerOf(err: unknown): string | undefined {
  return [...errorsUnder(err)].find((at): at is BucketOwnerMismatchError => at instanceof BucketOwnerMismatchError)?.expectedOwner;
}

/**
 * The note of a source whose region (the primary) refused the check: the source named, the service's error, and what
 * the construct grants the role on it (mirror-check-workflow.ts), so the user can tell which policy of theirs keeps it out.
 */
export function refusedSourceNote(source: SourceConfig, sourceRegion: string, fileSystemId: string | undefined, err: unknown): string {
  const where = `${sourceRegion} (the primary region)`;
  if (source.type === 's3') {
    return note(
      `source bucket ${source.bucket}`,
      where,
      err,
      's3:ListBucket on the bucket, pinned to the owner account the source names, its `account`',
      "most often the bucket's policy, which must admit the role",
    );
  }
  if (source.type === 'dynamodb') {
    return note(
      `source table ${source.table}`,
      where,
      err,
      'dynamodb:Scan, GetItem and DescribeTable on the table; kms:Decrypt on its customer managed key only when the config names the key by a literal ARN',
      "most often the table's KMS key policy, which must admit the role, or a resource policy of the table",
    );
  }
  return note(
    `file system ${fileSystemId ?? '?'}`,
    where,
    err,
    "elasticfilesystem:DescribeReplicationConfigurations on the file system, as this account's",
    "most often a service control policy or permissions boundary of the account, or fileSystem.efs.fileSystemId naming another account's file system",
  );
}

/** The note of an S3 source's mirror bucket or a table's replica that the DR region (the check's own) refused: the DR side, not the source. */
export function refusedMirrorNote(source: Exclude<SourceConfig, { type: 'filesystem' }>, mirrorBucketPrefix: string, mirrorRegion: string, err: unknown): string {
  const where = `${mirrorRegion} (the DR region)`;
  if (source.type === 's3') {
    return note(
      `mirror bucket ${mirrorBucketPrefix}${source.name}`,
      where,
      err,
      's3:ListBucket on the mirror bucket',
      'most often a bucket policy added to the mirror bucket that does not admit the role',
    );
  }
  return note(
    `replica of table ${source.table}`,
    where,
    err,
    'dynamodb:Scan, GetItem and DescribeTable on the replica; never its KMS key, which the config does not name',
    "most often the replica's KMS key policy, which must admit the role",
  );
}
