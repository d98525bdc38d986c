import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { failoverCommand } from '../../../cli/commands/failover-command';
import { type WorkflowRunner } from '../../../cli/workflow-runner';
import { type LifeboatConfig, lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { reportOfIncompleteCause } from '../../../lambdas/failover/failover-incomplete';
import { type FailoverReport } from '../../../lambdas/failover/failover-report';
import { targetClaimKey } from '../../../lambdas/restore/target-claim';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { seedSampleBucket, seedSampleTable } from '../../../local/demo/sample-data';
import { type FaultRule } from '../../../local/executor/fault-injection';
import { approveEveryTask } from '../../../local/executor/local-approver';
import { type LocalExecutionResult, runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { duoPlanConfig } from './duo-plan-config';

/**
 * Audit R38 F1: two failovers of one plan into the same targets (a double click, or `{plan}` then `{plan, backupId:
 * <older>}`). The target claim refuses the second one's restores; its report must say that those targets are the first
 * failover's ("held by"), and its `finish` input must leave them out: followed once the first had ended, it restored
 * the older backup with `overwrite` over the targets the applications already used. Through the synthesized DR stack.
 */
const config: LifeboatConfig = lifeboatConfigSchema.parse(duoPlanConfig('fc'));

let dataDir: string;
let local: LocalEnvironment;
let names: ReturnType<typeof resourceNames>;
let s3: S3Client;
let ddb: DynamoDBClient;
let drS3: S3Client;
let drDdb: DynamoDBClient;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-failover-claimed-'));
  local = await openLocalEnvironment({ config, envName: 'fc', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, 'us-east-1');
  ddb = localDynamoDbClient(local.endpoints, 'us-east-1');
  drS3 = localS3Client(local.endpoints, local.environment.drRegion);
  drDdb = localDynamoDbClient(local.endpoints, local.environment.drRegion);
  await seedSampleBucket(s3, 'lifeboat-fc-duo-a', { bulkObjects: 0 });
  await seedSampleTable(ddb, 'lifeboat-fc-duo-t', 5);
}, 240_000);

afterAll(async () => {
  for (const client of [s3, ddb, drS3, drDdb]) client?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// The first failover holds its own workers while it waits (an injected hang occupies one): the second gets others.
function run(role: 'primary' | 'dr', stateMachine: string, input: unknown, options: { executionName?: string; faults?: FaultRule[]; workers?: number } = {}): Promise<LocalExecutionResult> {
  const stack = local.stacks.find((s) => s.role === role);
  if (!stack) throw new Error(`no ${role} stack`);
  const { workers = 2, ...rest } = options;
  return runLocalExecution({ stack, stateMachine, input, endpoints: local.endpoints, dataDir, pool: local.lambdaPool(workers), retryIntervalScale: 0.001, onTaskToken: approveEveryTask(dataDir), ...rest });
}

async function backup(): Promise<string> {
  const r = await run('primary', names.backupStateMachine, { plan: 'duo', trigger: 'test' });
  const id = (r.output as { committed?: { backupId?: string } } | undefined)?.committed?.backupId;
  if (r.status !== 'SUCCEEDED' || id === undefined) throw new Error(`backup failed: ${r.error ?? ''} ${r.cause ?? ''}`);
  return id;
}

const sharedTxt = async (bucket: string) => (await drS3.send(new GetObjectCommand({ Bucket: bucket, Key: 'shared.txt' }))).Body?.transformToString();

it('a second failover into the same targets: its sources are REFUSED "held by" the first one\'s restores, with no finish input and no --overwrite; the first one\'s targets keep its backup', async () => {
  await s3.send(new PutObjectCommand({ Bucket: 'lifeboat-fc-duo-a', Key: 'shared.txt', Body: 'as of B1 (older)' }));
  const b1 = await backup();
  await s3.send(new PutObjectCommand({ Bucket: 'lifeboat-fc-duo-a', Key: 'shared.txt', Body: 'as of B2 (newest)' }));
  const b2 = await backup();
  const bucket = `${names.restoreTargetPrefix}duo-a-x`;
  const table = `${names.restoreTargetPrefix}duo-t-x`;

  // The first failover (newest backup) waits after its resolve steps took both claims, before it writes,
  // until the second one has ended (the release file).
  const release = path.join(dataDir, 'release-fc-first');
  const first = run('dr', names.failoverStateMachine, { plan: 'duo', backupId: b2, targetSuffix: 'x' }, { executionName: 'fc-first', workers: 3, faults: [{ state: 'Plan restore shards', delayMs: 300_000, releaseFile: release, times: 2 }] });
  const drCatalog = new BackupCatalog(DynamoDBDocumentClient.from(drDdb), names.catalogTable);
  const holders = async () => [
    (await drCatalog.targetClaim(targetClaimKey({ type: 's3', bucket, prefix: '' })))?.restoreId,
    (await drCatalog.targetClaim(targetClaimKey({ type: 'dynamodb', table })))?.restoreId,
  ];
  const deadline = Date.now() + 60_000;
  while ((await holders()).includes(undefined)) {
    if (Date.now() > deadline) throw new Error(`the first failover did not claim both targets within 60 s: ${JSON.stringify(await holders())}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(await holders()).toEqual(['fc-first-duo-a', 'fc-first-duo-t']);

  // The second (an older backup, the same suffix), through the CLI.
  const results: LocalExecutionResult[] = [];
  const runner: WorkflowRunner = {
    run: async (_workflow, input) => {
      const result = await run('dr', names.failoverStateMachine, input, { executionName: 'fc-second' });
      results.push(result);
      return { executionId: result.executionId, status: result.status, output: result.output, ...(result.error ? { error: result.error } : {}), ...(result.cause ? { cause: result.cause } : {}) };
    },
  };
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(`OUT ${l}`), err: (l: string) => lines.push(`ERR ${l}`) };
  const code = await failoverCommand({ config: 'unused', env: 'fc', dataDir, plan: 'duo', backup: b1, targetSuffix: 'x' }, { io, runner, stderr: { isTTY: false, write: () => true } }).finally(() => writeFileSync(release, ''));
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

  // The first failover's targets hold its backup, untouched by the second.
  expect((won.output as FailoverReport).sources.map((s) => s.target)).toEqual([`s3://${bucket}/`, `dynamodb table ${table}`]);
  expect(await sharedTxt(bucket)).toBe('as of B2 (newest)');
}, 600_000);
