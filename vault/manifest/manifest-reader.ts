import { comparePaths, type ManifestEntry, underPrefix } from './manifest-entry';
import { type ManifestRoot, manifestRootSchema, type PageRef } from './manifest-format';
import { loadPage } from './manifest-pages';
import { decodeJson, getSealedObject } from '../crypto/sealed-object';
import { VaultCorruptionError } from '../vault-errors';
import { type VaultKeys } from '../crypto/vault-keys';
import { manifestKey } from '../repository/vault-layout';
import { type VaultStore } from '../backend/vault-store';

export async function loadManifestRoot(store: VaultStore, keys: VaultKeys, rootId: string): Promise<ManifestRoot> {
  const key = manifestKey(rootId);
  const root = decodeJson(manifestRootSchema, await getSealedObject(store, keys, key, rootId, 'manifest'), { location: store.location, key });
  for (let i = 1; i < root.pages.length; i++) {
    if (comparePaths((root.pages[i - 1] as PageRef).last, (root.pages[i] as PageRef).first) >= 0) {
      throw new VaultCorruptionError(store.location, key, `pages ${i - 1} and ${i} overlap or are out of order`);
    }
  }
  const counted = root.pages.reduce((n, p) => n + p.count, 0);
  if (counted !== root.entries) throw new VaultCorruptionError(store.location, key, `pages hold ${counted} entries, the root says ${root.entries}`);
  return root;
}

/**
 * Reads a snapshot's manifest: ordered iteration (optionally under a path prefix) and point
 * lookups. Memory stays bounded: the root (one small record per page) and a few cached pages.
 */
export class ManifestReader {
  private readonly cache = new Map<string, Promise<ManifestEntry[]>>();
  private static readonly CACHE_PAGES = 4;

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
    const hit = this.cache.get(ref.id);
    if (hit) {
      this.cache.delete(ref.id);
      this.cache.set(ref.id, hit);
      return hit;
    }
    const loading = loadPage(this.store, this.keys, ref);
    loading.catch(() => this.cache.delete(ref.id));
    this.cache.set(ref.id, loading);
    while (this.cache.size > ManifestReader.CACHE_PAGES) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return loading;
  }

  /** Entries in manifest order; with a prefix, only `prefix` and what lies below it (pages outside are not read). */
  async *entries(prefix = ''): AsyncGenerator<ManifestEntry> {
    const pages = this.root.pages;
    let i = prefix === '' ? 0 : firstPageAtOrAfter(pages, prefix);
    // Read one page ahead so decryption overlaps with the consumer.
    let next = i < pages.length ? this.page(pages[i] as PageRef) : null;
    while (next) {
      const entries = await next;
      i++;
      next = i < pages.length ? this.page(pages[i] as PageRef) : null;
      for (const e of entries) {
        if (underPrefix(e.path, prefix)) yield e;
        else if (prefix !== '' && comparePaths(e.path, prefix) > 0) return;
      }
    }
  }

  /** The entry at `path`, or undefined. */
  async find(path: string): Promise<ManifestEntry | undefined> {
    const pages = this.root.pages;
    const i = firstPageAtOrAfter(pages, path);
    const ref = pages[i];
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

/** Index of the first page whose last path is ≥ `path` (pages.length when none). */
function firstPageAtOrAfter(pages: readonly PageRef[], path: string): number {
  let lo = 0;
  let hi = pages.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comparePaths((pages[mid] as PageRef).last, path) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
