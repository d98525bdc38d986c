import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type LifeboatConfig, lifeboatConfigSchema, type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { resourceNames } from '../../lib/stacks/resource-names';
import { BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { type Vault } from '../../vault/repository/vault';
import { localDynamoDbClient, localS3Client } from '../../local/cloud/local-cloud';
import { openLocalVault } from '../../local/demo/local-vault';
import { seedSampleTable, seededBytes } from '../../local/demo/sample-data';
import { type SourceVerification, verifyBackup } from '../../local/demo/verify-backup';
import { type FaultRule } from '../../local/executor/fault-injection';
import { type LocalExecutionResult, runLocalExecution } from '../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../local/local-environment';

/**
 * A small environment for backup integration tests: one plan "small" over a bucket, a table and a
 * directory of a few hundred KiB, run by the local executor through the synthesized workflow.
 */
export const SMALL_PLAN = 'small';

export const smallConfig: LifeboatConfig = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'test',
      account: '000000000000',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      plans: [
        {
          name: SMALL_PLAN,
          schedule: 'rate(1 day)',
          strategy: 'incremental',
          retention: { keepLast: 3 },
          objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
          maxConcurrency: 2,
          sources: [
            { type: 's3', name: 'small-bucket', bucket: 'lifeboat-test-small' },
            // Two segments, so the table has more than one page and an incremental backup dedups the unchanged one (a table of 60 items would be one segment by its size).
            { type: 'dynamodb', name: 'small-table', table: 'lifeboat-test-small', scanSegments: 2 },
            { type: 'filesystem', name: 'small-files', path: '/mnt/small' },
          ],
        },
      ],
    },
  ],
});

export type BackupTestEnvironment = {
  local: LocalEnvironment;
  dataDir: string;
  s3: S3Client;
  ddb: DynamoDBClient;
  catalog: BackupCatalog;
  names: ReturnType<typeof resourceNames>;
  plan: ProtectionPlanConfig;
  fsRoot: (configured: string) => string;
  runBackup(options?: { strategy?: 'full' | 'incremental' | 'differential'; faults?: FaultRule[] }): Promise<LocalExecutionResult>;
  vault(): Promise<Vault>;
  verifyAll(record: BackupRecord): Promise<SourceVerification[]>;
  close(): Promise<void>;
};

