import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type S3BucketSourceConfig, type SourceConfig } from '../../config/lifeboat-config';
import { KEY_IN_OTHER_REGION, NAME_IN_OTHER_REGION } from '../../config/names-in-other-region';
import { type DrillError, type DrillSourceResult } from '../catalog/drill-record';
import { backupLeftOut, type BackupRecords } from '../restore/backup-left-out';
import { type RestoreReport } from '../restore/verify-restore';
import { s3KeyOfEntryPath } from '../sources/s3-entry-path';
import { quotedServiceWords } from '../runtime/quoted-service-words';
import { THROTTLING_ERROR_NAMES } from '../runtime/throttling-error-names';
import { fileChangeToken, httpStatusOf, isS3NotFound, isS3PreconditionFailed, type ManifestEntry, resolveInsideTarget, s3ErrorOf, s3KeyOf, type SnapshotSource, snapshotStartedAt, type Vault } from '../../vault';
import { BackupLacksLiveObjectsError, LiveSampleMismatchError } from './drill-errors';
import { liveAnswersOf, type LiveAnswers } from './live-region-answers';
import { type LiveObjectsMissing, liveObjectsMissingFromBackup, type MissingObjectsQuery, type RecordedS3Source } from './live-objects-missing-from-backup';

/**
 * The live-source comparison of one source (drill-record.ts `sampled`), with the entries whose restored copy differs
 * (`mismatches`) and the live objects older than the backup that it lacks (`notInBackup`).
 */
export type LiveSample = DrillSourceResult['sampled'] & {
  mismatches: string[];
  notInBackup: string[];
  /**
   * The source's region did not answer at all: a request of it got no response (a timeout or a connection failure
   * after the SDK's retries) and no request of this comparison before it, of any source, had one (silentBy). Not
   * recorded, read by compareWithLiveSources.
   */
  regionSilent?: true;
};

export type LiveSampleDeps = {
  openVault: (side: 'primary' | 'dr') => Promise<Vault>;
  /** S3 of the sources' region (the primary's): the live buckets; or why this function cannot reach them. */
  liveS3: S3Client | string;
  /** S3 of the drill's region: the scratch buckets. */
  targetS3: S3Client;
  /** A configured directory path → where it is on this machine. */
  directory: (configuredPath: string) => string;
  /** Where the listings of live objects start (live-objects-missing-from-backup.ts): Math.random unless a test fixes it. */
  random?: () => number;
  /**
   * The catalog whose record of the backup says what it left out of each source (its skipped reason lines, which name the
   * keys): read here, not from the restore report in the state, whose lines are bounded by where the report goes
   * (restore-report-lists.ts). A live object the backup lacks is explained by a line that names it, or, for an
   * Intelligent-Tiering object, by the record naming fewer objects than it left out; lines dropped on the way made it
   * look so, and a drill that should fail with BackupLacksLiveObjectsError passed (review r58I F1).
   */
  backupRecords: BackupRecords;
  /** The function's remaining time (the invocation's getRemainingTimeInMillis): no source is begun too near its end. */
  remainingMs?: () => number;
  /**
   * Whether the live region has answered a request of this comparison (compareWithLiveSources gives one to all its
   * sources); a sampleLiveSource called alone counts from its own first request.
   */
  liveAnswers?: LiveAnswers;
};

/**
 * The time a source is not begun within: one S3 source of a hung region costs its 30 s socket timeout times the SDK's
 * 3 attempts before it is found unreachable, and a step past the function's timeout returns nothing (audit a59A F2).
 */
export const COMPARE_RESERVE_MS = 120_000;

export const DYNAMODB_NOT_SAMPLED = 'DynamoDB tables are not sampled: a live item carries no version, so an unchanged item cannot be told from a changed one; the restore was verified against the backup';

/**
 * A service error the SDK gave up retrying (a 5xx — InternalError, ServiceUnavailable, SlowDown — or throttling),
 * named with its HTTP status, code and attempts; undefined for any other (a 4xx is this function's own problem).
 */
