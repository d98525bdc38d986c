import { type BackupCatalog } from '../catalog/backup-catalog';
import { InvalidInputError } from '../runtime/errors';
import { type CopyManifest, PlainCopyStore, shardListingSchema } from '../snapshot/plain-copy-store';
import { backupPlanDocumentSchema } from './backup-plan-document';

export type CommitBackupDeps = { store: PlainCopyStore; catalog: BackupCatalog; now?: () => Date };

export type CommitBackupInput = { backupId: string; planKey: string };

export type CommittedBackup = { backupId: string; status: 'COMMITTED'; entries: number; bytesScanned: number; bytesNew: number; manifestKey: string };

/** Commit protocol: every shard listing present → manifest → catalog COMMITTED (last, so a crash before it leaves nothing visible). */
export async function commitBackup(input: CommitBackupInput, deps: CommitBackupDeps): Promise<CommittedBackup> {
  const plan = await deps.store.getJson(input.planKey, backupPlanDocumentSchema);
  if (plan.backupId !== input.backupId) throw new InvalidInputError(`Plan ${input.planKey} belongs to backup ${plan.backupId}, not ${input.backupId}.`);
  const manifest: CopyManifest = {
    backupId: plan.backupId,
    plan: plan.plan,
    committedAt: (deps.now ?? (() => new Date()))().toISOString(),
    shardCount: plan.shards.length,
    entries: [],
    stats: { entries: 0, bytesScanned: 0, bytesNew: 0 },
  };
  for (const shard of plan.shards) {
    const listing = await deps.store.getJson(PlainCopyStore.listingKey(plan.backupId, shard.index), shardListingSchema);
    manifest.entries.push(...listing.entries);
    manifest.stats.bytesScanned += listing.bytesScanned;
    manifest.stats.bytesNew += listing.bytesNew;
  }
  manifest.stats.entries = manifest.entries.length;
  const manifestKey = PlainCopyStore.manifestKey(plan.backupId);
  await deps.store.putJson(manifestKey, manifest);
  await deps.catalog.markCommitted(plan.backupId, manifest.stats, manifest.committedAt);
  return { backupId: plan.backupId, status: 'COMMITTED', ...manifest.stats, manifestKey };
}
