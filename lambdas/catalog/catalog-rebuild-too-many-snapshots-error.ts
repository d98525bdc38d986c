import { partialCatalogAdvice } from './catalog-rebuild-incomplete-error';
import { catalogRebuildMemoryFor } from './catalog-rebuild-memory';

/**
 * The vault holds more snapshot objects than the rebuild's function can hold in memory (catalog-rebuild-memory.ts):
 * thrown once they are listed, before any is read, so the function fails with this message instead of being killed out
 * of memory with none (review rD F3). Not transient: every round lists the same vault. A first round throws it before
 * writing anything, its marker included, so its advice cannot be nothingWrittenAdvice's (which says the marker is there).
 */
export class CatalogRebuildTooManySnapshotsError extends Error {
  override readonly name = 'CatalogRebuildTooManySnapshotsError';

  constructor(
    /** Snapshot objects the vault's listing holds. */
    readonly listed: number,
    /** The most the function's memory holds (catalogRebuildSnapshotLimit). */
    readonly limit: number,
    readonly memoryMb: number,
    /** The command that rebuilds the catalog from a machine, with no memory bound (catalog-rebuild-command-line.ts). */
    readonly finishWith: string | undefined,
    /** Where an earlier round of this run stopped (its marker stands there), when this is not the first round. */
    earlierMark?: string,
  ) {
    const command = finishWith ?? 'lifeboat catalog rebuild --vault <primary|dr> --env <environment>';
    const memory = catalogRebuildMemoryFor(listed);
    super(
      `the vault holds ${count(listed)} snapshot objects, more than the ${count(limit)} a catalog-rebuild function of ${memoryMb} MB holds while it rebuilds ` +
        '(every snapshot is held until the records are written, ~3 KB each, within three quarters of the memory): this round read and wrote nothing. ' +
        `Give the function more memory (the environment's "functionMemory": { "rebuild-catalog": ${memory} }, or LifeboatProtection's functionMemory prop; ` +
        'Lambda allows up to 10,240 MB) and run the runbook again, or rebuild from a machine. ' +
        (earlierMark !== undefined ? partialCatalogAdvice(command, earlierMark) : notStartedAdvice(command)),
    );
  }
}

/**
 * nothingWrittenAdvice (catalog-rebuild-incomplete-error.ts) but for a rebuild that stopped before its marker: the same
 * restores are affected, and none of them is refused, so each may silently choose an older record the table holds.
 */
function notStartedAdvice(command: string): string {
  return (
    'The catalog has none of the vault\'s backups written by this rebuild, so every restore by point in time, the latest backup and failover are affected, ' +
    'and the rebuild stopped before writing its marker, so they are not refused: a restore by point in time, a failover and a drill that pick the newest backup ' +
    'may choose an older record the table still holds; restore by backup id meanwhile. ' +
    `Finish it from a machine, which has no time limit and is not held to this bound (it needs ~3 KB a snapshot), and creates only the records the catalog lacks (writing the index items of those it holds again): ${command}`
  );
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
