import { type S3Client } from '@aws-sdk/client-s3';
import { packTierTags } from '../../config/storage-tiers';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvalidInputError } from '../runtime/errors';
import { addDirectoryShard, type DirectoryShardOptions } from '../sources/directory-entries';
import { resolveSourceRoot } from '../sources/directory-source';
import { type BucketClock } from '../sources/capacity-token-bucket';
import { addDynamoDbSegment } from '../sources/dynamodb-page-entries';
import { type EntrySink, newObservations, type ShardObservations } from '../sources/entry-sink';
import { ReadCapacityBudget } from '../sources/read-capacity-budget';
import { addS3Shard } from '../sources/s3-object-entries';
import { addS3RangePiece } from '../sources/s3-range-piece';
import { type ShardResumePoint } from '../sources/shard-resume-point';
import { type StopCheck } from '../sources/shard-run';
import { type ShardSpec } from '../sources/shard-spec';
import { type PruneStateSeenWriter } from '../../vault';
import { type Vault } from '../../vault';
import { VaultObjectNotFoundError } from '../../vault';
import { type PlannedSource } from './backup-plan-document';
import { BackupWorkspace, type ShardCursor, type ShardPartDocument, type ShardSegmentDocument } from './backup-workspace';
import { mergeShardSegments } from './merge-shard-segments';

export type SnapshotShardDeps = {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  /** The primary vault (opened with create=false: planning created it). */
  vault: Vault;
  env?: NodeJS.ProcessEnv;
  /** Test seam for sources that change while read (see directory-entries.ts). */
  directory?: DirectoryShardOptions;
  /** Milliseconds left of this invocation (the Lambda context's getRemainingTimeInMillis); absent = no limit. */
  deadline?: () => number;
  /**
   * Stop starting entries once fewer milliseconds than this are left: the time to finish the entries
   * in flight, the open pack and index object, and to store the segment and cursor.
   * @default the larger of DEFAULT_STOP_MARGIN_MS and a tenth of the time left when the call starts
   */
  stopMarginMs?: number;
  /** Test seam: the clock of DynamoDB read budgets (capacity-token-bucket.ts). */
  clock?: BucketClock;
  /**
   * Where a warning goes that does not fail the shard: a parent snapshot that cannot be read (the shard
   * then reads every entry). @default one JSON line on stderr (the function's log)
   */
  warn?: (warning: ShardWarning) => void;
};

/** A warning of one shard, as logged. */
export type ShardWarning = { readonly backupId: string; readonly shardIndex: number; readonly source: string; readonly warning: string };

const logWarning = (warning: ShardWarning): void => console.warn(JSON.stringify({ level: 'WARN', ...warning }));

/** One shard of a backup, as the workflow hands it: the spec travels in the input; the plan (plans/<backupId>.json) gives its source and parent. */
export type SnapshotShardInput = { backupId: string; planKey: string; spec: ShardSpec };

/** What a shard has written so far (all its stretches): entries, bytes read, bytes newly stored. */
export type ShardResult = { shardIndex: number; plan: string; source: string; entries: number; bytesScanned: number; bytesNew: number };

/** done = the shard's final part is stored; false = it stopped at its deadline and the same input must be called again. */
export type ShardProgress = ShardResult & { done: boolean };

/** The least time kept for stopping cleanly (see SnapshotShardDeps.stopMarginMs). */
export const DEFAULT_STOP_MARGIN_MS = 60_000;

/** Vault instances whose index was loaded for a given backup; a warm container reloads it once per run (see below). */
const indexFreshFor = new WeakMap<Vault, string>();

/** Where a stopped stretch ends: the cursor that follows its segment. */
type ShardSegmentNext = NonNullable<ShardSegmentDocument['next']>;

/**
 * One shard of a source into the vault: its own SnapshotWriter uploads packs and index objects
 * (so a later run reuses them even if this run never commits), then the writer's ManifestPart is
 * stored at parts/<backupId>/<shard>.json for the commit step.
 *
 * Resumable (docs/ARCHITECTURE.md, "Resumable shards"): when `deps.deadline` says the time is nearly
 * up, the source reader stops at an entry boundary, the writer finishes (open pack, index object,
 * manifest runs), and the stretch is stored as segment n with where it ends (created only where none
 * exists), then the cursor counting it and saying where to resume; the call returns done:false. The
 * next call with the same input resumes from the cursor with a fresh writer; the call that reaches the
 * shard's end stores every segment and its own stretch as the final part. Every order of failures, and
 * two runs of one stretch at once, is safe: a stretch that finds segment n stored already (by a run
 * killed before its cursor, or one running beside it) drops its own and takes the cursor from that
 * segment, a stretch that failed is read again from the cursor (its uploads are reused), and a call
 * for a shard whose final part exists returns done:true at once.
 */
