import { type BlobIdSet, markSnapshots, MarkedPages, type Vault, VaultError } from '../../vault';

/**
 * Which of the snapshots `ids` of `source` reference a blob of `blobs`, in the order of `ids`: what a refusal over
 * unlocated blobs names (replicate-vault.ts, objectsTheSnapshotsNeed). The look's mark is one set for all the snapshots
 * it copies, so it cannot tell; naming the first snapshots of the pass named healthy backups and never the damaged one
 * (review r60G F2). Runs only on that refusal: each snapshot is marked alone, the pages read once for all of them
 * (MarkedPages, within the vault's memory). A snapshot that cannot be read now counts as referencing them: what it
 * references is unknown, and the verify line tells.
 */
export async function snapshotsReferencing(source: Vault, ids: readonly string[], blobs: BlobIdSet): Promise<string[]> {
  const pages = new MarkedPages();
  const found: string[] = [];
  for (const id of ids) {
    let marked: BlobIdSet;
    try {
      marked = (await markSnapshots(source, [await source.loadSnapshot(id)], pages)).blobs;
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      found.push(id);
      continue;
    }
    for (const hex of blobs.hexIds()) {
      if (marked.hasHex(hex)) {
        found.push(id);
        break;
      }
    }
  }
  return found;
}
