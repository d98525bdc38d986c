/**
 * Who names the backups of lost snapshot objects whose mapping to backups a scrub's deadline cut: no scrub. Copied in
 * (its manifest unreadable in both vaults) such an object is no longer missing, so no scrub finds it again, and one whose
 * record no vault reads has no backup a scrub can name: its backups are found in the catalog (review r57C). One wording
 * for the run's VaultDamageError (scrub-runbook.ts) and `lifeboat status` (status-screen.ts), which until review r57I F1
 * sent the user to a scrub for them too. `named`: the snapshot ids to name; `count`: how many there are.
 */
export function lostSnapshotsInCatalog(named: readonly string[], count: number = named.length): string {
  const more = count > named.length ? ` and ${count - named.length} more` : '';
  return `no later scrub names those of the snapshot object(s): find in the catalog the backup(s) whose sources list snapshot(s) ${named.join(', ')}${more}`;
}
