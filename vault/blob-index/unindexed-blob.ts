import { type VaultIndex } from './vault-index';

/**
 * What is wrong with a blob a manifest references that the loaded index does not list, and what to
 * do (unindexedBlobNote).
 */
export function unindexedBlobDetail(index: VaultIndex): string {
  return `it is referenced by the manifest but is in no index${unindexedBlobNote(index)}`;
}

/**
 * When the load skipped damaged index objects (Vault.index(), a reader's load), a blob the index lacks
 * may be listed in one of them: they are named with the repair, which needs write access to the vault;
 * a read-only restore can use the other vault (primary or DR) instead, whose copy is likely intact.
 * Empty when no index object was skipped.
 */
export function unindexedBlobNote(index: VaultIndex): string {
  const damaged = index.damagedObjects;
  if (damaged.length === 0) return '';
  return (
    `; ${damaged.length} index object(s) are damaged and were skipped (${damaged.join(', ')}), and may list it: ` +
    'run `lifeboat vault repair index` (it needs write access to the vault; an environment\'s vault: its repair-index runbook, `lifeboat repair-index --env <env> --vault <primary|dr>`), or restore from the other vault (primary or DR)'
  );
}
