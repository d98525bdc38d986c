import { comparePaths, type ManifestEntry, manifestEntrySchema } from './manifest-entry';
import { parseSchema } from '../repository/vault-schema';
import { type ManifestRun, type PageRef } from './manifest-format';
import { DuplicateEntryError, loadPage, PageRunWriter } from './manifest-pages';
import { type VaultKeys } from '../crypto/vault-keys';
import { type VaultStore } from '../backend/vault-store';

/** A sorted run by its bounds, its page references read when the merge reaches it (a commit of 93,000 shards holds only the bounds). */
export type RunSource = {
  readonly first: string;
  readonly last: string;
  pages(): Promise<ManifestRun>;
};

/** Runs whose pages are read ahead of the merge: the S3 latency of reading parts again overlaps the merge. */
const RUNS_READ_AHEAD = 32;

/**
 * Merges sorted runs (from one or many writers) into one sorted sequence of pages, handed to `sink`
 * in order. A run that overlaps no other — the usual case: one run per shard, shards by disjoint
 * path ranges — is passed through without reading a page; each cluster of runs that overlap one
 * another is merged entry by entry into new pages, reading one page per run at a time. Clusters,
 * not the whole manifest: two shards whose ranges interleave in manifest order (S3 lists by bytes,
 * where '-' sorts before '/'; the manifest puts '/' first) must not make a billion-entry commit
 * rewrite every page.
 */
export async function mergeRunsInto(store: VaultStore, keys: VaultKeys, runs: readonly RunSource[], sink: (page: PageRef) => Promise<void>): Promise<void> {
  const sorted = [...runs].sort((a, b) => comparePaths(a.first, b.first));
  const loads: Array<Promise<ManifestRun> | undefined> = [];
  const pagesOf = (i: number): Promise<ManifestRun> => {
    for (let j = i; j < Math.min(sorted.length, i + RUNS_READ_AHEAD); j++) {
      if (loads[j] === undefined) {
        const load = runPages(sorted[j] as RunSource);
        load.catch(() => undefined); // awaited when the merge reaches it
        loads[j] = load;
      }
    }
    const load = loads[i] as Promise<ManifestRun>;
    loads[i] = undefined; // its pages are not held once written
    return load;
  };
  let start = 0;
  while (start < sorted.length) {
    // The cluster: runs from `start` while each begins before the furthest end so far.
    let end = start + 1;
    let last = (sorted[start] as RunSource).last;
    for (; end < sorted.length; end++) {
      const next = sorted[end] as RunSource;
      const c = comparePaths(last, next.first);
      if (c === 0) throw new DuplicateEntryError(next.first);
      if (c < 0) break;
      if (comparePaths(next.last, last) > 0) last = next.last;
    }
    if (end - start === 1) {
      for (const page of await pagesOf(start)) await sink(page);
    } else {
      const cluster: ManifestRun[] = [];
      for (let i = start; i < end; i++) cluster.push(await pagesOf(i));
      for (const page of await mergeOverlapping(store, keys, cluster)) await sink(page);
    }
    start = end;
  }
}

/** A run whose pages are read again (a shard's part) must still be the run its bounds were taken from: else the merge would put pages out of order. */
export class RunChangedError extends Error {
  override name = 'RunChangedError';
}

async function runPages(source: RunSource): Promise<ManifestRun> {
  const pages = await source.pages();
  const first = pages[0]?.first;
  const last = pages[pages.length - 1]?.last;
  if (first !== source.first || last !== source.last) {
    throw new RunChangedError(
      `a manifest run read again spans ${JSON.stringify(first)} … ${JSON.stringify(last)}, but it spanned ${JSON.stringify(source.first)} … ${JSON.stringify(source.last)} when the commit began: its part was rewritten meanwhile; run the commit again`,
    );
  }
  return pages;
}

/** Merges overlapping runs entry by entry into new pages. */
async function mergeOverlapping(store: VaultStore, keys: VaultKeys, runs: readonly ManifestRun[]): Promise<PageRef[]> {
  const writer = new PageRunWriter(store, keys);
  const cursors = runs.map((run) => new RunCursor(store, keys, run));
  for (const c of cursors) await c.advance();
  for (;;) {
    let best: RunCursor | null = null;
    for (const c of cursors) {
      if (c.current && (!best || comparePaths(c.current.path, (best.current as ManifestEntry).path) < 0)) best = c;
    }
    if (!best || !best.current) break;
    await writer.add(best.current);
    await best.advance();
  }
  await writer.flush();
  return writer.pages;
}

/** Runs already in memory, as RunSources (empty runs left out). */
export function runsInMemory(runs: readonly ManifestRun[]): RunSource[] {
  return runs
    .filter((run) => run.length > 0)
    .map((run) => ({ first: (run[0] as PageRef).first, last: (run[run.length - 1] as PageRef).last, pages: () => Promise.resolve(run) }));
}

class RunCursor {
  private pageIndex = 0;
  private entries: ManifestEntry[] = [];
  private position = 0;
  current: ManifestEntry | null = null;

  constructor(
    private readonly store: VaultStore,
    private readonly keys: VaultKeys,
    private readonly run: ManifestRun,
  ) {}

  async advance(): Promise<void> {
    while (this.position >= this.entries.length) {
      const ref = this.run[this.pageIndex++];
      if (!ref) {
        this.current = null;
        return;
      }
      this.entries = await loadPage(this.store, this.keys, ref);
      this.position = 0;
    }
    this.current = this.entries[this.position++] ?? null;
  }
}

/** Writes entries (any order, paths unique) as one sorted run of pages, for the merge to merge with the writers' runs. */
export async function writeEntryRun(store: VaultStore, keys: VaultKeys, entries: readonly ManifestEntry[]): Promise<ManifestRun> {
  const writer = new PageRunWriter(store, keys);
  for (const entry of [...entries].sort((a, b) => comparePaths(a.path, b.path))) await writer.add(parseSchema(manifestEntrySchema, entry, `manifest entry ${JSON.stringify(entry.path)}`));
  await writer.flush();
  return writer.pages;
}
