import { type ScrubCursor } from '../../vault';
import { keysUpTo } from './sorted-keys';

/** The golden ratio's fractional part: a day's turn of the start (lackedSnapshotReadOrder). */
const DAY_TURN = (Math.sqrt(5) - 1) / 2;
const MINUTES_A_DAY = 1_440;
const MS_A_MINUTE = 60_000;

/**
 * The order in which a scrub reads the records of the snapshots a vault lacks (discardedSnapshotsIn), to tell whether
 * their backup discarded them: `ids` (sorted) rotated to start at a share of them that is the sum, less whole turns, of
 * where the run's cursor stands in the cycle (the share of `keys`, the sorted union of the vaults in scope, before
 * `cursor.after`) and of the run's time (`at`, epoch ms): 0.618… (the golden ratio's part) of the ids a day, in steps
 * of a minute.
 *
 * A run whose deadline cuts these reads reads the first of this order only. Read in sorted order, every cut run read
 * the same first ids and never the rest, so a snapshot really missing among them was reported nowhere, run after run
 * (review rN F2). By the cursor alone, a cut run whose slice read nothing kept its cursor, and so its start: the next
 * run read the same records again (review rQ F1). No state is kept for the start: the cursor moves with what the slices
 * read, the time with every run. Daily runs whose slices read nothing start a golden-ratio turn apart, and such starts
 * spread evenly round the ids: runs exactly a day apart leave no gap wider than 1.9 / m of the ids for every m from 2 to
 * 2,000; the minute their reads start shifts from day to day, which keeps it within about 1.4-1.8 / m up to ~100 runs
 * (a shift of up to 3 minutes) but widens it past that (2.0 / m at 1,000 runs). So every lacked snapshot is
 * read within a few times as many runs as reading them all once takes; hourly ones start 60 × 0.618 / 1,440 (~1/39)
 * of the ids apart, in order (review rT F-3). A vault lacking more than its runs read leaves gaps later runs' starts move, and
 * the note says to scrub from a machine, which reads them all.
 */
export function lackedSnapshotReadOrder(ids: readonly string[], cursor: ScrubCursor, keys: readonly string[], at: number): readonly string[] {
  if (ids.length === 0) return ids;
  const cursorShare = cursor.after === null || keys.length === 0 ? 0 : keysUpTo(keys, cursor.after) / keys.length;
  const timeShare = (Math.floor(at / MS_A_MINUTE) * DAY_TURN) / MINUTES_A_DAY;
  const share = cursorShare + timeShare - Math.floor(cursorShare + timeShare);
  const start = Math.min(ids.length - 1, Math.floor(share * ids.length));
  return start === 0 ? ids : [...ids.slice(start), ...ids.slice(0, start)];
}
