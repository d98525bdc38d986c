import { type ManifestReader } from '../manifest/manifest-reader';
import { isVaultDamage } from './readable-entries';

/**
 * Whether a snapshot's manifest has an entry at or under `path` (the reader yields only those, from the page that may
 * hold the first): `found`, `none`, or `unreadable` when that page cannot be read. A filter's choice of form (as
 * typed, or with its names escaped) and the spellings its ambiguity refusal suggests are weighed with it.
 */
export async function entriesUnder(manifest: Pick<ManifestReader, 'entries'>, path: string): Promise<'found' | 'none' | 'unreadable'> {
  const entries = manifest.entries(path);
  try {
    return (await entries.next()).done === true ? 'none' : 'found';
  } catch (err) {
    if (isVaultDamage(err)) return 'unreadable';
    throw err;
  } finally {
    await entries.return(undefined);
  }
}
