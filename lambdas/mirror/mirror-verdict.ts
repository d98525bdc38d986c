import { type MirrorDifference, type MirrorRecord } from './mirror-record';

/** The most keys a record lists as unresolved, whatever the window: each run re-checks them all, and the item stays far below DynamoDB's 400 KB. */
export const MAX_UNRESOLVED = 100;

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
  /**
   * Each previously unresolved key re-checked: with its difference when it still differs (or is in flight
   * again), without when equal. A key left out (the check cannot read it alone) stays open until a clean pass.
   */
  rechecked: ReadonlyArray<{ key: string; difference?: MirrorDifference }>;
  /** How many keys the record may list: the window's samples, at most MAX_UNRESOLVED. */
  limit: number;
};

export type MirrorVerdict = Pick<MirrorRecord, 'passed' | 'differences' | 'lagSeconds' | 'firstDifference' | 'unresolved' | 'untracked' | 'unresolvedSince' | 'passStartedAt' | 'passDifferences'>;

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
 */
export function mirrorVerdict(previous: MirrorRecord | undefined, seen: MirrorObservation): MirrorVerdict {
  const open = openDifferences(previous);
  const passStartedAt = seen.startedPass ? seen.checkedAt : previous?.passStartedAt;
  const before = seen.startedPass ? 0 : previous?.passDifferences;
  const passDifferences = before === undefined ? undefined : before + seen.differences;
  const cleanPass = seen.endedPass && passDifferences === 0;

  const recheck = new Map(seen.rechecked.map((r) => [r.key, r.difference]));
  // A listed key stays open while its re-check still differs; it keeps the time it was first found.
  // A key the run could not re-check stays open as it was, until a clean pass has compared it again.
  const still = open.listed.flatMap((d) => {
    if (!recheck.has(d.key)) return cleanPass ? [] : [{ ...d, foundAt: d.foundAt ?? seen.checkedAt }];
    const now = recheck.get(d.key);
    return now === undefined ? [] : [{ key: d.key, reason: now.reason, foundAt: d.foundAt ?? seen.checkedAt }];
  });
  const listedKeys = new Set(still.map((d) => d.key));
  const fresh = seen.examples.filter((d) => !listedKeys.has(d.key)).map((d) => ({ key: d.key, reason: d.reason, foundAt: seen.checkedAt }));
  const all = [...still, ...fresh];
  const unresolved = all.slice(0, seen.limit);
  // Differences the window counted without a key, and keys the list has no room for.
  const beyond = seen.differences - seen.examples.length + (all.length - unresolved.length);

  const carried = cleanPass ? undefined : open.untracked;
  const untrackedCount = (carried?.count ?? 0) + beyond;
  const untracked = untrackedCount > 0 ? { count: untrackedCount, since: carried?.since ?? seen.checkedAt } : undefined;

  const times = [...unresolved.map((d) => d.foundAt), ...(untracked ? [untracked.since] : [])].sort();
  const unresolvedSince = times[0];
  // Open since an earlier run: the mirror has lacked that data at least since then, whatever this window measured.
  const earlier = unresolvedSince !== undefined && unresolvedSince < seen.checkedAt;
  const lagSeconds = earlier ? Math.max(seen.lagSeconds ?? 0, (seen.now - Date.parse(unresolvedSince)) / 1000) : seen.lagSeconds;
  return {
    passed: unresolved.length === 0 && untracked === undefined,
    differences: unresolved.length + untrackedCount,
    lagSeconds,
    ...(unresolved[0] ? { firstDifference: unresolved[0] } : {}),
    unresolved,
    ...(untracked ? { untracked } : {}),
    ...(unresolvedSince !== undefined ? { unresolvedSince } : {}),
    ...(passStartedAt !== undefined ? { passStartedAt } : {}),
    ...(passDifferences !== undefined ? { passDifferences } : {}),
  };
}
