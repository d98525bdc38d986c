import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { failoverCommand } from '../../../cli/commands/failover-command';
import { type WorkflowRunner } from '../../../cli/workflow-runner';
import { lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { reportOfIncompleteCause } from '../../../lambdas/failover/failover-incomplete';
import { type FailoverReport } from '../../../lambdas/failover/failover-report';
import { createPrivateBucket } from '../../../lambdas/restore/private-bucket';
import { restoreIdClaimKey, targetClaimKey } from '../../../lambdas/restore/target-claim';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { seedSampleBucket, seedSampleTable } from '../../../local/demo/sample-data';
import { type FaultRule } from '../../../local/executor/fault-injection';
import { approveEveryTask } from '../../../local/executor/local-approver';
import { type LocalExecutionResult, runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { eventually } from '../../support/eventually';
import { duoPlanConfig } from './duo-plan-config';

/**
 * Audit R22 F1: two restores into one target both passed the "empty or absent" check before either wrote, both
 * SUCCEEDED, and the target held a mix of both backups. The target claim (lambdas/restore/target-claim.ts) gives a
 * target one restore at a time. Backups B1 and B2 differ (only-in-b1 / only-in-b2, shared.txt); restore A is held
 * after its resolve step (which took the claim) while restore B of the other backup starts into the same target.
 * Last, audit R38 F1: two failovers of the plan into the same targets, through the synthesized DR stack, on the same
 * environment and backups (one local cloud, one synthesis and two backups for both audits: docs/TESTING.md).
 */
const rawConfig = duoPlanConfig('tc');
const config = lifeboatConfigSchema.parse(rawConfig);

let dataDir: string;
let local: LocalEnvironment;
let s3: S3Client;
let ddb: DynamoDBClient;
let catalog: BackupCatalog;
let names: ReturnType<typeof resourceNames>;
let b1: string;
let b2: string;

const run = (input: unknown, options: { executionName?: string; faults?: FaultRule[] } = {}) => {
  const primary = local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  return runLocalExecution({
    stack: primary,
    stateMachine: names.restoreStateMachine,
    input,
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(2),
    retryIntervalScale: 0.001,
    extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot },
    // An overwrite waits for its approval (approval-step.ts): the local approver gives it.
    onTaskToken: approveEveryTask(dataDir),
    ...options,
  });
};

async function backup(): Promise<string> {
  const primary = local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  const r = await runLocalExecution({ stack: primary, stateMachine: names.backupStateMachine, input: { plan: 'duo', trigger: 'test' }, endpoints: local.endpoints, dataDir, pool: local.lambdaPool(2), retryIntervalScale: 0.001 });
  const id = (r.output as { committed?: { backupId?: string } } | undefined)?.committed?.backupId;
  if (r.status !== 'SUCCEEDED' || id === undefined) throw new Error(`backup failed: ${r.error ?? ''} ${r.cause ?? ''}`);
  return id;
}

const hasItem = async (table: string, id: string) => (await ddb.send(new GetItemCommand({ TableName: table, Key: { orderId: { S: id } }, ConsistentRead: true }))).Item !== undefined;
const onlyKeys = async (bucket: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((c) => c.Key ?? '').filter((k) => k.startsWith('only-in'));
/** The restore waits after its resolve step (claim taken, nothing written yet) while another starts. */
/** A restore held after its resolve step took the claim, until the test writes `releaseFile` (once it is done with the claim held). */
const heldAfterResolve = (releaseFile: string): FaultRule[] => {
  held.push(releaseFile);
  return [{ state: 'Plan restore shards', delayMs: 120_000, releaseFile, times: 1 }];
};
const release = (file: string) => writeFileSync(file, '');
/** Every hold of the running test: released after it too, so that a test failing before its release leaves no worker of the shared pool hung for the next. */
const held: string[] = [];
afterEach(() => {
  for (const file of held.splice(0)) release(file);
});

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-target-claim-'));
  writeFileSync(path.join(dataDir, 'lifeboat.config.json'), JSON.stringify(rawConfig));
  local = await openLocalEnvironment({ config, envName: 'tc', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, 'us-east-1');
  ddb = localDynamoDbClient(local.endpoints, 'us-east-1');
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable);
  await seedSampleBucket(s3, 'lifeboat-tc-duo-a', { bulkObjects: 5 });
  await seedSampleTable(ddb, 'lifeboat-tc-duo-t', 20);
  const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: 'lifeboat-tc-duo-a', Key: key, Body: body }));
  await put('only-in-b1.txt', 'b1');
  await put('shared.txt', 'version-from-B1');
  await ddb.send(new PutItemCommand({ TableName: 'lifeboat-tc-duo-t', Item: { orderId: { S: 'only-in-b1' }, placedAt: { N: '1' } } }));
  b1 = await backup();
  await s3.send(new DeleteObjectCommand({ Bucket: 'lifeboat-tc-duo-a', Key: 'only-in-b1.txt' }));
  await put('only-in-b2.txt', 'b2');
  await put('shared.txt', 'version-from-B2 (longer)');
  await ddb.send(new DeleteItemCommand({ TableName: 'lifeboat-tc-duo-t', Key: { orderId: { S: 'only-in-b1' } } }));
  await ddb.send(new PutItemCommand({ TableName: 'lifeboat-tc-duo-t', Item: { orderId: { S: 'only-in-b2' }, placedAt: { N: '2' } } }));
  b2 = await backup();
}, 240_000);

