import { decodeIndexObject, getSealedObject, idFromKey, INDEX_PREFIX, manifestKey, mapBounded, packKey, snapshotKey, type Vault, VaultCorruptionError, VaultIndex, type VaultStore } from '../../vault';

/** Index objects read at once (small, latency-bound), as the vault's own index load does. */
const INDEX_READS_IN_FLIGHT = 8;

/**
 * The objects the replica lacks that `snapshotIds` (source snapshots about to be copied) need there —
 * replication's copy by reference, used when a pass skips snapshots the replica's retention forgot
 * (docs/ARCHITECTURE.md, "Replication to the DR vault"), so that what only those snapshots reference
 * is not copied back just for them after the replica's prune removed it.
 *
 * `missing` is every data/, index/ and manifest/ key the source holds and the replica lacks (the
 * listing); the result is a subset of it:
 * - the snapshots' manifest root and pages;
 * - for each blob of theirs that the replica does not index in a pack it holds: the source pack
 *   holding it, and the source index objects listing that pack;
 * - every pack such an index object lists, so an index object in the replica never names a pack that
 *   is not there (a writer deduplicating in that vault, after a failover, would otherwise reference
 *   a missing pack). Those extra packs are garbage there once a snapshot is copied; the replica's prune
 *   condemns them with that index object and re-lists the live packs in a new one, after which the
 *   pack a new snapshot needs is indexed in the replica and the old index object is not needed again.
 *
 * Reads the replica's index objects (the same master key opens them: `source.keys`), the source's
 * index and the snapshots' manifests: the price of not copying by listing.
 */
export async function objectsReplicaNeeds(source: Vault, target: VaultStore, snapshotIds: readonly string[], missing: ReadonlySet<string>, replicaPacks: ReadonlySet<string>): Promise<string[]> {
  const needed = new Set<string>();
  const replicaIndex = await indexOfHeldPacks(target, source, replicaPacks);
  const sourceIndex = await source.index();
  const packs = new Set<string>();
  for (const id of snapshotIds) {
    const snapshot = await source.loadSnapshot(id);
    // One walk of the manifest gives its object ids and its entries: each node and page is read once.
    const manifest = await source.manifest(snapshot);
    const need = (objectId: string): void => {
      if (missing.has(manifestKey(objectId))) needed.add(manifestKey(objectId));
    };
    for (const structure of manifest.structureIds()) need(structure);
    for await (const page of manifest.pages()) {
      need(page.id);
      for (const entry of page.entries) {
        for (const blob of entry.content) {
          const blobId = Buffer.from(blob, 'hex');
          if (replicaIndex.has(blobId)) continue;
          const location = sourceIndex.lookup(blobId);
          if (!location) throw new VaultCorruptionError(source.location, snapshotKey(id), `entry ${JSON.stringify(entry.path)} has blob ${blob}, which no index lists; it is not replicated (run \`lifeboat verify\` on the primary vault)`);
          packs.add(location.packId);
        }
      }
    }
  }
  if (packs.size === 0) return [...needed];
  for (const pack of packs) if (missing.has(packKey(pack))) needed.add(packKey(pack));
  const missingIndexes = [...missing].filter((key) => idFromKey(INDEX_PREFIX, key) !== null);
  await mapBounded(missingIndexes, INDEX_READS_IN_FLIGHT, async (key) => {
    const listed: string[] = [];
    decodeIndexObject(await getSealedObject(source.store, source.keys, key, idFromKey(INDEX_PREFIX, key), 'index'), { location: source.location, key }, (packId) => {
      listed.push(packId);
    });
    if (!listed.some((packId) => packs.has(packId))) return;
    needed.add(key);
    for (const packId of listed) if (missing.has(packKey(packId))) needed.add(packKey(packId));
  });
  return [...needed];
}

/** The replica's blobs that an index object of its own locates in a pack it holds. */
async function indexOfHeldPacks(target: VaultStore, source: Vault, heldPacks: ReadonlySet<string>): Promise<VaultIndex> {
  const keys: string[] = [];
  for await (const key of target.list(INDEX_PREFIX)) if (idFromKey(INDEX_PREFIX, key) !== null) keys.push(key);
  const index = new VaultIndex();
  await mapBounded(keys, INDEX_READS_IN_FLIGHT, async (key) => {
    decodeIndexObject(await getSealedObject(target, source.keys, key, idFromKey(INDEX_PREFIX, key), 'index'), { location: target.location, key }, (packId, packLength, blobId, offset, stored, raw) => {
      if (heldPacks.has(packId)) index.add(blobId, packId, packLength, offset, stored, raw);
    });
  });
  return index;
}
