import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { type IConstruct } from 'constructs';

/**
 * Every default of the construct library, in one place. Props document them with `@default` and
 * point here; the plan-level defaults (maxConcurrency 8, an S3 source's prefix '', the EFS mountPath
 * /mnt/lifeboat) are the zod schema's (config/lifeboat-config.ts), shared with lifeboat.config.json.
 */

/** Suffix of the DR stack a LifeboatProtection creates next to its own stack when no `drStack` is given. */
export const DEFAULT_DR_STACK_SUFFIX = '-LifeboatDR';

/** How long the workflows' and the functions' logs are kept. */
export const LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/** Upper bound of one backup or restore execution (Step Functions fails it after this). */
export const WORKFLOW_TIMEOUT = Duration.hours(24);
/**
 * The restore runbook's timeout when some plan has an archive tier: a thaw alone may take 48 hours (Deep Archive, Bulk),
 * then the restore runs as usual. The backup workflow's too, whose replication may wait for thaws of the primary's packs
 * (its lease follows: ARCHIVE_BACKUP_LEASE_SECONDS in config/backup-lease.ts).
 */
export const ARCHIVE_RESTORE_TIMEOUT = Duration.hours(72);

/** How long an overwritten or deleted vault object version is kept (the safety net behind versioning). */
export const VAULT_NONCURRENT_VERSION_DAYS = 30;

/** Memory and time limit of a function whose handler has no entry in FUNCTION_SIZING. */
export const DEFAULT_FUNCTION_SIZING = { memorySize: 1024, timeout: Duration.minutes(15) } as const;

/**
 * Memory (MiB; Lambda's CPU share grows with it) and time limit of each Lifeboat function, by handler.
 * The shards stream whole objects and run the codec, so they get the most memory and Lambda's 15-minute
 * maximum; the lock and failure steps only touch one catalog item. Each size is at least twice the
 * function's measured peak (`LIFEBOAT_BENCH_SECTIONS=lambda-memory npm run bench`, and the plan-scale
 * section at scale), or more where its per-byte work needs the CPU: docs/SCALE.md, "Memory sizes of the functions".
 */
export const FUNCTION_SIZING: Readonly<Record<string, { readonly memorySize: number; readonly timeout: Duration }>> = {
  'backup-lock': { memorySize: 256, timeout: Duration.minutes(1) },
  'record-backup-failure': { memorySize: 256, timeout: Duration.minutes(1) },
  'plan-backup': { memorySize: 512, timeout: Duration.minutes(15) },
  'snapshot-shard': { memorySize: 2048, timeout: Duration.minutes(15) },
  'commit-backup': { memorySize: 1024, timeout: Duration.minutes(15) },
  'replicate-backup': { memorySize: 1024, timeout: Duration.minutes(15) },
  'resolve-restore': { memorySize: 512, timeout: Duration.minutes(2) },
  'plan-restore': { memorySize: 1024, timeout: Duration.minutes(15) },
  'restore-shard': { memorySize: 2048, timeout: Duration.minutes(15) },
  'verify-restore': { memorySize: 2048, timeout: Duration.minutes(15) },
  // A failed restore's abandon step: reads the plan (up to 10,000 shards, a few MB), aborts an upload or removes a piece file per entry restored in pieces.
  'abandon-restore': { memorySize: 512, timeout: Duration.minutes(5) },
  // Reads every snapshot object of a vault and holds them all (~3 KB each: ~490,000 at 2,048 MB, catalog-rebuild-memory.ts), then writes
  // a few catalog items per backup, in rounds of one invocation (catalog-rebuild-workflow.ts); run rarely, so the room and CPU cost little.
  'rebuild-catalog': { memorySize: 2048, timeout: Duration.minutes(15) },
  // Reads and decrypts a slice of both vaults' packs (~16 MiB each, 3 at a time per vault) in one invocation (scrub-workflow.ts).
  'scrub-vaults': { memorySize: 2048, timeout: Duration.minutes(15) },
  // Rebuilds one vault's index from its packs in one invocation, the new index held in memory (44 bytes a blob); with readData 3 packs held whole (repair-index-workflow.ts).
  'repair-index': { memorySize: 2048, timeout: Duration.minutes(15) },
  // The drill (drill-workflow.ts): start and record touch a few catalog items and one object; compare reads samples
  // of the live sources and the restored copies; cleanup empties and deletes the scratch buckets and tables.
  'drill-start': { memorySize: 512, timeout: Duration.minutes(2) },
  'drill-compare': { memorySize: 1024, timeout: Duration.minutes(15) },
  'drill-cleanup': { memorySize: 512, timeout: Duration.minutes(15) },
  'drill-record': { memorySize: 256, timeout: Duration.minutes(2) },
  // Marks from every snapshot, deletes and repacks (prune-workflow.ts); packs are read whole, one at a time.
  // Forget (retention, the prune's first step): catalog queries per plan and one delete per forgotten snapshot.
  'forget-backups': { memorySize: 512, timeout: Duration.minutes(5) },
  'prune-vault': { memorySize: 2048, timeout: Duration.minutes(15) },
  // Checks every target of a plan and creates the missing buckets (failover-start.ts); one catalog query.
  'failover-start': { memorySize: 512, timeout: Duration.minutes(2) },
  // Pure arithmetic over the restore reports (failover-report.ts).
  'failover-report': { memorySize: 256, timeout: Duration.minutes(1) },
  // Writes one catalog item (the pending approval); the wait itself is the state machine's, not the function's.
  'request-approval': { memorySize: 256, timeout: Duration.minutes(1) },
  // Operations (lifeboat-operations.ts): one lease and one record; one byPlan query per plan.
  'release-failed-backup': { memorySize: 256, timeout: Duration.minutes(1) },
  'watch-backup-age': { memorySize: 256, timeout: Duration.minutes(2) },
  // Lists a window of each mirrored source and its mirror (mirror-check.ts); a few catalog items.
  'mirror-check': { memorySize: 512, timeout: Duration.minutes(5) },
  // Reads and hashes a window of each mirrored file-system source (100 files by default) over NFS, writes one catalog item.
  'file-mirror-sample': { memorySize: 512, timeout: Duration.minutes(10) },
  // The custom resource that puts the replication configuration on a source bucket or file system: a few API calls.
  'source-replication': { memorySize: 256, timeout: Duration.minutes(2) },
  // The custom resource that reads the DR keys' ARNs from the DR stack at deploy time: one API call.
  'stack-key-arn': { memorySize: 256, timeout: Duration.minutes(1) },
};