function serviceTrouble(err: unknown): string | undefined {
  const sdk = s3ErrorOf(err);
  const status = httpStatusOf(sdk);
  const { name = 'Error', message = '', $metadata } = sdk as { name?: string; message?: string; $metadata?: { attempts?: number } };
  // A throttle (S3's 503 SlowDown; DynamoDB's, EFS's) still thrown after the SDK's retries says the region cannot
  // serve this function now, not that the function is wrong.
  if (!(THROTTLING_ERROR_NAMES.has(name) || status === 429 || (status !== undefined && status >= 500))) return undefined;
  // A HEAD's error response has no body, so no code: the SDK names it "Unknown", its message "UnknownError".
  // S3's words are quoted (quotedServiceWords): they can hold an object key, and this reaches the drill's report.
  const said = name === 'Unknown' || message === '' || message === 'UnknownError' ? `HTTP ${status ?? '?'} with no error code` : `${status !== undefined ? `HTTP ${status} ` : ''}${quotedServiceWords(`${name}: ${message}`)}`;
  const attempts = $metadata?.attempts;
  return attempts !== undefined && attempts > 1 ? `${said} (after ${attempts} attempts)` : said;
}

/**
 * Why the source's region (or its mount) cannot serve this function, which a drill notes and does not fail on:
 * a connection refused, reset or timed out, or, after the SDK's own retries, a 5xx or throttling answer.
 * Undefined for any other error (a refusal for want of a grant is told apart by the caller).
 */
export function unreachableReason(err: unknown): string | undefined {
  return noAnswer(err) ?? serviceTrouble(err);
}

/**
 * A connection refused, reset or timed out: the region did not answer at all, so asking it for the next source costs
 * the same timeouts again (a 5xx or throttling answer is the region answering). Undefined for any other error.
 */
