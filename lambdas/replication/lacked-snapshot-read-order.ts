import { type ScrubCursor } from '../../vault';

/**
 * The order in which a scrub reads the records of the snapshots a vault lacks (discardedSnapshotsIn), to tell whether
 * their backup discarded them: `ids` (sorted) rotated to start where the run's cursor stands in the cycle, at the same
 * share of the ids as the keys before `cursor.after` are of `keys` (the sorted union of the vaults in scope; the start
 * of the ids when the cursor is at the start of a cycle).
 *
 * A run whose deadline cuts these reads reads the first of this order only. Read in sorted order, every cut run read
 * the same first ids and never the rest, so a snapshot really missing among them was reported nowhere, run after run
 * (review rN F2). No state is kept for it: the cursor already moves every run that reads anything of its slice, and a
 * cycle's cursors sweep the keys from the first to the last, so its runs' starts sweep the ids likewise, each as far
 * past the one before as the share of the keys that run's slice read. A run's reads reach the next run's start when
 * they keep pace with its slice (at a seventh of the keys a run, a seventh of the lacked ids: ~27,000 records in the
 * half-minute they get at least, DISCARDED_READS_MARGIN_MS), so every lacked snapshot is read within a cycle; a vault
 * lacking more than that leaves gaps a later cycle's other cut points move, and the note says to scrub from a
 * machine, which reads them all.
 */
export function lackedSnapshotReadOrder(ids: readonly string[], cursor: ScrubCursor, keys: readonly string[]): readonly string[] {
  if (cursor.after === null || ids.length === 0 || keys.length === 0) return ids;
  const share = keysUpTo(keys, cursor.after) / keys.length;
  const start = Math.min(ids.length - 1, Math.floor(share * ids.length));
  return start === 0 ? ids : [...ids.slice(start), ...ids.slice(0, start)];
}

/** How many of `sorted` are at or before `key`: a binary search. */
function keysUpTo(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}
