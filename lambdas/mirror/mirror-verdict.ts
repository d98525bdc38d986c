import { type MirrorDifference, type MirrorRecord, type PendingKey, vouchedCleanPass } from './mirror-record';

/** The most keys a record lists as unresolved (and, apart, as pending), whatever the window: each run re-checks them all. */
export const MAX_UNRESOLVED = 100;

/**
 * The most bytes (UTF-8) of key text a record lists, unresolved and pending keys together, so that the `MIRROR#` item
 * stays far below DynamoDB's 400 KB: a table's key is up to 3 KB of values (a 2,048-byte partition and a 1,024-byte sort
 * key), more as JSON, and 100 unresolved beside 100 pending such keys made an item over the limit, which failed the run
 * (review r1 F2 on 33caacf). With each entry's other fields (a reason, times, a digest: well under 1 KB) and
 * `firstDifference`'s copy of one key, the item stays under about 300 KB; S3 keys (at most 1 KB) rarely reach it.
 */
export const MAX_LISTED_KEY_BYTES = 128 * 1024;

/** The longest prefix of `entries`, at most `count` long, whose keys fit in `bytes` (UTF-8), and the bytes they leave. */
function fitting<T extends { key: string }>(entries: readonly T[], count: number, bytes: number): { kept: T[]; left: number } {
  const kept: T[] = [];
  let left = bytes;
  for (const entry of entries.slice(0, count)) {
    const size = Buffer.byteLength(entry.key, 'utf8');
    if (size > left) break;
    kept.push(entry);
    left -= size;
  }
  return { kept, left };
}

/** What one run saw: its window, and the re-check of the keys the previous record left unresolved. */
export type MirrorObservation = {
  checkedAt: string;
  now: number;
  /** The window started at the source's beginning: a new pass over it. */
  startedPass: boolean;
  /** The window reached the source's end: the pass is complete. */
  endedPass: boolean;
  /** The window's differences beyond the grace (exact), and the first of them by key. */
  differences: number;
  examples: readonly MirrorDifference[];
  /** The window's lag (MirrorRecord.lagSeconds). */
  lagSeconds: number | null;
  /** The window's keys in flight (within the grace), with the source write's time when there is one: tracked as `pending`. */
  inFlightKeys?: ReadonlyArray<{ key: string; writtenAt?: number }>;
  /** How many keys the window found in flight: more than `inFlightKeys` when the comparison could not list them all (default: as many as it lists). */
  inFlight?: number;
  /**
   * Each previously unresolved or pending key re-checked: with its difference when it still differs (or is
   * in flight again; a pending key once the grace has passed), with `pending` when a pending key is still
   * in flight, with neither when equal. A key left out (the check cannot read it alone) stays as it was,
   * an unresolved one until a clean pass. `moved`: a DynamoDB key in flight only because its replica copy
   * moved, which yields its place in the record to keys the window saw first (dynamodb-mirror-recheck.ts).
   */
  rechecked: ReadonlyArray<{ key: string; difference?: MirrorDifference; pending?: PendingKey; moved?: true }>;
  /** How many keys the record may list as unresolved, and as pending: the window's samples, at most MAX_UNRESOLVED (and MAX_LISTED_KEY_BYTES for both). */
  limit: number;
};

export type MirrorVerdict = Pick<
  MirrorRecord,
  | 'passed'
  | 'differences'
  | 'lagSeconds'
  | 'firstDifference'
  | 'unresolved'
  | 'untracked'
  | 'unresolvedSince'
  | 'passStartedAt'
  | 'passDifferences'
  | 'passLagSeconds'
  | 'passUnfollowed'
  | 'cleanPassStartedAt'
  | 'cleanPassLagSeconds'
  | 'candidatePass'
  | 'pending'
>;

/** The larger of two lags, null standing for one not measured. */
const largerLag = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

/**
 * The differences a previous record leaves open. A record of an earlier version has no `unresolved`:
 * when it failed on a difference, that difference (and any it counted beyond it) is taken as open since
 * its check, so an upgrade does not turn a failing mirror into a passing one.
 */
