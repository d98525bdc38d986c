import { z } from 'zod';
import { awaitingSyncWindowSchema } from './file-samples-awaiting-sync';
import { unconfirmedMissingSchema } from './unconfirmed-missing';

/** The partition key of a source's mirror state in the catalog: one item per mirrored source, the latest check. */
export const mirrorPk = (source: string): string => `MIRROR#${source}`;
export const MIRROR_SK = 'MIRROR';

/**
 * A DynamoDB item's copy in the replica as a check last read it (dynamodb-mirror-comparison.ts, replicaCopyDigest):
 * DynamoDB keeps no write time per item, so a followed key's copy that reads other than last time is the only sign
 * that replication of the key is moving. A digest, not the item: it stays in the `MIRROR#` item, as the key does,
 * and adds 71 characters to each followed key (at most 2 × MAX_UNRESOLVED of them).
 */
export const replicaCopySchema = z.string().min(1);

/**
 * A difference between a source and its mirror: the key (S3 key, DynamoDB item key as JSON) and what
 * differs; in a record, also when a check first found it (absent in records of earlier versions) and,
 * for a DynamoDB item, its replica copy as last read (`replicaCopy`: catalog only, never in an output).
 */
export const mirrorDifferenceSchema = z.object({ key: z.string(), reason: z.string(), foundAt: z.string().optional(), replicaCopy: replicaCopySchema.optional() });
export type MirrorDifference = z.infer<typeof mirrorDifferenceSchema>;

/**
 * Differences found that no later run has seen resolved, beyond those listed in `unresolved` (a window
 * found more than the list holds): only a full pass over the source that finds no difference clears them.
 */
export const untrackedDifferencesSchema = z.object({ count: z.number().int().positive(), since: z.string().min(1) });

/**
 * A key that differed within the grace (still replicating, not yet a difference): when a check first saw it
 * so, and the source write it waited for (absent for a key only the mirror has: a listing cannot date a
 * delete). Every run re-checks it (s3-mirror-recheck.ts): still differing once the grace has passed since
 * that write (or since it was first seen), with no newer copy in the mirror, it becomes a difference.
 * A DynamoDB item has no write time: it is dated from when first seen, with its replica copy as then read
 * (`replicaCopy`); a re-check that reads another copy re-dates it (dynamodb-mirror-recheck.ts).
 */
export const pendingKeySchema = z.object({
  key: z.string(),
  foundAt: z.string().min(1),
  writtenAt: z.string().optional(),
  replicaCopy: replicaCopySchema.optional(),
  /** Pending when the candidate pass ended (MirrorRecord.candidatePass): that pass counts once this key is seen replicated. */
  holdsPass: z.literal(true).optional(),
});
export type PendingKey = z.infer<typeof pendingKeySchema>;

/**
 * The latest mirror check of one source (`pk = MIRROR#<source>`, `sk = MIRROR`) in the catalog of the
 * region the check runs in (the DR region's): the verdict, the first unresolved difference, the
 * replication lag, and where the next check's window starts. A run compares one window, so the verdict
 * is not the window's alone: a difference found by any run stays in the record (`passed: false`) until
 * a later run re-checks its key and finds it equal, or a full pass finds no difference (mirror-verdict.ts).
 * The optional fields are absent in records of earlier versions. `checkedAt` is the last
 * comparison that ran; an attempt that could not reach the source (its region down) leaves the
 * comparison as it was and is recorded under `lastAttempt`, so a failover during an outage still
 * sees the mirror's state from before it.
 */