afterAll(async () => {
  s3?.destroy();
  ddb?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it('two restores into one new table: the second is refused naming the first, the table holds the first backup only, and verify releases the claim', async () => {
  const table = 'lifeboat-tc-restore-claim-t';
  const target = { type: 'dynamodb', table } as const;
  const held = path.join(dataDir, 'release-claim-first-t');
  const first = run({ source: 'duo-t', backupId: b1, target }, { executionName: 'claim-first-t', faults: heldAfterResolve(held) });
  await eventually(() => catalog.targetClaim(targetClaimKey(target)), (c) => c !== undefined, 'the first restore claiming its table');
  // Review rR F1, F2: the runbook's claim names its execution, so that no other execution with its restore id (a
  // restore-source child started by hand, a runbook named as a child's id) takes it over or releases it.
  expect(await catalog.targetClaim(targetClaimKey(target))).toMatchObject({ restoreId: 'claim-first-t', execution: expect.stringMatching(/:claim-first-t$/) });
  // Review rV F2: its restore id is claimed too, by the same execution.
  expect(await catalog.targetClaim(restoreIdClaimKey('claim-first-t'))).toMatchObject({ restoreId: 'claim-first-t', execution: expect.stringMatching(/:claim-first-t$/) });
  const second = await run({ source: 'duo-t', backupId: b2, target }, { executionName: 'claim-second-t' }).finally(() => release(held));
  expect(second.status).toBe('FAILED');
  expect(second.error).toBe('RestoreTargetClaimedError');
  expect(second.cause).toContain('dynamodb table lifeboat-tc-restore-claim-t is being restored by restore claim-first-t');
  expect(second.cause).toContain('choose another target');
  const won = await first;
  expect([won.status, won.error]).toEqual(['SUCCEEDED', undefined]);
  expect(won.output).toMatchObject({ backupId: b1, verified: { mismatches: 0 } });
  expect([await hasItem(table, 'only-in-b1'), await hasItem(table, 'only-in-b2')]).toEqual([true, false]);
  expect((await ddb.send(new ScanCommand({ TableName: table, Select: 'COUNT' }))).Count).toBe(21);
  expect(await catalog.targetClaim(targetClaimKey(target))).toBeUndefined();
  // Verify releases the claim of its restore id with its target's (review rBB).
  expect(await catalog.targetClaim(restoreIdClaimKey('claim-first-t'))).toBeUndefined();
}, 180_000);

it('two overwrites into one bucket mix too: the second is refused; the bucket holds the first backup only', async () => {
  const bucket = 'lifeboat-tc-restore-claim-a';
  await createPrivateBucket(s3, 'us-east-1', bucket);
  const target = { type: 's3', bucket, prefix: '' } as const;
  const held = path.join(dataDir, 'release-claim-first-a');
  const first = run({ source: 'duo-a', backupId: b1, target, overwrite: true }, { executionName: 'claim-first-a', faults: heldAfterResolve(held) });
  await eventually(() => catalog.targetClaim(targetClaimKey(target)), (c) => c !== undefined, 'the first restore claiming its bucket');
  // Another prefix of the same bucket: the claim is the bucket's (target-claim.ts says why).
  const second = await run({ source: 'duo-a', backupId: b2, target: { ...target, prefix: 'other/' }, overwrite: true }, { executionName: 'claim-second-a' }).finally(() => release(held));
  expect([second.status, second.error]).toEqual(['FAILED', 'RestoreTargetClaimedError']);
  expect(second.cause).toContain(`s3://${bucket}/other/ is being restored by restore claim-first-a`);
  const won = await first;
  expect([won.status, won.error]).toEqual(['SUCCEEDED', undefined]);
  expect(await onlyKeys(bucket)).toEqual(['only-in-b1.txt']);
  const shared = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'shared.txt' }));
  expect(await shared.Body?.transformToString()).toBe('version-from-B1');
  expect(await catalog.targetClaim(targetClaimKey(target))).toBeUndefined();
}, 180_000);