export function openDifferences(previous: MirrorRecord | undefined): { listed: MirrorDifference[]; untracked: MirrorRecord['untracked'] } {
  if (!previous) return { listed: [], untracked: undefined };
  if (previous.unresolved !== undefined || previous.passed || !previous.firstDifference) {
    return { listed: previous.unresolved ?? [], untracked: previous.untracked };
  }
  const listed = [{ ...previous.firstDifference, foundAt: previous.firstDifference.foundAt ?? previous.checkedAt }];
  return { listed, untracked: previous.differences > 1 ? { count: previous.differences - 1, since: previous.checkedAt } : undefined };
}

/**
 * The verdict of a run over a whole pass, not its window alone: a window sees a part of the source, and
 * a difference it finds says the mirror is stale until shown otherwise. So a difference stays open (the
 * check fails) until a later run re-checks its key and finds it equal; differences found beyond the
 * listed keys, and listed keys not re-checked, stay open until a pass over the whole source (windows
 * from its beginning to its end) finds no difference. While one found by an earlier run is open, the
 * lag is at least the time since it was found, so no reader takes the mirror for fresh.
 *
 * Keys in flight are kept as `pending` and re-checked by every run; one the re-check promotes (still
 * differing past the grace) is a difference of the pass in progress. A pass is judged by what is open
 * when it ends, not by what its windows found: a difference a later run saw equal was equal after the
 * pass started, and the lag it had is in the pass's lag. A pass that ends with nothing open and nothing
 * in flight is a clean complete pass: `cleanPassStartedAt` is when it started, the time the mirror's
 * data age is taken from (mirror-choice.ts), with the largest lag its runs measured. One that ends with
 * keys in flight is a candidate (`candidatePass`): it is clean once each of those keys has been seen
 * equal or moving (s3-mirror-recheck.ts), and dropped when one becomes a difference — else a key whose
 * mirror copy is days old, first seen just after a write, would vouch for the mirror until the grace
 * had passed. Requiring no key in flight at all would deny a busy bucket any clean pass. A key in flight the record
 * cannot follow (more than `limit` at once) is counted (`passUnfollowed`), and a pass with any is neither clean nor a
 * candidate: nothing would ever see whether that key's mirror copy arrives (safety first: a failover then uses the vault).
 */
