import { VaultError } from '../vault-errors';

/**
 * A backup ran longer than prune's grace period and may not commit: a prune may have condemned
 * (and, once the grace passed, deleted) blobs it deduplicated against when it started, so its
 * snapshot could reference data that is gone (docs/FORMAT.md "Prune").
 */
export class BackupOutlivedGraceError extends VaultError {
  override name = 'BackupOutlivedGraceError';
  constructor(
    readonly location: string,
    readonly durationMs: number,
    readonly graceMs: number,
  ) {
    super(
      `${location}: this backup ran ${formatHours(durationMs)}, longer than the vault's prune grace of ${formatHours(graceMs)}, so it is not committed: blobs it reused may have been pruned meanwhile. Run the backup again (it reuses what it uploaded), or raise prune's grace (environment.prune.graceHours, lifeboat prune --grace) above the longest backup.`,
    );
  }
}

function formatHours(ms: number): string {
  return `${(ms / 3_600_000).toFixed(2)} h`;
}

/**
 * Prune found blobs the snapshots reference that no index object lists (index-coverage.ts): it
 * cannot tell which packs hold them, and the packs that do would look unlisted and be condemned.
 * Nothing is condemned or deleted. The way out is `vault repair index` (vault/repair/), a backup of
 * the sources, and forgetting the snapshots whose blobs are gone for good.
 */
export class IncompleteIndexError extends VaultError {
  override name = 'IncompleteIndexError';
  constructor(
    readonly location: string,
    readonly unindexedBlobs: number,
  ) {
    super(
      `${location}: ${unindexedBlobs} blob(s) that snapshots reference are listed by no index object (an index object is missing or damaged, or a repair left damaged blobs out), so prune cannot tell which packs hold them and deletes nothing. ` +
        'To go on: (1) run `lifeboat vault repair index` (add --read-data to also drop damaged blobs): it rebuilds the index from the packs themselves; ' +
        '(2) back up the affected sources again: a blob that is still in no index is stored anew where the source still has it; ' +
        '(3) run `lifeboat vault verify`: a snapshot that still references a blob no index lists stays damaged until it is forgotten (`lifeboat vault forget <id>`, or the retention of its backup); then prune again.',
    );
  }
}