function noAnswer(err: unknown): string | undefined {
  // Not `instanceof Error`: Node's errors may come from another realm (jest's), and are still errors.
  if (typeof err !== 'object' || err === null || !('message' in err)) return undefined;
  const { name = 'Error', message = '', code = '' } = err as { name?: string; message?: string; code?: string };
  const text = `${name} ${code} ${message}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|socket hang up|TimeoutError/.test(text) ? `${name}: ${message}` : undefined;
}

/**
 * Whether `err` says the live region did not answer at all: no response to the request (noAnswer, and no HTTP status),
 * and none to any request of this comparison before it, of any source, nor to an earlier attempt of this one (the
 * SDK's retries: LiveAnswers). A connection reset while an object's body is read (after the response came, and not
 * retried by the SDK) is no such silence, nor is a failure after the region answered anything: until review r60E F1
 * (within the source) and r60J F1, F2 (an earlier source; a 503 before the timeout) such a failure made the drill
 * skip every later S3 source, saying the region "did not answer", and a later source whose restored copy differed passed.
 */
function silentBy(err: unknown, answers: LiveAnswers): boolean {
  return !answers.heard && noAnswer(err) !== undefined && httpStatusOf(s3ErrorOf(err)) === undefined;
}

/** Gone from the live source: an S3 object (NoSuchKey, a HEAD's NotFound, 404) or a file (ENOENT, ENOTDIR). */
function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return isS3NotFound(err) || code === 'ENOENT' || code === 'ENOTDIR';
}

/** S3 keeps LastModified to the second in HeadObject (an HTTP date) and to the millisecond in some listings: compare seconds. */
function sameSecond(a: Date | undefined, recorded: unknown): boolean {
  if (a === undefined || typeof recorded !== 'string' || recorded === '') return false;
  return Math.floor(a.getTime() / 1000) === Math.floor(Date.parse(recorded) / 1000);
}

async function s3Bytes(s3: S3Client, bucket: string, key: string, ifMatch?: string): Promise<Buffer> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(ifMatch !== undefined ? { IfMatch: ifMatch } : {}) }));
  return Buffer.from((await Body?.transformToByteArray()) ?? new Uint8Array());
}

async function fileBytes(file: string | Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

type Outcome = 'matched' | 'changed' | { mismatch: string };

/** The live source cannot be compared from here (internal: its message becomes the result's `unreachable`). */
class LiveSourceUnreachable extends Error {
  override readonly name = 'LiveSourceUnreachable';
  /** `silent`: the region did not answer at all (noAnswer), rather than refused or answered with an error. */
  constructor(
    message: string,
    readonly silent = false,
  ) {
    super(message);
  }
}
type S3Target = Extract<RestoreReport['target'], { type: 's3' }>;

/**
 * 403 InvalidObjectState: the live object was archived since the backup (a lifecycle transition keeps its ETag and
 * LastModified, so HEAD still matches), and S3 serves it only once restored: it is skipped as a changed one is.
 */
function isArchivedRefusal(err: unknown): boolean {
  return (err as { name?: unknown } | null | undefined)?.name === 'InvalidObjectState';
}

/** A 403 with no body, so with no code: the SDK names it "Unknown" (its message "UnknownError"). A HEAD's refusals are all such. */
function isBodiless403(err: unknown): boolean {
  const sdk = s3ErrorOf(err);
  const { name = '', message = '' } = sdk as { name?: string; message?: string };
  return httpStatusOf(sdk) === 403 && (name === 'Unknown' || name === 'Forbidden' || message === '' || message === 'UnknownError');
}

/**
 * The codes of a 403 that mean a missing grant (IAM, the bucket policy, the bucket's KMS key: S3 answers a refused
 * kms:Decrypt AccessDenied, naming the key in its message). Other 403s are not (review 43c F3): RequestTimeTooSkewed
 * (this function's clock), SignatureDoesNotMatch and InvalidAccessKeyId (its credentials), AllAccessDisabled (the
 * account): advice to grant s3:GetObject would be wrong, so they fail the compare step as any other error does.
 */
const PERMISSION_REFUSALS: ReadonlySet<string> = new Set(['AccessDenied', 'KMS.AccessDeniedException', 'AccessDeniedException']);

/**
 * A refusal for want of a permission: one of PERMISSION_REFUSALS, or a 403 with no body to say otherwise. Not the
 * vault's isS3PermissionRefusal: this one also takes KMS's AccessDeniedException names (at any status) and a 403 of any
 * name whose message is empty or "UnknownError", and that one also a 403 named "UnknownError" or "403" with words.
 */
function isPermissionRefusal(err: unknown): boolean {
  const { name } = s3ErrorOf(err) as { name?: unknown };
  return (typeof name === 'string' && PERMISSION_REFUSALS.has(name)) || isBodiless403(err);
}

/**
 * What S3 said when it refused: the SDK's own error, also when a middleware wrapped it (the runtime's ExpectedBucketOwner
 * check keeps it as the cause of its BucketOwnerMismatchError), since its message is what names the missing permission
 * ("not authorized to perform: kms:Decrypt on resource: ..."). A HEAD's refusal has no body, so no code to name it.
 */
function refusalOf(err: unknown): string {
  const sdk = s3ErrorOf(err);
  let expectedOwner: unknown;
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) expectedOwner ??= (e as { expectedOwner?: unknown }).expectedOwner;
  const { name = 'Error', message = '' } = sdk as { name?: string; message?: string };
  const status = httpStatusOf(sdk) ?? 403;
  // The SDK names a bodiless error "Unknown", its message "UnknownError".
  // S3's words are quoted, as serviceTrouble's are: an object key in them would forge lines of the report.
  const said = name === 'Unknown' || message === '' ? `HTTP ${status} with no error code (a HEAD response has no body)` : quotedServiceWords(`${name}: ${message}`);
  return typeof expectedOwner === 'string' ? `${said}; the request named ExpectedBucketOwner ${expectedOwner}` : said;
}

/**
 * Why S3 refused a HEAD: its 403 has no body, so a GET of the object's first byte asks for the code (a clock or
 * credential problem refuses every request alike, and would otherwise pass for a missing grant). The GET's 403, or
 * the HEAD's error when the GET is not refused (a refusal is checked before the range or the object's state).
 */
async function whyHeadRefused(liveS3: S3Client, bucket: string, key: string, headError: unknown): Promise<unknown> {
  try {
    const { Body } = await liveS3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=0-0' }));
    await Body?.transformToByteArray();
  } catch (err) {
    if (httpStatusOf(s3ErrorOf(err)) === 403) return err;
  }
  return headError;
}

/**
 * A live bucket that refuses this function for want of a grant (isPermissionRefusal) cannot be compared, however
 * often it is asked: the source is left out of the comparison with what to grant, and the drill's other sources are
 * still compared. Not a restore failure, so not the drill's: the restore was verified against the backup.
 */
function notReadable(source: S3BucketSourceConfig, err: unknown): LiveSourceUnreachable {
  return new LiveSourceUnreachable(
    `bucket ${source.bucket} is not readable by this drill (${refusalOf(err)}): its compare function needs s3:GetObject on s3://${source.bucket}/${source.prefix}* ` +
      'and, for objects encrypted with a customer managed KMS key, kms:Decrypt on that key, which it gets when the bucket is declared with its key ' +
      '(LifeboatSource.s3Bucket of a bucket with its encryptionKey; lifeboat.config.json: the source\'s kmsKeyArn); ' +
      'a bucket or key of another account must also admit the function\'s role in its own policy, and a bucket not owned by the account the source names is refused whatever the grants',
  );
}

