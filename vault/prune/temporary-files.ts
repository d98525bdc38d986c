import { type VaultStore } from '../backend/vault-store';
import { removeTemporaryFileOlderThan, temporaryFiles } from '../backend/file/local-objects';

/**
 * The least age of a `.tmp-*` file that `vault prune` (or `vault forget --prune`) removes, whatever
 * its grace. A writer's temporary file lives from its first byte to its rename: for a pack, as long as
 * the pack takes to fill (16 MiB of a backup's new data) and each write moves its mtime on. A prune's grace (25 h by default) is far
 * above that; `--grace 0` says "no backup is running", which a prune cannot check, so an hour without a
 * write still stands between a live writer and the unlink. Were a file of a stalled writer removed
 * anyway, that writer fails at its rename (the name is gone): a failed backup, never a damaged vault.
 */
export const TEMP_FILE_MIN_AGE_MS = 60 * 60 * 1000;

export type TemporaryFilesReport = {
  /** `.tmp-*` files removed (or, in a dry run, that would be). */
  files: number;
  bytes: number;
  /** Files left because they are younger than `olderThanMs`: a writer may still own them. */
  kept: number;
  /** The age a file had to reach to be removed: max(grace, TEMP_FILE_MIN_AGE_MS). */
  olderThanMs: number;
};

/**
 * Removes the `.tmp-*` files a killed writer left in a vault directory (FileVaultStore writes every
 * object to one and renames it into place; a crash leaves it behind, and `list` never shows it, so
 * nothing else ever reclaims it). Only files whose last write is older than the grace (at least
 * TEMP_FILE_MIN_AGE_MS) go. A store without files (S3, memory) has none: an empty report.
 */
export async function reclaimTemporaryFiles(store: VaultStore, options: { readonly graceMs: number; readonly now?: () => number; readonly dryRun?: boolean }): Promise<TemporaryFilesReport> {
  const olderThanMs = Math.max(options.graceMs, TEMP_FILE_MIN_AGE_MS);
  const cutoff = (options.now ?? Date.now)() - olderThanMs;
  const report: TemporaryFilesReport = { files: 0, bytes: 0, kept: 0, olderThanMs };
  for await (const t of temporaryFiles(store)) {
    if (t.modifiedMs >= cutoff) {
      report.kept++;
      continue;
    }
    const removed = options.dryRun ? t.bytes : await removeTemporaryFileOlderThan(store, t.key, cutoff);
    if (removed === null) {
      // Written to (or renamed away) since the walk saw it.
      report.kept++;
      continue;
    }
    report.files++;
    report.bytes += removed;
  }
  return report;
}