export const mirrorRecordSchema = z.object({
  environment: z.string().min(1),
  source: z.string().min(1),
  plan: z.string().min(1),
  type: z.enum(['s3', 'dynamodb', 'filesystem']),
  /** Where the mirror is: `s3://<bucket>/<prefix>`, `dynamodb table <name> (<region>)`. */
  mirror: z.string().min(1),
  checkedAt: z.string().min(1),
  /** No unresolved difference (this window's or an earlier one's) and no precondition missing. */
  passed: z.boolean(),
  /** Entries of the source compared in this window. */
  compared: z.number().int().nonnegative(),
  /** Unresolved differences: this window's and earlier ones not yet seen equal (listed or untracked). */
  differences: z.number().int().nonnegative(),
  /** Differences too recent to count (written within the grace, still replicating). */
  inFlight: z.number().int().nonnegative(),
  /** The oldest unresolved difference (the first of `unresolved`), with the time it was found. */
  firstDifference: mirrorDifferenceSchema.optional(),
  /** Unresolved differences by key, oldest first, each re-checked by every run; at most as many as a window's samples (and 100). */
  unresolved: z.array(mirrorDifferenceSchema).optional(),
  untracked: untrackedDifferencesSchema.optional(),
  /** When the oldest unresolved difference (listed or untracked) was found; absent when none is. */
  unresolvedSince: z.string().optional(),
  /** Keys of `unresolved` the run re-checked (besides its window). */
  rechecked: z.number().int().nonnegative().optional(),
  /** When the pass over the source in progress started (a window from its beginning). */
  passStartedAt: z.string().optional(),
  /** Differences the windows of that pass found so far: a pass that ends with none clears `untracked`. */
  passDifferences: z.number().int().nonnegative().optional(),
  /**
   * The largest lag the runs of that pass measured (null: none measured, as for DynamoDB). Absent when
   * the pass was started by an earlier version, which did not keep it: that pass cannot count as clean.
   */
  passLagSeconds: z.number().nonnegative().nullable().optional(),
  /**
   * Keys the runs of that pass saw in flight and could not follow (the record follows at most MAX_UNRESOLVED, 100, at once,
   * whatever the samples): nothing says their mirror copies ever arrive, so a pass with any cannot count as clean or as a
   * candidate. Absent when the pass was started by a version that did not count them: that pass cannot count either.
   */
  passUnfollowed: z.number().int().nonnegative().optional(),
  /**
   * When the last clean complete pass started: a pass whose windows, from the source's beginning to its end,
   * found no difference and after which nothing was left open. Every entry of the source was seen equal (or in
   * flight) at or after this time, so the mirror held the source's data as of it, less that pass's lag: a
   * failover (mirror-choice.ts) and `lifeboat status` take the mirror's data age from here, not from the
   * last window, which saw only a part of the source. Absent before the first clean complete pass (and in
   * records of earlier versions): the mirror's data age is then unknown.
   */
  cleanPassStartedAt: z.string().optional(),
  /** The largest lag the runs of that clean pass measured (null when none measured). */
  cleanPassLagSeconds: z.number().nonnegative().nullable().optional(),
  /**
   * A pass that ended with nothing open but keys still in flight (those of `pending` with `holdsPass`): the mirror
   * is not known to hold those keys' data as of the pass yet. It becomes the clean pass (`cleanPassStartedAt`)
   * once each of them is seen equal, or seen moving (the mirror received a copy at least as new as the write it
   * waited for); one that becomes a difference drops it. A DynamoDB key counts once seen equal only: its copy
   * moving says replication is alive, not how far behind it is (a digest has no order), so a table with an item
   * never read equal has no clean pass while it stays so, and its data age runs on from the last one.
   * `lagSeconds` is the largest lag measured from the pass's start until then. A later pass that ends the same way
   * replaces it (its keys include those still held).
   */
  candidatePass: z.object({ startedAt: z.string().min(1), lagSeconds: z.number().nonnegative().nullable() }).optional(),
  /**
   * What the pass is over: the source (`s3://<bucket>/<prefix>`, `dynamodb table <name>`) and its mirror (`mirror`).
   * A check that finds another (the configuration changed) starts a new pass and keeps nothing of this record:
   * its cursor, differences and clean pass were about other data. Absent in records of earlier versions: those
   * are taken as over the source configured now when their `mirror` is the mirror configured now.
   */
  passOver: z.object({ source: z.string().min(1), mirror: z.string().min(1) }).optional(),
  /** Keys that differed within the grace, re-checked by every run until equal or a difference; at most MAX_UNRESOLVED. */
  pending: z.array(pendingKeySchema).optional(),
  /**
   * The replication lag in seconds: with differences, how long the oldest unreplicated write has waited
   * (with an unresolved difference from an earlier run, at least the time since it was found);
   * without, the slowest replication seen in the window (mirror copy's time − source write's time). Null when unknown.
   */
  lagSeconds: z.number().nonnegative().nullable(),
  graceSeconds: z.number().nonnegative(),
  /** The window's last key: the next check starts after it; empty when the window reached the end (the next starts over). */
  cursor: z.string(),
  /**
   * A DynamoDB mirror's replica scanned as well, for items only it holds: the last key of the replica's window, '' once
   * the pass has scanned the whole replica, absent at its beginning (dynamodb-mirror-pass.ts). The pass ends once both
   * sides are done: `cursor` '' with a key here means the source's part is done and the replica's goes on.
   */
  replicaCursor: z.string().optional(),
  durationMs: z.number().nonnegative(),
  /**
   * A file-system mirror's samples read after EFS's last sync, by sampling, oldest first: the replica could not be judged
   * on them yet, so each run judges them again until a sync covers them (file-samples-awaiting-sync.ts; at most
   * MAX_AWAITING_SYNC_BYTES of them). Absent when none waits, and in records of earlier versions.
   */
  awaitingSync: z.array(awaitingSyncWindowSchema).optional(),
  /**
   * A file-system mirror's sampled files the replica lacks after a sync, held until the primary region's sampler says
   * whether the source still has them (unconfirmed-missing.ts: gone there, they are no difference; review r57L-2). At
   * most MAX_UNCONFIRMED_BYTES of them. Absent when none is held, and in records of earlier versions.
   */
  unconfirmed: z.array(unconfirmedMissingSchema).optional(),
  /** The source's configured path the paths of `awaitingSync` and `unconfirmed` are under: a check of the source at another path drops them. Absent with them, and in records of earlier versions. */
  awaitingSyncPath: z.string().min(1).optional(),
  /**
   * `false` when a file-system check could not look at the replica's contents (no replica mounted, EFS's replication
   * failing, the mounted replica not its destination, the source missing or refusing): `awaitingSync` and `unconfirmed`
   * were carried as they were, not judged, and how long ago the oldest was read says nothing of EFS's syncs (review
   * r57O-1: without a mount, status called a healthy mirror ✗ an RPO after the mount went, saying EFS had synced
   * nothing). Absent when the check compared (or had nothing to compare), and in records of earlier versions.
   */
  contentsCompared: z.literal(false).optional(),
  /** Why the check could not say more (a precondition missing, the lag not measurable here). */
  note: z.string().optional(),
  /** The last attempt that could not compare (source region unreachable), when it came after `checkedAt`. */
  lastAttempt: z.object({ at: z.string(), error: z.string() }).optional(),
});
export type MirrorRecord = z.infer<typeof mirrorRecordSchema>;