/** One S3 entry: skipped when the live object's ETag or LastModified moved since the backup, else both copies read and compared. */
async function compareObject(liveS3: S3Client, targetS3: S3Client, source: S3BucketSourceConfig, target: S3Target, entry: ManifestEntry, answers: LiveAnswers): Promise<Outcome> {
  const key = s3KeyOf(entry);
  const etag = entry.meta['etag'];
  if (typeof etag !== 'string' || etag === '') return 'changed';
  let live: Buffer;
  try {
    const head = await liveS3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: key })).then(
      (answer) => {
        answers.markHeard();
        return answer;
      },
      async (err: unknown) => {
        if (httpStatusOf(s3ErrorOf(err)) !== undefined) answers.markHeard();
        return Promise.reject(isBodiless403(err) ? await whyHeadRefused(liveS3, source.bucket, key, err) : err);
      },
    );
    if (head.ETag !== etag || !sameSecond(head.LastModified, entry.meta['lastModified'])) return 'changed';
    // If-Match: an object overwritten between the two requests is skipped, not reported as a difference.
    live = await s3Bytes(liveS3, source.bucket, key, etag);
  } catch (err) {
    if (isNotFound(err) || isS3PreconditionFailed(err) || isArchivedRefusal(err)) return 'changed';
    // Only the live side's refusals, connection failures and 5xx/throttling mean "unreachable"; the scratch bucket's are the drill's own failure.
    const why = unreachableReason(err);
    if (why !== undefined) throw new LiveSourceUnreachable(`bucket ${source.bucket} could not be reached: ${why}`, silentBy(err, answers));
    if (isPermissionRefusal(err)) throw notReadable(source, err);
    throw err;
  }
  const restored = await s3Bytes(targetS3, target.bucket, `${target.prefix}${key}`).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
  if (!restored) return { mismatch: `${JSON.stringify(key)}: missing in s3://${target.bucket}/ (live object unchanged since the backup)` };
  return restored.equals(live) ? 'matched' : { mismatch: `${JSON.stringify(key)}: restored copy (${restored.length} bytes) differs from the live object (${live.length} bytes)` };
}

/**
 * How a live file stands against its backup entry: `changed` (gone, not a file, or another size or mtime); `same` (the
 * backup's change token, or, for an entry without one, its size and mtime); `moved` (size and mtime kept, but another
 * inode or ctime: a tree copied with its times kept, cp -p, rsync -a, a DataSync or EFS migration, or a FUSE or SMB
 * mount that numbers inodes afresh; or a file rewritten with its size and mtime put back, rsync -t, tar x, touch -r).
 */
type LiveFileState = 'changed' | 'same' | 'moved';

async function liveFileState(livePath: string | Buffer, entry: ManifestEntry): Promise<LiveFileState> {
  const stats = await lstat(livePath, { bigint: true }).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
  if (stats === undefined || !stats.isFile()) return 'changed';
  if (Number(stats.size) !== entry.size || String(stats.mtimeNs) !== entry.meta['mtimeNs']) return 'changed';
  return entry.changeToken === undefined || fileChangeToken(stats) === entry.changeToken ? 'same' : 'moved';
}

/**
 * One file: skipped when it changed since the backup (or while it was read), else both copies read and compared. A file
 * with the backup's change token (size, mtime, ctime and inode) is unchanged, and a restored copy that differs from it is
 * a mismatch. One `moved` (liveFileState) is compared too, or a migrated tree would never be compared again: equal
 * bytes are a match, but different ones are skipped as changed, since a rewrite with its mtime put back cannot be told
 * from a bad backup.
 */
