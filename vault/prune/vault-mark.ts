import { loadPage } from '../manifest/manifest-pages';
import { loadManifestRoot } from '../manifest/manifest-reader';
import { type Vault } from '../repository/vault';
import { VaultError } from '../vault-errors';

/** What the remaining snapshots reference: their manifest objects (roots and pages) and blob ids (hex). */
export type VaultMark = {
  readonly snapshots: number;
  readonly manifests: ReadonlySet<string>;
  readonly blobs: ReadonlySet<string>;
};

/**
 * Marks from every `snapshots/*` object. An unreadable snapshot object stops the prune: what it
 * references cannot be known, and deleting it would be a guess (verify names it; repair first).
 */
export async function markVault(vault: Vault): Promise<VaultMark> {
  const { snapshots, unreadable } = await vault.scanSnapshots();
  const gone = unreadable.filter((u) => !u.reason.startsWith('it was deleted'));
  if (gone.length > 0) {
    throw new VaultError(`${vault.location}: prune stops: ${gone.map((u) => `${u.key} cannot be read (${u.reason})`).join('; ')}; what it references is unknown. Run \`lifeboat vault verify\` and repair or delete it first.`);
  }
  const manifests = new Set<string>();
  const blobs = new Set<string>();
  for (const snapshot of snapshots) {
    if (manifests.has(snapshot.manifest)) continue;
    manifests.add(snapshot.manifest);
    const root = await loadManifestRoot(vault.store, vault.keys, snapshot.manifest);
    for (const ref of root.pages) {
      if (manifests.has(ref.id)) continue;
      manifests.add(ref.id);
      for (const entry of await loadPage(vault.store, vault.keys, ref)) for (const id of entry.content) blobs.add(id);
    }
  }
  return { snapshots: snapshots.length, manifests, blobs };
}
