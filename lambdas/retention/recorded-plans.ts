import { type BackupCatalog } from '../catalog/backup-catalog';
import { classifyError, TransientError } from '../runtime/errors';
import { type VaultSide } from '../runtime/runtime-config';
import { RecordedPlansUnreadError, type RecordedPlansReader } from './recorded-plans-unread-error';

/**
 * The plans a prune of `side`'s vault reads in its region's catalog: the `configured` plans and every plan the catalog
 * holds backup records of (BackupCatalog.recordedPlanNames), since a plan removed from the config, or renamed there,
 * keeps its committed backups (review r59M F3). Both of the prune's reads of the catalog take this one set: the check of
 * the vault's snapshots (recorded-snapshots.ts) and, for a vault that does not exist, the newest backup stored there
 * (absent-vault.ts: an emptied vault whose backups all belong to a removed plan is no fresh one, f60I).
 *
 * A catalog whose plans cannot be listed stops the prune (RecordedPlansUnreadError): the configured plans alone would
 * pass over exactly the backups the list is read for. A transient failure (throttling, a 5xx, the network) keeps its own
 * error, which the workflow retries as it does every other read of the catalog.
 */
export async function prunedPlans(side: VaultSide, catalog: Pick<BackupCatalog, 'recordedPlanNames'>, configured: Iterable<string>): Promise<string[]> {
  return plansHeld('prune', side, catalog, configured);
}

/**
 * The plans whose forgotten backups a scrub of `side`'s vault reads in its region's catalog, the same set as the prune's:
 * a removed plan's backup forgotten by `lifeboat backups forget --plan` is no missing snapshot, and copying it back from
 * the other vault would restore data no prune reclaims (review r60F F1). A catalog whose plans cannot be listed stops
 * the scrub before it repairs anything, as it stops the prune.
 */
export async function scrubbedPlans(side: VaultSide, catalog: Pick<BackupCatalog, 'recordedPlanNames'>, configured: Iterable<string>): Promise<string[]> {
  return plansHeld('scrub', side, catalog, configured);
}

async function plansHeld(reader: RecordedPlansReader, side: VaultSide, catalog: Pick<BackupCatalog, 'recordedPlanNames'>, configured: Iterable<string>): Promise<string[]> {
  try {
    return [...new Set([...configured, ...(await catalog.recordedPlanNames())])];
  } catch (err) {
    if (classifyError(err) instanceof TransientError) throw err;
    throw new RecordedPlansUnreadError(side, err, reader);
  }
}
