import { GetObjectCommand } from '@aws-sdk/client-s3';
import * as path from 'node:path';
import { type LifeboatConfig } from '../../lib/config/lifeboat-config';
import { resourceNames } from '../../lib/stacks/resource-names';
import { BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { PlainCopyStore, copyManifestSchema } from '../../lambdas/snapshot/plain-copy-store';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClient, localS3Client } from '../cloud/local-cloud';
import { runLocalExecution } from '../executor/run-local-execution';
import { openLocalEnvironment } from '../local-environment';
import { seedSampleBucket, seedSampleDirectory, seedSampleTable } from './sample-data';
import { type SourceVerification, verifyCopy } from './verify-copy';

export type DemoOptions = { config: LifeboatConfig; envName: string; planName: string; dataDir: string; workers?: number; out: (line: string) => void };

export type DemoResult = { ok: boolean; backupId?: string; verifications: SourceVerification[] };

/**
 * The main job, locally: local cloud up → sample data seeded → the synthesized backup workflow run
 * by the local executor → every source read back from the backup and compared with the original.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { out } = options;
  const started = Date.now();
  const local = await openLocalEnvironment({ config: options.config, envName: options.envName, dataDir: options.dataDir });
  try {
    const env = local.environment;
    const plan = env.plans.find((p) => p.name === options.planName);
    if (!plan) throw new Error(`Plan ${options.planName} is not defined in environment ${env.name}.`);
    out(`Local cloud: S3 ${Object.values(local.endpoints.s3).join(', ')}; DynamoDB ${Object.values(local.endpoints.dynamodb)[0] ?? '?'}`);
    out(`Synthesized ${local.stacks.map((s) => `${s.stackName} (${s.region})`).join(' and ')}; buckets and tables provisioned from the templates.`);

    const s3 = localS3Client(local.endpoints, env.primaryRegion);
    const ddb = localDynamoDbClient(local.endpoints, env.primaryRegion);
    for (const source of plan.sources) {
      if (source.type === 's3') {
        const seeded = await seedSampleBucket(s3, source.bucket);
        out(`Seeded s3://${source.bucket}: ${seeded.objects} objects, ${formatBytes(seeded.bytes)}`);
      } else if (source.type === 'dynamodb') {
        const seeded = await seedSampleTable(ddb, source.table);
        out(`Seeded table ${source.table}: ${seeded.items} items`);
      } else {
        const root = path.join(local.fsRoot, source.path);
        const seeded = await seedSampleDirectory(root);
        out(`Seeded directory ${root}: ${seeded.files} files, ${formatBytes(seeded.bytes)}`);
      }
    }

    const names = resourceNames(env);
    const primary = local.stacks.find((s) => s.role === 'primary');
    if (!primary) throw new Error('The synthesized environment has no primary stack.');
    const execution = await runLocalExecution({
      stack: primary,
      stateMachine: names.backupStateMachine,
      input: { plan: plan.name, trigger: 'demo' },
      endpoints: local.endpoints,
      dataDir: local.dataDir,
      workers: options.workers,
      extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot },
    });
    out(`Backup workflow ${names.backupStateMachine}: ${execution.status} in ${formatMs(Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt))} (execution ${execution.executionId})`);
    if (execution.status !== 'SUCCEEDED') {
      out(`  ${execution.error ?? 'error'}: ${execution.cause ?? ''}`);
      return { ok: false, verifications: [] };
    }
    const committed = execution.output as { committed?: { backupId?: string } } | undefined;
    const backupId = committed?.committed?.backupId;
    if (!backupId) throw new Error('The backup workflow succeeded without reporting a backup id.');

    const catalog = new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable);
    const record = await catalog.getBackup(backupId);
    const store = new PlainCopyStore(s3, names.primaryVault);
    const manifestObject = await s3.send(new GetObjectCommand({ Bucket: names.primaryVault, Key: PlainCopyStore.manifestKey(backupId) }));
    const manifest = copyManifestSchema.parse(JSON.parse((await manifestObject.Body?.transformToString()) ?? '{}'));
    out(`Catalog: backup ${backupId} is ${record?.status ?? 'missing'}; ${record?.shardCount ?? 0} shards, ${record?.entries ?? 0} entries, ${formatBytes(record?.bytesScanned ?? 0)} scanned, ${formatBytes(record?.bytesNew ?? 0)} new`);

    const verifications: SourceVerification[] = [];
    for (const source of plan.sources) {
      verifications.push(await verifyCopy(manifest, source, { sourceS3: s3, sourceDynamoDb: ddb, store, fsRoot: (p) => path.join(local.fsRoot, p) }));
    }
    out('');
    out('Read back and compared with the source:');
    for (const v of verifications) {
      out(`  ${v.mismatches.length === 0 ? 'OK  ' : 'FAIL'} ${v.type.padEnd(10)} ${v.source.padEnd(14)} ${String(v.entries).padStart(5)} entries ${formatBytes(v.bytes).padStart(10)}`);
      for (const m of v.mismatches.slice(0, 10)) out(`       ${m}`);
    }
    const ok = record?.status === 'COMMITTED' && verifications.every((v) => v.mismatches.length === 0);
    out('');
    out(`${ok ? 'Demo passed' : 'Demo FAILED'} in ${formatMs(Date.now() - started)}. History: lifeboat executions show ${execution.executionId} --data-dir ${options.dataDir}`);
    return { ok, backupId, verifications };
  } finally {
    await local.close();
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
