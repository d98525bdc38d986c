import { cutScrubSlice, FIRST_SCRUB_CURSOR, type ScrubCursor, selectScrubSlice } from '../../../../vault/checker/scrub-slice';

/** The rotating slice of a scrub: which objects each run reads, and where the next run starts. */

const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `data/${String(i).padStart(2, '0')}/${String(i).padStart(64, '0')}`);

/** Runs the slicing until the cycle of `cursor` completes; returns the keys read per run. */
function runCycle(objects: readonly string[], cursor: ScrubCursor, fraction: number): { runs: string[][]; next: ScrubCursor } {
  const runs: string[][] = [];
  for (let c = cursor; ; ) {
    const slice = selectScrubSlice(objects, c, fraction);
    runs.push([...slice.keys]);
    c = slice.next;
    if (slice.cycleComplete) return { runs, next: c };
    if (runs.length > objects.length) throw new Error('the cycle never completes');
  }
}

it.each([9, 10, 11, 1, 2])('with fraction 1/3, %i objects are each read exactly once per cycle, in at most 3 runs, cycle after cycle', (n) => {
  const objects = keys(n).reverse();
  let cursor = FIRST_SCRUB_CURSOR;
  for (let cycle = 1; cycle <= 3; cycle++) {
    const { runs, next } = runCycle(objects, cursor, 1 / 3);
    expect(runs.length).toBeLessThanOrEqual(3);
    expect(runs.flat().sort()).toEqual([...objects].sort());
    expect(next).toEqual({ cycle: cycle + 1, after: null });
    cursor = next;
  }
});

it('reads an object added behind the cursor in the next cycle, and one added ahead of it in this one', () => {
  const objects = keys(9);
  const first = selectScrubSlice(objects, FIRST_SCRUB_CURSOR, 1 / 3);
  expect(first.keys).toEqual(objects.slice(0, 3));
  const behind = 'config';
  const ahead = 'snapshots/' + 'f'.repeat(64);
  const rest = runCycle([...objects, behind, ahead], first.next, 1 / 3);
  expect(rest.runs.flat()).toEqual([...objects.slice(3), ahead]);
  expect(runCycle([...objects, behind, ahead], rest.next, 1 / 3).runs.flat()).toContain(behind);
});

it('starts the next cycle when the objects after the cursor are gone, and refuses a fraction out of range', () => {
  const slice = selectScrubSlice(keys(3), { cycle: 4, after: 'zzz' }, 1 / 3);
  expect(slice.keys).toEqual(keys(3).slice(0, 1));
  expect(slice.next).toEqual({ cycle: 5, after: keys(3)[0] });
  expect(() => selectScrubSlice(keys(3), FIRST_SCRUB_CURSOR, 0)).toThrow('a scrub fraction is above 0 and at most 1, got 0');
  expect(() => selectScrubSlice(keys(3), FIRST_SCRUB_CURSOR, 1.5)).toThrow(RangeError);
});

it('a slice cut by its deadline ends at the last key read, completes no cycle, and the next slice starts right after it', () => {
  const objects = keys(9);
  const whole = selectScrubSlice(objects, { cycle: 2, after: objects[2] as string }, 1);
  expect(whole.cycleComplete).toBe(true);
  const cut = cutScrubSlice(whole, { cycle: 2, after: objects[2] as string }, 2);
  expect(cut).toEqual({ keys: objects.slice(3, 5), next: { cycle: 2, after: objects[4] }, cycleComplete: false });
  expect(selectScrubSlice(objects, cut.next, 1 / 3).keys).toEqual(objects.slice(5, 8));
  // A new cycle begun (the cursor past every key) and cut: the keys read count for the new cycle.
  const restarted = selectScrubSlice(objects, { cycle: 4, after: 'zzz' }, 1 / 3);
  expect(cutScrubSlice(restarted, { cycle: 4, after: 'zzz' }, 1).next).toEqual({ cycle: 5, after: objects[0] });
  // Nothing read: the next run starts where this one did; everything read: the slice as it was.
  expect(cutScrubSlice(restarted, { cycle: 4, after: 'zzz' }, 0)).toEqual({ keys: [], next: { cycle: 4, after: 'zzz' }, cycleComplete: false });
  expect(cutScrubSlice(whole, FIRST_SCRUB_CURSOR, 6)).toBe(whole);
});
