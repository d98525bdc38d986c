import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { catalogRebuildCommand } from '../../../cli/commands/catalog-commands';
import { restoreCommand, verifyCommand } from '../../../cli/commands/restore-commands';
import { backupsForgetCommand } from '../../../cli/commands/retention-commands';
import { type WorkflowRunner } from '../../../cli/workflow-runner';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { startRegion, stopRegion } from '../../../local/cloud/region-outage';
import { type SynthesizedStack } from '../../../local/assembly/synthesized-stack';
import { runLocalExecution } from '../../../local/executor/run-local-execution';
import { openLocalEnvironment } from '../../../local/local-environment';
import { type BackupTestEnvironment, committedBackupId, openBackupTestEnvironment, SMALL_PLAN, seedSmallSources, smallConfig } from '../../support/backup-test-environment';
import { capturedCliDeps, capturedCliIo } from '../../support/captured-cli-io';
import { runVaultCli } from '../../support/vault-cli-process';

/**
 * A lost DR catalog rebuilt from the DR vault alone (docs/RUNBOOKS.md, "Catalog rebuild"): after two
 * backups (each Replicate step writes the DR catalog), the DR catalog is emptied and the primary
 * region stopped; the DR stack's catalog-rebuild runbook, and then `lifeboat catalog rebuild --vault dr
 * --region dr` in process, write back exactly what Replicate had written, and the DR stack's restore
 * runbook restores a rebuilt backup — all with nothing of the primary region answering. Until the DR catalog is
 * rebuilt, `restore --from dr` and `verify --from dr` of a backup the DR vault holds say that the rebuild records it;
 * and the commands that need the primary catalog name it, and where to go instead, rather than a bare ECONNREFUSED.
 */
let env: BackupTestEnvironment;
let dr: { s3: S3Client; ddb: DynamoDBClient; catalog: BackupCatalog; stack: SynthesizedStack };
let backupIds: string[];

beforeAll(async () => {
  env = await openBackupTestEnvironment('dr-catalog-rebuild');
  const region = env.local.environment.drRegion;
  const stack = env.local.stacks.find((s) => s.role === 'dr');
  if (!stack) throw new Error('no DR stack');
  const ddb = localDynamoDbClient(env.local.endpoints, region);
  dr = { s3: localS3Client(env.local.endpoints, region), ddb, catalog: new BackupCatalog(DynamoDBDocumentClient.from(ddb), env.names.catalogTable), stack };
  await seedSmallSources(env);
  backupIds = [committedBackupId(await env.runBackup({ strategy: 'full' })), committedBackupId(await env.runBackup())];
}, 240_000);

afterAll(async () => {
  dr?.s3.destroy();
  dr?.ddb.destroy();
  await env?.close();
});

const byId = (a: { backupId: string }, b: { backupId: string }) => a.backupId.localeCompare(b.backupId);

/** What the DR region's runbooks read of the backups: every record of the plan and each source's index. */
async function drCatalogView(): Promise<{ records: BackupRecord[]; bySource: Record<string, string[]> }> {
  // Without the bookkeeping of restores (their pins, docs/RUNBOOKS.md "Running restores"): no rebuild can know it, nor needs to.
  const records = (await dr.catalog.listBackupsOfPlan(SMALL_PLAN)).sort(byId).map(({ pins: _pins, pinVersion: _pinVersion, ...record }) => record);
  const bySource = Object.fromEntries(await Promise.all(env.plan.sources.map(async (s) => [s.name, (await dr.catalog.listBackupsOfSource(s.name)).map((r) => r.backupId)])));
  return { records, bySource };
}

/** The view a rebuild gives back: the records as they were, each marked created by a rebuild without its legal hold (review rL R1). */
function asRebuilt(view: Awaited<ReturnType<typeof drCatalogView>>): Awaited<ReturnType<typeof drCatalogView>> {
  return { ...view, records: view.records.map((r) => ({ ...r, rebuilt: { at: expect.any(String) as unknown as string, holdRebuilt: false } })) };
}

