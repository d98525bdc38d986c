import { type BackupCatalog } from '../catalog/backup-catalog';
import { InvalidInputError } from '../runtime/errors';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { newBackupId } from './backup-id';
import { ARCHIVE_BACKUP_LEASE_SECONDS, BACKUP_LEASE_SECONDS, backupLeaseSeconds } from '../../config/backup-lease';

/** The lease's length lives in config/ (the constructs read it too); re-exported where the lease is taken. */
export { ARCHIVE_BACKUP_LEASE_SECONDS, BACKUP_LEASE_SECONDS, backupLeaseSeconds };

export type BackupRequest = { plan: string; strategy?: 'full' | 'incremental' | 'differential'; trigger?: string };

export type HeldLease = { backupId: string; plan: string };

/**
 * First step of a backup: names the run (its backup id) and takes the plan's lease for it, so two
 * runs of one plan never overlap. The second run fails with BackupInProgressError naming the holder.
 * `execution`: the run's execution ARN, kept on the lease for release-failed-backup and so that a
 * retried invocation of this step (its first response lost) continues under the first one's backup id.
 */
export async function acquireBackupLease(
  request: BackupRequest,
  deps: { catalog: BackupCatalog; plans: readonly ProtectionPlanConfig[]; now?: () => Date; execution?: string },
): Promise<HeldLease> {
  if (!deps.plans.some((p) => p.name === request.plan)) {
    throw new InvalidInputError(`Unknown plan "${request.plan}"; this environment's plans are: ${deps.plans.map((p) => p.name).join(', ')}.`);
  }
  const now = (deps.now ?? (() => new Date()))();
  // A retried task of the same execution gets the backup id its first invocation took the lease for (acquireLock).
  const backupId = await deps.catalog.acquireLock(request.plan, newBackupId(now), now, backupLeaseSeconds(deps.plans), deps.execution);
  return { backupId, plan: request.plan };
}

/** Last step on every path: gives the lease back if this run still holds it. */
export async function releaseBackupLease(lease: HeldLease | undefined, deps: { catalog: BackupCatalog }): Promise<{ released: boolean }> {
  if (!lease) return { released: false };
  return { released: await deps.catalog.releaseLock(lease.plan, lease.backupId) };
}
