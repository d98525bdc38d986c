/**
 * The catalog-rebuild runbook ran out of rounds (or a round made no progress: the vault's scan alone took its time)
 * before every backup was looked at. What it wrote stays, newest backups first, so the catalog lacks the oldest.
 */
export class CatalogRebuildIncompleteError extends Error {
  override readonly name = 'CatalogRebuildIncompleteError';
}

/** What a partial catalog means and how to finish it: shared by the runbook's error and the CLI's report of a failed execution. */
export function partialCatalogAdvice(command: string): string {
  return (
    'the catalog is partial: the rebuild writes the newest backups first, so what is missing is the oldest (a restore by point in time or ' +
    `of the latest backup already finds the newest). Finish it from a machine, which has no time limit and skips what is written: ${command}`
  );
}
