import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, DeletePublicAccessBlockCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type LifeboatConfig, lifeboatConfigSchema, type SourceConfig } from '../../../config/lifeboat-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { approvalsListCommand, approveCommand } from '../../../cli/commands/approval-commands';
import { ApprovalLog } from '../../../lambdas/approval/approval-log';
import { openBackupVault } from '../../../lambdas/runtime/backup-vault';
import { AwsClients } from '../../../lambdas/runtime/aws-clients';
import { BucketOwnerMismatchError, bucketOwnerRule } from '../../../lambdas/runtime/expected-bucket-owner';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { createForeignBucket } from '../../../local/cloud/foreign-bucket';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { loadExecutionHistory } from '../../../local/executor/execution-history';
import { runLocalExecution, type WaitingTask } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { commitFixtureBackup } from '../../support/vault-backup-fixture';

/**
 * Issue 13, items 1, 3 and 7, against the synthesized workflows on the local cloud (one cloud, one
 * synth): the local S3 checks ExpectedBucketOwner against each bucket's owner account; a restore
 * into a bucket of the right name that another account owns, and a backup of a squatted source
 * bucket, fail with BucketOwnerMismatchError and move no data; an overwrite restore waits for its
 * approval (`lifeboat approve`), and runs only when approved; a rejected one writes nothing; a
 * restore into a new target asks for none; a target bucket without Block Public Access is refused unless
 * the input sets allowUnprotectedTarget.
 */
const ACCOUNT = '111111111111';
const STRANGER = '999999999999';
const GUARDED = 'secguard-assets';
const SQUATTED = 'secguard-squatted';

const config: LifeboatConfig = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'sec',
      account: ACCOUNT,
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      plans: [
        {
          name: 'guarded',
          schedule: 'rate(1 day)',
          strategy: 'full',
          retention: { keepLast: 3 },
          objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
          maxConcurrency: 2,
          sources: [{ type: 's3', name: 'assets', bucket: GUARDED }],
        },
        {
          name: 'squatted',
          schedule: 'rate(1 day)',
          strategy: 'full',
          retention: { keepLast: 3 },
          objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
          maxConcurrency: 2,
          sources: [{ type: 's3', name: 'stolen', bucket: SQUATTED }],
        },
      ],
    },
  ],
});

const ORIGINAL: Record<string, string> = { 'a.txt': 'alpha', 'b/c.txt': 'charlie', 'd e+f%.bin': 'delta' };

let dataDir: string;
let configFile: string;
let local: LocalEnvironment;
let s3: S3Client;
let names: ReturnType<typeof resourceNames>;
let backupId: string;
let approvals: ApprovalLog;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-security-'));
  configFile = path.join(dataDir, 'lifeboat.config.json');
  writeFileSync(configFile, JSON.stringify(config));
  local = await openLocalEnvironment({ config, envName: 'sec', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, 'us-east-1');
  const ddb = localDynamoDbClient(local.endpoints, 'us-east-1');
  approvals = new ApprovalLog(DynamoDBDocumentClient.from(ddb), names.catalogTable);
  await s3.send(new CreateBucketCommand({ Bucket: GUARDED }));
  for (const [key, body] of Object.entries(ORIGINAL)) await s3.send(new PutObjectCommand({ Bucket: GUARDED, Key: key, Body: body }));
  // A bucket with the configured source's name, created first by another account.
  await createForeignBucket(s3, SQUATTED, STRANGER);
  await s3.send(new PutObjectCommand({ Bucket: SQUATTED, Key: 'bait.txt', Body: 'bait' }));
  const provider = (await KeyFileKeyProvider.loadOrCreate(path.join(dataDir, 'vault.key'))).provider;
  const vault = await openBackupVault({ s3, bucket: names.primaryVault, provider, create: true });
  const sources = local.environment.plans[0]?.sources as SourceConfig[];
  backupId = await commitFixtureBackup('guarded', sources, { vault, s3, dynamodb: ddb, catalogTable: names.catalogTable, directory: (p) => p }, new Date('2026-03-01T10:00:00Z'));
  ddb.destroy();
}, 180_000);

afterAll(async () => {
  s3?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function run(stateMachine: string, input: unknown, onTaskToken?: (waiting: WaitingTask) => Promise<void>) {
  const primary = local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  return runLocalExecution({
    stack: primary,
    stateMachine,
    input,
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(2),
    retryIntervalScale: 0.001,
    ...(onTaskToken ? { onTaskToken } : {}),
  });
}

async function contents(bucket: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const o of page.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key ?? '' }));
    out[o.Key ?? ''] = (await got.Body?.transformToString()) ?? '';
  }
  return out;
}