it('a restore that fails after its plan releases its claim in the abandon step', async () => {
  const target = { type: 'dynamodb', table: 'lifeboat-tc-restore-claim-abandoned' } as const;
  const releaseFile = path.join(dataDir, 'release-claim-abandoned');
  const failing = run(
    { source: 'duo-t', backupId: b1, target },
    { executionName: 'claim-abandoned', faults: [...heldAfterResolve(releaseFile), { state: 'Verify restore', errorName: 'RestoreVerificationError', message: 'injected' }] },
  );
  const held = await eventually(() => catalog.targetClaim(targetClaimKey(target)), (c) => c !== undefined, 'the restore claiming its table').finally(() => release(releaseFile));
  expect(held?.restoreId).toBe('claim-abandoned');
  const result = await failing;
  expect([result.status, result.error]).toEqual(['FAILED', 'RestoreVerificationError']);
  expect(await catalog.targetClaim(targetClaimKey(target))).toBeUndefined();
  expect(await catalog.targetClaim(restoreIdClaimKey('claim-abandoned'))).toBeUndefined();
}, 180_000);

it('a restore whose resolve fails transiently until its retries run out releases its claim ("Release restore"): the next restore into the target runs (review 42c F2)', async () => {
  const table = 'lifeboat-tc-restore-claim-throttled';
  const target = { type: 'dynamodb', table } as const;
  // After the handler ran: each invocation took (or took over) the claim, then the task failed as a throttled resolve does.
  const throttled = await run({ source: 'duo-t', backupId: b1, target }, { executionName: 'claim-throttled', faults: [{ state: 'Validate and resolve', errorName: 'TransientError', message: 'Rate exceeded', at: 'after' }] });
  expect([throttled.status, throttled.error]).toEqual(['FAILED', 'TransientError']);
  expect(await catalog.targetClaim(targetClaimKey(target))).toBeUndefined();
  expect(await catalog.targetClaim(restoreIdClaimKey('claim-throttled'))).toBeUndefined();
  const next = await run({ source: 'duo-t', backupId: b2, target }, { executionName: 'claim-after-throttled' });
  expect([next.status, next.error]).toEqual(['SUCCEEDED', undefined]);
  expect([await hasItem(table, 'only-in-b1'), await hasItem(table, 'only-in-b2')]).toEqual([false, true]);
}, 180_000);

