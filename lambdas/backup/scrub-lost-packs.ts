import { DATA_PREFIX, idFromKey } from '../../vault';
import { listedOutstanding, type ScrubRunRecord } from '../catalog/scrub-record';

/**
 * The packs of the primary vault the latest scrub record holds with no good copy (outstanding, `goodCopy` false: lost in
 * both vaults, or the other copy damaged, archived or not verified), as hex ids: the backup's writers leave them out of
 * their dedup as they leave a condemned pack out (Vault.newSnapshotWriter's `lostPacks`), so a blob found only there is
 * stored again. Deduplicated against, a pack lost in both vaults that an index object still lists made the new backup
 * reference data no vault holds, and its restore failed (fix f58R). One whose other copy may be good is left out too: a
 * backup relying on it does not restore from the primary vault until a scrub with repair copies it, and storing its blobs
 * again costs only what a prune later folds. A pack lost in every vault (`listedBy`) counts from either vault's entry.
 * The objects a record counts past its lists (`notListed`) are not known by key.
 */
export function primaryPacksWithoutGoodCopy(record: Pick<ScrubRunRecord, 'outstanding'> | undefined): string[] {
  // An entry with `listedBy` is lost in every vault, whichever vault's entry the record kept: the record lists 100
  // objects, dr before primary, so from 51 packs lost in both the primary's entries fell past the list and backups
  // deduplicated against them again (review r58M F1).
  const ids = listedOutstanding(record?.outstanding).flatMap((o) => ((o.vault === 'primary' && !o.goodCopy) || o.listedBy !== undefined ? (idFromKey(DATA_PREFIX, o.key) ?? []) : []));
  return [...new Set(ids)].sort();
}

/**
 * primaryPacksWithoutGoodCopy of the latest record `latest` reads. A record that cannot be read (no grant on an older
 * stack, a throttle) is warned of and the backup goes on as before it was read: the record only spares a backup
 * damage the scrub already reported, and refusing every backup for it would leave the sources with none.
 */
export async function lostPacksOfLatestScrub(latest: () => Promise<Pick<ScrubRunRecord, 'outstanding'> | undefined>, warn: (warning: string) => void): Promise<string[]> {
  try {
    return primaryPacksWithoutGoodCopy(await latest());
  } catch (err) {
    warn(`the latest scrub record could not be read (${err instanceof Error ? err.message : String(err)}), so this backup may deduplicate against packs a scrub found lost; it goes on as it did before it read the record`);
    return [];
  }
}
