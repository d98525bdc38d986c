/**
 * A round of the catalog-rebuild runbook stopped its scan of the vault's snapshot objects because the scan had used its
 * share of the round's time (catalog-rebuild.ts, SCAN_SHARE): every round scans the whole vault again, so no round of
 * the runbook could scan it and still write, and the rounds would fail one after the other having written nothing.
 * Thrown before the round writes anything: the catalog is as the earlier rounds left it.
 */
export class CatalogRebuildScanTooSlowError extends Error {
  override readonly name = 'CatalogRebuildScanTooSlowError';

  constructor(
    /** Snapshot objects read when the scan stopped. */
    readonly read: number,
    /** Snapshot objects the vault's listing holds. */
    readonly listed: number,
    readonly elapsedMs: number,
    /** The round's time the scan was allowed (its share of what was left when it started). */
    readonly allowedMs: number,
    /** The command that rebuilds the catalog from a machine, with no time limit (catalog-rebuild-command-line.ts). */
    readonly finishWith: string | undefined,
  ) {
    super(
      `the vault's scan read ${read} of its ${listed} snapshot objects in ${seconds(elapsedMs)} s, the ${seconds(allowedMs)} s a round of the runbook gives it ` +
        `(half its time, the rest for writing), and every round scans the whole vault again: the vault holds too many snapshots for the runbook's Lambda. ` +
        `Rebuild it from a machine, which has no time limit: ${finishWith ?? 'lifeboat catalog rebuild --vault <primary|dr> --env <environment>'}`,
    );
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
