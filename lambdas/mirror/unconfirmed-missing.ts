import { z } from 'zod';
import { copyDifference } from './copy-difference';
import type { MirrorDifference } from './mirror-record';

/**
 * A sampled file the replica lacks after a sync that should hold it, not yet counted as a difference (review r57L-2):
 * a file deleted or renamed at the source between its sampling and that sync is rightly absent from the replica, and
 * with the check judging kept samples a run later (file-samples-awaiting-sync.ts) that is the normal path for temporary
 * files and rotated logs. The replica cannot tell the two apart; only the source can, and the DR region cannot read it:
 * the primary region's sampler stats these paths at its next run (SourceAnswers) and the check decides
 * (judgeUnconfirmed). Kept in the check's `MIRROR#` record (MirrorRecord.unconfirmed).
 */
export const unconfirmedMissingSchema = z.object({
  /** The path under the source's directory, as sampled. */
  path: z.string().min(1),
  /** The file as the source was last known to hold it: the sample's, then the sampler's latest answer's. */
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  /** A time the source held it so: the sampling's readUntil (or sampledAt), then the answer's `at`. */
  heldAt: z.string().min(1),
  /** EFS's last sync, at or after `heldAt`, after which the replica lacked the path; absent while the check waits for such a sync. */
  missingAfterSync: z.string().min(1).optional(),
  /** The check that wrote this state: only an answer to that check's list, or a later one's, is about it. */
  askedAt: z.string().min(1),
  /** The check that first found it missing. */
  since: z.string().min(1),
  /** Checks that have held it, this one included; past MAX_UNCONFIRMED_RUNS it is a difference. */
  runs: z.number().int().positive(),
});
export type UnconfirmedMissing = z.infer<typeof unconfirmedMissingSchema>;

/**
 * The sampler's answer about the check's unconfirmed paths (FileSamplesRecord.sourceAnswers): for each path it could
 * stat, the regular file there (`present`) or none (absent: deleted, renamed, or no longer a regular file). A path it
 * could not stat (refused, EIO) is left out: the check waits, within its bound.
 */
export const sourceAnswersSchema = z.object({
  /** The `checkedAt` of the check record whose list the sampler read. */
  listedAt: z.string().min(1),
  /** When the sampler had stat'ed them all: a present file was there at some time after the check wrote its list and before this. */
  at: z.string().min(1),
  paths: z.array(z.object({ path: z.string().min(1), present: z.object({ size: z.number().int().nonnegative(), mtimeMs: z.number() }).optional() })),
});
export type SourceAnswers = z.infer<typeof sourceAnswersSchema>;

/**
 * Checks a path is held unconfirmed before it becomes a difference: a confirmation takes one sampler run after the
 * check that found it missing, seen by the next check or, when that check reads the samples item before the sampler
 * of its period has written its answer, the one after (review r57R-5); two or three more when the file changed at the
 * source meanwhile. Past this, with the sampler not answering (not running, a refused path) or the file changing at
 * every run, the check fails closed. A name reused at every run (a pid or lock file recreated between syncs) is such
 * a file: present at each answer, absent at each sync, it fails here, as nothing tells it from a file the replica
 * lacks (review r57R-3; docs/RUNBOOKS.md says so). At the default rate(15 minutes), an hour and a half.
 */
export const MAX_UNCONFIRMED_RUNS = 6;

/**
 * The most UTF-8 bytes of JSON the unconfirmed paths take in a `MIRROR#` item, beside the samples kept for a later
 * sync (MAX_AWAITING_SYNC_BYTES, 300,000): under DynamoDB's 400 KB with the record's other fields. The sampler's
 * answers about them (smaller than the entries) share the samples item with one window likewise. A missing file
 * beyond it is a difference at once, as before unconfirmed paths were held.
 */
export const MAX_UNCONFIRMED_BYTES = 50_000;

const bytesOf = (entry: UnconfirmedMissing): number => Buffer.byteLength(JSON.stringify(entry)) + 1;

/** `entries` in order while they fit MAX_UNCONFIRMED_BYTES, and those that do not (`overflow`). */
export function unconfirmedWithin(entries: readonly UnconfirmedMissing[], maxBytes = MAX_UNCONFIRMED_BYTES): { kept: UnconfirmedMissing[]; overflow: UnconfirmedMissing[] } {
  const kept: UnconfirmedMissing[] = [];
  const overflow: UnconfirmedMissing[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = bytesOf(entry);
    if (overflow.length > 0 || bytes + size > maxBytes) overflow.push(entry);
    else {
      bytes += size;
      kept.push(entry);
    }
  }
  return { kept, overflow };
}