async function compareFile(liveRoot: string, restoredRoot: string, restoredPathName: string, entry: ManifestEntry): Promise<Outcome> {
  const livePath = resolveInsideTarget(liveRoot, entry.path);
  const state = await liveFileState(livePath, entry);
  if (state === 'changed') return 'changed';
  const live = await fileBytes(livePath).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
  // Changed while it was read: a file that was `moved` must still be, one that was `same` too.
  if (!live || (await liveFileState(livePath, entry)) !== state) return 'changed';
  const restored = await fileBytes(resolveInsideTarget(restoredRoot, entry.path)).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
  // Missing is the restore's fault whatever the live file holds: the backup has the entry.
  if (!restored) return { mismatch: `${JSON.stringify(entry.path)}: missing in ${restoredPathName} (live file of the backup's size and mtime)` };
  if (restored.equals(live)) return 'matched';
  if (state === 'moved') return 'changed';
  return { mismatch: `${JSON.stringify(entry.path)}: restored copy (${restored.length} bytes) differs from the live file (${live.length} bytes)` };
}

/** What the live-to-backup direction is told of the backup (MissingObjectsQuery without what the source's comparison knows itself). */
type BackupSide = Omit<MissingObjectsQuery, 'liveS3' | 'source' | 'random' | 'answered'>;

/**
 * How one entry of the source is compared: the manifest kind sampled and the comparison, or why the live source cannot be
 * compared; and, for S3, how live objects are looked up in the backup (file systems are not walked: docs/RUNBOOKS.md).
 */
type EntryComparison = { kind: 'object' | 'file'; compare: (entry: ManifestEntry) => Promise<Outcome>; missing?: (backup: BackupSide) => Promise<LiveObjectsMissing> };

/**
 * Why the drill's stack could not name what reading a source bucket takes (the stand-ins of config/names-in-other-region.ts,
 * put in its plans by the constructs), or undefined when it could. Recognized before any request: sent to S3, a
 * stand-in is an invalid bucket name (400) or one the function has no grant on (403), and a 404 would pass for objects changed.
 * `drilledVault`: the drill's own vault; drilling the primary vault is a remedy only in a drill of the DR vault (the
 * primary drill's stack names a key of its own, or of another stack of its account and region, by its ARN).
 */
async function notNamedHere(bucket: string, drillS3: S3Client, drilledVault: RestoreReport['vault']): Promise<string | undefined> {
  if (bucket !== NAME_IN_OTHER_REGION && bucket !== KEY_IN_OTHER_REGION) return undefined;
  const region = await drillS3.config.region();
  if (bucket === NAME_IN_OTHER_REGION) return `bucket not compared: its name is not a literal in the primary stack (generated, a parameter, an SSM value or an import) and not known in ${region}; give LifeboatSource.s3Bucket the option deployedName: '<its name>', or import the bucket by its literal name, to have it sampled`;
  // Every case of lib/constructs/drill-workflow.ts (liveComparison): the key's account is another, or not known to be this drill's.
  return (
    `bucket not compared: it is encrypted with a KMS key of another account than this drill's, or one whose account or region is not known in ${region} ` +
    '(its ARN from a parameter, an SSM value or an import; a key created in a stack without env.account or env.region; a key of a stack with env.account while the protection\'s stacks have none), so this drill may not decrypt it; ' +
    'declare the bucket\'s key by its literal ARN (Key.fromKeyArn as the encryptionKey of the bucket given to LifeboatSource.s3Bucket; a key of another account must admit the drill\'s compare function in its key policy too), ' +
    'or give the stacks without env (the key\'s, the protection\'s and its DR stack) the env.account and env.region they deploy into' +
    // Only an imported key of the drill's account and region is one the primary drill can name and this one cannot.
    (drilledVault === 'dr' ? ', or, for a key of this account imported by a parameter, an SSM value or an import, drill the primary vault (lifeboat drill run --vault primary), whose stack names it' : '') +
    ', to have it sampled'
  );
}

/**
 * A failed listing of the live bucket, as compareObject treats a failed read: unreachable (with why; a missing
 * s3:ListBucket with what to grant), or the error itself. Listing needs no grant beyond the bucket's own ListBucket.
 */