async function restorePlanKeys(): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: names.primaryVault, Prefix: 'restore-plans/' }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

const cli = { config: '', env: 'sec', dataDir: '' };
const quiet = () => {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } };
};

describe('ExpectedBucketOwner', () => {
  it('the local S3 answers a request naming the wrong owner with 403 AccessDenied, and the right owner normally', async () => {
    const head = (bucket: string, owner: string) => s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
    await expect(head(GUARDED, ACCOUNT)).resolves.toBeDefined();
    await expect(head(SQUATTED, STRANGER)).resolves.toBeDefined();
    await expect(head(SQUATTED, ACCOUNT)).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expect(s3.send(new PutObjectCommand({ Bucket: SQUATTED, Key: 'x', Body: 'x', ExpectedBucketOwner: ACCOUNT }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(s3.send(new GetObjectCommand({ Bucket: GUARDED, Key: 'a.txt', ExpectedBucketOwner: STRANGER }))).rejects.toMatchObject({ name: 'AccessDenied' });
    // The functions' clients send the header on every call and name the refusal.
    const clients = new AwsClients('us-east-1', local.endpoints, bucketOwnerRule(ACCOUNT, new Map()));
    const guarded = clients.s3Client();
    await expect(guarded.send(new ListObjectsV2Command({ Bucket: GUARDED }))).resolves.toMatchObject({ KeyCount: 3 });
    const refused = guarded.send(new GetObjectCommand({ Bucket: SQUATTED, Key: 'bait.txt' }));
    await expect(refused).rejects.toBeInstanceOf(BucketOwnerMismatchError);
    await expect(refused).rejects.toThrow(`bucket ${SQUATTED}: S3 answered GetObjectCommand with 403 AccessDenied under ExpectedBucketOwner ${ACCOUNT}`);
    // A source the config says is another account's is read with that account as the expected owner.
    const withOwner = new AwsClients('us-east-1', local.endpoints, bucketOwnerRule(ACCOUNT, new Map([[SQUATTED, STRANGER]]))).s3Client();
    await expect(withOwner.send(new ListObjectsV2Command({ Bucket: SQUATTED }))).resolves.toMatchObject({ KeyCount: 1 });
    guarded.destroy();
    withOwner.destroy();
  });

  it('a restore into a bucket of the restore-target name that another account owns is refused and writes nothing', async () => {
    const target = `${names.restoreTargetPrefix}foreign`;
    await createForeignBucket(s3, target, STRANGER);
    const plansBefore = await restorePlanKeys();
    const result = await run(names.restoreStateMachine, { source: 'assets', backupId, target: { type: 's3', bucket: target } });
    expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'BucketOwnerMismatchError' });
    expect(result.cause).toMatch(new RegExp(`"errorMessage":"bucket ${target}: S3 answered \\w+Command with 403 AccessDenied under ExpectedBucketOwner ${ACCOUNT}, so nothing was read from or written to it\\. Either the bucket is not owned by account ${ACCOUNT}`));
    expect(await contents(target)).toEqual({});
    expect(await restorePlanKeys()).toEqual(plansBefore);
  }, 120_000);

  it('a restore into a bucket whose Block Public Access is off is refused, naming it, and writes nothing; with allowUnprotectedTarget it restores (issue 13, item 7)', async () => {
    const target = `${names.restoreTargetPrefix}exposed`;
    await s3.send(new CreateBucketCommand({ Bucket: target }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: target }));
    const plansBefore = await restorePlanKeys();
    const refused = await run(names.restoreStateMachine, { source: 'assets', backupId, target: { type: 's3', bucket: target } });
    expect({ status: refused.status, error: refused.error }).toEqual({ status: 'FAILED', error: 'RestoreTargetUnprotectedError' });
    expect(refused.cause).toContain(`bucket ${target} lacks Block Public Access (the bucket has no public access block configuration)`);
    expect(await contents(target)).toEqual({});
    expect(await restorePlanKeys()).toEqual(plansBefore);
    const allowed = await run(names.restoreStateMachine, { source: 'assets', backupId, target: { type: 's3', bucket: target }, allowUnprotectedTarget: true });
    expect(allowed.status).toBe('SUCCEEDED');
    expect(await contents(target)).toEqual(await contents(GUARDED));
  }, 120_000);

  it('a backup of a source bucket squatted by another account fails clearly and reads nothing of it', async () => {
    const result = await run(names.backupStateMachine, { plan: 'squatted', trigger: 'test' });
    expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'BucketOwnerMismatchError' });
    // A source's refusal names the source too (review r59D F1), and keeps S3's own words after "S3 said:".
    expect(result.cause).toMatch(
      new RegExp(`"errorMessage":"source stolen: S3 refused to list bucket ${SQUATTED} \\(\\w+Command: 403 AccessDenied under ExpectedBucketOwner ${ACCOUNT}, so nothing was read\\): either the bucket is not owned by account ${ACCOUNT}.* S3 said: \\\\"AccessDenied`),
    );
    const invoked = result.invocations.map((i) => i.functionName);
    expect(invoked.some((name) => /SnapshotShard/.test(name))).toBe(false);
  }, 120_000);
});

