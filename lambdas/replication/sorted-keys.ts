/**
 * Set operations on sorted, duplicate-free key arrays (listScrubbedObjects' listings, sorted by `<`). The scrub keeps
 * each vault's listing as one such array, which it holds the whole run: without a Set beside each and a Set of their
 * union with two copies of it, the scrub's peak (VmHWM) went from 197–203 to 143–150 bytes a listed key
 * (scrub-listing-memory.ts; docs/SCALE.md, "The scrub's listings").
 */

/** `a` before `b` (-1), after (1) or the same (0) by `<`, UTF-16 code unit by code unit: the order of these arrays. */
export function compareByCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The index of the first key of `sorted` not before `key` (`sorted.length` when none): a binary search. */
export function firstKeyFrom(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Whether `sorted` holds `key`. */
export function hasSortedKey(sorted: readonly string[], key: string): boolean {
  return sorted[firstKeyFrom(sorted, key)] === key;
}

/** How many keys of `sorted` are at or before `key`. */
export function keysUpTo(sorted: readonly string[], key: string): number {
  const at = firstKeyFrom(sorted, key);
  return sorted[at] === key ? at + 1 : at;
}

/** The keys of `a` and `b`, sorted, each once. One of them when the other is empty: no copy. */
export function sortedUnion(a: readonly string[], b: readonly string[]): readonly string[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const union: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as string;
    const y = b[j] as string;
    if (x <= y) {
      union.push(x);
      i++;
      if (x === y) j++;
    } else {
      union.push(y);
      j++;
    }
  }
  for (; i < a.length; i++) union.push(a[i] as string);
  for (; j < b.length; j++) union.push(b[j] as string);
  return union;
}

/** The keys of `a` that `b` lacks, sorted: one walk of both. */
export function sortedDifference(a: readonly string[], b: readonly string[]): string[] {
  const left: string[] = [];
  let j = 0;
  for (const key of a) {
    while (j < b.length && (b[j] as string) < key) j++;
    if (b[j] !== key) left.push(key);
  }
  return left;
}