function notListable(source: S3BucketSourceConfig, err: unknown, answers: LiveAnswers): unknown {
  const why = unreachableReason(err);
  if (why !== undefined) return new LiveSourceUnreachable(`bucket ${source.bucket} could not be listed: ${why}`, silentBy(err, answers));
  if (!isPermissionRefusal(err)) return err;
  return new LiveSourceUnreachable(
    `bucket ${source.bucket} could not be listed by this drill (${refusalOf(err)}): its compare function needs s3:ListBucket on the bucket ` +
      'to look live objects up in the backup; a bucket of another account must also admit the function\'s role in its bucket policy',
  );
}

/**
 * liveObjectsMissingFromBackup, its live bucket's errors classified as compareObject's are (notListable). The backup's
 * manifest is read from the vault, not the live region: an error of its reads is thrown as it is, never taken for the
 * live bucket's (until review r60E F1 a vault read's connection reset said the primary region did not answer).
 */
async function missingFromBackup(query: MissingObjectsQuery, answers: LiveAnswers): Promise<LiveObjectsMissing> {
  const vaultErrors = new Set<unknown>();
  const find = (path: string): Promise<ManifestEntry | undefined> =>
    query.find(path).catch((err: unknown) => {
      vaultErrors.add(err);
      return Promise.reject(err);
    });
  const answered = (): void => answers.markHeard();
  return liveObjectsMissingFromBackup({ ...query, find, answered }).catch((err: unknown) => Promise.reject(vaultErrors.has(err) ? err : notListable(query.source, err, answers)));
}

async function entryComparison(source: Exclude<SourceConfig, { type: 'dynamodb' }>, report: RestoreReport, deps: LiveSampleDeps): Promise<EntryComparison | string> {
  const { target } = report;
  if (source.type === 's3' && target.type === 's3') {
    const liveS3 = deps.liveS3;
    if (typeof liveS3 === 'string') return `bucket ${source.bucket} not compared: ${liveS3}`;
    const unnamed = await notNamedHere(source.bucket, deps.targetS3, report.vault);
    if (unnamed !== undefined) return unnamed;
    const answers = deps.liveAnswers ?? liveAnswersOf(liveS3);
    return {
      kind: 'object',
      compare: (entry) => compareObject(liveS3, deps.targetS3, source, target, entry, answers),
      missing: (backup) => missingFromBackup({ ...backup, liveS3, source, random: deps.random ?? Math.random }, answers),
    };
  }
  if (source.type === 'filesystem' && target.type === 'filesystem') {
    const liveRoot = deps.directory(source.path);
    const problem = await lstat(liveRoot).then(
      (stats) => (stats.isDirectory() ? undefined : 'not a directory'),
      (err: NodeJS.ErrnoException) => err.code ?? err.message,
    );
    if (problem !== undefined) return `directory ${source.path} is not reachable from this function (${problem}): the live file system is not mounted here`;
    const restoredRoot = deps.directory(target.path);
    return { kind: 'file', compare: (entry) => compareFile(liveRoot, restoredRoot, target.path, entry) };
  }
  throw new Error(`The restore report of ${source.name} has a ${target.type} target for a ${source.type} source`);
}

/** How many entries a sample may try, changed ones included, per sample asked for. */
const MAX_TRIES_PER_SAMPLE = 4;

/**
 * Compares up to `samples` entries of a restored source with the live source, byte for byte, where
 * the live entry is unchanged since the backup (S3: ETag and LastModified as the manifest recorded
 * them; files: size and mtime, compareFile), spread over the manifest: proves that what the backup holds is what
 * the source held, which verification against the manifest alone cannot. Entries drawn from the manifest
 * never show one the backup lacks: for S3, up to `samples` live objects more, listed from random starts,
 * that existed before the backup started are looked up in the manifest, and one absent is returned in `notInBackup`
 * (reported as BackupLacksLiveObjectsError, not as a mismatch: no restored entry differs; live-objects-missing-from-backup.ts;
 * files are not looked up, nor DynamoDB items). A difference is returned
 * (`mismatches`), not thrown; a source region or mount that cannot be reached (or, after the SDK's retries, still
 * answers 5xx or throttles: unreachableReason), a live bucket that refuses this
 * function (403 for want of a grant) and one its stack could not name (config/names-in-other-region.ts) are
 * `unreachable`, with why; so is a source of which every entry tried had changed since the backup (none compared).
 */