export async function snapshotShard(input: SnapshotShardInput, deps: SnapshotShardDeps): Promise<ShardProgress> {
  return (await snapshotShardStretch(input, deps)).progress;
}

/** snapshotShard, and whether the call read the source (false: it found the shard's final part and returned at once). */
export async function snapshotShardStretch(input: SnapshotShardInput, deps: SnapshotShardDeps): Promise<{ progress: ShardProgress; read: boolean }> {
  const { backupId, spec } = input;
  const shardIndex = spec.index;
  const workspace = new BackupWorkspace(deps.vault.store);
  const plan = await workspace.getPlan(input.planKey, backupId);
  const source = plan.sources.find((s) => s.name === spec.source);
  if (!source) throw new InvalidInputError(`Backup ${backupId}: shard ${shardIndex} names source "${spec.source}", which its plan does not list.`);
  const progress = (doc: Pick<ShardPartDocument, 'part'>, done: boolean): ShardProgress => ({
    shardIndex,
    plan: plan.plan,
    source: source.name,
    entries: doc.part.stats.entries,
    bytesScanned: doc.part.stats.bytesScanned,
    bytesNew: doc.part.stats.bytesNew,
    done,
  });

  const finished = await workspace.findPart(backupId, shardIndex);
  if (finished) return { progress: progress(finished, true), read: false };
  const cursor = await workspace.getCursor(backupId, shardIndex);
  if (cursor && (cursor.source !== source.name || cursor.resume.kind !== spec.kind)) {
    throw new InvalidInputError(`Backup ${backupId}: the cursor of shard ${shardIndex} is for a ${cursor.resume.kind} shard of source "${cursor.source}", not this ${spec.kind} shard of "${source.name}".`);
  }

  // A warm container's index predates this run: packs indexed since (by other shards, or by a failed
  // run of this plan) would otherwise be uploaded again and the parent's blobs look missing.
  if (indexFreshFor.get(deps.vault) !== backupId) {
    deps.vault.forgetIndex();
    indexFreshFor.set(deps.vault, backupId);
  }
  // Every pack carries the plan's tier tag: the vault's lifecycle rules move a plan's packs by it ("Storage tiers").
  const warn = (warning: string): void => (deps.warn ?? logWarning)({ backupId, shardIndex, source: source.name, warning });
  const writer = await openWriter(deps.vault, source, { packTags: packTierTags(plan.plan), ...(plan.lostPacks ? { lostPacks: new Set(plan.lostPacks) } : {}) }, warn);
  const observations = newObservations();
  // A byte range of a split object: one piece, stored without an entry, for commit to join (s3-range-piece.ts).
  const pieces = spec.kind === 's3-range' ? [await addS3RangePiece(deps.s3, spec, writer)] : undefined;
  const resumeAt = spec.kind === 's3-range' ? null : await readShard(spec, source, writer, observations, deps, cursor?.resume, stopCheck(deps));
  const part = await writer.finish();
  const stretch: ShardPartDocument = { backupId, shardIndex, source: source.name, part, observations, ...(pieces ? { pieces } : {}), pruneStateSeen: writer.pruneStateSeen };
  const segments = cursor?.segments ?? 0;

  if (resumeAt) {
    const stored = {
      entries: (cursor?.stored.entries ?? 0) + part.stats.entries,
      bytesScanned: (cursor?.stored.bytesScanned ?? 0) + part.stats.bytesScanned,
      bytesNew: (cursor?.stored.bytesNew ?? 0) + part.stats.bytesNew,
    };
    const ours = { resume: resumeAt, stored };
    const cursorAfter = (next: ShardSegmentNext): ShardCursor => ({ backupId, shardIndex, source: source.name, segments: segments + 1, ...next });
    const stopped = (next: ShardSegmentNext): { progress: ShardProgress; read: boolean } => ({ progress: { shardIndex, plan: plan.plan, source: source.name, ...next.stored, done: false }, read: true });
    // Segment n is created only where none exists and carries the cursor that follows it; the cursor is
    // always copied from the segment that stands. So when two runs of this stretch overlap (Step Functions
    // retries a task after Lambda.ServiceException while the first invocation may still run), or a call
    // killed between its segment and its cursor is retried, the first segment stored decides where the
    // shard goes on, and segment n+1 always starts where segment n ends.
    const { created, standing } = await workspace.createSegment({ ...stretch, next: ours }, segments);
    if (created) {
      await workspace.putCursor(cursorAfter(ours));
      return stopped(ours);
    }
    if (!standing.next) {
      // Written by a version whose segments did not say where they end, and not counted by the cursor
      // (its call was killed before writing it): replaced by this stretch, as that version did.
      await workspace.replaceLegacySegment({ ...stretch, next: ours }, segments);
      await workspace.putCursor(cursorAfter(ours));
      return stopped(ours);
    }
    // Another run stored segment n first: this stretch is dropped (its packs are left to prune, or reused
    // by later stretches through the index) and the shard goes on from segment n's end. The cursor may
    // meanwhile have moved past n; if it moves on between this read and the write below, the write
    // moves it back to n+1, which costs one stretch read again, never an entry: the next call, resuming
    // at segment n's end, finds segment n+1 stored and goes on from its end.
    const now = await workspace.getCursor(backupId, shardIndex);
    if ((now?.segments ?? 0) <= segments) await workspace.putCursor(cursorAfter(standing.next));
    return stopped(standing.next);
  }
  const earlier: ShardPartDocument[] = [];
  for (let n = 0; n < segments; n++) earlier.push(await workspace.getSegment(backupId, shardIndex, n));
  const final = mergeShardSegments(earlier, stretch);
  // Not create-only: every final part holds segments 0 … n-1 (stored once, never changed, each starting
  // where the one before ends) and its own stretch from there to the shard's end, so two runs that both
  // reach the end (or one that resumed from a cursor moved back) each store every entry once, and
  // whichever part is written last is a whole one.
  await workspace.putPart(final);
  return { progress: progress(final, true), read: true };
}

