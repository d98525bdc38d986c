/**
 * How long a backup run may hold its plan's lease, and so how long it may run: what the backup
 * workflow's timeout allows. The lease itself is taken by lambdas/backup/backup-lease.ts; the
 * constructs read the same figures (a prune grace below them is worth a synth warning).
 */

/** A lease outlives the longest backup the state machine allows (24 h), so it never expires under a live run. */
export const BACKUP_LEASE_SECONDS = 24 * 60 * 60 + 15 * 60;
/**
 * The same when some plan has an archive tier: the backup workflow then allows 72 hours (ARCHIVE_RESTORE_TIMEOUT), since
 * its replication may wait for thaws of archived primary packs (Deep Archive, Bulk: up to 48 hours).
 */
export const ARCHIVE_BACKUP_LEASE_SECONDS = 72 * 60 * 60 + 15 * 60;

/** The lease of a backup run: as long as the workflow may run, which the plans' archive tiers decide. */
export function backupLeaseSeconds(plans: readonly { readonly storage?: { readonly archive?: unknown } | undefined }[]): number {
  return plans.some((p) => p.storage?.archive !== undefined) ? ARCHIVE_BACKUP_LEASE_SECONDS : BACKUP_LEASE_SECONDS;
}
