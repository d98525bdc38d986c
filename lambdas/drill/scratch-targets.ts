import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { DeleteTableCommand, DescribeTableCommand, type DynamoDBClient, paginateListTables } from '@aws-sdk/client-dynamodb';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListBucketsCommand,
  type ObjectIdentifier,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isAtOrUnder, type SourceConfig } from '../../config/lifeboat-config';
import { createPrivateBucket } from '../restore/private-bucket';
import { decodeUrlEncodedKey, listObjectPages } from '../sources/url-encoded-listing';
import { type RestoreTarget } from '../restore/restore-request';
import { InvalidEnvironmentError } from '../runtime/errors';
import { quotedServiceWords } from '../runtime/quoted-service-words';
import { DrillScratchError } from './drill-errors';
import { sealScratchBucket } from './scratch-bucket-seal';
import { ScratchBucketCallRefusedError } from './scratch-bucket-call-refused-error';
import { expireScratchBucket, SCRATCH_EXPIRY_DAYS } from './scratch-bucket-expiry';
import { type MovedDirectory, movedBeforeStop, removeScratchDirectory, scratchDirectoriesMovedError } from './scratch-directory-removal';
import { forEachBounded, httpStatusOf } from '../../vault';
import { isUnsupportedS3Call } from './unsupported-s3-call';

/**
 * The scratch targets of drills (docs/ARCHITECTURE.md, "The drill workflow"): each source of a
 * drilled backup is restored into a new bucket, table or directory named
 * `<drillTargetPrefix><8 hex of the drill id>-<source>`, where drillTargetPrefix is `<prefix>-drill-`
 * (the drill functions' LIFEBOAT_RESTORE_TARGET_PREFIX, the only names their IAM lets them write).
 * Everything here finds targets by that name, so a drill that failed half way is cleaned up by the
 * same step, and nothing whose name lacks the drill prefix is ever touched. A configured source is never
 * touched either, whatever its name: the config refuses sources in the pattern (reserved-source-names.ts),
 * but a source whose name synth could not read (a token) or a config deployed before that check could
 * still be named so, and its deletion would take every version of the live data.
 */

/** Longest S3 bucket name; tables take the same name so one name describes the source's target in every store. */
const MAX_NAME = 63;

/**
 * The drill cleanup function's variable: the drill state machine's timeout in seconds, which lib/constructs/drill-workflow.ts
 * sets from the value it gives the state machine (24 h; 72 h when a drill may thaw archived packs). The sweep waits it out:
 * a drill runs that long, and its scratch buckets exist from its first step on, before any thaw.
 */
export const DRILL_TIMEOUT_SECONDS_ENV = 'LIFEBOAT_DRILL_TIMEOUT_SECONDS';

/** A cleanup function deployed without the variable: the longest drill timeout (72 hours, with an archive tier), which outlives every drill. */
export const DEFAULT_DRILL_TIMEOUT_SECONDS = 72 * 60 * 60;

/**
 * How much older than the drill timeout a target must be before the sweep takes it: an invocation in flight when its
 * execution timed out runs on for up to the Lambda timeout (15 minutes at most), and the store's creation time and the
 * function's clock may disagree a little.
 */
const SWEEP_MARGIN_MS = 60 * 60 * 1000;

/** The drill timeout from the cleanup function's variable (DRILL_TIMEOUT_SECONDS_ENV); unset: DEFAULT_DRILL_TIMEOUT_SECONDS. */
export function drillTimeoutSecondsOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_DRILL_TIMEOUT_SECONDS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1) throw new InvalidEnvironmentError(DRILL_TIMEOUT_SECONDS_ENV, `"${raw}" is not a whole number of seconds, 1 or more`);
  return seconds;
}