/** The deadline as a stop check: stop once less than the margin is left (none without a deadline). */
function stopCheck(deps: SnapshotShardDeps): StopCheck | undefined {
  const { deadline } = deps;
  if (!deadline) return undefined;
  const margin = deps.stopMarginMs ?? Math.max(DEFAULT_STOP_MARGIN_MS, deadline() / 10);
  return () => deadline() < margin;
}

/**
 * The shard's writer, reusing the parent's unchanged entries, and not the packs the plan names lost (`lostPacks`: the
 * latest scrub record's, fix f58R): their blobs are stored again. The parent only spares reads: one pruned
 * since planning, or damaged (its snapshot object, manifest root or any page: the vault drops it with
 * a warning, Vault.newSnapshotWriter), costs reading everything again, never the backup; else every
 * incremental run of the source would fail on the same parent until a full one commits.
 */
async function openWriter(vault: Vault, source: PlannedSource, options: { packTags: Readonly<Record<string, string>>; lostPacks?: ReadonlySet<string> }, warn: (warning: string) => void): Promise<PruneStateSeenWriter> {
  try {
    return await vault.newSnapshotWriter({ parent: source.parent?.snapshotId ?? null, ...options, onParentUnreadable: warn });
  } catch (err) {
    if (!(source.parent && err instanceof VaultObjectNotFoundError)) throw err;
    warn(`the parent snapshot ${source.parent.snapshotId} cannot be read (${err.key} does not exist; pruned since planning?): this shard reads every entry`);
    return vault.newSnapshotWriter({ parent: null, ...options });
  }
}

/** Reads the shard (from `resume` on, until `shouldStop`); returns where the next stretch resumes, or null at the shard's end. */
async function readShard(
  spec: Exclude<ShardSpec, { kind: 's3-range' }>,
  source: PlannedSource,
  sink: EntrySink,
  observations: ShardObservations,
  deps: SnapshotShardDeps,
  resume: ShardResumePoint | undefined,
  shouldStop: StopCheck | undefined,
): Promise<ShardResumePoint | null> {
  const stop = shouldStop ? { shouldStop } : {};
  if (spec.kind === 's3') {
    const parentStartedAt = source.parent?.startedAt;
    return addS3Shard(deps.s3, spec, sink, observations, { ...stop, ...(resume?.kind === 's3' ? { resume } : {}), ...(parentStartedAt !== undefined ? { parentStartedAt } : {}) });
  } else if (spec.kind === 'dynamodb') {
    const owed = resume?.kind === 'dynamodb' ? resume.budgetDebtUnits : undefined;
    const readBudget = spec.readUnitsPerSecond ? new ReadCapacityBudget({ unitsPerSecond: spec.readUnitsPerSecond, averageItemBytes: spec.averageItemBytes, consistentRead: true, initialDebtUnits: owed, ...(deps.clock ? { clock: deps.clock } : {}) }) : undefined;
    const segment = { table: spec.table, segment: spec.segment, totalSegments: spec.totalSegments, keyAttributes: source.keyAttributes ?? [] };
    const { resumeAt } = await addDynamoDbSegment(deps.dynamodb, segment, sink, { ...stop, ...(resume?.kind === 'dynamodb' ? { resume } : {}), ...(readBudget ? { readBudget } : {}), ...(deps.deadline ? { timeLeftMs: deps.deadline } : {}) });
    return resumeAt ?? null;
  } else {
    return addDirectoryShard(resolveSourceRoot(spec.root, deps.env), spec.paths, sink, observations, deps.directory, { ...stop, ...(resume?.kind === 'filesystem' ? { resume } : {}) });
  }
}