/** The DR catalog lost: every item deleted. */
async function emptyDrCatalog(): Promise<void> {
  const documents = DynamoDBDocumentClient.from(dr.ddb);
  for await (const page of paginateScan({ client: documents }, { TableName: env.names.catalogTable })) {
    for (const item of page.Items ?? []) await documents.send(new DeleteCommand({ TableName: env.names.catalogTable, Key: { pk: item['pk'], sk: item['sk'] } }));
  }
  expect(await dr.catalog.listBackupsOfPlan(SMALL_PLAN)).toEqual([]);
}

function runDr(stateMachine: string, input: unknown) {
  return runLocalExecution({ stack: dr.stack, stateMachine, input, endpoints: env.local.endpoints, dataDir: env.dataDir, pool: env.local.lambdaPool(2), retryIntervalScale: 0.001 });
}

/** The CLI reads the environment from a config file: the test environment's, in its data directory (removed with it). */
function cliTarget(): { config: string; env: string; dataDir: string } {
  const config = path.join(env.dataDir, 'lifeboat.config.json');
  writeFileSync(config, JSON.stringify(smallConfig));
  return { config, env: 'test', dataDir: env.dataDir };
}

/** `lifeboat restore --from dr` as the CLI runs it, in this process: the DR stack's restore runbook. */
const drRestoreRunner: WorkflowRunner = {
  run: async (_workflow, input) => {
    const result = await runDr(env.names.restoreStateMachine, input);
    return { executionId: result.executionId, status: result.status, output: result.output, ...(result.error ? { error: result.error } : {}), ...(result.cause ? { cause: result.cause } : {}) };
  },
};

async function objectsOf(s3: S3Client, bucket: string): Promise<Record<string, string>> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const objects: Record<string, string> = {};
  for (const { Key } of listed.Contents ?? []) {
    if (!Key) continue;
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
    objects[Key] = Buffer.from((await Body?.transformToByteArray()) ?? []).toString('base64');
  }
  return objects;
}

it('rebuilds the emptied DR catalog from the DR vault with the primary region down: the records Replicate wrote, and a DR restore of a rebuilt backup', async () => {
  const replicated = await drCatalogView();
  expect(replicated.records.map((r) => r.backupId)).toEqual([...backupIds].sort());
  expect(replicated.records.every((r) => r.status === 'COMMITTED' && r.copies?.dr === 'COMMITTED')).toBe(true);
  await emptyDrCatalog();

  const primaryRegion = env.local.environment.primaryRegion;
  const bucketSource = env.plan.sources.find((s) => s.type === 's3');
  if (!bucketSource || bucketSource.type !== 's3') throw new Error('the small plan has a bucket source');
  const target = `${env.names.restoreTargetPrefix}dr-rebuilt`;
  await dr.s3.send(new CreateBucketCommand({ Bucket: target }));
  const latest = backupIds[1];
  await stopRegion(env.dataDir, primaryRegion);
  try {
    // The DR region has no primary vault: asking for it is refused, naming the field, and writes nothing.
    const refused = await runDr(env.names.catalogRebuildStateMachine, { vault: 'primary' });
    expect(refused).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(refused.cause).toContain('Invalid catalog rebuild request: vault: this is the DR region\'s catalog-rebuild runbook');
    expect(await dr.catalog.listBackupsOfPlan(SMALL_PLAN)).toEqual([]);

    const rebuilt = await runDr(env.names.catalogRebuildStateMachine, {});
    expect(rebuilt.error).toBeUndefined();
    expect(rebuilt.output).toMatchObject({ vault: 'dr', drCopies: 'this-vault-is-dr', outcomes: { created: 2, updated: 0, unchanged: 0, kept: 0, skipped: 0 }, leftOut: false });
    expect(await drCatalogView()).toEqual(asRebuilt(replicated));

    const restored = await runDr(env.names.restoreStateMachine, { source: bucketSource.name, backupId: latest, target: { type: 's3', bucket: target } });
    expect(restored.error).toBeUndefined();
    expect(restored.output).toMatchObject({ backupId: latest, source: bucketSource.name, verified: { mismatches: 0 } });
  } finally {
    await startRegion(env.dataDir, primaryRegion);
  }
  // Byte for byte the source (unchanged since the backups), now that its region answers again.
  expect(await objectsOf(dr.s3, target)).toEqual(await objectsOf(env.s3, bucketSource.bucket));
}, 240_000);