describe('claims in the local cloud catalog', () => {
  const at = new Date('2026-12-05T10:00:00Z');
  const claimOf = (restoreId: string, now: Date, nonce?: string) => ({
    restoreId,
    target: 'directory /mnt/claims',
    at: now.toISOString(),
    until: new Date(now.getTime() + 3600_000).toISOString(),
    ...(nonce !== undefined ? { nonce } : {}),
  });

  it('a retried resolve of the same restore takes its claim over: the first invocation no longer releases it, the retry does (review 42c F1)', async () => {
    const key = targetClaimKey({ type: 'filesystem', path: '/mnt/claims/retried/' });
    expect(await catalog.claimTarget(key, claimOf('r-1', at, 'first'), at)).toBeUndefined();
    expect(await catalog.claimTarget(key, claimOf('r-1', at, 'retry'), at)).toBeUndefined();
    // The other spelling of the path is the same target.
    expect(await catalog.claimTarget(targetClaimKey({ type: 'filesystem', path: '/mnt//claims/retried' }), claimOf('r-2', at), at)).toMatchObject({ restoreId: 'r-1' });
    expect(await catalog.releaseTarget(key, 'r-1', { nonce: 'first' })).toBe(false);
    expect(await catalog.releaseTarget(key, 'r-2')).toBe(false);
    expect(await catalog.releaseTarget(key, 'r-1', { nonce: 'retry' })).toBe(true);
    expect(await catalog.targetClaim(key)).toBeUndefined();
  });

  it('a lapsed claim of another restore is taken over; one not lapsed is not', async () => {
    const key = targetClaimKey({ type: 'filesystem', path: '/mnt/claims/lapsed' });
    expect(await catalog.claimTarget(key, claimOf('r-old', at), at)).toBeUndefined();
    const before = new Date(at.getTime() + 3599_000);
    expect(await catalog.claimTarget(key, claimOf('r-new', before), before)).toMatchObject({ restoreId: 'r-old', until: '2026-12-05T11:00:00.000Z' });
    const after = new Date(at.getTime() + 3601_000);
    expect(await catalog.claimTarget(key, claimOf('r-new', after), after)).toBeUndefined();
    expect(await catalog.targetClaim(key)).toMatchObject({ restoreId: 'r-new', at: after.toISOString() });
    // The restore that lost it cannot release the new holder's claim.
    expect(await catalog.releaseTarget(key, 'r-old')).toBe(false);
    expect(await catalog.releaseTarget(key, 'r-new')).toBe(true);
  });
});

/**
 * Audit R38 F1: two failovers of one plan into the same targets (a double click, or `{plan}` then `{plan, backupId:
 * <older>}`). The target claim refuses the second one's restores; its report must say that those targets are the first
 * failover's ("held by"), and its `finish` input must leave them out: followed once the first had ended, it restored
 * the older backup with `overwrite` over the targets the applications already used. Through the synthesized DR stack,
 * from the DR vault's copies of B1 and B2 (each backup replicated them).
 */
