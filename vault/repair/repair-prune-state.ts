import { type Vault } from '../repository/vault';
import { loadIndexObjects } from '../prune/index-objects';
import { listStoredPacks } from '../prune/stored-packs';
import { withPruneLease, type PruneLeaseOptions } from '../prune/prune-lease';
import { damagedPruneStateObjects, TOMBSTONE_MIN_KEEP_MS, writeCondemnedBatch, writePrunePolicy } from '../prune/prune-state';
import { DEFAULT_PRUNE_GRACE_MS } from '../prune/prune-vault';
import { PRUNE_POLICY_KEY } from '../repository/vault-layout';
import { condemnedKey } from '../repository/vault-layout';

export type RepairPruneStateOptions = {
  /** The prune lease this repair holds (it is a writer of prune's state, as a prune is). */
  readonly lease?: Omit<PruneLeaseOptions, 'now'>;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
};

export type RepairPruneStateReport = {
  /** The damaged objects found, and replaced (the policy rewritten, the batches deleted). */
  readonly damaged: readonly string[];
  /** The tombstone written in place of the damaged batches (null: no batch was damaged). */
  readonly tombstone: string | null;
  /** The packs it names: listed by an index object but no longer stored. */
  readonly missingPacks: number;
  /** Index objects that failed their check, left out of that count (backups refuse them: run `vault repair index` next). */
  readonly damagedIndexObjects: readonly string[];
};

/**
 * Replaces damaged objects of prune's state (docs/FORMAT.md §11, "A damaged prune state"), holding
 * the prune lease so that no prune runs meanwhile.
 *
 * A damaged batch's content is lost, but what it did can be made safe without it. A pending batch
 * only awaits its sweep: deleted unswept, its packs stay until the next prune condemns them again. A
 * tombstone keeps backups from deduplicating against packs its sweep deleted while an index object
 * may still list them: exactly the packs an index object lists that the store no longer holds. So
 * the damaged batches are replaced by one tombstone naming every such pack, written before they are deleted so that a writer always sees one or the other. It is
 * dated now with no grace: a backup running meanwhile that did not see it refuses to commit and is
 * run again, rather than commit blobs of a pack that may be gone. Prune removes it as it removes any
 * tombstone, once its keep has passed and no index object lists its packs.
 *
 * A damaged `prune/policy` is written anew with the default grace and the current time: a backup
 * running meanwhile then counts a prune as having started during it, which at worst refuses its commit.
 *
 * The tombstone is written whenever a batch is replaced, even naming no pack: the damaged batch, while it
 * lasted, also made a backup that had deduplicated against what its sweep deleted refuse to commit (the
 * sweep deletes the index objects first, so afterwards no index object may list those packs), and the
 * fresh tombstone does the same for every backup running now. An index object that cannot be read is
 * left out and reported: backups refuse to run while it is there, and `lifeboat vault repair index`, run
 * next, rebuilds the index from the stored packs (each repair used to refuse on the other's object).
 */
export async function repairPruneState(vault: Vault, options: RepairPruneStateOptions = {}): Promise<RepairPruneStateReport> {
  const now = options.now ?? Date.now;
  return withPruneLease(vault.store, vault.keys, { ...options.lease, now }, async (lease) => {
    const damaged = (await damagedPruneStateObjects(vault.store, vault.keys)).map((d) => d.key);
    const batches = damaged.filter((key) => key !== PRUNE_POLICY_KEY);
    let tombstone: string | null = null;
    let missingPacks = 0;
    const damagedIndexObjects: string[] = [];
    if (batches.length > 0) {
      const stored = await listStoredPacks(vault.store);
      const missing = new Set<string>();
      // A damaged index object is left out: backups refuse to run while it is there, and `vault repair index` rebuilds the
      // index from the packs that are stored, so a deleted pack it may list is listed by nothing afterwards.
      for (const object of await loadIndexObjects(vault, { onDamaged: (key) => damagedIndexObjects.push(key) })) {
        for (const pack of object.packs) if (!stored.ids.has(pack.packId)) missing.add(pack.packId);
      }
      missingPacks = missing.size;
      // Always a tombstone, even naming no pack: dated now with no grace, it makes a backup that was running when the
      // damaged batch's sweep deleted packs it deduplicated against refuse to commit (§11, "Why no running backup loses a
      // blob", case 1), which the damaged batch did and nothing else would do once it is gone (review 40e).
      const at = new Date(now()).toISOString();
      lease.assertHeld();
      tombstone = condemnedKey(
        await writeCondemnedBatch(vault.store, vault.keys, { v: 1, condemnedAt: at, graceMs: 0, packs: [...missing].sort().map((id) => ({ id, bytes: 0 })), indexes: [], manifests: [], sweptAt: at, keepMs: TOMBSTONE_MIN_KEEP_MS }),
      );
    }
    lease.assertHeld();
    if (damaged.includes(PRUNE_POLICY_KEY)) await writePrunePolicy(vault.store, vault.keys, { v: 1, graceMs: DEFAULT_PRUNE_GRACE_MS, updatedAt: new Date(now()).toISOString() });
    for (const key of batches) await vault.store.delete(key);
    return { damaged, tombstone, missingPacks, damagedIndexObjects: damagedIndexObjects.sort() };
  });
}
