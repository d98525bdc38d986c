import { type BackupCatalog } from '../catalog/backup-catalog';

/**
 * The snapshot ids of the backups of `plans` that a region's catalog marks `forgottenAt`: the ones its
 * vault's retention forgot (docs/ARCHITECTURE.md, "Retention"). Replication and scrub leave them out
 * of that vault while the other vault keeps them. Every plan: packs, and copies, cross plans.
 */
export async function forgottenSnapshotsOf(catalog: Pick<BackupCatalog, 'listBackupsOfPlan'>, plans: Iterable<string>): Promise<Set<string>> {
  const forgotten = new Set<string>();
  for (const plan of new Set(plans)) for (const record of await catalog.listBackupsOfPlan(plan)) if (record.forgottenAt !== undefined) for (const source of record.sources) forgotten.add(source.snapshotId);
  return forgotten;
}
