/**
 * Every Lifeboat function's handler (lambdas/handlers/<name>.ts): the names an environment's
 * `functionMemory` and LifeboatMemorySizes accept. A test keeps it equal to the folder.
 */
export const LIFEBOAT_HANDLERS = [
  'abandon-restore', 'backup-lock', 'commit-backup', 'drill-cleanup', 'drill-compare', 'drill-record', 'drill-start', 'failover-report',
  'failover-start', 'file-mirror-sample', 'forget-backups', 'mirror-check', 'plan-backup', 'plan-restore', 'prune-vault', 'rebuild-catalog',
  'record-backup-failure', 'release-failed-backup', 'repair-index', 'replicate-backup', 'request-approval', 'resolve-restore', 'restore-shard', 'scrub-vaults',
  'snapshot-shard', 'source-replication', 'stack-key-arn', 'thaw-restore', 'verify-restore', 'watch-backup-age',
] as const;

/** Lambda's range of memory sizes, in whole MB. */
export const LAMBDA_MEMORY_MB = { min: 128, max: 10_240 } as const;

/** Why a function-memory setting is refused (an unknown function, a size Lambda does not take), or undefined. */
export function functionMemoryIssue(name: string, size: number): string | undefined {
  if (!(LIFEBOAT_HANDLERS as readonly string[]).includes(name)) return `"${name}" is no Lifeboat function; the functions are ${LIFEBOAT_HANDLERS.join(', ')}`;
  if (!Number.isInteger(size) || size < LAMBDA_MEMORY_MB.min || size > LAMBDA_MEMORY_MB.max) return `${name}: ${size} is not a Lambda memory size (whole MB from ${LAMBDA_MEMORY_MB.min} to ${LAMBDA_MEMORY_MB.max})`;
  return undefined;
}
