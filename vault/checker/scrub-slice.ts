/**
 * Where a scrub cycle stands: objects are read in key order (code units, as S3 lists), a slice per
 * run, and `after` is the last key the previous run read (null: the cycle starts at the first key).
 */
export type ScrubCursor = { readonly cycle: number; readonly after: string | null };

export const FIRST_SCRUB_CURSOR: ScrubCursor = { cycle: 1, after: null };

export type ScrubSlice = {
  /** The keys to read in this run, in key order. */
  readonly keys: readonly string[];
  /** Where the next run starts. */
  readonly next: ScrubCursor;
  /** True when this slice reached the last key: the cycle `next.cycle - 1` is complete. */
  readonly cycleComplete: boolean;
};

/**
 * The slice of `keys` one run reads: the next ceil(fraction × count) keys after the cursor, never
 * past the last key, so a cycle reads every object that existed when it began exactly once and takes
 * at most ceil(1 / fraction) runs (fraction 1/7, daily: a weekly cycle) that read their whole slice; a run its deadline
 * cuts reads a prefix of it (cutScrubSlice), and the cycle takes more. Keys added behind the cursor
 * are read in the next cycle; a cursor past every key (objects removed) starts the next cycle now.
 * Pure: the caller persists `next` (the scrub records it in the catalog).
 */
export function selectScrubSlice(keys: readonly string[], cursor: ScrubCursor, fraction: number): ScrubSlice {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`a scrub fraction is above 0 and at most 1, got ${fraction}`);
  // A scrub's keys come sorted and unique (its listings' union): copied into a Set and an array they were two more
  // copies of a listing of millions of keys, at the scrub's memory peak (audit aW2).
  const sorted = isSortedUnique(keys) ? keys : [...new Set(keys)].sort();
  if (sorted.length === 0) return { keys: [], next: cursor, cycleComplete: false };
  const after = cursor.after;
  let start = after === null ? 0 : sorted.findIndex((key) => key > after);
  let cycle = cursor.cycle;
  if (start < 0) {
    start = 0;
    cycle++;
  }
  // The rounding guards against 1/3 × 9 = 3.0000000000000004 costing a fourth run.
  const count = Math.max(1, Math.ceil(Number((sorted.length * fraction).toFixed(9))));
  const slice = sorted.slice(start, start + count);
  const cycleComplete = start + count >= sorted.length;
  const next = cycleComplete ? { cycle: cycle + 1, after: null } : { cycle, after: slice[slice.length - 1] ?? null };
  return { keys: slice, next, cycleComplete };
}

/**
 * The slice a run read when its deadline came before the end of `slice`: its first `read` keys (read in every vault in
 * scope), the next run starting after the last of them, so nothing is skipped; never a complete cycle. None read: the
 * next run starts where this one did. All read: `slice` as it is.
 */
export function cutScrubSlice(slice: ScrubSlice, cursor: ScrubCursor, read: number): ScrubSlice {
  if (read >= slice.keys.length) return slice;
  const keys = slice.keys.slice(0, Math.max(0, read));
  const last = keys.at(-1);
  if (last === undefined) return { keys, next: cursor, cycleComplete: false };
  // The cycle the slice read in: the cursor's, or the next one when the cursor had passed every key.
  const cycle = slice.cycleComplete ? slice.next.cycle - 1 : slice.next.cycle;
  return { keys, next: { cycle, after: last }, cycleComplete: false };
}

function isSortedUnique(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (!((keys[i - 1] as string) < (keys[i] as string))) return false;
  return true;
}
