import { VaultCorruptionError, VaultObjectNotFoundError } from '../vault-errors';

/**
 * Whether an error reading the parent snapshot (its object, manifest root, a node or a page) means
 * the parent cannot be used: damaged, or gone (a prune removed it while the backup ran). The parent
 * only spares reading unchanged files, so a backup then goes on without it (docs/FORMAT.md §10).
 */
export function isUnreadableParent(err: unknown): err is VaultCorruptionError | VaultObjectNotFoundError {
  return err instanceof VaultCorruptionError || err instanceof VaultObjectNotFoundError;
}

/** The warning a backup that dropped its parent gives: which object, and that every file is read. */
export function unreadableParentWarning(parentId: string, err: VaultCorruptionError | VaultObjectNotFoundError): string {
  const what = err instanceof VaultCorruptionError ? `is damaged (${err.key}: ${err.detail})` : `cannot be read (${err.key} does not exist)`;
  return `the parent snapshot ${parentId} ${what}: this backup reads every entry's content instead of reusing unchanged ones from it; run \`lifeboat vault verify\` to see what else is damaged`;
}
