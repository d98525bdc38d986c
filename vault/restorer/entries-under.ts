import { comparePaths, underPrefix } from '../manifest/manifest-entry';
import { type ManifestReader } from '../manifest/manifest-reader';
import { isVaultDamage } from './readable-entries';

/**
 * Whether a snapshot's manifest has an entry at or under `path` (the reader yields only those, from the page that may
 * hold the first): `found`, `none`, or `unreadable` when that page cannot be read and its reference (first and last
 * path) reaches where such entries sort, so it may hold them. A damaged page whose range lies past them is `none`:
 * manifest order keeps a path's subtree together from the path itself. A filter's choice of form (as typed, or with
 * its names escaped) and the spellings its ambiguity refusal suggests are weighed with it.
 */
export async function entriesUnder(manifest: Pick<ManifestReader, 'entries' | 'pageRefs'>, path: string): Promise<'found' | 'none' | 'unreadable'> {
  const entries = manifest.entries(path);
  try {
    return (await entries.next()).done === true ? 'none' : 'found';
  } catch (err) {
    if (!isVaultDamage(err)) throw err;
    // Review r60G F1: a form alone on a damaged page was 'unreadable' and so never weighed; the other form, readable,
    // was taken and the restore, reading only that form's pages, never met the damage.
    return (await damagedPageMayHold(manifest, path)) ? 'unreadable' : 'none';
  } finally {
    await entries.return(undefined);
  }
}

/** Whether the page `entries(path)` reads first, which could not be read, may hold `path` or a path under it, by its reference. */
async function damagedPageMayHold(manifest: Pick<ManifestReader, 'pageRefs'>, path: string): Promise<boolean> {
  const refs = manifest.pageRefs(path);
  try {
    const first = await refs.next();
    // The reference lists the first page whose last path is at or after `path`: it holds some when it starts at or before it.
    return first.done !== true && (comparePaths(first.value.first, path) <= 0 || underPrefix(first.value.first, path));
  } catch (err) {
    // A node that cannot be read either: nothing tells where the page's paths lie.
    if (isVaultDamage(err)) return true;
    throw err;
  } finally {
    await refs.return(undefined);
  }
}
