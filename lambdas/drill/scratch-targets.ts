import { createHash } from 'node:crypto';
import { lstat, readdir, rm } from 'node:fs/promises';
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
import { DrillScratchError } from './drill-errors';
import { sealScratchBucket } from './scratch-bucket-seal';
import { httpStatusOf } from '../../vault';

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


function isUnsupported(err: unknown): boolean {
  const name = errorName(err);
  return name === 'NotImplemented' || name === 'MethodNotAllowed' || httpStatusOf(err) === 501 || httpStatusOf(err) === 405;
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
export type ScratchRemovalDeps = ScratchDeps & { sources: readonly SourceConfig[]; region: string };

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

/** Every bucket (of the drill's region), table and directory whose name starts with `prefix`, with its creation time (directories: mtime). */
async function listScratch(deps: ScratchRemovalDeps, prefix: string): Promise<ScratchTarget[]> {
  const out: ScratchTarget[] = [];
  const { Buckets } = await deps.s3.send(new ListBucketsCommand({ Prefix: prefix, BucketRegion: deps.region }));
  for (const b of Buckets ?? []) if (b.Name?.startsWith(prefix)) out.push({ kind: 'bucket', name: b.Name, createdAt: b.CreationDate });
  for await (const page of paginateListTables({ client: deps.dynamodb }, {})) {
    for (const table of page.TableNames ?? []) {
      if (!table.startsWith(prefix)) continue;
      const described = await deps.dynamodb.send(new DescribeTableCommand({ TableName: table })).catch((err: unknown) => err);
      if (described instanceof Error && errorName(described) === 'ResourceNotFoundException') continue;
      out.push({ kind: 'table', name: table, createdAt: described instanceof Error ? undefined : (described as { Table?: { CreationDateTime?: Date } }).Table?.CreationDateTime });
    }
  }
  if (deps.directoryRoot) {
    const names = await readdir(deps.directoryRoot.real).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const stats = await lstat(path.join(deps.directoryRoot.real, name)).catch(() => undefined);
      if (stats) out.push({ kind: 'directory', name, createdAt: stats.mtime });
    }
  }
  return out;
}

/**
 * How often a bucket is emptied again when DeleteBucket finds it not empty. A restore shard of the failed Map may still
 * be writing (Step Functions stops the Map, not a Lambda invocation in flight), for up to its function's timeout: the
 * bucket is sealed first (sealScratchBucket), so these attempts only cover the seconds its policy takes to be in force.
 */
const EMPTY_ATTEMPTS = 5;
const EMPTY_PAUSE_MS = 1_000;

/** Seals a bucket against late writers, empties it and deletes it, emptying it again while a write accepted before the seal held refills it. */
async function removeBucket(s3: S3Client, region: string, bucket: string): Promise<void> {
  await sealScratchBucket(s3, region, bucket);
  for (let attempt = 1; ; attempt++) {
    await emptyBucket(s3, bucket);
    try {
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      return;
    } catch (err) {
      if (errorName(err) !== 'BucketNotEmpty' || attempt >= EMPTY_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, EMPTY_PAUSE_MS * attempt));
    }
  }
}

/** Deletes every version and delete marker of a bucket (or every object where the endpoint has no versions). */
async function emptyBucket(s3: S3Client, bucket: string): Promise<void> {
  const deleteBatch = async (objects: ObjectIdentifier[]): Promise<void> => {
    if (objects.length === 0) return;
    const { Errors } = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    const first = Errors?.[0];
    if (first) throw new DrillScratchError(`Could not empty scratch bucket ${bucket}: ${Errors?.length} objects not deleted, e.g. ${first.Key}: ${first.Code} ${first.Message ?? ''}`);
  };
  try {
    // The SDK has no paginator for versions; markers move on after each deleted page.
    let markers: { KeyMarker?: string | undefined; VersionIdMarker?: string | undefined } = {};
    for (;;) {
      // URL-encoded for the reason url-encoded-listing.ts gives: a restored key with a CR in it would be read as another key.
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, EncodingType: 'url', ...markers }));
      const key = (value: string | undefined): string | undefined => (value !== undefined && page.EncodingType === 'url' ? decodeUrlEncodedKey(value) : value);
      await deleteBatch([...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: key(v.Key) ?? '', VersionId: v.VersionId ?? undefined })));
      if (!page.IsTruncated) break;
      markers = { KeyMarker: key(page.NextKeyMarker), VersionIdMarker: page.NextVersionIdMarker };
    }
  } catch (err) {
    if (!isUnsupported(err)) throw err;
  }
  // Also where versions are listed: an endpoint may list unversioned objects under no version id.
  for await (const page of listObjectPages(s3, { Bucket: bucket })) {
    await deleteBatch((page.Contents ?? []).map((o) => ({ Key: o.Key ?? '' })));
  }
}

