import { z } from 'zod';
import { publishReplicationMetrics } from '../operations/operation-metrics';
import { replicaRetentionResumeInputSchema } from '../replication/replica-retention-resume';
import { replicateBackup } from '../replication/replicate-backup';
import { lifeboatHandler } from '../runtime/lifeboat-handler';
import { thawWaitSecondsFromEnv } from '../thaw/pack-thaw';

// `replication`: the previous pass's report (the workflow passes it back; the first pass gets an empty one), whose
// `retention` says where a stopped retention extension carries on.
const inputSchema = z.object({
  backup: z.object({ backupId: z.string().min(1) }),
  replication: z.object({ retention: replicaRetentionResumeInputSchema.optional() }).optional(),
});

/** Time kept back from the Lambda timeout: copies and retention extensions in flight finish, the catalog is updated, the result returns. */
const RESERVE_MS = 90_000;

/**
 * Copies the committed backup (and anything earlier the DR vault lacks) into the DR vault. Returns
 * `complete: false` when the time ran out, or with `thaw` when packs to copy are archived in the primary
 * vault (their thaws asked for); the workflow invokes it again (after a Wait while thaws are pending) and it carries on.
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'replication request' }, async ({ backup, replication }, runtime, invocation) => {
  const remaining = invocation?.getRemainingTimeInMillis();
  const waitSeconds = thawWaitSecondsFromEnv();
  const { primaryVault, drVault } = runtime.config;
  const report = await replicateBackup({ ...backup, ...(replication?.retention ? { retention: replication.retention } : {}) }, {
    source: await runtime.openVault('primary'),
    target: runtime.vaultStore('dr'),
    // Named by the error that says one of the buckets does not exist (VaultBucketMissingError).
    regions: { primary: primaryVault instanceof Error ? undefined : primaryVault.region, dr: drVault instanceof Error ? undefined : drVault.region },
    // The DR vault's key is its own region's KMS key, found by alias, with the DR bucket as encryption context.
    targetKeys: await runtime.vaultKeys('dr'),
    catalog: runtime.catalog,
    // Functions deployed before the DR catalog existed have no DR_CATALOG_TABLE: they replicate the vault only.
    ...(runtime.config.drCatalogTable !== undefined ? { drCatalog: runtime.drCatalog(), plans: runtime.plans.map((plan) => plan.name) } : {}),
    ...(runtime.config.immutability ? { retentionDays: runtime.config.immutability.days } : {}),
    // The workflow has the thaw loop exactly when some plan archives (BackupWorkflow): only then may a pass wait for thaws.
    ...(runtime.plans.some((p) => p.storage?.archive !== undefined) ? { thaw: { plans: runtime.plans, ...(waitSeconds !== undefined ? { waitSeconds } : {}) } } : {}),
    ...(remaining !== undefined ? { deadline: Date.now() + Math.max(remaining - RESERVE_MS, remaining / 2) } : {}),
  });
  const record = await runtime.catalog.getBackup(backup.backupId);
  if (record) publishReplicationMetrics(runtime.environment, record, { copiedBytes: report.copiedBytes, ...(report.complete ? { completedAt: new Date() } : {}) });
  return report;
});