export async function sampleLiveSource(report: RestoreReport, source: SourceConfig, samples: number, deps: LiveSampleDeps): Promise<LiveSample> {
  const result: LiveSample = { compared: 0, matched: 0, skippedChanged: 0, mismatches: [], notInBackup: [] };
  if (source.type === 'dynamodb') return { ...result, unreachable: DYNAMODB_NOT_SAMPLED };
  if (samples === 0) return result;
  const comparison = await entryComparison(source, report, deps);
  if (typeof comparison === 'string') return { ...result, unreachable: comparison };
  const vault = await deps.openVault(report.vault);
  const snapshot = await vault.loadSnapshot(report.snapshotId);
  // Spread over the whole source rather than its first keys: a sample falls due every stride-th
  // candidate, and one whose live entry changed since the backup leaves it due, so the next unchanged
  // candidate is compared instead. Entries of other kinds (directories) count in `report.entries` but
  // are never candidates: a second pass takes untried candidates until `samples` were compared. Changed
  // entries are tried at most MAX_TRIES_PER_SAMPLE times `samples`: a source that changed entirely is
  // not read whole for nothing.
  const stride = Math.max(1, Math.floor(report.entries / samples));
  const maxTries = samples * MAX_TRIES_PER_SAMPLE;
  const tried = new Set<string>();
  const done = (): boolean => result.compared >= samples || tried.size >= maxTries;
  /** Compares one candidate: false when the live source could not be reached (the result says so). */
  const attempt = async (entry: ManifestEntry): Promise<boolean> => {
    tried.add(entry.path);
    let outcome: Outcome;
    try {
      outcome = await comparison.compare(entry);
    } catch (err) {
      if (!(err instanceof LiveSourceUnreachable)) throw err;
      result.unreachable = err.message;
      if (err.silent) result.regionSilent = true;
      return false;
    }
    if (outcome === 'changed') {
      result.skippedChanged++;
      return true;
    }
    result.compared++;
    if (outcome === 'matched') result.matched++;
    else result.mismatches.push(outcome.mismatch);
    return true;
  };
  let candidate = 0;
  let due = 0;
  for await (const entry of vault.entries(snapshot)) {
    if (done()) break;
    if (entry.kind !== comparison.kind) continue;
    if (candidate++ % stride === 0) due++;
    if (due === 0) continue;
    const comparedBefore = result.compared;
    if (!(await attempt(entry))) return result;
    if (result.compared > comparedBefore) due--;
  }
  if (!done()) {
    for await (const entry of vault.entries(snapshot)) {
      if (done()) break;
      if (entry.kind !== comparison.kind || tried.has(entry.path)) continue;
      if (!(await attempt(entry))) return result;
    }
  }
  // Every entry tried had moved since the backup: the source was reachable, but this drill compared nothing of it.
  if (result.compared === 0 && result.skippedChanged > 0) result.unreachable = noneCompared(comparison.kind, result.skippedChanged);
  if (comparison.missing === undefined) return result;
  try {
    const startKeys = [...tried].map((path) => s3KeyOfEntryPath(path));
    const reader = await vault.manifest(snapshot);
    // What the backup left out, from its catalog record (LiveSampleDeps.backupRecords), never the report's bounded lines.
    const leftOut = await backupLeftOut(deps.backupRecords, { backupId: report.backupId, source });
    const backup: BackupSide = { find: (path) => reader.find(path), recorded: recordedS3Source(snapshot.source), backupStartedAt: snapshotStartedAt(snapshot), backupLeftOut: leftOut, startKeys, known: tried, samples };
    // Objects written since the backup started are not counted: skippedChanged counts entries of the backup tried.
    const { checked, missing, notes } = await comparison.missing(backup);
    result.checkedLive = checked;
    if (notes.length > 0) result.liveNotes = notes;
    result.notInBackup.push(...missing);
  } catch (err) {
    if (!(err instanceof LiveSourceUnreachable)) throw err;
    result.unreachable = err.message;
    if (err.silent) result.regionSilent = true;
  }
  return result;
}

/** The bucket and prefix the backup listed, as its snapshot recorded them (plan-backup.ts: snapshotSource). */
function recordedS3Source(source: SnapshotSource): RecordedS3Source {
  const { bucket, prefix } = source;
  return { ...(typeof bucket === 'string' ? { bucket } : {}), ...(typeof prefix === 'string' ? { prefix } : {}) };
}

