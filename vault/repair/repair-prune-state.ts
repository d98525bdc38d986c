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
  /** The tombstone written in place of the damaged batches (null: none was needed, or none was damaged). */
  readonly tombstone: string | null;
  /** The packs it names: listed by an index object but no longer stored. */
  readonly missingPacks: number;
};

/**
 * Replaces damaged objects of prune's state (docs/FORMAT.md §11, "A damaged prune state"), holding
 * the prune lease so that no prune runs meanwhile.
 *
 * A damaged batch's content is lost, but what it did can be made safe without it. A pending batch
 * only awaits its sweep: deleted unswept, its packs stay until the next prune condemns them again. A
 * tombstone keeps backups from deduplicating against packs its sweep deleted while an index object
 * may still list them: exactly the packs an index object lists that the store no longer holds. So
 * the damaged batches are replaced by one tombstone naming every such pack (none needed when there
 * are none), written before they are deleted so that a writer always sees one or the other. It is
 * dated now with no grace: a backup running meanwhile that did not see it refuses to commit and is
 * run again, rather than commit blobs of a pack that may be gone. Prune removes it as it removes any
 * tombstone, once its keep has passed and no index object lists its packs.
 *
 * A damaged `prune/policy` is written anew with the default grace and the current time: a backup
 * running meanwhile then counts a prune as having started during it, which at worst refuses its commit.
 *
 * Index objects are read strictly: one that cannot be read may list a deleted pack, so the repair
 * stops (run `lifeboat vault repair index` first).
 */
export async function repairPruneState(vault: Vault, options: RepairPruneStateOptions = {}): Promise<RepairPruneStateReport> {
  const now = options.now ?? Date.now;
  return withPruneLease(vault.store, vault.keys, { ...options.lease, now }, async (lease) => {
    const damaged = (await damagedPruneStateObjects(vault.store, vault.keys)).map((d) => d.key);
    const batches = damaged.filter((key) => key !== PRUNE_POLICY_KEY);
    let tombstone: string | null = null;
    let missingPacks = 0;
    if (batches.length > 0) {
      const stored = await listStoredPacks(vault.store);
      const missing = new Set<string>();
      for (const object of await loadIndexObjects(vault)) for (const pack of object.packs) if (!stored.ids.has(pack.packId)) missing.add(pack.packId);
      missingPacks = missing.size;
      if (missing.size > 0) {
        const at = new Date(now()).toISOString();
        lease.assertHeld();
        tombstone = condemnedKey(
          await writeCondemnedBatch(vault.store, vault.keys, { v: 1, condemnedAt: at, graceMs: 0, packs: [...missing].sort().map((id) => ({ id, bytes: 0 })), indexes: [], manifests: [], sweptAt: at, keepMs: TOMBSTONE_MIN_KEEP_MS }),
        );
      }
    }
    lease.assertHeld();
    if (damaged.includes(PRUNE_POLICY_KEY)) await writePrunePolicy(vault.store, vault.keys, { v: 1, graceMs: DEFAULT_PRUNE_GRACE_MS, updatedAt: new Date(now()).toISOString() });
    for (const key of batches) await vault.store.delete(key);
    return { damaged, tombstone, missingPacks };
  });
}