export async function openBackupTestEnvironment(label: string): Promise<BackupTestEnvironment> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `lifeboat-${label}-`));
  const local = await openLocalEnvironment({ config: smallConfig, envName: 'test', dataDir, exitWithParent: true });
  const names = resourceNames(local.environment);
  const s3 = localS3Client(local.endpoints, local.environment.primaryRegion);
  const ddb = localDynamoDbClient(local.endpoints, local.environment.primaryRegion);
  const catalog = new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable);
  const plan = local.environment.plans[0];
  if (!plan) throw new Error('the test config defines a plan');
  const fsRoot = (configured: string): string => path.join(local.fsRoot, configured);
  const primary = local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  return {
    local,
    dataDir,
    s3,
    ddb,
    catalog,
    names,
    plan,
    fsRoot,
    runBackup: (options = {}) =>
      runLocalExecution({
        stack: primary,
        stateMachine: names.backupStateMachine,
        input: { plan: SMALL_PLAN, trigger: 'test', ...(options.strategy ? { strategy: options.strategy } : {}) },
        endpoints: local.endpoints,
        dataDir,
        pool: local.lambdaPool(2),
        faults: options.faults ?? [],
        retryIntervalScale: 0.001,
        extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot },
      }),
    vault: () => openLocalVault(s3, names.primaryVault, dataDir),
    verifyAll: async (record) => {
      const vault = await openLocalVault(s3, names.primaryVault, dataDir);
      const results: SourceVerification[] = [];
      for (const source of plan.sources) {
        const snapshotId = record.sources.find((s) => s.name === source.name)?.snapshotId;
        if (!snapshotId) throw new Error(`backup ${record.backupId} has no snapshot of ${source.name}`);
        results.push(await verifyBackup(vault, await vault.loadSnapshot(snapshotId), source, { sourceS3: s3, sourceDynamoDb: ddb, fsRoot }));
      }
      return results;
    },
    close: async () => {
      // Undestroyed SDK clients keep a jest worker alive after its suites ("failed to exit gracefully").
      s3.destroy();
      ddb.destroy();
      await local.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Awkward S3 keys the vault must carry exactly. 'folder-marker/' and the reserved-looking key need
 * the escaped manifest path. Keys with '.', '..' or empty segments are covered by unit tests only:
 * s3rver (the local cloud) normalises them away before storing.
 */
export const AWKWARD_KEYS = [
  'plain.txt',
  'with space and %25 and + plus.txt',
  'folder-marker/',
  '%lifeboat-escaped-key/not-really',
  'ünïcödé/📦.bin',
  `long/${'s'.repeat(200)}/${'t'.repeat(200)}/${'u'.repeat(200)}/${'v'.repeat(200)}`,
  'empty',
];

/** Seeds the small sources: awkward keys in the bucket, every attribute type in the table, a small tree. */
export async function seedSmallSources(env: BackupTestEnvironment): Promise<void> {
  for (const source of env.plan.sources) {
    if (source.type === 's3') {
      await env.s3.send(new CreateBucketCommand({ Bucket: source.bucket })).catch((err: Error) => {
        if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(err.name)) throw err;
      });
      for (const [i, key] of AWKWARD_KEYS.entries()) {
        await env.s3.send(
          new PutObjectCommand({
            Bucket: source.bucket,
            Key: key,
            Body: key === 'empty' ? Buffer.alloc(0) : seededBytes(key, 1000 + i * 3000),
            ContentType: i % 2 ? 'text/plain' : 'application/octet-stream',
            Metadata: { index: String(i) },
          }),
        );
        await env.s3.send(new PutObjectTaggingCommand({ Bucket: source.bucket, Key: key, Tagging: { TagSet: [{ Key: 'tier', Value: String(i % 3) }] } }));
      }
      for (let i = 0; i < 40; i++) await env.s3.send(new PutObjectCommand({ Bucket: source.bucket, Key: `bulk/${String(i).padStart(3, '0')}`, Body: seededBytes(`bulk-${i}`, 2048) }));
    } else if (source.type === 'dynamodb') {
      await seedSampleTable(env.ddb, source.table, 60);
    } else {
      const root = env.fsRoot(source.path);
      await mkdir(path.join(root, 'docs', 'empty-dir'), { recursive: true });
      await writeFile(path.join(root, 'docs', 'a.txt'), seededBytes('a', 30_000));
      await writeFile(path.join(root, 'docs', 'empty.txt'), '');
      await mkdir(path.join(root, 'data'), { recursive: true });
      await writeFile(path.join(root, 'data', 'b.bin'), seededBytes('b', 200_000), { mode: 0o600 });
      await writeFile(path.join(root, 'top.txt'), 'top level file\n');
      await symlink('docs/a.txt', path.join(root, 'link-to-a')).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
  }
}

/** The backup id the Plan step chose, from an execution's history. */
export function plannedBackupId(result: LocalExecutionResult): string {
  const exited = result.events.find((e) => e.type === 'StateExited' && e.state === 'Plan shards');
  const id = (exited?.output as { backup?: { backupId?: string } } | undefined)?.backup?.backupId;
  if (!id) throw new Error(`execution ${result.executionId} never planned a backup`);
  return id;
}

/** The backup id a successful execution committed. */
export function committedBackupId(result: LocalExecutionResult): string {
  const id = (result.output as { committed?: { backupId?: string } } | undefined)?.committed?.backupId;
  if (result.status !== 'SUCCEEDED' || !id) throw new Error(`execution ${result.executionId} ${result.status}: ${result.error ?? ''} ${result.cause ?? ''}`);
  return id;
}