async function removeTarget(deps: ScratchRemovalDeps, target: ScratchTarget): Promise<void> {
  try {
    if (target.kind === 'bucket') await removeBucket(deps.s3, deps.region, target.name);
    else if (target.kind === 'table') await deps.dynamodb.send(new DeleteTableCommand({ TableName: target.name }));
    else if (deps.directoryRoot) await rm(path.join(deps.directoryRoot.real, target.name), { recursive: true, force: true });
  } catch (err) {
    // Removed meanwhile (a retried cleanup, a concurrent sweep): the goal is reached.
    if (errorName(err) === 'NoSuchBucket' || errorName(err) === 'ResourceNotFoundException') return;
    throw err;
  }
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

async function removeAll(deps: ScratchRemovalDeps, targets: readonly ScratchTarget[]): Promise<ScratchRemoval> {
  const result: ScratchRemoval = { removed: [], skipped: [], errors: [] };
  for (const target of targets) {
    const live = sourceAt(target, deps.sources, deps.directoryRoot);
    if (live) {
      result.skipped.push(`${describe(target, deps.directoryRoot)}: ${live.what} source "${live.source.name}"; not a scratch target, left alone (rename it: docs/RUNBOOKS.md, "Reserved names")`);
      continue;
    }
    try {
      await removeTarget(deps, target);
      result.removed.push(describe(target, deps.directoryRoot));
    } catch (err) {
      result.errors.push(`${describe(target, deps.directoryRoot)}: ${errorName(err)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return result;
}

/** Removes every scratch target of one drill, found by its name prefix (so also those of a drill that stopped half way). */
export async function removeDrillScratch(deps: ScratchRemovalDeps, drillTargetPrefix: string, drillId: string): Promise<ScratchRemoval> {
  assertDrillPrefix(drillTargetPrefix);
  return removeAll(deps, await listScratch(deps, drillScratchPrefix(drillTargetPrefix, drillId)));
}

/** When a sweep runs, and how long a drill may run: its state machine's timeout (DRILL_TIMEOUT_SECONDS_ENV). */
export type SweepTime = { now: Date; drillTimeoutSeconds: number };

/**
 * Removes scratch targets of any drill (`<drillTargetPrefix>*`) created longer before `now` than a drill may run (its
 * timeout and SWEEP_MARGIN_MS): leftovers of drills whose cleanup did not run. A younger one may be a running drill's,
 * one waiting hours for a thaw of archived packs into buckets its first step made; its own cleanup removes it.
 */
export async function sweepDrillScratch(deps: ScratchRemovalDeps, drillTargetPrefix: string, time: SweepTime): Promise<ScratchRemoval> {
  assertDrillPrefix(drillTargetPrefix);
  const createdBefore = time.now.getTime() - time.drillTimeoutSeconds * 1000 - SWEEP_MARGIN_MS;
  const old = (await listScratch(deps, drillTargetPrefix.toLowerCase())).filter((t) => t.createdAt !== undefined && t.createdAt.getTime() < createdBefore);
  return removeAll(deps, old);
}

/** What the drill's cleanup step returns (`$.cleanup`, drill-record.ts `cleanup`). */
export type DrillCleanup = { removed: string[]; swept: string[]; errors: string[] };

/**
 * The drill's cleanup step: removes this drill's scratch targets, then (with `sweep`) those of
 * earlier drills that can no longer be running (sweepDrillScratch). Failures are listed, not thrown: the drill still gets recorded,
 * and the next drill's sweep tries again. A source it left alone is listed with the errors (the
 * drill record keeps no other list): it needs a rename, and each drill says so again until then.
 */
export async function cleanUpDrill(input: { drillId: string; sweep: boolean } & SweepTime, drillTargetPrefix: string, deps: ScratchRemovalDeps): Promise<DrillCleanup> {
  const own = await removeDrillScratch(deps, drillTargetPrefix, input.drillId);
  const swept = input.sweep ? await sweepDrillScratch(deps, drillTargetPrefix, input) : { removed: [], skipped: [], errors: [] };
  // The sweep finds this drill's skipped source again; say it once.
  const skipped = [...new Set([...own.skipped, ...swept.skipped])];
  return { removed: own.removed, swept: swept.removed, errors: [...own.errors, ...swept.errors, ...skipped.map((s) => `skipped ${s}`)] };
}