function hex8(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** The start of every scratch target name of one drill: `<drillTargetPrefix><8 hex>-`. */
export function drillScratchPrefix(drillTargetPrefix: string, drillId: string): string {
  return `${drillTargetPrefix}${hex8(drillId)}-`.toLowerCase();
}

/**
 * The scratch target name of one source: the drill's prefix and the source's name, lowercased; a
 * name over 63 characters keeps the drill's prefix (cleanup finds targets by it) and ends in a hash
 * of the full name, so two long source names never share a target.
 */
export function scratchTargetName(drillTargetPrefix: string, drillId: string, source: string): string {
  const prefix = drillScratchPrefix(drillTargetPrefix, drillId);
  const full = `${prefix}${source}`.toLowerCase();
  if (full.length <= MAX_NAME) return full;
  const room = MAX_NAME - prefix.length - 9;
  if (room < 1) throw new DrillScratchError(`The drill target prefix "${drillTargetPrefix}" leaves no room for a source name in ${MAX_NAME} characters; shorten the environment's prefix`);
  return `${prefix}${source.toLowerCase().slice(0, room).replace(/-+$/, '')}-${hex8(full)}`;
}

/** Where scratch directories go: the configured path (the EFS mount in AWS, `/` locally) and where that is on this machine. */
export type ScratchDirectoryRoot = { configured: string; real: string };

/**
 * Where a drill function makes scratch directories: under the mounted file system in AWS
 * (LIFEBOAT_MOUNT_PATH; the rest of a Lambda's file system is read-only), under the local
 * file-system root locally; none when the function has neither (no file-system sources).
 */
export function scratchDirectoryRootOf(config: { mountPath?: string | undefined; fsRoot?: string | undefined }, directory: (configuredPath: string) => string): ScratchDirectoryRoot | undefined {
  if (config.mountPath !== undefined) return { configured: config.mountPath, real: directory(config.mountPath) };
  if (config.fsRoot !== undefined) return { configured: '/', real: directory('/') };
  return undefined;
}

/** The restore target of one source's scratch copy; directories need a scratch root (a function without a file system has none). */
export function scratchTargetOf(source: SourceConfig, name: string, directoryRoot?: ScratchDirectoryRoot): RestoreTarget {
  if (source.type === 's3') return { type: 's3', bucket: name, prefix: '' };
  if (source.type === 'dynamodb') return { type: 'dynamodb', table: name };
  if (!directoryRoot) throw new DrillScratchError(`Source ${source.name} is a directory, but this drill function has no file system to restore it into; deploy the drill with the environment's file system`);
  return { type: 'filesystem', path: path.posix.join(directoryRoot.configured, name) };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : String(err);
}



/**
 * Creates a scratch bucket in `region`, private and encrypted (createPrivateBucket). Idempotent (a
 * retried step finds its bucket); a name another account holds is a DrillScratchError.
 */
export async function createScratchBucket(s3: S3Client, region: string, bucket: string): Promise<void> {
  try {
    await createPrivateBucket(s3, region, bucket);
  } catch (err) {
    if (errorName(err) === 'BucketAlreadyExists') {
      throw new DrillScratchError(`Scratch bucket ${bucket} is taken by another account (bucket names are global); run the drill again: its next id gives another name`, { cause: err });
    }
    throw err;
  }
}

export type ScratchDeps = { s3: S3Client; dynamodb: DynamoDBClient; directoryRoot?: ScratchDirectoryRoot | undefined };

/**
 * What removing scratch needs beyond creating it: the environment's sources, which it never removes, and the drill's
 * region, the only one whose buckets it lists (ListBuckets names the account's buckets of every region, and the other
 * region's could be neither emptied nor deleted through this region's client).
 */
export type ScratchRemovalDeps = ScratchDeps & {
  sources: readonly SourceConfig[];
  region: string;
  /** Milliseconds left of the invocation (the Lambda context's getRemainingTimeInMillis); absent = no limit. */
  deadline?: (() => number) | undefined;
  /**
   * Whether the stores are the local cloud's (the function has its endpoints, runtime-config.ts localEndpoints): it keeps
   * lifecycle rules but never runs them (docs/LOCAL-CLOUD.md), so a bucket left expiring is emptied by no one but a later sweep.
   */
  localCloud?: boolean | undefined;
};

/**
 * What a cleanup did: targets removed (described as restore reports describe targets), targets left alone because
 * they are a configured source (the description and why), and failures (the name and the error), which do not stop the others.
 */
export type ScratchRemoval = { removed: string[]; skipped: string[]; errors: string[] };

type ScratchTarget = { kind: 'bucket' | 'table' | 'directory'; name: string; createdAt?: Date | undefined };

function describe(target: ScratchTarget, root?: ScratchDirectoryRoot): string {
  if (target.kind === 'bucket') return `s3://${target.name}/`;
  if (target.kind === 'table') return `dynamodb table ${target.name}`;
  return `directory ${path.posix.join(root?.configured ?? '/', target.name)}`;
}

/**
 * The sweep deletes whatever starts with the prefix: a function deployed with a restore prefix
 * (`<prefix>-restore-`, operators' restores) must never run it.
 */
function assertDrillPrefix(drillTargetPrefix: string): void {
  if (!/^[a-z0-9][a-z0-9-]*-drill-$/.test(drillTargetPrefix)) {
    throw new DrillScratchError(`The drill target prefix "${drillTargetPrefix}" (LIFEBOAT_RESTORE_TARGET_PREFIX) does not end in "-drill-"; refusing to remove targets by it`);
  }
}

/** The targets a listing found, and (in `cut`) what it did not look at because the cleanup's time ran out. */
type Listing = { targets: ScratchTarget[]; cut?: string | undefined };

/**
 * Every bucket (of the drill's region), table and directory whose name starts with `prefix`, with its creation time
 * (directories: mtime). It starts no call once `timeLeft` has run out: an account with thousands of tables is a ListTables
 * page per hundred and a DescribeTable per match, and a listing that ran into the Lambda timeout would return nothing.
 * Cut, it returns what it found and says what it did not look at; a later drill's sweep finds that.
 */
async function listScratch(deps: ScratchRemovalDeps, prefix: string, timeLeft: TimeLeft): Promise<Listing> {
  const out: ScratchTarget[] = [];
  const cut = (notLookedAt: string[]): Listing => ({
    targets: out,
    cut: `the listing of scratch targets named ${prefix}* ran out of this cleanup's time before it looked at ${notLookedAt.join(' and ')}; what it did not look at stays for a later drill's sweep`,
  });
  const directories = deps.directoryRoot ? [`the directories under ${deps.directoryRoot.configured}`] : [];
  if (timeLeft() <= 0) return cut(['the buckets', 'the tables', ...directories]);
  const { Buckets } = await deps.s3.send(new ListBucketsCommand({ Prefix: prefix, BucketRegion: deps.region }));
  for (const b of Buckets ?? []) if (b.Name?.startsWith(prefix)) out.push({ kind: 'bucket', name: b.Name, createdAt: b.CreationDate });
  // The last table looked at (names come in order), to say where a cut listing stopped.
  let last: string | undefined;
  const tablesLeft = (): string => (last === undefined ? 'the tables' : `the tables after ${last}`);
  if (timeLeft() <= 0) return cut([tablesLeft(), ...directories]);
  // Leaving the loop ends the paginator: it asks for no further page.
  for await (const page of paginateListTables({ client: deps.dynamodb }, {})) {
    for (const table of page.TableNames ?? []) {
      if (table.startsWith(prefix)) {
        if (timeLeft() <= 0) return cut([tablesLeft(), ...directories]);
        const described = await deps.dynamodb.send(new DescribeTableCommand({ TableName: table })).catch((err: unknown) => err);
        const gone = described instanceof Error && errorName(described) === 'ResourceNotFoundException';
        if (!gone) out.push({ kind: 'table', name: table, createdAt: described instanceof Error ? undefined : (described as { Table?: { CreationDateTime?: Date } }).Table?.CreationDateTime });
      }
      last = table;
    }
    if (page.LastEvaluatedTableName !== undefined && timeLeft() <= 0) return cut([tablesLeft(), ...directories]);
  }
  if (deps.directoryRoot) {
    if (timeLeft() <= 0) return cut(directories);
    const names = await readdir(deps.directoryRoot.real).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      // An lstat on EFS is a network call too.
      if (timeLeft() <= 0) return cut([`some of the directories under ${deps.directoryRoot.configured}`]);
      const stats = await lstat(path.join(deps.directoryRoot.real, name)).catch(() => undefined);
      if (stats) out.push({ kind: 'directory', name, createdAt: stats.mtime });
    }
  }
  return { targets: out };
}

