import { type IndexedPack } from '../blob-index/index-object';
import { authenticateBlob } from '../pack/pack-reader';
import { mapBounded } from '../workers/bounded-concurrency';
import { PackWriter } from '../pack/pack-writer';
import { type Vault } from '../repository/vault';
import { packKey } from '../repository/vault-layout';
import { VaultCorruptionError, VaultObjectArchivedError } from '../vault-errors';
import { type PackToRepack } from './prune-plan';

export type RepackResult = {
  /** Old packs whose live blobs are now in new packs (they can be condemned). */
  readonly repacked: string[];
  readonly newPacks: IndexedPack[];
  readonly blobsMoved: number;
  readonly bytesWritten: number;
  /** Packs left as they are because a live blob failed its check (verify names it; repair from the DR vault). */
  readonly damaged: Array<{ pack: string; problem: string }>;
  /** Packs left as they are because they are in an archive storage class: moving them would need a thaw ("Storage tiers"). */
  readonly archived: string[];
};

/**
 * Copies the live blobs of packs into new packs. A blob's envelope is bound to its id, not to its
 * pack, so it moves as stored bytes; each is authenticated first (its GCM tag, as the scrub checks),
 * so a damaged blob is not copied (its pack is then left alone); an archived pack (S3 Glacier Flexible Retrieval,
 * Deep Archive) cannot be read without a thaw and is left alone too, counted. Stops starting packs at the deadline; what was done is returned.
 */
export async function repackPacks(vault: Vault, packs: readonly PackToRepack[], options: { readonly outOfTime: () => boolean }): Promise<RepackResult> {
  const newPacks: IndexedPack[] = [];
  const writer = new PackWriter(vault.store, vault.keys, { targetSize: vault.config.packSize, maxUploads: 2, onPackStored: (p) => newPacks.push(p) });
  const repacked: string[] = [];
  const damaged: RepackResult['damaged'] = [];
  const archived: string[] = [];
  let blobsMoved = 0;
  let bytesWritten = 0;
  for (const pack of packs) {
    if (options.outOfTime()) break;
    const key = packKey(pack.id);
    let blobs: Array<{ id: Buffer; stored: Buffer; rawLength: number }>;
    try {
      const body = await vault.store.get(key);
      if (body.length !== pack.length) throw new VaultCorruptionError(vault.location, key, `pack is ${body.length} bytes, the index says ${pack.length}`);
      // Authenticated (GCM tag, with the blob's id as additional data), a few at once on libuv's pool:
      // that proves the bytes are the ones sealed under the id, which is all a copy of them needs.
      blobs = await mapBounded(pack.live, 4, async (e) => {
        const stored = Buffer.from(body.subarray(e.offset, e.offset + e.storedLength));
        await authenticateBlob(vault.keys, e.id, stored, { location: vault.location, key });
        return { id: e.id, stored, rawLength: e.rawLength };
      });
    } catch (err) {
      if (err instanceof VaultObjectArchivedError) {
        archived.push(pack.id);
        continue;
      }
      if (!(err instanceof VaultCorruptionError)) throw err;
      damaged.push({ pack: pack.id, problem: err.message });
      continue;
    }
    for (const b of blobs) {
      await writer.add(b.id, b.stored, b.rawLength);
      blobsMoved++;
      bytesWritten += b.stored.length;
    }
    repacked.push(pack.id);
  }
  await writer.flush();
  return { repacked, newPacks, blobsMoved, bytesWritten, damaged, archived };
}
