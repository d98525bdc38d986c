/**
 * The catalog-rebuild runbook ran out of rounds (or a round made no progress: the vault's scan alone took its time)
 * before every backup was looked at. What it wrote stays, newest backups first, so the catalog lacks the oldest.
 */
export class CatalogRebuildIncompleteError extends Error {
  override readonly name = 'CatalogRebuildIncompleteError';
}

/**
 * What a partial catalog means and how to finish it: shared by the runbook's error and the CLI's reports of a cut rebuild.
 * `gapBelow`: the start of the oldest backup the rebuild wrote (its `resumeBelow`), when known. A restore by point in time
 * before it is what goes wrong: with records left in the table (a restored or older copy) it would choose an older
 * backup, with none it would say no backup exists (review rH F2: the advice said only that the oldest were missing); the
 * rebuild's marker (catalog-rebuild-marker.ts) makes such a restore refuse instead.
 * The machine run has no resume mark: it creates what the catalog lacks and writes again the index items of what it holds.
 */
export function partialCatalogAdvice(command: string, gapBelow?: string): string {
  const below = gapBelow ?? 'the oldest backup it wrote';
  return (
    `the catalog is partial: the rebuild writes the newest backups first, so what is missing is the oldest, those that started before ${below}. ` +
    `Restores by point in time before ${below} are unreliable until the rebuild is finished, and refused meanwhile (PointInTimeInRebuildGapError: ` +
    'the catalog holds the rebuild\'s marker until it is finished; a restore by backup id is not refused), and so are a failover and a drill that pick the newest backup ' +
    'when the catalog\'s newest is older than that (a round cut before its first write leaves nothing written); later points in time already find their backup. ' +
    'Finish it from a machine, which has no time limit and creates ' +
    `only the records the catalog lacks (writing the index items of those it holds again): ${command}`
  );
}

/**
 * What a rebuild that wrote nothing means (its first round had no time left after the vault's scan): none of the vault's
 * backups is in the catalog by this rebuild, so the newest are missing too, not only the oldest (review rL R3: the advice
 * said later points in time, the latest backup and failover already found the newest). Its marker stands at the vault's
 * newest backup, so each of them is refused rather than given an older record the table may hold.
 */
export function nothingWrittenAdvice(command: string): string {
  return (
    'the catalog has none of the vault\'s backups written by this rebuild, so every restore by point in time, the latest backup and failover are affected: ' +
    'until the rebuild is finished a restore by point in time is refused (PointInTimeInRebuildGapError: the catalog holds the rebuild\'s marker, at the vault\'s newest backup), ' +
    'and so are a failover and a drill that pick the newest backup; a restore by backup id finds only the records the catalog held before. ' +
    `Finish it from a machine, which has no time limit and creates only the records the catalog lacks (writing the index items of those it holds again): ${command}`
  );
}
