import { type S3Client } from '@aws-sdk/client-s3';
import { type BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { forgetBackups, type PlanForgetReport } from '../../lambdas/retention/forget-backups';
import { snapshotArrivals } from '../../lambdas/retention/snapshot-arrivals';
import { S3VaultStore } from '../../vault/backend/s3/s3-vault-store';
import { type Vault } from '../../vault/repository/vault';

/**
 * The prune workflow's Forget step core over a local cloud's primary vault, for one plan with a policy that keeps only
 * its newest backup: what the end-to-end pin tests run while a restore or drill holds an older backup.
 */
export async function forgetKeepingLast(plan: string, deps: { catalog: BackupCatalog; vault: Vault; s3: S3Client; vaultBucket: string }): Promise<PlanForgetReport> {
  const report = await forgetBackups(
    { plan },
    {
      vault: 'primary',
      catalog: deps.catalog,
      openVault: () => Promise.resolve(deps.vault),
      snapshotArrivals: () => snapshotArrivals(new S3VaultStore({ client: deps.s3, bucket: deps.vaultBucket })),
      plans: [{ name: plan, retention: { keepLast: 1 } }],
      now: new Date(),
    },
  );
  const [planReport] = report.plans;
  if (!planReport) throw new Error('no plan in the forget report');
  return planReport;
}
