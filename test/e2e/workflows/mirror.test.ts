import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketReplicationCommand,
  DeleteObjectCommand,
  GetBucketReplicationCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LifeboatConfig, lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { type FailoverReport } from '../../../lambdas/failover/failover-report';
import { type MirrorCheckResult } from '../../../lambdas/mirror/mirror-check';
import { MirrorLog } from '../../../lambdas/mirror/mirror-log';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { startRegion, stopRegion } from '../../../local/cloud/region-outage';
import { compareBuckets } from '../../../local/demo/compare-restored';
import { type LocalExecutionResult, runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';

/**
 * The mirror of an S3 source end to end on the local cloud: the replication configuration the templates put
 * on the source bucket, honoured by the local cloud after its delay; the synthesized mirror check in the DR
 * region; and the failover runbook with the primary region stopped, which takes the source from its mirror
 * while the last check passed and from the DR vault once it failed. One cloud for every case, in order.
 */
const DELAY_MS = 400;
const config: LifeboatConfig = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'mt',
      account: '000000000000',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      plans: [
        {
          name: 'web',
          schedule: 'rate(1 day)',
          strategy: 'full',
          retention: { keepLast: 2 },
          objectives: { rpoMinutes: 60, rtoMinutes: 60 },
          sources: [{ type: 's3', name: 'web-assets', bucket: 'lifeboat-mt-web-assets', mirror: true }],
        },
      ],
    },
  ],
});
const SOURCE = 'lifeboat-mt-web-assets';

let dataDir: string;
let local: LocalEnvironment;
let names: ReturnType<typeof resourceNames>;
let s3: S3Client;
let drS3: S3Client;
let mirrorBucket: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-mirror-'));
  local = await openLocalEnvironment({ config, envName: 'mt', dataDir, exitWithParent: true, replicationDelayMs: DELAY_MS });
  names = resourceNames(local.environment);
  mirrorBucket = `${names.mirrorBucketPrefix}web-assets`;
  s3 = localS3Client(local.endpoints, 'us-east-1');
  drS3 = localS3Client(local.endpoints, 'us-west-2');
  await s3.send(new CreateBucketCommand({ Bucket: SOURCE }));
  for (const key of ['a.txt', 'b.txt', 'dir/c.bin', 'gone.txt']) await put(key, `first ${key}`);
  // The vault's copy for the fallback: a backup, replicated into the DR vault.
  const backup = await run('primary', names.backupStateMachine, { plan: 'web', trigger: 'test' });
  expect(backup.status).toBe('SUCCEEDED');
}, 180_000);

afterAll(async () => {
  for (const client of [s3, drS3]) client?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function put(key: string, body: string): Promise<unknown> {
  return s3.send(new PutObjectCommand({ Bucket: SOURCE, Key: key, Body: body }));
}

function run(role: 'primary' | 'dr', stateMachine: string, input: unknown): Promise<LocalExecutionResult> {
  const stack = local.stacks.find((s) => s.role === role);
  if (!stack) throw new Error(`no ${role} stack`);
  return runLocalExecution({ stack, stateMachine, input, endpoints: local.endpoints, dataDir, pool: local.lambdaPool(2), retryIntervalScale: 0.001, extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot } });
}

async function keys(client: S3Client, bucket: string): Promise<string[]> {
  return ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key ?? '');
}

/** Waits until the mirror lists exactly `expected` (replication runs DELAY_MS after each write). */
async function mirrorHolds(expected: string[]): Promise<void> {
  for (let i = 0; i < 100 && JSON.stringify(await keys(drS3, mirrorBucket)) !== JSON.stringify(expected); i++) await sleep(100);
  expect(await keys(drS3, mirrorBucket)).toEqual(expected);
}

async function failOver(targetSuffix: string): Promise<FailoverReport> {
  await stopRegion(dataDir, 'us-east-1');
  try {
    const result = await run('dr', names.failoverStateMachine, { plan: 'web', targetSuffix });
    expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    return result.output as FailoverReport;
  } finally {
    await startRegion(dataDir, 'us-east-1');
  }
}