/**
 * How often a bucket is emptied again when DeleteBucket finds it not empty. A restore shard of the failed Map may still
 * be writing (Step Functions stops the Map, not a Lambda invocation in flight), for up to its function's timeout: the
 * bucket is sealed first (sealScratchBucket), so these attempts only cover the seconds its policy takes to be in force;
 * one whose seal was refused may be refilled past them, and then stays for a later drill's sweep (its writers gone).
 */
const EMPTY_ATTEMPTS = 5;
const EMPTY_PAUSE_MS = 1_000;

/**
 * DeleteObjects pages (1,000 versions each) in flight while a bucket is emptied: the listing, one page at a time by its
 * markers, runs ahead of the deletes by at most this many pages. Four keep the listing the slower half.
 */
const DELETES_IN_FLIGHT = 4;

/** Scratch buckets sealed and given their expiry rules at once, before any is emptied: a few S3 calls each. */
const PREPARES_IN_FLIGHT = 8;

/**
 * Kept of the cleanup invocation's time for what runs after the cleanup stops starting S3 calls: the DeleteObjects
 * pages in flight (each may be retried by the SDK), and the step's return. A cleanup that ran into its Lambda timeout
 * would return nothing: its record would say every target may remain, and the sweep would never run.
 */
export const CLEANUP_MARGIN_MS = 60_000;

/**
 * The most of the cleanup's time the sweep of older leftovers may take before this drill's own targets: a drill whose
 * own buckets took every minute never reached them, and a full copy of the sources piled up each week (audit aW1-1).
 */
const SWEEP_SHARE = 0.25;

/** Milliseconds a removal may still spend starting S3 calls; never below 0 means out of time. */
type TimeLeft = () => number;

const NO_LIMIT: TimeLeft = () => Number.POSITIVE_INFINITY;

