/**
 * Who names the backups of lost snapshot objects whose mapping to backups a scrub's deadline cut. Copied in (its manifest
 * unreadable in both vaults), such an object is no longer missing, so no comparison finds it again, but the next scrub of
 * the vault it was copied into checks it again (copied-in-recheck.ts) and, its mapping not cut, names them (review r57M);
 * one whose record no vault reads has no backup a scrub can name. Either way the catalog names them now (review r57C).
 * The run's VaultDamageError (scrub-runbook.ts) says it; until review r57I F1 it sent the user to a scrub for them too,
 * and until review r57M said no later scrub names any of them. `lifeboat status` said it as well until review r58F F1:
 * it now names those backups itself from the records it reads (plan-status.ts, backupsOfLostSnapshots).
 * `named`: the snapshot ids to name; `count`: how many there are.
 */
export function lostSnapshotsInCatalog(named: readonly string[], count: number = named.length): string {
  const more = count > named.length ? ` and ${count - named.length} more` : '';
  return `those of the snapshot object(s) are named by the next scrub of their vault if a scrub copied them in and its time allows, else by no scrub: find them now in the catalog, the backup(s) whose sources list snapshot(s) ${named.join(', ')}${more}`;
}