it('`lifeboat catalog rebuild --vault dr --region dr` rebuilds the DR catalog in process with the primary region down', async () => {
  const replicated = await drCatalogView();
  expect(replicated.records).toHaveLength(2);
  await emptyDrCatalog();
  const target = cliTarget();
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  const primaryRegion = env.local.environment.primaryRegion;
  const [first] = backupIds;
  if (first === undefined) throw new Error('no backup');
  await stopRegion(env.dataDir, primaryRegion);
  try {
    // Copied to the DR vault, not in the DR catalog (as a Replicate step cut before it wrote the DR catalog leaves it):
    // the DR side's refusal names the rebuild that records it, which needs nothing of the primary region.
    const notInDrCatalog =
      `No backup with id ${first} exists in the DR catalog: it holds only the backups replicated to the DR vault (a backup whose Replicate step has not run or failed is not there). ` +
      'List them with `lifeboat backups list`. If the DR vault holds its copy (a replication cut after copying, before it wrote the DR catalog, or a lost DR catalog), ' +
      '`lifeboat catalog rebuild --vault dr --region dr` records it in the DR catalog from the DR vault alone, with the primary region up or down; otherwise restore it from the primary region while that is up.';
    const restore = capturedCliDeps();
    const table = env.plan.sources.find((s) => s.type === 'dynamodb');
    if (!table) throw new Error('the small plan has a table source');
    expect(await restoreCommand({ ...target, source: table.name, backup: first, from: 'dr', target: `dynamodb://${env.names.restoreTargetPrefix}not-in-dr-catalog` }, { ...restore.deps, runner: drRestoreRunner })).toBe(1);
    expect(restore.err[0]).toBe(`Restore FAILED: UnknownBackupError: ${notInDrCatalog}`);
    const verify = capturedCliIo();
    expect(await verifyCommand({ ...target, backup: first, from: 'dr' }, { io: verify.io })).toBe(1);
    expect(verify.err).toEqual([`lifeboat verify: ${notInDrCatalog}`]);

    const options = { ...target, vault: 'dr', region: 'dr', json: true };
    expect(await catalogRebuildCommand(options, { io })).toBe(0);
    expect(err).toEqual([]);
    const report = JSON.parse(out.join('\n')) as { vault: string; drCopies: string; backups: { backupId: string; outcome: string }[] };
    expect(report).toMatchObject({ vault: 'dr', drCopies: 'this-vault-is-dr' });
    expect(report.backups.map((b) => [b.backupId, b.outcome])).toEqual([...backupIds].sort().map((id) => [id, 'created']));
    expect(await drCatalogView()).toEqual(asRebuilt(replicated));
  } finally {
    await startRegion(env.dataDir, primaryRegion);
  }
}, 120_000);

