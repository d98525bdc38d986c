import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type ShardSpec } from '../../lambdas/sources/shard-spec';
import { type RestoreShardBatch } from '../../lambdas/restore/restore-plan-document';
import { type ResolvedRestore } from '../../lambdas/restore/resolved-restore';
import { type RestoreTarget } from '../../lambdas/restore/restore-request';

/**
 * One function's work, run by step-runner.ts in a process of its own as one Lambda invocation
 * would be: the function (FUNCTION_SIZING's name) and its input. The parent (lambda-memory-section.ts)
 * writes it to a file and measures the process's peak RSS.
 */
export type StepCall =
  | { fn: 'backup-lock' }
  | { fn: 'plan-backup'; backupId: string }
  | { fn: 'snapshot-shard'; backupId: string; planKey: string; spec: ShardSpec }
  | { fn: 'commit-backup'; backupId: string; planKey: string }
  | { fn: 'resolve-restore'; backupId: string; target: RestoreTarget; restoreId: string }
  | { fn: 'plan-restore'; resolved: ResolvedRestore }
  | { fn: 'restore-shard'; batch: RestoreShardBatch }
  | { fn: 'verify-restore'; planKey: string }
  | { fn: 'replicate-backup'; backupId: string; drVaultBucket: string }
  | { fn: 'scrub-vaults' }
  | { fn: 'forget-backups' }
  | { fn: 'prune-vault'; repackThreshold?: number };

/** Where the step finds the bench's local cloud, vault and catalog. */
export type StepJob = {
  readonly cloudDir: string;
  readonly region: string;
  /** The region of the DR vault bucket (replicate-backup writes there through that region's endpoint). */
  readonly drRegion: string;
  readonly keyFile: string;
  readonly catalogTable: string;
  readonly vaultBucket: string;
  /** What stands in for the EFS mount: a file-system source's path lives under it (LIFEBOAT_FS_ROOT). */
  readonly fsRoot: string;
  readonly plan: ProtectionPlanConfig;
  readonly environment: string;
  readonly call: StepCall;
};