/** What emptying a bucket came to: done, or cut by the deadline; and how many object versions it deleted. */
type Emptied = { done: boolean; deleted: number };

/**
 * Deletes every version and delete marker of a bucket (or every object where the endpoint has no versions), up to
 * DELETES_IN_FLIGHT pages at once, and stops listing once `timeLeft` runs out (the pages in flight finish).
 */
async function emptyBucket(s3: S3Client, bucket: string, timeLeft: TimeLeft): Promise<Emptied> {
  let deleted = 0;
  let cut = false;
  const deleteBatch = async (objects: ObjectIdentifier[]): Promise<void> => {
    if (objects.length === 0) return;
    const { Errors } = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    const first = Errors?.[0];
    // Quoted: the key is the backup's data, and S3's words may hold more of it (quotedServiceWords).
    if (first) throw new DrillScratchError(`Could not empty scratch bucket ${bucket}: ${Errors?.length} objects not deleted, e.g. ${quotedServiceWords(`${first.Key}: ${first.Code} ${first.Message ?? ''}`)}`);
    deleted += objects.length;
  };
  // Pulled by forEachBounded only when a delete slot is free, so the listing never runs far ahead of the deletes.
  async function* versionPages(): AsyncGenerator<ObjectIdentifier[]> {
    // The SDK has no paginator for versions. Listing on from the markers while earlier pages are being deleted is
    // sound: the next page starts after the marker, whatever became of the keys before it.
    let markers: { KeyMarker?: string | undefined; VersionIdMarker?: string | undefined } = {};
    for (;;) {
      if (timeLeft() <= 0) {
        cut = true;
        return;
      }
      // URL-encoded for the reason url-encoded-listing.ts gives: a restored key with a CR in it would be read as another key.
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, EncodingType: 'url', ...markers }));
      const key = (value: string | undefined): string | undefined => (value !== undefined && page.EncodingType === 'url' ? decodeUrlEncodedKey(value) : value);
      yield [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: key(v.Key) ?? '', VersionId: v.VersionId ?? undefined }));
      if (!page.IsTruncated) return;
      markers = { KeyMarker: key(page.NextKeyMarker), VersionIdMarker: page.NextVersionIdMarker };
    }
  }
  async function* objectPages(): AsyncGenerator<ObjectIdentifier[]> {
    for await (const page of listObjectPages(s3, { Bucket: bucket })) {
      yield (page.Contents ?? []).map((o) => ({ Key: o.Key ?? '' }));
      if (timeLeft() <= 0) {
        cut = true;
        return;
      }
    }
  }
  try {
    await forEachBounded(versionPages(), DELETES_IN_FLIGHT, deleteBatch);
  } catch (err) {
    if (!isUnsupportedS3Call(err)) throw err;
  }
  if (cut) return { done: false, deleted };
  // Also where versions are listed: an endpoint may list unversioned objects under no version id.
  await forEachBounded(objectPages(), DELETES_IN_FLIGHT, deleteBatch);
  return { done: !cut, deleted };
}