it('with the primary region down, verify, forget, hold and `catalog rebuild --vault dr` name the primary catalog and where to go instead', async () => {
  const target = cliTarget();
  const primaryRegion = env.local.environment.primaryRegion;
  const endpoint = env.local.endpoints.dynamodb[primaryRegion] ?? '?';
  const [, latest] = backupIds;
  if (latest === undefined) throw new Error('no backup');
  /** What a command says: the table, region and endpoint that did not answer (Node's own error), and then what to run instead. */
  const unanswered = (command: string, instead: string) =>
    `lifeboat ${command}: the primary catalog ${env.names.catalogTable} could not be reached: DynamoDB in ${primaryRegion} (${endpoint}) did not answer (connect ECONNREFUSED ${new URL(endpoint).host}). If the primary region is down, ${instead}\n`;
  // As an operator runs them, each its own process: in jest's realm the SDK wraps Node's error and drops its code.
  const lifeboat = (...args: string[]) => {
    const run = runVaultCli([], { argv: [...args, '--config', target.config, '--env', target.env, '--data-dir', target.dataDir] });
    return { status: run.status, stderr: run.stderr };
  };
  await stopRegion(env.dataDir, primaryRegion);
  try {
    expect(lifeboat('verify', '--backup', latest)).toEqual({ status: 1, stderr: unanswered('verify', 'verify the copy in the DR vault instead, whose record the DR catalog keeps: --from dr') });
    expect(lifeboat('backups', 'forget', '--plan', SMALL_PLAN)).toEqual({
      status: 1,
      stderr: unanswered('backups forget', "forget from the DR vault and its region's catalog instead: --vault dr; the primary vault's retention runs when its region answers"),
    });
    expect(lifeboat('backups', 'hold', latest, '--reason', 'case 42')).toEqual({
      status: 1,
      stderr: unanswered('backups hold', 'hold the DR copy alone: --only dr (the DR catalog and the DR vault); run the command again without --only once the primary region answers, for the primary half'),
    });
    // The DR vault answers: what fails is the write of the primary catalog, which --region dr leaves alone.
    expect(lifeboat('catalog', 'rebuild', '--vault', 'dr')).toEqual({
      status: 1,
      stderr: unanswered('catalog rebuild', 'rebuild the DR catalog from the DR vault instead: --vault dr --region dr, which reaches nothing of the primary region; the primary catalog is rebuilt when its region answers'),
    });

    // Where the messages send the operator works with the primary region down.
    const fromDr = capturedCliIo();
    expect(await verifyCommand({ ...target, backup: latest, from: 'dr' }, { io: fromDr.io })).toBe(0);
    expect(fromDr.out.at(-1)).toBe(`OK: backup ${latest} in the dr vault (structure; add --read-data to read every blob)`);
    const drForget = capturedCliIo();
    expect(await backupsForgetCommand({ ...target, plan: SMALL_PLAN, vault: 'dr', dryRun: true }, { io: drForget.io })).toBe(0);
    expect(drForget.err).toEqual([]);
  } finally {
    await startRegion(env.dataDir, primaryRegion);
  }
}, 120_000);

it('a local runbook opens its environment with the primary region down: the stopped region\'s stacks are not provisioned, and the DR runbook runs', async () => {
  const primaryRegion = env.local.environment.primaryRegion;
  await stopRegion(env.dataDir, primaryRegion);
  try {
    // What every local runbook of the CLI does first (cli/workflow-runner.ts). Until 2026-12-04 it provisioned both
    // regions and failed on the refused connection, so `lifeboat failover` could not be rehearsed locally.
    const opened = await openLocalEnvironment({ config: smallConfig, envName: 'test', dataDir: env.dataDir });
    try {
      const stack = opened.stacks.find((st) => st.role === 'dr');
      if (!stack) throw new Error('no DR stack');
      const result = await runLocalExecution({ stack, stateMachine: env.names.catalogRebuildStateMachine, input: { vault: 'dr' }, endpoints: opened.endpoints, dataDir: opened.dataDir, pool: opened.lambdaPool(2), retryIntervalScale: 0.001 });
      expect([result.status, result.error, result.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    } finally {
      await opened.close();
    }
    expect((await drCatalogView()).records.map((r) => r.backupId).sort()).toEqual([...backupIds].sort());
  } finally {
    await startRegion(env.dataDir, primaryRegion);
  }
}, 180_000);
