/**
 * What `vault repair index` and `lifeboat repair-index` say of the old index objects Object Lock kept them from
 * removing (docs/FORMAT.md §12, step 4): every load still reads them, so where they list packs the repair left out
 * (or are damaged) only the tombstone keeps those packs out of every backup's deduplication.
 */
export function keptByObjectLock(tombstone: string | null): string {
  return tombstone === null
    ? 'every load still reads them beside the new ones; they list nothing the repair left out'
    : `every load still reads them; the tombstone ${tombstone} keeps the packs left out that they list out of every load (and a damaged one of them out of every backup's load), so the next backup stores those blobs again`;
}