describe('approval of overwrite restores', () => {
  beforeAll(() => {
    cli.config = configFile;
    cli.dataDir = dataDir;
  });

  const overwrite = { source: 'assets', target: { type: 's3', bucket: GUARDED, prefix: '' }, overwrite: true, requestedBy: 'alice' };

  it('an overwrite restore waits, is listed as pending, is approved with lifeboat approve, runs and restores the backup equal', async () => {
    await s3.send(new PutObjectCommand({ Bucket: GUARDED, Key: 'a.txt', Body: 'ransomed' }));
    let listed: unknown;
    const result = await run(names.restoreStateMachine, { ...overwrite, backupId }, async (waiting) => {
      const list = quiet();
      expect(await approvalsListCommand({ ...cli, json: true }, { io: list.io })).toBe(0);
      listed = JSON.parse(list.lines.join('\n'));
      // Nothing was written while it waits.
      expect((await contents(GUARDED))['a.txt']).toBe('ransomed');
      const approve = quiet();
      expect(await approveCommand(waiting.executionId, cli, { io: approve.io })).toBe(0);
    });
    expect([result.error, result.cause]).toEqual([undefined, undefined]);
    expect(result.status).toBe('SUCCEEDED');
    expect(listed).toEqual([expect.objectContaining({ execution: result.executionId, kind: 'restore', status: 'PENDING', requestedBy: 'alice', request: expect.objectContaining({ overwrite: true }) })]);
    expect(JSON.stringify(listed)).not.toContain('taskToken');
    expect(await contents(GUARDED)).toEqual(ORIGINAL);
    expect(await approvals.get(result.executionId)).toMatchObject({ status: 'APPROVED', decidedBy: expect.stringMatching(/^local user /) });
    expect(loadExecutionHistory(dataDir, result.executionId).events.some((e) => e.type === 'StateEntered' && e.state === 'Wait for approval')).toBe(true);
  }, 120_000);

  it('a rejected overwrite restore fails with ApprovalRejected and the reason, and writes nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket: GUARDED, Key: 'a.txt', Body: 'changed again' }));
    const before = await contents(GUARDED);
    const plansBefore = await restorePlanKeys();
    const result = await run(names.restoreStateMachine, { ...overwrite, backupId }, async (waiting) => {
      expect(await approveCommand(waiting.executionId, { ...cli, reject: true, reason: 'not during the sale' }, { io: quiet().io })).toBe(0);
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ApprovalRejected');
    expect(result.cause).toContain('not during the sale');
    expect(await contents(GUARDED)).toEqual(before);
    expect(await restorePlanKeys()).toEqual(plansBefore);
    expect(await approvals.get(result.executionId)).toMatchObject({ status: 'REJECTED', reason: 'not during the sale' });
    // A second decision on the same execution is refused.
    const again = quiet();
    expect(await approveCommand(result.executionId, cli, { io: again.io })).toBe(1);
    expect(again.lines.join('\n')).toContain('no longer pending');
  }, 120_000);

  it('a restore into a new target asks for no approval', async () => {
    const target = `${names.restoreTargetPrefix}fresh`;
    await s3.send(new CreateBucketCommand({ Bucket: target }));
    let asked = false;
    const result = await run(names.restoreStateMachine, { source: 'assets', backupId, target: { type: 's3', bucket: target } }, async () => {
      asked = true;
    });
    expect([result.error, result.cause]).toEqual([undefined, undefined]);
    expect(result.status).toBe('SUCCEEDED');
    expect(asked).toBe(false);
    expect(await contents(target)).toEqual(ORIGINAL);
    expect(await approvals.get(result.executionId)).toBeUndefined();
  }, 120_000);
});
