import { comparePaths, type ManifestEntry, manifestEntrySchema } from './manifest-entry';
import { type ManifestRun, type PageRef } from './manifest-format';
import { DuplicateEntryError, loadPage, PageRunWriter } from './manifest-pages';
import { encodeJson, putSealedObject } from '../crypto/sealed-object';
import { type VaultKeys } from '../crypto/vault-keys';
import { manifestKey } from '../repository/vault-layout';
import { type VaultStore } from '../backend/vault-store';

/**
 * Merges sorted runs (from one or many writers) into one sorted page list. Runs that do not
 * overlap — the usual case: one run per shard, shards by disjoint path ranges — are concatenated
 * without reading a page; overlapping runs are merged entry by entry into new pages, reading one
 * page per run at a time.
 */
export async function mergeRuns(store: VaultStore, keys: VaultKeys, runs: readonly ManifestRun[]): Promise<PageRef[]> {
  const nonEmpty = runs.filter((r) => r.length > 0);
  const sorted = [...nonEmpty].sort((a, b) => comparePaths((a[0] as PageRef).first, (b[0] as PageRef).first));
  let disjoint = true;
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as ManifestRun;
    const c = comparePaths((prev[prev.length - 1] as PageRef).last, ((sorted[i] as ManifestRun)[0] as PageRef).first);
    if (c === 0) throw new DuplicateEntryError(((sorted[i] as ManifestRun)[0] as PageRef).first);
    if (c > 0) disjoint = false;
  }
  if (disjoint) return sorted.flat();

  const writer = new PageRunWriter(store, keys);
  const cursors = sorted.map((run) => new RunCursor(store, keys, run));
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

/** Writes entries (any order, paths unique) as one sorted run of pages, for mergeRuns to merge with the writers' runs. */
export async function writeEntryRun(store: VaultStore, keys: VaultKeys, entries: readonly ManifestEntry[]): Promise<ManifestRun> {
  const writer = new PageRunWriter(store, keys);
  for (const entry of [...entries].sort((a, b) => comparePaths(a.path, b.path))) await writer.add(manifestEntrySchema.parse(entry));
  await writer.flush();
  return writer.pages;
}

/** Writes the manifest root over sorted pages; returns the root hash (the root object's id). */
export async function writeManifestRoot(store: VaultStore, keys: VaultKeys, pages: readonly PageRef[]): Promise<{ rootId: string; entries: number; bytes: number }> {
  const entries = pages.reduce((n, p) => n + p.count, 0);
  const bytes = pages.reduce((n, p) => n + p.bytes, 0);
  const rootId = await putSealedObject(store, keys, manifestKey, 'manifest', encodeJson({ v: 1, entries, bytes, pages }), 3);
  return { rootId, entries, bytes };
}