/**
 * How long an overwrite restore or a failover waits for its approval before it fails with
 * States.Timeout (writing nothing): half of WORKFLOW_TIMEOUT, so an approval given late still leaves
 * the restore half a day.
 */
export const APPROVAL_TIMEOUT = Duration.hours(12);

/**
 * Replication lag beyond which the replication-lag alarm fires, unless the environment sets its own
 * (`notifications.replicationLagMinutes`); the dr-copy-age alarm and `lifeboat status` allow the RPO plus this.
 */
export const DEFAULT_REPLICATION_LAG_MINUTES = 60;

/** When the mirror check runs (EventBridge Scheduler, UTC): often enough that a failover finds a check well within a typical RPO. */
export const DEFAULT_MIRROR_CHECK_SCHEDULE = 'rate(15 minutes)';

/** S3 Replication Time Control's threshold: 99.99 % of objects within 15 minutes (the only value S3 accepts). */
export const REPLICATION_TIME_MINUTES = 15;

/** When the scrub runbook runs (EventBridge Scheduler, UTC): daily, so that at DEFAULT_SCRUB_FRACTION every object is read once a week. */
export const DEFAULT_SCRUB_SCHEDULE = 'rate(1 day)';

/**
 * The share of the vaults' objects a scheduled scrub reads: the scrub handler's own default
 * (lambdas/handlers/scrub-vaults.ts), so the schedule's input is `{}` unless another is given.
 */
export const DEFAULT_SCRUB_FRACTION = 1 / 7;

/** When each vault is pruned (EventBridge Scheduler, UTC): daily. Grace and repack threshold default to the handler's (vault/prune/prune-vault.ts). */
export const DEFAULT_PRUNE_SCHEDULE = 'rate(1 day)';

/** How long S3 server access logs are kept. */
export const ACCESS_LOG_RETENTION_DAYS = 365;

/** Longest readable part of a default prefix; with `-` and an 8-character hash it stays at 22 characters. */
const DEFAULT_PREFIX_READABLE_LENGTH = 13;

/**
 * The prefix a LifeboatProtection derives when none is given: the construct path, lowercased and
 * reduced to letters, digits and dashes (13 characters at most), then 8 hex digits of the path's hash.
 * Unique per app (paths are), stable while the construct keeps its path, and short enough that every
 * physical name built from it fits its service's limit in any region (see lifeboat-names.ts). Moving or renaming
 * the construct, its stack or a scope between them changes it, and with it every physical name: the protection
 * warns at synth that it should be pinned (docs/DEPLOYMENT.md, "Settings that must not change after the first deploy").
 */
export function defaultPrefix(construct: IConstruct): string {
  const readable = construct.node.path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, DEFAULT_PREFIX_READABLE_LENGTH)
    .replace(/-+$/, '');
  // node.addr is "c8" + a SHA-1 hex digest of the path: unique per construct in the app.
  const hash = construct.node.addr.slice(2, 10);
  return `${readable || 'lifeboat'}-${hash}`;
}
