import { type VaultStore } from '../backend/vault-store';
import { type VaultKeys } from '../crypto/vault-keys';
import { DamagedPruneStateError } from '../prune/prune-errors';
import { isTombstone, loadCondemnedBatches } from '../prune/prune-state';
import { condemnedKey, indexKey, packKey } from '../repository/vault-layout';

/**
 * What the vault's tombstones (docs/FORMAT.md §11) name, each object by key with the key of the tombstone
 * that names it: `indexes`, the damaged index objects `vault repair index` replaced and Object Lock kept
 * (supersededIndexKeysOf); `packs`, the packs a repair left out (or a prune's sweep deleted) that kept
 * index objects may still list, and which every writer's load leaves out (condemnedPacksOf). Both empty
 * when a batch or tombstone cannot be read: verify reports that object on its own, and the others'
 * problems keep their plain message; a scrub then reports what it finds damaged as before.
 */
export type SupersedingTombstones = { readonly indexes: ReadonlyMap<string, string>; readonly packs: ReadonlyMap<string, string> };

export async function supersedingTombstones(store: VaultStore, keys: VaultKeys): Promise<SupersedingTombstones> {
  const indexes = new Map<string, string>();
  const packs = new Map<string, string>();
  try {
    for (const b of await loadCondemnedBatches(store, keys)) {
      if (!isTombstone(b)) continue;
      for (const id of b.indexes) indexes.set(indexKey(id), condemnedKey(b.id));
      for (const p of b.packs) packs.set(packKey(p.id), condemnedKey(b.id));
    }
  } catch (err) {
    if (!(err instanceof DamagedPruneStateError)) throw err;
  }
  return { indexes, packs };
}

/**
 * What verify says of such an index object: harmless, rather than the advice to copy a damaged object
 * again, since no backup or prune reads it and the repair indexed again everything it listed.
 */
export function supersededIndexMessage(problem: string, tombstone: string): string {
  return `${problem}; superseded by \`vault repair index\` (its tombstone ${tombstone} names it) and harmless: the repair indexed its packs again, backups and prune skip it, and Object Lock keeps it until its retention passes, after which the next \`vault prune\` deletes it`;
}

/**
 * What verify says of a missing pack a tombstone names that no snapshot needs: only index objects
 * Object Lock kept still list it, and no load uses their records of it.
 */
export function tombstonedPackMessage(problem: string, tombstone: string): string {
  return `${problem}; left out on purpose (the tombstone ${tombstone} names it: \`vault repair index\` left it out, or a prune's sweep deleted it) and harmless: only index objects Object Lock keeps still list it, backups store its blobs again, and no snapshot needs a blob only it held; the tombstone goes once those index objects are deleted after their retention`;
}

/** What verify says of a missing pack a tombstone names when some snapshot needs a blob only it held: a real loss, reported on the snapshots. */
export function tombstonedPackNeededMessage(problem: string, tombstone: string): string {
  return `${problem}; the tombstone ${tombstone} names it (\`vault repair index\` left it out, or a prune's sweep deleted it), but snapshots reference blobs only it held: see their problems; back up the source again (the same content heals them) or forget them`;
}
