import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { findEnvironment } from '../../../config/load-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { compareBuckets } from '../../../local/demo/compare-restored';
import { seededBytes } from '../../../local/demo/sample-data';
import { approveEveryTask } from '../../../local/executor/local-approver';
import { type LocalExecutionResult, runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';

/**
 * A backup into vaults with `immutability` (S3 Object Lock, GOVERNANCE default retention) on the local cloud, then a
 * restore of it (audit a61A F1). The commit writes its source's marker (parts/<id>/committed/<source>) twice, the
 * second time over the first, which the default retention had locked: S3 adds a version there, and the local cloud
 * answered 403, which the functions' ExpectedBucketOwner check then blamed on the bucket's owner, so every such backup
 * FAILED with BucketOwnerMismatchError. Tiny data: three objects.
 */
const PLAN = 'locked';
const SOURCE_BUCKET = 'lifeboat-test-locked-source';

const config = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'test',
      account: '000000000000',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      immutability: { mode: 'GOVERNANCE', days: 1 },
      plans: [
        {
          name: PLAN,
          schedule: 'rate(1 day)',
          strategy: 'incremental',
          retention: { keepLast: 1 },
          objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
          sources: [{ type: 's3', name: 'locked-bucket', bucket: SOURCE_BUCKET }],
        },
      ],
    },
  ],
});
const environment = findEnvironment(config, 'test');
const names = resourceNames(environment);

let dataDir: string;
let local: LocalEnvironment;
let s3: S3Client;
let catalog: BackupCatalog;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-immutable-vault-'));
  local = await openLocalEnvironment({ config, envName: 'test', dataDir, exitWithParent: true });
  s3 = localS3Client(local.endpoints, environment.primaryRegion);
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(localDynamoDbClient(local.endpoints, environment.primaryRegion)), names.catalogTable);
  await s3.send(new CreateBucketCommand({ Bucket: SOURCE_BUCKET }));
  for (let i = 0; i < 3; i++) await s3.send(new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: `objects/${i}`, Body: seededBytes(`locked-${i}`, 2000 + i * 700) }));
}, 180_000);

afterAll(async () => {
  s3?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function run(stateMachine: string, input: unknown): Promise<LocalExecutionResult> {
  const stack = local.stacks.find((s) => s.role === 'primary');
  if (!stack) throw new Error('no primary stack');
  return runLocalExecution({
    stack,
    stateMachine,
    input,
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(2),
    retryIntervalScale: 0.001,
    extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot },
    onTaskToken: approveEveryTask(dataDir),
  });
}

function succeeded<T>(result: LocalExecutionResult): T {
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  return result.output as T;
}

async function firstKey(bucket: string, prefix: string): Promise<string> {
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    const key = page.Contents?.[0]?.Key;
    if (key !== undefined) return key;
  }
  throw new Error(`nothing under ${prefix} in ${bucket}`);
}

it('commits a backup into a vault under GOVERNANCE retention, and restores it equal to the source', async () => {
  const backupId = succeeded<{ committed: { backupId: string } }>(await run(names.backupStateMachine, { plan: PLAN, trigger: 'test', strategy: 'full' })).committed.backupId;
  expect((await catalog.requireBackup(backupId)).copies).toEqual({ primary: 'COMMITTED', dr: 'COMMITTED' });
  // The vault's objects are locked: the backup ran under the retention, not around it.
  const snapshot = await s3.send(new HeadObjectCommand({ Bucket: names.primaryVault, Key: await firstKey(names.primaryVault, 'snapshots/') }));
  expect(snapshot.ObjectLockMode).toBe('GOVERNANCE');

  const target = `${names.restoreTargetPrefix}locked`;
  await s3.send(new CreateBucketCommand({ Bucket: target }));
  const report = succeeded<{ verified: { mismatches: number } }>(await run(names.restoreStateMachine, { source: 'locked-bucket', backupId, target: { type: 's3', bucket: target } }));
  expect(report.verified.mismatches).toBe(0);
  expect(await compareBuckets(s3, { bucket: SOURCE_BUCKET, prefix: '' }, { bucket: target, prefix: '' })).toEqual([]);
}, 300_000);