export type UnconfirmedVerdict = {
  /** Still unconfirmed, to keep for the next run. */
  held: UnconfirmedMissing[];
  /** Confirmed missing: the source had the file through a sync the replica lacks it after (or the bound ran out). */
  differences: MirrorDifference[];
  /** Dropped: gone from the source too (deleted or renamed there), which the replica rightly shows. */
  gone: number;
};

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The held paths judged with the sampler's latest answers. A path the replica now holds is compared with the file the
 * source was last known to hold (`size`, `mtimeMs`; review r57R-4: it was dropped unjudged, and the next pass over the
 * whole tree, days away for a large one, compared it): the same, or newer (changed at the source and replicated since),
 * it is dropped; another size with the same mtime is a difference, and so is an older copy once EFS has synced since
 * the source held the newer one (before that sync it is held, as in flight). One the source no longer has is dropped
 * (`gone`). One the source still has, unchanged (same size and mtime) since before the sync the replica lacks it
 * after, is a difference: the file was there through that sync, short of being deleted and recreated with the same
 * mtime in between. One the source has changed is held again as of the answer: once a sync past it still leaves the
 * replica without it, the next answer decides.
 */
export async function judgeUnconfirmed(
  held: readonly UnconfirmedMissing[],
  answers: SourceAnswers | undefined,
  inReplica: (path: string) => Promise<Pick<UnconfirmedMissing, 'size' | 'mtimeMs'> | undefined>,
  lastSyncMs: number | null,
  checkedAt: string,
): Promise<UnconfirmedVerdict> {
  const verdict: UnconfirmedVerdict = { held: [], differences: [], gone: 0 };
  const listedAt = answers === undefined ? NaN : Date.parse(answers.listedAt);
  // The first answer for a path, as a search of the list in order finds it.
  const answered = new Map<string, SourceAnswers['paths'][number]>();
  for (const p of answers?.paths ?? []) if (!answered.has(p.path)) answered.set(p.path, p);
  for (const entry of held) {
    const fresh = answers !== undefined && listedAt >= Date.parse(entry.askedAt);
    const answer = fresh ? answered.get(entry.path) : undefined;
    const replica = await inReplica(entry.path);
    if (replica !== undefined) {
      // The source's latest answer, when it shows the replica's copy, is the newer word than the held entry (a file set back to an older mtime).
      const asAnswered = answer?.present !== undefined && answer.present.size === replica.size && answer.present.mtimeMs === replica.mtimeMs;
      const arrived = asAnswered ? 'arrived' : arrivedCopy(entry, replica, lastSyncMs);
      if (arrived === 'differs') verdict.differences.push({ key: entry.path, reason: copyDifference(entry, replica) });
      // Past the bound the replica still has the older copy and EFS has not synced since: not "missing", which would send the
      // reader looking for a file that is there (review r57V-3).
      else if (arrived === 'waits') holdOrFail(verdict, { ...entry, runs: entry.runs + 1 }, `${copyDifference(entry, replica)}, and no EFS sync since the source held the newer one (${entry.heldAt}) in ${MAX_UNCONFIRMED_RUNS} checks`);
      continue;
    }
    let current: UnconfirmedMissing = { ...entry, runs: entry.runs + 1 };
    if (answer !== undefined && current.missingAfterSync !== undefined) {
      if (answer.present === undefined) {
        verdict.gone++;
        continue;
      }
      if (answer.present.size === current.size && answer.present.mtimeMs === current.mtimeMs) {
        verdict.differences.push({ key: entry.path, reason: `missing from the mirror (the source held it, unchanged, from before EFS's sync of ${current.missingAfterSync} until ${answers?.at ?? '?'})` });
        continue;
      }
      const { missingAfterSync: _answered, ...rest } = current;
      current = { ...rest, size: answer.present.size, mtimeMs: answer.present.mtimeMs, heldAt: answers?.at ?? checkedAt };
    }
    if (current.missingAfterSync === undefined && lastSyncMs !== null && lastSyncMs >= Date.parse(current.heldAt)) {
      current = { ...current, missingAfterSync: iso(lastSyncMs), askedAt: checkedAt };
    }
    holdOrFail(verdict, current);
  }
  return verdict;
}

/** Held for the next check, or past MAX_UNCONFIRMED_RUNS a difference (`reason`, by default the path still missing): the check fails closed. */
function holdOrFail(verdict: UnconfirmedVerdict, entry: UnconfirmedMissing, reason?: string): void {
  if (entry.runs <= MAX_UNCONFIRMED_RUNS) verdict.held.push(entry);
  else
    verdict.differences.push({
      key: entry.path,
      reason: reason ?? `missing from the mirror (not confirmed either way since ${entry.since}, ${MAX_UNCONFIRMED_RUNS} checks: the primary region's sampler did not answer for it, or the file changed at every run)`,
    });
}

/**
 * A held path the replica now has, against the file the source was last known to hold: the same or newer (replicated
 * since) has `arrived`; another size at the same mtime `differs`; an older copy `differs` once a sync came after the
 * source held the newer one (`heldAt`), and `waits` for such a sync before (compareFileMirror's rule for samples).
 */
function arrivedCopy(entry: UnconfirmedMissing, replica: Pick<UnconfirmedMissing, 'size' | 'mtimeMs'>, lastSyncMs: number | null): 'arrived' | 'differs' | 'waits' {
  if (replica.mtimeMs > entry.mtimeMs) return 'arrived';
  if (replica.mtimeMs === entry.mtimeMs) return replica.size === entry.size ? 'arrived' : 'differs';
  return lastSyncMs !== null && lastSyncMs >= Date.parse(entry.heldAt) ? 'differs' : 'waits';
}