/** Why a source of which every entry tried was skipped has no comparison: said in its result, which would read as a pass. */
function noneCompared(kind: EntryComparison['kind'], skipped: number): string {
  const what = `${skipped} ${kind === 'object' ? 'object' : 'file'}${skipped === 1 ? '' : 's'} tried ${skipped === 1 ? 'was' : 'were all'}`;
  const how = kind === 'object' ? 'deleted, overwritten or archived' : 'deleted or changed';
  return `the ${what} ${how} since the backup: this drill compared no live copy of the source (its restore was verified against the backup)`;
}

/** What the drill's live comparison returns (`$.comparison`). */
export type DrillComparison = {
  /** When every source was restored and verified (the comparison step's start): the end of the drill's RTO. */
  verifiedAt: string;
  sources: { source: string; sampled: DrillSourceResult['sampled'] }[];
  /** LiveSampleMismatchError per source whose restored copy differs from an unchanged live entry; BackupLacksLiveObjectsError per source whose backup lacks live objects older than it. */
  errors: DrillError[];
};

/**
 * The drill's comparison step: samples every restored source against its live source (sampleLiveSource).
 * Mismatches become LiveSampleMismatchError entries of `errors`, live objects the backup lacks
 * BackupLacksLiveObjectsError ones, so the drill goes on to clean up and record rather than stop here.
 */
export async function compareWithLiveSources(
  input: { restored: readonly RestoreReport[]; samples: number; verifiedAt: string },
  sources: readonly SourceConfig[],
  deps: LiveSampleDeps,
): Promise<DrillComparison> {
  const comparison: DrillComparison = { verifiedAt: input.verifiedAt, sources: [], errors: [] };
  // Every source of a drill is of one backup: its record is read once.
  const records = new Map<string, ReturnType<BackupRecords['getBackup']>>();
  const backupRecords: BackupRecords = {
    getBackup: (backupId) => {
      const read = records.get(backupId) ?? deps.backupRecords.getBackup(backupId);
      records.set(backupId, read);
      return read;
    },
  };
  const notSampled = (report: RestoreReport, unreachable: string): void => {
    comparison.sources.push({ source: report.source, sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable } });
  };
  // Once the live region did not answer for one S3 source, each next one would wait its timeouts again: ~9 sources of a
  // hung primary outran the function's 900 s and failed a drill whose restores all verified (audit a59A F2). A region
  // that answered anything of this comparison is not silent (review r60J F1): each source gets its own attempt, bounded
  // by COMPARE_RESERVE_MS.
  let liveS3 = deps.liveS3;
  const liveAnswers = typeof liveS3 === 'string' ? undefined : liveAnswersOf(liveS3);
  for (const report of input.restored) {
    const source = sources.find((s) => s.name === report.source);
    if (!source) {
      notSampled(report, `source ${report.source} is not in this environment's configuration any more`);
      continue;
    }
    const remaining = deps.remainingMs?.();
    if (remaining !== undefined && remaining < COMPARE_RESERVE_MS && source.type !== 'dynamodb') {
      notSampled(report, `not sampled: the compare function had ${Math.floor(remaining / 1000)} s left, too few to begin it (its restore was verified against the backup)`);
      continue;
    }
    const { mismatches, notInBackup, regionSilent, ...sampled } = await sampleLiveSource(report, source, input.samples, { ...deps, liveS3, backupRecords, ...(liveAnswers !== undefined ? { liveAnswers } : {}) });
    if (regionSilent && typeof liveS3 !== 'string' && source.type === 's3') {
      liveS3 = `not sampled: ${await liveS3.config.region()} did not answer for ${report.source}`;
    }
    comparison.sources.push({ source: report.source, sampled });
    const errors = [...(mismatches.length > 0 ? [new LiveSampleMismatchError(report.source, mismatches)] : []), ...(notInBackup.length > 0 ? [new BackupLacksLiveObjectsError(report.source, notInBackup)] : [])];
    // `source`: the drill's state cuts messages past its budget to "…", and `drills show` still names the source (review r59A F3).
    for (const error of errors) comparison.errors.push({ error: error.name, message: error.message, step: 'Compare with live sources', source: report.source });
  }
  return comparison;
}