/** Empties a sealed bucket and deletes it, emptying it again while a write accepted before the seal held refills it; cut by `timeLeft`. */
async function emptyAndDeleteBucket(s3: S3Client, bucket: string, timeLeft: TimeLeft): Promise<Emptied> {
  let deleted = 0;
  for (let attempt = 1; ; attempt++) {
    const emptied = await emptyBucket(s3, bucket, timeLeft);
    deleted += emptied.deleted;
    if (!emptied.done) return { done: false, deleted };
    try {
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      return { done: true, deleted };
    } catch (err) {
      if (errorName(err) !== 'BucketNotEmpty' || attempt >= EMPTY_ATTEMPTS) throw err;
      const pause = EMPTY_PAUSE_MS * attempt;
      if (timeLeft() <= pause) return { done: false, deleted };
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** S3's own error of a call the seal or the expiry rules named (ScratchBucketCallRefusedError), or `err`. */
function s3ErrorOf(err: unknown): unknown {
  return err instanceof ScratchBucketCallRefusedError ? err.cause : err;
}

/** Removed meanwhile (a retried cleanup, a concurrent sweep): the goal is reached. */
function isGone(err: unknown): boolean {
  const cause = s3ErrorOf(err);
  return errorName(cause) === 'NoSuchBucket' || errorName(cause) === 'ResourceNotFoundException';
}

/**
 * A target's failure as the drill's record keeps it. A service's or the file system's words are quoted
 * (quotedServiceWords), as the other drill lines quote them: they can carry a key, a path or a bucket name of the
 * backup's data, with newlines or escapes, into a record an auditor reads (f60L). The drill's own errors are its words,
 * and so is what it says after an error of the directories found moved before it, outside the quotes (review r61M F2).
 */
function failure(target: ScratchTarget, root: ScratchDirectoryRoot | undefined, err: unknown): string {
  const moved = movedBeforeStop(err);
  const before = moved !== undefined ? `. Before that: ${moved}` : '';
  return `${describe(target, root)}: ${err instanceof DrillScratchError ? `${err.name}: ${err.message}` : quotedServiceWords(err)}${before}`;
}

/**
 * The targets of one removal (this drill's own, or the sweep's), sorted out: configured sources left alone, and each
 * bucket sealed and given its expiry rules (`expiring`) before any bucket is emptied, so that a cleanup cut short
 * leaves every one of them to empty itself.
 */
type Removal = { result: ScratchRemoval; others: ScratchTarget[]; buckets: { target: ScratchTarget; sealed: boolean; expiring: boolean }[] };

function sortOut(deps: ScratchRemovalDeps, listing: Listing): Removal {
  const removal: Removal = { result: { removed: [], skipped: [], errors: listing.cut !== undefined ? [listing.cut] : [] }, others: [], buckets: [] };
  for (const target of listing.targets) {
    const live = sourceAt(target, deps.sources, deps.directoryRoot);
    if (live) removal.result.skipped.push(`${describe(target, deps.directoryRoot)}: ${live.what} source "${live.source.name}"; not a scratch target, left alone (rename it: docs/RUNBOOKS.md, "Reserved names")`);
    else if (target.kind === 'bucket') removal.buckets.push({ target, sealed: false, expiring: false });
    else removal.others.push(target);
  }
  return removal;
}

/** The refused call's IAM action and S3's error, quoted as failure() quotes it: `s3:PutBucketPolicy: "AccessDenied: …"`. */
function refusalOf(err: unknown): { action: string | undefined; said: string; advice: string } {
  const cause = s3ErrorOf(err);
  const action = err instanceof ScratchBucketCallRefusedError ? err.action : undefined;
  const denied = errorName(cause) === 'AccessDenied' || httpStatusOf(cause) === 403;
  const said = `${action !== undefined ? `${action}: ` : ''}${quotedServiceWords(cause)}`;
  const advice = denied && action !== undefined ? `; let the drill cleanup role ${action} on the <prefix>-drill-* buckets (an SCP or permission boundary may deny it)` : '';
  return { action, said, advice };
}

/** What the record says of a bucket whose expiry rules were refused: it is emptied anyway, and which right was refused (review rM F5). */
function lifecycleRefused(target: ScratchTarget, err: unknown): string {
  const { said, advice } = refusalOf(err);
  return `${describe(target)}: its expiry lifecycle rules could not be put (${said}); emptied and deleted without them (a bucket this cleanup's time cuts stays until a later drill's cleanup empties it)${advice}`;
}

/** Whether a seal's failure left the bucket without its policy: PutBucketPolicy refused, or a failure naming no call. */
function policyRefused(err: unknown): boolean {
  const { action } = refusalOf(err);
  return action === 's3:PutBucketPolicy' || action === undefined;
}

/** What the record says of a bucket whose seal was refused: it is emptied and deleted anyway, and which right was refused (review rM F3). */
function sealRefused(target: ScratchTarget, err: unknown): string {
  const { said, advice } = refusalOf(err);
  if (policyRefused(err)) {
    return `${describe(target)}: could not be sealed against late writes (${said}); emptied and deleted anyway (a restore shard of a drill still within its timeout may write it again: DeleteBucket then fails, and a later drill's sweep takes it)${advice}`;
  }
  return `${describe(target)}: sealed against late writes, but its multipart uploads under way could not be aborted (${said}); emptied and deleted anyway${advice}`;
}

/**
 * Seals each bucket against late writers (sealScratchBucket) and puts its expiry rules (expireScratchBucket). Both are
 * best effort: a seal refused (an SCP denying s3:PutBucketPolicy, say) is listed and the bucket is emptied and deleted
 * unsealed (review rM F3: the sweep's bucket has no writer left), and rules refused (s3:PutLifecycleConfiguration, a
 * rule set S3 rejects) are listed and the bucket is emptied and deleted without them (review rJ F2). `sealed` says
 * whether its policy is on, for what the record says of a bucket the deadline cuts (review rQ F5).
 */
async function prepareBuckets(deps: ScratchRemovalDeps, removal: Removal, timeLeft: TimeLeft): Promise<void> {
  const ready: Removal['buckets'] = [];
  await forEachBounded(removal.buckets, PREPARES_IN_FLIGHT, async (bucket) => {
    if (timeLeft() <= 0) {
      removal.result.errors.push(`${describe(bucket.target)}: this cleanup ran out of time before it reached the bucket; a later drill's cleanup sweeps it`);
      return;
    }
    let sealed = true;
    try {
      await sealScratchBucket(deps.s3, deps.region, bucket.target.name);
    } catch (err) {
      if (isGone(err)) {
        removal.result.removed.push(describe(bucket.target));
        return;
      }
      removal.result.errors.push(sealRefused(bucket.target, err));
      // Refused after the policy was put (listing or aborting its uploads), the bucket is sealed all the same.
      sealed = !policyRefused(err);
    }
    try {
      ready.push({ target: bucket.target, sealed, expiring: await expireScratchBucket(deps.s3, bucket.target.name) });
    } catch (err) {
      if (isGone(err)) {
        removal.result.removed.push(describe(bucket.target));
        return;
      }
      removal.result.errors.push(lifecycleRefused(bucket.target, err));
      ready.push({ target: bucket.target, sealed, expiring: false });
    }
  });
  // In the listing's order again (the prepares finished in any order).
  const order = new Map(removal.buckets.map((b, i) => [b.target.name, i]));
  removal.buckets = ready.sort((a, b) => (order.get(a.target.name) ?? 0) - (order.get(b.target.name) ?? 0));
}

/** What the record says of a bucket the cleanup left because its time ran out: sealed, or not when its seal was refused. */
function deferred(bucket: Removal['buckets'][number], deleted: number, localCloud: boolean): string {
  const done = `${describe(bucket.target)}: not emptied within this cleanup's time (${deleted} object versions deleted); left ${bucket.sealed ? 'sealed' : 'unsealed (its seal was refused, as listed)'}`;
  if (!bucket.expiring) return `${done}; a later drill's cleanup sweeps it`;
  const rules = `${done}, with lifecycle rules that expire every object version after ${SCRATCH_EXPIRY_DAYS} day`;
  // The local cloud keeps the rules but never runs them (docs/LOCAL-CLOUD.md): there the bucket stays full until a sweep.
  if (localCloud) return `${rules}, which the local cloud does not run: a later drill's cleanup empties and deletes it`;
  return `${rules}: S3 empties it within about 2 days, and a later drill's cleanup sweeps the empty bucket`;
}

/** What the record says of a directory the cleanup's time cut (removeScratchDirectory keeps its age for the sweep). */
function directoryLeft(target: ScratchTarget, root: ScratchDirectoryRoot | undefined, removed: number): string {
  return `${describe(target, root)}: not removed within this cleanup's time (${removed} files and directories removed); left; a later drill's sweep continues it`;
}

/**
 * The share of the time left after the tables that directories may take before the buckets get their turn. A directory
 * is removed file by file, and a restored tree of millions of files would take all of it: every bucket of the drill
 * would stay full (on AWS expiring; on the local cloud, which runs no lifecycle rules, until a later sweep). Buckets
 * go next with the whole of what is left, since an S3 page deletes 1,000 versions where a directory removes one file
 * a call; the directories then continue with what the buckets leave.
 */
const DIRECTORY_FIRST_SHARE = 0.5;

/**
 * Deletes the tables (one DeleteTable each; none started once the time has run out, those left named in the errors),
 * then removes the directories within DIRECTORY_FIRST_SHARE of the time left while buckets wait, then empties and
 * deletes the prepared buckets, then goes on with the directories not yet gone; until `timeLeft` runs out. A directory is walked and removed file by file within the time (review rJ F1); one cut
 * is walked on from where it stopped.
 */
async function finishRemoval(deps: ScratchRemovalDeps, removal: Removal, timeLeft: TimeLeft): Promise<ScratchRemoval> {
  const { result } = removal;
  const settle = (target: ScratchTarget, err: unknown): void => {
    if (isGone(err)) result.removed.push(describe(target, deps.directoryRoot));
    else result.errors.push(failure(target, deps.directoryRoot, err));
  };
  const directories: ScratchTarget[] = [];
  for (const target of removal.others) {
    if (target.kind !== 'table') {
      directories.push(target);
      continue;
    }
    // A DeleteTable is a call of its own: dozens of leftover tables ran the cleanup past its margin, and its buckets
    // got no turn (review rA F2).
    if (timeLeft() <= 0) {
      result.errors.push(`${describe(target, deps.directoryRoot)}: not reached within this cleanup's time; a later drill's sweep deletes it`);
      continue;
    }
    try {
      await deps.dynamodb.send(new DeleteTableCommand({ TableName: target.name }));
      result.removed.push(describe(target, deps.directoryRoot));
    } catch (err) {
      settle(target, err);
    }
  }
  // Directories cut in their first turn: what that turn removed of each, and the directories in it it found moved
  // (named by the turn that finishes it, or below once it is known that none does: review rB F2).
  const unfinished = new Map<ScratchTarget, { removed: number; moved?: MovedDirectory[] }>();
  const root = deps.directoryRoot;
  const directoryTurn = async (targets: Iterable<ScratchTarget>, turnLeft: TimeLeft): Promise<void> => {
    for (const target of targets) {
      // Without a scratch root no directory was listed; kept for the types.
      if (!root) continue;
      try {
        const before = unfinished.get(target);
        const gone = await removeScratchDirectory(root.real, target.name, turnLeft, { movedBefore: before?.moved });
        if (gone.done) {
          unfinished.delete(target);
          result.removed.push(describe(target, root));
        } else unfinished.set(target, { removed: (before?.removed ?? 0) + gone.removed, moved: gone.moved });
      } catch (err) {
        unfinished.delete(target);
        settle(target, err);
      }
    }
  };
  const left = timeLeft();
  const bucketReserve = removal.buckets.length > 0 && Number.isFinite(left) ? Math.max(0, left) * (1 - DIRECTORY_FIRST_SHARE) : 0;
  await directoryTurn(directories, () => timeLeft() - bucketReserve);
  for (const bucket of removal.buckets) {
    try {
      const emptied = await emptyAndDeleteBucket(deps.s3, bucket.target.name, timeLeft);
      if (emptied.done) result.removed.push(describe(bucket.target));
      else result.errors.push(deferred(bucket, emptied.deleted, deps.localCloud === true));
    } catch (err) {
      settle(bucket.target, err);
    }
  }
  if (unfinished.size > 0) await directoryTurn([...unfinished.keys()], timeLeft);
  for (const [target, { removed, moved }] of unfinished) {
    result.errors.push(directoryLeft(target, root, removed));
    if (root && moved) result.errors.push(failure(target, root, scratchDirectoriesMovedError(root.real, path.posix.join(root.real, target.name), moved, false)));
  }
  return result;
}

/** Milliseconds left of the invocation, less CLEANUP_MARGIN_MS; no deadline: no limit. */
function timeLeftOf(deadline: (() => number) | undefined): TimeLeft {
  return deadline ? () => deadline() - CLEANUP_MARGIN_MS : NO_LIMIT;
}

/**
 * The configured source a target found by the scratch prefix is (or, for a directory, holds or lies in), if any.
 * Directories compare configured paths: the scratch root's configured path joined with the name.
 */
function sourceAt(target: ScratchTarget, sources: readonly SourceConfig[], root: ScratchDirectoryRoot | undefined): { source: SourceConfig; what: string } | undefined {
  for (const source of sources) {
    if (target.kind === 'bucket' && source.type === 's3') {
      if (source.bucket === target.name) return { source, what: 'is the bucket of' };
      if (source.inventory?.bucket === target.name) return { source, what: 'is the inventory bucket of' };
    }
    if (target.kind === 'table' && source.type === 'dynamodb' && source.table === target.name) return { source, what: 'is the table of' };
    if (target.kind === 'directory' && source.type === 'filesystem') {
      const dir = path.posix.join(root?.configured ?? '/', target.name);
      if (isAtOrUnder(source.path, dir)) return { source, what: isAtOrUnder(dir, source.path) ? 'is the directory of' : 'holds the directory of' };
      if (isAtOrUnder(dir, source.path)) return { source, what: 'is inside the directory of' };
    }
  }
  return undefined;
}

/** Every scratch target of one drill, found by its name prefix (so also those of a drill that stopped half way). */
async function listDrillScratch(deps: ScratchRemovalDeps, drillTargetPrefix: string, drillId: string, timeLeft: TimeLeft): Promise<Listing> {
  assertDrillPrefix(drillTargetPrefix);
  return listScratch(deps, drillScratchPrefix(drillTargetPrefix, drillId), timeLeft);
}

/** Removes every scratch target of one drill, found by its name prefix (so also those of a drill that stopped half way). */
export async function removeDrillScratch(deps: ScratchRemovalDeps, drillTargetPrefix: string, drillId: string): Promise<ScratchRemoval> {
  const timeLeft = timeLeftOf(deps.deadline);
  const removal = sortOut(deps, await listDrillScratch(deps, drillTargetPrefix, drillId, timeLeft));
  await prepareBuckets(deps, removal, timeLeft);
  return finishRemoval(deps, removal, timeLeft);
}

/** When a sweep runs, and how long a drill may run: its state machine's timeout (DRILL_TIMEOUT_SECONDS_ENV). */
export type SweepTime = { now: Date; drillTimeoutSeconds: number };

/**
 * Scratch targets of any drill (`<drillTargetPrefix>*`) created longer before `now` than a drill may run (its timeout
 * and SWEEP_MARGIN_MS), oldest first (the likeliest to have been emptied by their expiry rules): leftovers of drills
 * whose cleanup did not run or was cut short. A younger one may be a running drill's, one waiting hours for a thaw of
 * archived packs into buckets its first step made; its own cleanup removes it.
 */
async function listOldScratch(deps: ScratchRemovalDeps, drillTargetPrefix: string, time: SweepTime, timeLeft: TimeLeft): Promise<Listing> {
  assertDrillPrefix(drillTargetPrefix);
  const createdBefore = time.now.getTime() - time.drillTimeoutSeconds * 1000 - SWEEP_MARGIN_MS;
  const listing = await listScratch(deps, drillTargetPrefix.toLowerCase(), timeLeft);
  const old = listing.targets.filter((t) => t.createdAt !== undefined && t.createdAt.getTime() < createdBefore);
  return { ...listing, targets: old.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0)) };
}

/** Removes the leftovers of earlier drills (listOldScratch). */
export async function sweepDrillScratch(deps: ScratchRemovalDeps, drillTargetPrefix: string, time: SweepTime): Promise<ScratchRemoval> {
  const timeLeft = timeLeftOf(deps.deadline);
  const removal = sortOut(deps, await listOldScratch(deps, drillTargetPrefix, time, timeLeft));
  await prepareBuckets(deps, removal, timeLeft);
  return finishRemoval(deps, removal, timeLeft);
}

/** What the drill's cleanup step returns (`$.cleanup`, drill-record.ts `cleanup`). */
/**
 * What the drill's cleanup did. In the drill's state `swept` and `errors` may be cut (cleanup-lines.ts): then
 * `sweptCount` and `errorCount` count them whole, and `leftOut` says how many lines the state left out (review r59A F4).
 */
export type DrillCleanup = { removed: string[]; swept: string[]; errors: string[]; sweptCount?: number; errorCount?: number; leftOut?: string };

/**
 * The drill's cleanup step: removes this drill's scratch targets and (with `sweep`) those of earlier drills that can no
 * longer be running (listOldScratch). Every bucket of both is sealed and given its expiry rules first
 * (scratch-bucket-expiry.ts); the sweep's listing and the removal of its targets together take at most SWEEP_SHARE of
 * the time left after this drill's listing, and this drill's own targets the rest, each in finishRemoval's order (tables,
 * directories within half, buckets, directories on; scratch-directory-removal.ts). A bucket the deadline cuts stays
 * sealed (unless its seal was refused) and expiring, and is listed in the errors: S3 empties it (the local cloud runs no rules: there a later sweep does),
 * and a later drill's sweep deletes it; a directory it cuts is listed too, and a later sweep removes the rest; a listing
 * it cuts says what it did not look at. Failures are listed, not thrown: the drill still gets recorded, and
 * the next drill's sweep tries again. A source it left alone is listed with the errors (the drill record keeps no other
 * list): it needs a rename, and each drill says so again until then.
 */
export async function cleanUpDrill(input: { drillId: string; sweep: boolean } & SweepTime, drillTargetPrefix: string, deps: ScratchRemovalDeps): Promise<DrillCleanup> {
  const timeLeft = timeLeftOf(deps.deadline);
  const ownListing = await listDrillScratch(deps, drillTargetPrefix, input.drillId, timeLeft);
  const ownNames = new Set(ownListing.targets.map((t) => `${t.kind} ${t.name}`));
  // This drill's own targets keep the rest of the time whatever the sweep does: reserved once, here, so that the sweep's
  // listing (of every drill's names: all the account's tables) and its removals share one SWEEP_SHARE between them,
  // not a share each (review rA F1: a share each came to 7/16 of the time).
  const left = timeLeft();
  const ownReserve = Number.isFinite(left) ? Math.max(0, left) * (1 - SWEEP_SHARE) : 0;
  const sweepLeft: TimeLeft = () => timeLeft() - ownReserve;
  const oldListing: Listing = input.sweep ? await listOldScratch(deps, drillTargetPrefix, input, sweepLeft) : { targets: [] };
  const own = sortOut(deps, ownListing);
  const old = sortOut(deps, { ...oldListing, targets: oldListing.targets.filter((t) => !ownNames.has(`${t.kind} ${t.name}`)) });
  await prepareBuckets(deps, own, timeLeft);
  await prepareBuckets(deps, old, timeLeft);
  // The sweep first, within what its listing left of its share: most leftovers are buckets their expiry rules have
  // emptied, a few calls each, and what it leaves unused goes to this drill's own targets.
  const swept = await finishRemoval(deps, old, sweepLeft);
  const ownResult = await finishRemoval(deps, own, timeLeft);
  // The sweep finds this drill's skipped source again; say it once.
  const skipped = [...new Set([...ownResult.skipped, ...swept.skipped])];
  return { removed: ownResult.removed, swept: swept.removed, errors: [...ownResult.errors, ...swept.errors, ...skipped.map((s) => `skipped ${s}`)] };
}
