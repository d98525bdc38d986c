import { comparePaths, type ManifestEntry, underPrefix } from '../manifest/manifest-entry';
import { type PageRef } from '../manifest/manifest-format';
import { type ManifestReader } from '../manifest/manifest-reader';
import { loadManifestNode, type NodeLoader, rootPages } from '../manifest/manifest-root';
import { type Vault } from '../repository/vault';
import { VaultCorruptionError, VaultObjectNotFoundError } from '../vault-errors';

/** An object of the vault is damaged or missing: what a restore reports and goes on after (anything else stops it). */
export function isVaultDamage(err: unknown): err is VaultCorruptionError | VaultObjectNotFoundError {
  return err instanceof VaultCorruptionError || err instanceof VaultObjectNotFoundError;
}

/**
 * A part of a manifest that could not be read (a page or a node, damaged or missing): the entries it lists run from `first`
 * to `last`, `count` of them, as the reference that names it says (the root or the node above it was read, and checked).
 */
export type UnreadableManifestPart = { readonly first: string; readonly last: string; readonly count: number; readonly error: VaultCorruptionError | VaultObjectNotFoundError };

/** Whether `parts` lists `part` already: the same range of paths, read by another pass. */
export function listsPart(parts: readonly UnreadableManifestPart[], part: UnreadableManifestPart): boolean {
  return parts.some((seen) => seen.first === part.first && seen.last === part.last);
}

/**
 * The entries of a snapshot at or under `include` ('' for all) in manifest order, as ManifestReader.entries gives them, but
 * a page or node that cannot be read does not end them: it is added to `unreadable` (its range of paths, from its
 * reference) and the entries go on with the next one. So one damaged page of a manifest costs the restore the entries that
 * page lists, not every entry after it (audit a58B F3: 1,998 of 4,800 files restored, and no word of where it stopped).
 * Any other failure (the store, the target) ends them as before. A page is read one ahead, as pagesOf reads, through the
 * reader's own cache (a hard link's lookup of its first name finds the page there).
 */
export function readableEntries(vault: Vault, manifest: ManifestReader, include: string, unreadable: UnreadableManifestPart[]): AsyncGenerator<ManifestEntry> {
  return readableRun(vault, manifest, { from: include, holds: (path) => underPrefix(path, include) }, unreadable);
}

/**
 * A run of paths contiguous in manifest order: every path `holds` takes is ≥ `from`, and none follows a path after `from`
 * that it does not take. An include's paths are one; so are the escaped paths starting with a key prefix's base64url stem.
 */
export type PathRun = { readonly from: string; readonly holds: (path: string) => boolean };

/** The entries of `run` as readableEntries gives an include's: from the first page that may hold one, to the last. */
export async function* readableRun(vault: Vault, manifest: ManifestReader, run: PathRun, unreadable: UnreadableManifestPart[]): AsyncGenerator<ManifestEntry> {
  const { from, holds } = run;
  /** A page or node past the run holds nothing of it (the pages after the last one read ahead are). */
  const past = (ref: Pick<PageRef, 'first'>): boolean => comparePaths(ref.first, from) > 0 && !holds(ref.first);
  const loadNode: NodeLoader = async (ref) => {
    try {
      return await loadManifestNode(vault.store, vault.keys, ref);
    } catch (err) {
      if (!isVaultDamage(err)) throw err;
      if (!past(ref)) unreadable.push({ first: ref.first, last: ref.last, count: ref.count, error: err });
      return undefined;
    }
  };
  const refs = rootPages(manifest.root, loadNode, from === '' ? undefined : from);
  const read = async (): Promise<{ ref: PageRef; entries: readonly ManifestEntry[] } | { ref: PageRef; error: VaultCorruptionError | VaultObjectNotFoundError } | null> => {
    const next = await refs.next();
    if (next.done) return null;
    const ref = next.value;
    try {
      return { ref, entries: await manifest.pageEntries(ref) };
    } catch (err) {
      if (!isVaultDamage(err)) throw err;
      return { ref, error: err };
    }
  };
  let next = read();
  try {
    for (;;) {
      const page = await next;
      if (!page || past(page.ref)) return;
      next = read();
      // Settled below, or dropped when the consumer stops early: never an unhandled rejection.
      next.catch(() => undefined);
      if ('error' in page) {
        unreadable.push({ first: page.ref.first, last: page.ref.last, count: page.ref.count, error: page.error });
        continue;
      }
      for (const entry of page.entries) {
        if (holds(entry.path)) yield entry;
        else if (comparePaths(entry.path, from) > 0) return;
      }
    }
  } finally {
    await refs.return(undefined);
  }
}