export function mirrorVerdict(previous: MirrorRecord | undefined, seen: MirrorObservation): MirrorVerdict {
  const open = openDifferences(previous);
  const recheck = new Map(seen.rechecked.map((r) => [r.key, r]));
  const listedBefore = new Set(open.listed.map((d) => d.key));
  // Pending keys the re-check found still differing past the grace: differences found by this run, dated from when first seen in flight.
  const promoted = (previous?.pending ?? []).flatMap((p) => {
    const d = recheck.get(p.key)?.difference;
    return d && !listedBefore.has(p.key) ? [{ key: p.key, reason: d.reason, foundAt: d.foundAt ?? p.foundAt }] : [];
  });

  const passStartedAt = seen.startedPass ? seen.checkedAt : previous?.passStartedAt;
  const before = seen.startedPass ? 0 : previous?.passDifferences;
  const passDifferences = before === undefined ? undefined : before + seen.differences + promoted.length;
  // Every key of the source was compared and none differed: what earlier runs left open untracked (or unread) is cleared.
  const cleanPass = seen.endedPass && passDifferences === 0;

  // A listed key stays open while its re-check still differs; it keeps the time it was first found.
  // A key the run could not re-check stays open as it was, until a clean pass has compared it again.
  const still = open.listed.flatMap((d) => {
    if (!recheck.has(d.key)) return cleanPass ? [] : [{ ...d, foundAt: d.foundAt ?? seen.checkedAt }];
    const now = recheck.get(d.key)?.difference;
    return now === undefined ? [] : [{ key: d.key, reason: now.reason, foundAt: d.foundAt ?? seen.checkedAt }];
  });
  const listedKeys = new Set([...still, ...promoted].map((d) => d.key));
  const fresh = seen.examples.filter((d) => !listedKeys.has(d.key)).map((d) => ({ key: d.key, reason: d.reason, foundAt: seen.checkedAt }));
  const all = [...still, ...promoted, ...fresh];
  // The unresolved keys first: they fail the check; the pending ones get the bytes they leave (MAX_LISTED_KEY_BYTES).
  const { kept: unresolved, left: bytesLeft } = fitting(all, seen.limit, MAX_LISTED_KEY_BYTES);
  // Differences the window counted without a key, and keys the list has no room for.
  const beyond = seen.differences - seen.examples.length + (all.length - unresolved.length);

  const carried = cleanPass ? undefined : open.untracked;
  const untrackedCount = (carried?.count ?? 0) + beyond;
  const untracked = untrackedCount > 0 ? { count: untrackedCount, since: carried?.since ?? seen.checkedAt } : undefined;

  // Keys still in flight: those the re-check kept (or found in flight again), open differences whose mirror copy moved and
  // that are in flight again, then the window's new ones.
  const differing = new Set(all.map((d) => d.key));
  const kept = (previous?.pending ?? []).flatMap((p) => {
    const r = recheck.get(p.key);
    if (!r) return [p];
    return r.pending ? [r.pending] : [];
  });
  const reopened = open.listed.flatMap((d) => {
    const p = recheck.get(d.key)?.pending;
    return p ? [p] : [];
  });
  const keptKeys = new Set([...kept, ...reopened].map((p) => p.key));
  const arrived = (seen.inFlightKeys ?? [])
    .filter((k) => !keptKeys.has(k.key))
    .map((k): PendingKey => ({ key: k.key, foundAt: seen.checkedAt, ...(k.writtenAt !== undefined ? { writtenAt: new Date(k.writtenAt).toISOString() } : {}) }));
  // A DynamoDB key kept only because its replica copy moved (`moved`) comes after the window's new keys: else items rewritten
  // faster than they replicate, which stay in flight for ever, would fill the record and a newly differing item whose
  // replication stopped would never be followed, so never be a difference (review r1 F1 on 33caacf). An S3 key has its write
  // time, which makes it a difference in the window once past the grace, followed or not: S3's order is unchanged.
  const yields = new Set(seen.rechecked.flatMap((r) => (r.moved === true && r.pending ? [r.key] : [])));
  const followedBefore = [...kept, ...reopened];
  // Past the limit a key in flight is not followed: the next pass compares it again (and its source write will be past the grace),
  // but this pass cannot vouch for the mirror, so it is counted. So are the window's keys the comparison could not list.
  const toFollow = [...followedBefore.filter((p) => !yields.has(p.key)), ...arrived, ...followedBefore.filter((p) => yields.has(p.key))].filter((p) => !differing.has(p.key));
  const following = fitting(toFollow, seen.limit, bytesLeft).kept;
  const unlisted = Math.max(0, (seen.inFlight ?? 0) - (seen.inFlightKeys?.length ?? 0));
  const unfollowed = toFollow.length - following.length + unlisted;
  // A re-checked write still in flight is as late as the window's: the mirror lacks it since it was written.
  const pendingLag = following.reduce<number | null>((lag, p) => (p.writtenAt === undefined ? lag : largerLag(lag, Math.max(0, (seen.now - Date.parse(p.writtenAt)) / 1000))), null);
  const windowLag = pendingLag === null ? seen.lagSeconds : largerLag(seen.lagSeconds, pendingLag);

  const times = [...unresolved.map((d) => d.foundAt), ...(untracked ? [untracked.since] : [])].sort();
  const unresolvedSince = times[0];
  // Open since an earlier run: the mirror has lacked that data at least since then, whatever this window measured.
  const earlier = unresolvedSince !== undefined && unresolvedSince < seen.checkedAt;
  const lagSeconds = earlier ? Math.max(windowLag ?? 0, (seen.now - Date.parse(unresolvedSince)) / 1000) : windowLag;
  const passed = unresolved.length === 0 && untracked === undefined;

  // The largest lag of the pass; undefined when the pass was started by an earlier version that did not keep it.
  const lagBefore = seen.startedPass ? null : previous?.passLagSeconds;
  const passLagSeconds = lagBefore === undefined ? undefined : largerLag(lagBefore, lagSeconds);
  // Undefined likewise when the pass was started by a version that did not count the keys it could not follow.
  const unfollowedBefore = seen.startedPass ? 0 : previous?.passUnfollowed;
  const passUnfollowed = unfollowedBefore === undefined ? undefined : unfollowedBefore + unfollowed;

  // The candidate an earlier pass left: its keys still in flight unmoved keep `holdsPass` (the re-check returns a key that moved
  // as a new entry, without it). It is dropped when one of them became a difference (or is no longer followed), clean once none is left.
  const stillHeld = new Set(following.filter((p) => p.holdsPass === true).map((p) => p.key));
  const released = (p: PendingKey): boolean => {
    const r = recheck.get(p.key);
    return r !== undefined && r.difference === undefined && r.pending?.holdsPass !== true;
  };
  const lost = (previous?.pending ?? []).some((p) => p.holdsPass === true && (differing.has(p.key) || (!released(p) && !stillHeld.has(p.key))));
  // A candidate an earlier version left (no passUnfollowed) is not confirmed: it may have had keys it could not follow (review r8).
  const waitedFor = lost || previous?.passUnfollowed === undefined ? undefined : previous.candidatePass;
  const candidateLag = waitedFor ? largerLag(waitedFor.lagSeconds, lagSeconds) : null;
  const confirmed = waitedFor && stillHeld.size === 0 ? { startedAt: waitedFor.startedAt, lagSeconds: candidateLag } : undefined;
  const waiting = waitedFor && stillHeld.size > 0 ? { startedAt: waitedFor.startedAt, lagSeconds: candidateLag } : undefined;

  // This run ends a pass with nothing open: clean when nothing is in flight either, else the candidate, replacing an earlier
  // one (every key that one still waits for is in flight now, so held by this one too).
  // A pass with keys in flight it could not follow ends as neither: those keys were never seen replicated.
  const ended =
    seen.endedPass && passed && passStartedAt !== undefined && passLagSeconds !== undefined && passUnfollowed === 0 ? { startedAt: passStartedAt, lagSeconds: passLagSeconds } : undefined;
  const clean = ended && following.length === 0 ? ended : confirmed;
  const candidatePass = ended && following.length > 0 ? ended : waiting;
  const pending = following.map((p): PendingKey => {
    if (ended && following.length > 0) return { ...p, holdsPass: true };
    if (waiting || p.holdsPass === undefined) return p;
    return { key: p.key, foundAt: p.foundAt, ...(p.writtenAt !== undefined ? { writtenAt: p.writtenAt } : {}) };
  });
  // Nor is a clean pass an earlier version recorded carried on (vouchedCleanPass: the failover and status do not trust it).
  const vouching = previous !== undefined && vouchedCleanPass(previous) !== undefined ? previous : undefined;
  const cleanPassStartedAt = clean ? clean.startedAt : vouching?.cleanPassStartedAt;
  const cleanPassLagSeconds = clean ? clean.lagSeconds : vouching?.cleanPassLagSeconds;
  return {
    passed,
    differences: unresolved.length + untrackedCount,
    lagSeconds,
    ...(unresolved[0] ? { firstDifference: unresolved[0] } : {}),
    unresolved,
    ...(untracked ? { untracked } : {}),
    ...(unresolvedSince !== undefined ? { unresolvedSince } : {}),
    ...(passStartedAt !== undefined ? { passStartedAt } : {}),
    ...(passDifferences !== undefined ? { passDifferences } : {}),
    ...(passLagSeconds !== undefined ? { passLagSeconds } : {}),
    ...(passUnfollowed !== undefined ? { passUnfollowed } : {}),
    ...(cleanPassStartedAt !== undefined ? { cleanPassStartedAt } : {}),
    ...(cleanPassLagSeconds !== undefined ? { cleanPassLagSeconds } : {}),
    ...(candidatePass !== undefined ? { candidatePass } : {}),
    ...(pending.length > 0 ? { pending } : {}),
  };
}
