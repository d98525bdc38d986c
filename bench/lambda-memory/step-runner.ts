import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { acquireBackupLease } from '../../lambdas/backup/backup-lease';
import { commitBackup } from '../../lambdas/backup/commit-backup';
import { planBackup } from '../../lambdas/backup/plan-backup';
import { snapshotShard } from '../../lambdas/backup/snapshot-shard';
import { BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { ScrubLog } from '../../lambdas/catalog/scrub-log';
import { replicateBackup } from '../../lambdas/replication/replicate-backup';
import { forgetBackups } from '../../lambdas/retention/forget-backups';
import { snapshotArrivals } from '../../lambdas/retention/snapshot-arrivals';
import { runScrubRunbook } from '../../lambdas/replication/scrub-runbook';
import { planRestore } from '../../lambdas/restore/plan-restore';
import { resolveRestore } from '../../lambdas/restore/resolve-restore';
import { restoreShardBatch } from '../../lambdas/restore/restore-shard';
import { defaultRestoreTargetPrefix } from '../../lambdas/restore/restore-target-policy';
import { verifyRestore } from '../../lambdas/restore/verify-restore';
import { openBackupVault } from '../../lambdas/runtime/backup-vault';
import { connectLocalCloud, localDynamoDbClient, localS3Client } from '../../local/cloud';
import { CodecPool, KeyFileKeyProvider, pruneVault, type Vault } from '../../vault';
import { S3VaultStore } from '../../vault/aws';
import { type StepJob } from './step-job';

/**
 * One Lambda function's work in a process of its own (lambda-memory-section.ts measures its peak
 * RSS): the core function the handler calls, with SDK clients on the bench's local cloud, the vault
 * opened cold, as a fresh Lambda container does. Prints the step's answer as one JSON line.
 */
async function run(job: StepJob): Promise<unknown> {
  const endpoints = await connectLocalCloud(job.cloudDir);
  const s3 = localS3Client(endpoints, job.region);
  const dynamodb = localDynamoDbClient(endpoints, job.region);
  const documents = DynamoDBDocumentClient.from(dynamodb);
  const catalog = new BackupCatalog(documents, job.catalogTable);
  const provider = (await KeyFileKeyProvider.loadOrCreate(job.keyFile)).provider;
  let vault: Promise<Vault> | undefined;
  const openVault = (): Promise<Vault> => (vault ??= openBackupVault({ s3, bucket: job.vaultBucket, provider, create: false }));
  const plans = [job.plan];
  // As under the local executor: the fs root stands in for the EFS mount, for the sources and the restore targets alike.
  const env = { ...process.env, LIFEBOAT_FS_ROOT: job.fsRoot };
  const directory = (p: string): string => path.join(job.fsRoot, p);
  const restoreDeps = { openVault, planS3: s3, planBucket: job.vaultBucket, targetS3: s3, dynamodb, directory };
  const call = job.call;
  switch (call.fn) {
    case 'backup-lock':
      return acquireBackupLease({ plan: job.plan.name, strategy: 'full', trigger: 'bench' }, { catalog, plans });
    case 'plan-backup': {
      const request = { plan: job.plan.name, strategy: 'full' as const, trigger: 'bench', backupId: call.backupId };
      const deps = { s3, dynamodb, vault: await openVault(), catalog, plans, environment: job.environment, env };
      let planned = await planBackup(request, deps);
      while (planned.continuation) planned = await planBackup({ ...request, continuation: planned.continuation }, deps);
      return planned;
    }
    case 'snapshot-shard':
      return snapshotShard({ backupId: call.backupId, planKey: call.planKey, spec: call.spec }, { s3, dynamodb, vault: await openVault(), env });
    case 'commit-backup':
      return commitBackup({ backupId: call.backupId, planKey: call.planKey }, { vault: await openVault(), catalog });
    case 'resolve-restore':
      return resolveRestore({ source: job.plan.sources[0]?.name, backupId: call.backupId, target: call.target }, call.restoreId, {
        restoreTargetPrefix: defaultRestoreTargetPrefix(job.environment),
        sources: job.plan.sources,
        catalog,
        openVault,
        s3,
        dynamodb,
        directory,
      });
    case 'plan-restore':
      return planRestore(call.resolved, { map: 'distributed', maxConcurrency: job.plan.maxConcurrency }, restoreDeps);
    case 'restore-shard':
      return restoreShardBatch(call.batch, restoreDeps);
    case 'verify-restore':
      return verifyRestore({ planKey: call.planKey }, restoreDeps);
    case 'replicate-backup': {
      // The DR vault is a bucket of the cloud's second region, under the same key file (the local executor's key stands in for both regions' KMS keys).
      const drS3 = localS3Client(endpoints, job.drRegion);
      return replicateBackup({ backupId: call.backupId }, { source: await openVault(), target: new S3VaultStore({ client: drS3, bucket: call.drVaultBucket }), targetKeys: provider, catalog });
    }
    case 'scrub-vaults':
      // The whole primary vault read and verified (fraction 1), as the scrub runbook's step does; the bench has no DR region.
      return runScrubRunbook(
        { scope: 'primary', fraction: 1, repair: false },
        {
          environment: job.environment,
          scrubLog: new ScrubLog(documents, job.catalogTable),
          openVault: (side) => (side === 'primary' ? openVault() : Promise.reject(new Error('the bench has no DR vault'))),
        },
      );
    case 'forget-backups':
      // The plan's retention (keepLast 1) over its backups, as the Forget step of <prefix>-prune applies it.
      return forgetBackups({ plan: job.plan.name }, { vault: 'primary', openVault, snapshotArrivals: () => snapshotArrivals(new S3VaultStore({ client: s3, bucket: job.vaultBucket })), catalog, plans, now: new Date() });
    case 'prune-vault':
      // graceMs 0: what a run condemns, the next one deletes (the prune request's graceHours: 0); a repackThreshold as the request gives it.
      return (await pruneVault(await openVault(), { graceMs: 0, ...(call.repackThreshold !== undefined ? { repackThreshold: call.repackThreshold } : {}) })).report;
  }
}

const jobFile = process.argv[2];
if (!jobFile) {
  process.stderr.write('usage: step-runner <job.json>\n');
  process.exit(2);
}
run(JSON.parse(readFileSync(jobFile, 'utf8')) as StepJob).then(
  async (answer) => {
    process.stdout.write(`${JSON.stringify(answer ?? null)}\n`);
    await CodecPool.shutdownShared();
  },
  async (err: unknown) => {
    process.stderr.write(`step-runner: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await CodecPool.shutdownShared().catch(() => undefined);
    process.exitCode = 1;
  },
);
