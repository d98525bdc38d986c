import { type VaultStore } from '../backend/vault-store';
import { type VaultKeys } from '../crypto/vault-keys';
import { DamagedPruneStateError } from '../prune/prune-errors';
import { isTombstone, loadCondemnedBatches } from '../prune/prune-state';
import { condemnedKey, indexKey } from '../repository/vault-layout';

/**
 * The damaged index objects `vault repair index` replaced and Object Lock kept, by key, each with the
 * key of the tombstone that names it (supersededIndexKeysOf). Empty when a batch or tombstone cannot be
 * read: verify reports that object on its own, and the index objects' problems keep their plain message.
 */
export async function supersedingTombstones(store: VaultStore, keys: VaultKeys): Promise<Map<string, string>> {
  const by = new Map<string, string>();
  try {
    for (const b of await loadCondemnedBatches(store, keys)) if (isTombstone(b)) for (const id of b.indexes) by.set(indexKey(id), condemnedKey(b.id));
  } catch (err) {
    if (!(err instanceof DamagedPruneStateError)) throw err;
  }
  return by;
}

/**
 * What verify says of such an object: harmless, rather than the advice to copy a damaged object again,
 * since no backup or prune reads it and the repair indexed again everything it listed.
 */
export function supersededIndexMessage(problem: string, tombstone: string): string {
  return `${problem}; superseded by \`vault repair index\` (its tombstone ${tombstone} names it) and harmless: the repair indexed its packs again, backups and prune skip it, and Object Lock keeps it until its retention passes, after which the next \`vault prune\` deletes it`;
}