it('replicates writes, overwrites and deletes; the check finds the mirror equal with a lag under the delay plus one second', async () => {
  await put('a.txt', 'second a, longer than the first');
  await s3.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: 'gone.txt' }));
  await put('e.txt', 'new');
  await mirrorHolds(['a.txt', 'b.txt', 'dir/c.bin', 'e.txt']);
  expect(await compareBuckets(s3, { bucket: SOURCE, prefix: '' }, { bucket: mirrorBucket, prefix: '' }, drS3)).toEqual([]);

  const result = await run('dr', names.mirrorCheckStateMachine, { graceSeconds: 0 });
  expect(result.status).toBe('SUCCEEDED');
  const check = result.output as MirrorCheckResult;
  expect(check.passed).toBe(true);
  expect(check.sources).toEqual([expect.objectContaining({ source: 'web-assets', mirror: `s3://${mirrorBucket}/`, passed: true, compared: 4, differences: 0 })]);
  expect(check.sources[0]?.lagSeconds).toBeLessThan(DELAY_MS / 1000 + 1);
  // Recorded in the DR catalog, where the failover reads it.
  const drDdb = localDynamoDbClient(local.endpoints, 'us-west-2');
  const recorded = await new MirrorLog(DynamoDBDocumentClient.from(drDdb), names.catalogTable).get('web-assets').finally(() => drDdb.destroy());
  expect(recorded).toEqual(expect.objectContaining({ passed: true, compared: 4, checkedAt: check.checkedAt }));
}, 60_000);

it('fails over to the mirror while its last check is within the RPO, with the primary region stopped', async () => {
  const report = await failOver('fresh');
  expect(report.sources).toEqual([expect.objectContaining({ source: 'web-assets', from: 'mirror', target: `s3://${mirrorBucket}/` })]);
  expect(report.sources[0]?.reason).toMatch(/^the mirror was checked .* before the failover \(4 entries equal\), lag .*: data at most .* old, within the plan's RPO of 3600 s$/);
  // Nothing was restored: no failover bucket was created for the source.
  expect(await drS3.send(new ListObjectsV2Command({ Bucket: `${names.restoreTargetPrefix}web-assets-fresh` })).then(() => 'exists', () => 'absent')).toBe('absent');
}, 60_000);

it('with replication stopped, the check fails naming the first differing key and the lag; the failover then restores from the vault', async () => {
  const saved = await s3.send(new GetBucketReplicationCommand({ Bucket: SOURCE }));
  expect(saved.ReplicationConfiguration?.Rules?.[0]?.ID).toBe('lifeboat-mirror');
  await s3.send(new DeleteBucketReplicationCommand({ Bucket: SOURCE }));
  await put('b.txt', 'changed while replication is stopped');
  await sleep(DELAY_MS + 300);
  expect(await keys(drS3, mirrorBucket)).toEqual(['a.txt', 'b.txt', 'dir/c.bin', 'e.txt']);

  const result = await run('dr', names.mirrorCheckStateMachine, { graceSeconds: 0 });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('MirrorCheckFailed');
  expect(result.cause).toMatch(new RegExp(`^Mirror of web-assets \\(s3://${mirrorBucket}/\\) differs from its source: first differing key "b.txt" \\(differs: source 36 bytes ETag "[0-9a-f]{32}", mirror 11 bytes ETag "[0-9a-f]{32}"\\); 1 difference\\(s\\); lag \\d+\\.\\d s$`));

  const report = await failOver('stale');
  expect(report.sources).toEqual([expect.objectContaining({ source: 'web-assets', from: 'vault', target: `s3://${names.restoreTargetPrefix}web-assets-stale/` })]);
  expect(report.sources[0]?.reason).toMatch(/^the last mirror check \(.*\) failed: first differing key "b\.txt" \(differs: .*\); restored from the DR vault$/);
}, 90_000);
