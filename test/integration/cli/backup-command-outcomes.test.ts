import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backupCommand } from '../../../cli/commands/backup-commands';
import { type WorkflowProgress, type WorkflowRunner } from '../../../cli/workflow-runner';
import { lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { openLocalVault } from '../../../local/demo/local-vault';
import { verifyBackup } from '../../../local/demo/verify-backup';
import { type FaultRule } from '../../../local/executor/fault-injection';
import { runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { capturedCliDeps } from '../../support/captured-cli-io';

/**
 * What `lifeboat backup` says and exits with, through the synthesized backup workflow on the local executor, the
 * local cloud kept running as `lifeboat local up` keeps it (audit a58A): a run whose commit step failed after it marked
 * the backup COMMITTED (F4: `Backup FAILED`, exit 1, though the backup restores), a committed backup that left an
 * archived object out (F3: exit 0, where `lifeboat vault backup` exits 3), and a source bucket that does not exist
 * (F1: `NoSuchBucket: The specified bucket does not exist`, naming neither the source nor the bucket).
 */
const plan = (name: string, sources: unknown[]) => ({ name, schedule: 'rate(1 day)', strategy: 'full', retention: { keepLast: 3 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources });
const rawConfig = {
  environments: [
    {
      name: 'test',
      account: '000000000000',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      plans: [
        plan('files', [{ type: 'filesystem', name: 'outcome-files', path: '/mnt/outcome' }]),
        plan('cold', [{ type: 's3', name: 'outcome-assets', bucket: 'lifeboat-test-outcome-assets' }]),
        plan('gone', [{ type: 's3', name: 'gone-assets', bucket: 'lifeboat-test-no-such-bucket' }]),
      ],
    },
  ],
};
const config = lifeboatConfigSchema.parse(rawConfig);

let dataDir: string;
let configFile: string;
let local: LocalEnvironment;
let s3: S3Client;
let ddb: DynamoDBClient;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-backup-outcomes-'));
  configFile = path.join(dataDir, 'lifeboat.config.json');
  writeFileSync(configFile, JSON.stringify(rawConfig));
  local = await openLocalEnvironment({ config, envName: 'test', dataDir, exitWithParent: true });
  s3 = localS3Client(local.endpoints, 'us-east-1');
  ddb = localDynamoDbClient(local.endpoints, 'us-east-1');
  await mkdir(path.join(local.fsRoot, 'mnt', 'outcome'), { recursive: true });
  await writeFile(path.join(local.fsRoot, 'mnt', 'outcome', 'a.txt'), 'the file the failed run committed');
  await s3.send(new CreateBucketCommand({ Bucket: 'lifeboat-test-outcome-assets' }));
  await s3.send(new PutObjectCommand({ Bucket: 'lifeboat-test-outcome-assets', Key: 'warm.txt', Body: 'warm' }));
  await s3.send(new PutObjectCommand({ Bucket: 'lifeboat-test-outcome-assets', Key: 'archived/cold.bin', Body: 'cold data', StorageClass: 'GLACIER' }));
}, 180_000);

afterAll(async () => {
  s3?.destroy();
  ddb?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The local runner of `lifeboat backup`, with faults injected, on the environment this file keeps open. */
function runner(faults: FaultRule[] = []): WorkflowRunner {
  const stack = local.stacks.find((s) => s.role === 'primary');
  if (!stack) throw new Error('no primary stack');
  return {
    async run(_workflow, input, onProgress) {
      const progress: WorkflowProgress = { shardsDone: 0, shardsFailed: 0, retries: 0, elapsedMs: 0 };
      const result = await runLocalExecution({
        stack,
        stateMachine: resourceNames(local.environment).backupStateMachine,
        input,
        endpoints: local.endpoints,
        dataDir: local.dataDir,
        pool: local.lambdaPool(2),
        faults,
        retryIntervalScale: 0.001,
        extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot },
        onEvent: (event) => {
          if (event.type !== 'StateEntered' || event.state === undefined || event.mapRun !== undefined) return;
          progress.state = event.state;
          progress.entered = [...(progress.entered ?? []), event.state];
          onProgress({ ...progress });
        },
      });
      return { executionId: result.executionId, status: result.status, output: result.output, ...(result.error !== undefined ? { error: result.error } : {}), ...(result.cause !== undefined ? { cause: result.cause } : {}) };
    },
  };
}

async function backup(planName: string, faults: FaultRule[] = []): Promise<{ code: number; out: string[]; err: string[] }> {
  const { out, err, deps } = capturedCliDeps();
  const code = await backupCommand({ config: configFile, env: 'test', dataDir, plan: planName }, { ...deps, runner: runner(faults) });
  return { code, out, err };
}

it('a run whose commit step failed after marking the backup COMMITTED says it committed and exits 4; the backup restores equal to the source', async () => {
  const { code, err } = await backup('files', [{ state: 'Commit backup', errorName: 'Sandbox.Timedout', message: 'Task timed out after 900.00 seconds', at: 'after' }]);
  const [line] = err;
  const backupId = /^Backup (\S+) committed/.exec(line ?? '')?.[1];
  expect({ code, err }).toEqual({
    code: 4,
    err: [
      `Backup ${backupId} committed (restorable from the primary vault), but the workflow failed after its commit: Sandbox.Timedout: Task timed out after 900.00 seconds; ` +
        'its copy to the DR vault (us-west-2) is not made (DR COPY FAILED): the next run of plan files copies it.',
    ],
  });
  const record = await new BackupCatalog(DynamoDBDocumentClient.from(ddb), resourceNames(local.environment).catalogTable).requireBackup(backupId ?? '');
  expect({ status: record.status, drCopy: record.copies?.dr }).toEqual({ status: 'COMMITTED', drCopy: 'FAILED' });
  const vault = await openLocalVault(s3, resourceNames(local.environment).primaryVault, dataDir);
  const source = config.environments[0]?.plans[0]?.sources[0];
  const snapshotId = record.sources[0]?.snapshotId;
  if (!source || !snapshotId) throw new Error('the backup records no snapshot of its source');
  const verified = await verifyBackup(vault, await vault.loadSnapshot(snapshotId), source, { sourceS3: s3, sourceDynamoDb: ddb, fsRoot: (p) => path.join(local.fsRoot, p) });
  expect({ entries: verified.entries, mismatches: verified.mismatches }).toEqual({ entries: 1, mismatches: [] });
}, 180_000);

it('a committed backup that left an archived object out exits 3, naming it', async () => {
  const { code, out } = await backup('cold');
  expect(code).toBe(3);
  expect(out[0]).toMatch(/^Backup \S+ of plan cold committed\.$/);
  expect(out).toContain('  note          source outcome-assets: 1 not backed up whole (left out as archived or unreadable, or stored without metadata it could not read)');
}, 180_000);

it('a source bucket that does not exist fails the run naming the source and the bucket, exit 1', async () => {
  const { code, err } = await backup('gone');
  expect({ code, err }).toEqual({
    code: 1,
    err: [
      'Backup FAILED: S3SourceReadError: source gone-assets: S3 refused to list bucket lifeboat-test-no-such-bucket: "NoSuchBucket: The specified bucket does not exist". ' +
        "The bucket does not exist (deleted or renamed): create it, or correct the source's bucket in the plan (lifeboat.config.json), then run the backup again",
    ],
  });
}, 180_000);