describe('two failovers into the same targets', () => {
  let drS3: S3Client;
  let drDdb: DynamoDBClient;
  beforeAll(() => {
    drS3 = localS3Client(local.endpoints, local.environment.drRegion);
    drDdb = localDynamoDbClient(local.endpoints, local.environment.drRegion);
  });
  afterAll(() => {
    drS3?.destroy();
    drDdb?.destroy();
  });

  // The first failover holds its own workers while it waits (an injected hang occupies one): the second gets others.
  function runFailover(input: unknown, options: { executionName: string; faults?: FaultRule[]; workers?: number }): Promise<LocalExecutionResult> {
    const dr = local.stacks.find((s) => s.role === 'dr');
    if (!dr) throw new Error('no dr stack');
    const { workers = 2, ...rest } = options;
    return runLocalExecution({ stack: dr, stateMachine: names.failoverStateMachine, input, endpoints: local.endpoints, dataDir, pool: local.lambdaPool(workers), retryIntervalScale: 0.001, onTaskToken: approveEveryTask(dataDir), ...rest });
  }

  const sharedTxt = async (bucket: string) => (await drS3.send(new GetObjectCommand({ Bucket: bucket, Key: 'shared.txt' }))).Body?.transformToString();

  it('the second one\'s sources are REFUSED "held by" the first one\'s restores, with no finish input and no --overwrite; the first one\'s targets keep its backup', async () => {
    const bucket = `${names.restoreTargetPrefix}duo-a-x`;
    const table = `${names.restoreTargetPrefix}duo-t-x`;

    // The first failover (newest backup) waits after its resolve steps took both claims, before it writes,
    // until the second one has ended (the release file).
    const releaseFile = path.join(dataDir, 'release-fc-first');
    held.push(releaseFile);
    const first = runFailover({ plan: 'duo', backupId: b2, targetSuffix: 'x' }, { executionName: 'fc-first', workers: 3, faults: [{ state: 'Plan restore shards', delayMs: 300_000, releaseFile, times: 2 }] });
    const drCatalog = new BackupCatalog(DynamoDBDocumentClient.from(drDdb), names.catalogTable);
    const holders = async () => [
      (await drCatalog.targetClaim(targetClaimKey({ type: 's3', bucket, prefix: '' })))?.restoreId,
      (await drCatalog.targetClaim(targetClaimKey({ type: 'dynamodb', table })))?.restoreId,
    ];
    await eventually(holders, (h) => !h.includes(undefined), 'the first failover claiming both targets', 60_000);
    expect(await holders()).toEqual(['fc-first-duo-a', 'fc-first-duo-t']);

    // The second (an older backup, the same suffix), through the CLI.
    const results: LocalExecutionResult[] = [];
    const runner: WorkflowRunner = {
      run: async (_workflow, input) => {
        const result = await runFailover(input, { executionName: 'fc-second' });
        results.push(result);
        return { executionId: result.executionId, status: result.status, output: result.output, ...(result.error ? { error: result.error } : {}), ...(result.cause ? { cause: result.cause } : {}) };
      },
    };
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(`OUT ${l}`), err: (l: string) => lines.push(`ERR ${l}`) };
    const code = await failoverCommand({ config: 'unused', env: 'tc', dataDir, plan: 'duo', backup: b1, targetSuffix: 'x' }, { io, runner, stderr: { isTTY: false, write: () => true } }).finally(() => release(releaseFile));
    const won = await first;
    const [second] = results;
    if (!second) throw new Error('the CLI ran no failover');
    expect({ first: [won.status, won.error], second: [second.status, second.error], code }).toEqual({ first: ['SUCCEEDED', undefined], second: ['FAILED', 'FailoverIncompleteError'], code: 1 });

    const report = reportOfIncompleteCause(second.cause) as FailoverReport;
    expect(report.sources).toEqual([]);
    expect(report.failed?.map((f) => [f.source, f.error, f.heldBy])).toEqual([
      ['duo-a', 'RestoreTargetClaimedError', 'fc-first-duo-a'],
      ['duo-t', 'RestoreTargetClaimedError', 'fc-first-duo-t'],
    ]);
    expect(report).not.toHaveProperty('finish');
    const message = (JSON.parse(second.cause ?? '{}') as { errorMessage: string }).errorMessage;
    expect(message).toContain(`duo-a at s3://${bucket}/ (held by fc-first-duo-a); duo-t at dynamodb table ${table} (held by fc-first-duo-t).`);
    expect(message).not.toMatch(/not for the applications|To finish/);

    const printed = lines.join('\n');
    expect(printed).toMatch(new RegExp(`duo-a\\s*│\\s*REFUSED\\s*│\\s*s3://${bucket}/ \\(held by fc-first-duo-a\\)`));
    expect(printed).toMatch(new RegExp(`duo-t\\s*│\\s*REFUSED\\s*│\\s*dynamodb table ${table} \\(held by fc-first-duo-t\\)`));
    expect(lines).toContain('ERR No source of this failover is live; the targets of duo-a, duo-t are held by other restores (above), whose own reports say whether they are live.');
    expect(printed).not.toMatch(/FAILED|not for the applications|No source is live yet|--overwrite|Finish the failover/);

    // The first failover's targets hold its backup (B2), untouched by the second's (B1).
    expect((won.output as FailoverReport).sources.map((s) => s.target)).toEqual([`s3://${bucket}/`, `dynamodb table ${table}`]);
    expect(await sharedTxt(bucket)).toBe('version-from-B2 (longer)');
  }, 600_000);
});
