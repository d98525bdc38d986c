import { comparePaths, type ManifestEntry, underPrefix } from './manifest-entry';
import { type ManifestRoot, type NodeRef, type PageRef } from './manifest-format';
import { loadPage } from './manifest-pages';
import { loadManifestNode, loadManifestRoot, rootNodes, rootPages } from './manifest-root';
import { type VaultKeys } from '../crypto/vault-keys';
import { type VaultStore } from '../backend/vault-store';

/**
 * Reads a snapshot's manifest: ordered iteration (optionally under a path prefix) and point
 * lookups. Memory stays bounded: the root (at most MANIFEST_FANOUT references), a few cached nodes
 * and a few cached pages.
 */
export class ManifestReader {
  private readonly cache = new Map<string, Promise<ManifestEntry[]>>();
  private static readonly CACHE_PAGES = 4;
  // An incremental backup looks up its parent's entries in order: a node is loaded once, not per lookup.
  private readonly nodes = new Map<string, Promise<PageRef[]>>();
  private static readonly CACHE_NODES = 2;

  private constructor(
    private readonly store: VaultStore,
    private readonly keys: VaultKeys,
    readonly rootId: string,
    readonly root: ManifestRoot,
  ) {}

  static async open(store: VaultStore, keys: VaultKeys, rootId: string): Promise<ManifestReader> {
    return new ManifestReader(store, keys, rootId, await loadManifestRoot(store, keys, rootId));
  }

  private page(ref: PageRef): Promise<ManifestEntry[]> {
    return cached(this.cache, ManifestReader.CACHE_PAGES, ref.id, () => loadPage(this.store, this.keys, ref));
  }

  private node(ref: NodeRef): Promise<PageRef[]> {
    return cached(this.nodes, ManifestReader.CACHE_NODES, ref.id, () => loadManifestNode(this.store, this.keys, ref));
  }

  /**
   * The page references in manifest order, from the first page whose last path is ≥ `from` (all
   * without it). Each carries its page's first and last path, entry count and byte total, so a caller
   * that needs only those (a restore's plan) reads the root and the nodes, never a page: at a billion
   * entries about 500 nodes for 500,000 pages.
   */
  pageRefs(from?: string): AsyncGenerator<PageRef> {
    return rootPages(this.root, (ref) => this.node(ref), from);
  }

  /** The entries of the page `ref` names (a reference from `pageRefs`), checked against it; the last few pages read are kept. */
  pageEntries(ref: PageRef): Promise<readonly ManifestEntry[]> {
    return this.page(ref);
  }

  /**
   * The entries of each of `refs`' pages, in their order, read one page ahead so decryption
   * overlaps with the consumer: for a caller that picks the pages it reads from `pageRefs`.
   */
  async *pagesOf(refs: AsyncIterator<PageRef>): AsyncGenerator<{ readonly ref: PageRef; readonly entries: readonly ManifestEntry[] }> {
    const nextPage = async (): Promise<{ ref: PageRef; entries: ManifestEntry[] } | null> => {
      const ref = await refs.next();
      return ref.done ? null : { ref: ref.value, entries: await this.page(ref.value) };
    };
    let next = nextPage();
    for (;;) {
      const page = await next;
      if (!page) return;
      next = nextPage();
      // Settled below or dropped when the consumer stops early: never an unhandled rejection.
      next.catch(() => undefined);
      yield page;
    }
  }

  /** The ids of the root and of its nodes: the manifest objects known from the root alone (its pages come with `pages`). */
  structureIds(): string[] {
    return [this.rootId, ...rootNodes(this.root).map((node) => node.id)];
  }

  /**
   * The pages in manifest order (from the one that may hold `from`), each with its id and entries,
   * read one page ahead so decryption overlaps with the consumer. For a caller that needs a
   * snapshot's manifest object ids and its entries alike (the keys an Object Lock extension covers,
   * what a replica lacks): with `structureIds`, every node and page is read once.
   */
  async *pages(from?: string): AsyncGenerator<{ readonly id: string; readonly entries: readonly ManifestEntry[] }> {
    for await (const { ref, entries } of this.pagesOf(this.pageRefs(from))) yield { id: ref.id, entries };
  }

  /**
   * Entries in manifest order; with a prefix, only `prefix` and what lies below it; with `from`, only
   * those at or after the path `from` (a restore shard's first entry). Pages before either are not
   * read: a shard of a large manifest starts at its own page, not at the manifest's first.
   */
  async *entries(prefix = '', from?: string): AsyncGenerator<ManifestEntry> {
    const start = from === undefined || comparePaths(prefix, from) > 0 ? prefix : from;
    for await (const { entries } of this.pages(start === '' ? undefined : start)) {
      for (const e of entries) {
        if (from !== undefined && comparePaths(e.path, from) < 0) continue;
        if (underPrefix(e.path, prefix)) yield e;
        else if (prefix !== '' && comparePaths(e.path, prefix) > 0) return;
      }
    }
  }

  /** The entry at `path`, or undefined. */
  async find(path: string): Promise<ManifestEntry | undefined> {
    const refs = this.pageRefs(path);
    const first = await refs.next();
    await refs.return(undefined);
    const ref = first.done ? undefined : first.value;
    if (!ref || comparePaths(ref.first, path) > 0) return undefined;
    const entries = await this.page(ref);
    let lo = 0;
    let hi = entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = entries[mid] as ManifestEntry;
      const c = comparePaths(e.path, path);
      if (c === 0) return e;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

/**
 * What `load` gives for `id`, from `cache` (kept in order of use, at most `size` entries) when it is
 * there; a load that fails is forgotten, so the next call tries again. For content-addressed
 * objects only: what is cached under an id never goes stale.
 */
export function cached<T>(cache: Map<string, Promise<T>>, size: number, id: string, load: () => Promise<T>): Promise<T> {
  const hit = cache.get(id);
  if (hit) {
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  const loading = load();
  loading.catch(() => cache.delete(id));
  cache.set(id, loading);
  while (cache.size > size) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return loading;
}