/**
 * The start of the record's last clean complete pass, when it may vouch for the mirror: a record written before the
 * check counted the keys in flight it could not follow (no `passUnfollowed`, versions before 2026-12-06) may hold a
 * clean pass that had such keys, so it vouches for nothing until this version's next clean pass (review r8).
 */
export function vouchedCleanPass(check: Pick<MirrorRecord, 'cleanPassStartedAt' | 'passUnfollowed'>): string | undefined {
  return check.passUnfollowed === undefined ? undefined : check.cleanPassStartedAt;
}

/**
 * How old a mirror's data may be at `atMs`, from the record's last clean complete pass (vouchedCleanPass): the time
 * since that pass started (at least the time since the last check) plus the largest lag measured since, the pass's or
 * the last check's (`lagSeconds` undefined when neither was measured: it counts as none). The failover's rule
 * (mirror-choice.ts), which `lifeboat status` shows (cli/status/mirror-status.ts).
 */
export function mirrorDataAge(
  check: Pick<MirrorRecord, 'checkedAt' | 'cleanPassLagSeconds' | 'lagSeconds'>,
  cleanPassStartedAt: string,
  atMs: number,
): { sinceCheckSeconds: number; sincePassSeconds: number; lagSeconds: number | undefined; dataAgeSeconds: number } {
  const sinceCheckSeconds = Math.max(0, (atMs - Date.parse(check.checkedAt)) / 1000);
  const sincePassSeconds = Math.max(sinceCheckSeconds, (atMs - Date.parse(cleanPassStartedAt)) / 1000);
  const lags = [check.cleanPassLagSeconds ?? null, check.lagSeconds].filter((l): l is number => l !== null);
  const lagSeconds = lags.length > 0 ? Math.max(...lags) : undefined;
  return { sinceCheckSeconds, sincePassSeconds, lagSeconds, dataAgeSeconds: sincePassSeconds + (lagSeconds ?? 0) };
}
