import * as path from 'node:path';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { commitBackup, forgetSnapshotsOfFailedBackup } from '../../../../lambdas/backup/commit-backup';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { rebuildCatalog } from '../../../../lambdas/catalog/catalog-rebuild';
import { LOCAL_VAULT_KEY_FILE_ENV } from '../../../../lambdas/runtime/backup-vault';
import { TransientError } from '../../../../lambdas/runtime/errors';
import { loadExecutionHistory } from '../../../../local/executor/execution-history';
import { localFunctions } from '../../../../local/executor/local-functions';
import { runLocalExecution } from '../../../../local/executor/run-local-execution';
import { stackResources } from '../../../../local/executor/stack-resources';
import { LOCAL_CREDENTIALS, LOCAL_ENDPOINTS_ENV } from '../../../../lambdas/runtime/local-endpoints';
import { snapshotKey, type Snapshot } from '../../../../vault';
import { observeS3Requests, type S3RequestObserver } from '../../../support/s3-request-observer';
import { eventually } from '../../../support/eventually';
import { listedKeys } from '../../../support/vault-test-helpers';
import { type BackupTestEnvironment, committedBackupId, openBackupTestEnvironment, plannedBackupId, seedSmallSources, SMALL_PLAN } from '../../../support/backup-test-environment';

/**
 * Step Functions runs a task at least once: a retry after a lost response may run beside the first
 * invocation (audit R16). Commit backup twice at once records one snapshot per source, all present;
 * Acquire lock twice continues under the first invocation's backup id.
 */
let env: BackupTestEnvironment;

beforeAll(async () => {
  env = await openBackupTestEnvironment('atleastonce');
  await seedSmallSources(env);
}, 120_000);

/** In front of the primary S3 endpoint for the workflow's functions in the test of two commits at once. */
let observer: S3RequestObserver | undefined;

afterAll(async () => {
  await env?.close();
  await observer?.close();
});

async function snapshotsOf(backupId: string): Promise<Snapshot[]> {
  return (await (await env.vault()).listSnapshots()).filter((s) => s.tags.includes(`backupId:${backupId}`));
}

/** The synthesized Record failure function, invoked as the backup workflow's Catch invokes it. */
async function invokeRecordFailure(event: unknown): Promise<unknown> {
  return invokeSynthesized('record-backup-failure', event);
}

/** A synthesized function of the primary stack by its handler, invoked with its own environment on the local cloud. */
async function invokeSynthesized(handler: string, event: unknown): Promise<unknown> {
  const primary = env.local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  const fn = [...localFunctions(stackResources(primary)).values()].find((f) => f.environment['LIFEBOAT_HANDLER'] === handler);
  if (!fn) throw new Error(`no ${handler} function in the primary stack`);
  const functionEnv = {
    AWS_REGION: primary.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    [LOCAL_ENDPOINTS_ENV]: JSON.stringify(env.local.endpoints),
    ...fn.environment,
    // As the local executor gives every function (run-local-execution.ts): the failure handlers open the vault (audit a2 F2).
    [LOCAL_VAULT_KEY_FILE_ENV]: path.join(env.dataDir, 'vault.key'),
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
  };
  // On the workflow's warm workers, where its Catch and its status rule run these functions too (a pool of one
  // until 2026-12-06: a third worker, loading them again).
  return env.local.lambdaPool(2).invoke(fn, event, functionEnv);
}

/** A run stopped right before its commit, its record RUNNING again: every part stored, as the commit finds it. */
async function runUpToCommit(): Promise<{ backupId: string; planKey: string }> {
  const r = await env.runBackup({ strategy: 'full', faults: [{ state: 'Commit backup', errorName: 'Stop', at: 'before' }] });
  const backupId = plannedBackupId(r);
  const exited = loadExecutionHistory(env.dataDir, r.executionId).events.find((e) => e.type === 'StateExited' && e.state === 'Plan shards');
  const planKey = (exited?.output as { backup: { planKey: string } }).backup.planKey;
  await DynamoDBDocumentClient.from(env.ddb).send(
    new UpdateCommand({
      TableName: env.names.catalogTable,
      Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' },
      UpdateExpression: 'SET #s = :r REMOVE #e, #c, endedAt',
      ExpressionAttributeNames: { '#s': 'status', '#e': 'error', '#c': 'cause' },
      ExpressionAttributeValues: { ':r': 'RUNNING' },
    }),
  );
  return { backupId, planKey };
}

it('a first commit that fails after the retry reused its snapshots deletes none of them: the backup commits on snapshots that exist', async () => {
  const input = await runUpToCommit();
  const catalog = () => new BackupCatalog(DynamoDBDocumentClient.from(env.ddb), env.names.catalogTable);
  let retryAtCatalog!: () => void;
  const retryReached = new Promise<void>((resolve) => (retryAtCatalog = resolve));
  let firstAtCatalog!: () => void;
  const firstReached = new Promise<void>((resolve) => (firstAtCatalog = resolve));
  // The first invocation's catalog write is throttled once the retry has read its markers; the retry writes after the first gave up.
  const first = catalog();
  first.markCommitted = async () => {
    firstAtCatalog();
    await retryReached;
    throw new TransientError('DynamoDB throttled the write (ProvisionedThroughputExceededException)');
  };
  const firstDone = commitBackup(input, { vault: await env.vault(), catalog: first }).then(
    () => 'committed',
    (err: Error) => err.name,
  );
  await firstReached;
  const retry = catalog();
  const mark = retry.markCommitted.bind(retry);
  retry.markCommitted = async (id, result) => {
    retryAtCatalog();
    await firstDone;
    return mark(id, result);
  };
  const committed = await commitBackup(input, { vault: await env.vault(), catalog: retry });
  expect(await firstDone).toBe('TransientError');

  const record = await env.catalog.requireBackup(input.backupId);
  expect(record.status).toBe('COMMITTED');
  const vault = await env.vault();
  for (const s of record.sources) expect({ source: s.name, present: await vault.store.has(snapshotKey(s.snapshotId)) }).toEqual({ source: s.name, present: true });
  expect((await snapshotsOf(input.backupId)).map((s) => s.id).sort()).toEqual(committed.sources.map((s) => s.snapshotId).sort());
}, 120_000);

it('a commit that finds a recorded snapshot gone refuses to mark the backup COMMITTED, naming it; once FAILED, its snapshots go', async () => {
  const input = await runUpToCommit();
  const vault = await env.vault();
  // The first snapshot checked (small-bucket's) is deleted right before its check, as an old commit's cleanup would.
  const has = vault.store.has.bind(vault.store);
  let deleted = false;
  vault.store.has = async (key) => {
    if (!deleted && key.startsWith('snapshots/')) {
      deleted = true;
      await vault.store.delete(key);
    }
    return has(key);
  };
  try {
    await expect(commitBackup(input, { vault, catalog: env.catalog })).rejects.toThrow(/^Backup \S+ cannot be committed: the snapshot [0-9a-f]{64} of source small-bucket is not in the vault \(snapshots\/[0-9a-f]{64}\)/);
  } finally {
    vault.store.has = has;
  }
  expect((await env.catalog.requireBackup(input.backupId)).status).toBe('RUNNING');
  // While RUNNING, another invocation may still record them: the failed invocation left them.
  expect(await snapshotsOf(input.backupId)).toHaveLength(env.plan.sources.length - 1);

  // The workflow's Record failure step marks the run FAILED; then no commit can record its snapshots any more: they and the markers go.
  const recorded = await invokeRecordFailure({ lock: { backupId: input.backupId }, error: { Error: 'CommittedSnapshotMissingError', Cause: 'test' } });
  // Every snapshot a marker names (deleting the one already gone is no error).
  expect(recorded).toEqual({ backupId: input.backupId, recorded: 'FAILED', snapshotsDeleted: env.plan.sources.length });
  expect((await env.catalog.requireBackup(input.backupId)).status).toBe('FAILED');
  expect(await snapshotsOf(input.backupId)).toEqual([]);
  expect(await listedKeys(vault.store, `parts/${input.backupId}/committed/`)).toEqual([]);
  // Again (a retried step): nothing more to delete, and the record stays FAILED.
  expect(await forgetSnapshotsOfFailedBackup(input.backupId, { store: vault.store, catalog: env.catalog })).toEqual([]);
}, 120_000);

// Audit e1-1: the index writes followed COMMITTED, so a commit whose index writes stayed throttled past its retries left a
// COMMITTED record that neither restore --at nor the next backup's parent choice could find (they took the one before).
it('a commit whose index writes keep failing leaves the backup not COMMITTED; restore --at and parent choice see it only once COMMITTED', async () => {
  const input = await runUpToCommit();
  const vault = await env.vault();
  const [source] = env.plan.sources;
  if (!source) throw new Error('the test plan has a source');
  const chosen = async () => ({
    parent: (await env.catalog.latestBackupOfSource(source.name))?.backupId === input.backupId,
    restoreAt: (await env.catalog.backupAsOf(source.name, new Date().toISOString()).catch(() => undefined))?.backupId === input.backupId,
  });
  const throttled = new BackupCatalog(DynamoDBDocumentClient.from(env.ddb), env.names.catalogTable);
  throttled.indexCommittedBackup = async () => {
    throw new TransientError('DynamoDB throttled the write (ProvisionedThroughputExceededException)');
  };
  // The first invocation and the step's retries: every one of them throttled at the index.
  for (let attempt = 0; attempt < 3; attempt++) await expect(commitBackup(input, { vault, catalog: throttled })).rejects.toThrow(/throttled/);
  expect((await env.catalog.requireBackup(input.backupId)).status).toBe('RUNNING');
  expect(await chosen()).toEqual({ parent: false, restoreAt: false });

  // A retry that gets through indexes it (again: the same items) and commits it.
  await commitBackup(input, { vault, catalog: env.catalog });
  expect((await env.catalog.requireBackup(input.backupId)).status).toBe('COMMITTED');
  expect(await chosen()).toEqual({ parent: true, restoreAt: true });
}, 120_000);

it('index items written before a commit that then failed are passed over: Record failure marks it FAILED and no reader chooses it', async () => {
  const input = await runUpToCommit();
  const vault = await env.vault();
  const [source] = env.plan.sources;
  if (!source) throw new Error('the test plan has a source');
  const failing = new BackupCatalog(DynamoDBDocumentClient.from(env.ddb), env.names.catalogTable);
  failing.markCommitted = async () => {
    throw new TransientError('DynamoDB throttled the write (ProvisionedThroughputExceededException)');
  };
  await expect(commitBackup(input, { vault, catalog: failing })).rejects.toThrow(/throttled/);
  await invokeRecordFailure({ lock: { backupId: input.backupId }, error: { Error: 'TransientError', Cause: 'test' } });
  expect((await env.catalog.requireBackup(input.backupId)).status).toBe('FAILED');
  expect((await env.catalog.latestBackupOfSource(source.name))?.backupId).not.toBe(input.backupId);
  expect((await env.catalog.listBackupsOfSource(source.name)).map((b) => b.backupId)).not.toContain(input.backupId);
  expect((await env.catalog.backupAsOf(source.name, new Date().toISOString()).catch(() => undefined))?.backupId).not.toBe(input.backupId);
}, 120_000);

// Review 42b: a backup stopped (ABORTED, TIMED_OUT) while its commit ran never reaches Record failure; the rule's
// release-failed-backup records it FAILED, and must delete the snapshots its commit wrote, which no record names.
it('a backup stopped after its commit wrote snapshots: release-failed-backup records it FAILED and deletes them and the markers', async () => {
  const input = await runUpToCommit();
  const vault = await env.vault();
  const failing = new BackupCatalog(DynamoDBDocumentClient.from(env.ddb), env.names.catalogTable);
  failing.markCommitted = async () => {
    throw new TransientError('the execution was stopped here');
  };
  await expect(commitBackup(input, { vault, catalog: failing })).rejects.toThrow(/stopped here/);
  expect(await snapshotsOf(input.backupId)).toHaveLength(env.plan.sources.length);
  // The stopped execution's lease, as Acquire lock left it.
  const executionArn = `arn:aws:states:us-east-1:000000000000:execution:${env.names.backupStateMachine}:stopped-${input.backupId}`;
  await env.catalog.acquireLock(SMALL_PLAN, input.backupId, new Date(), 3600, executionArn);
  const released = await invokeSynthesized('release-failed-backup', {
    'detail-type': 'Step Functions Execution Status Change',
    detail: { executionArn, stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${env.names.backupStateMachine}`, status: 'ABORTED', input: JSON.stringify({ plan: SMALL_PLAN }) },
  });
  expect(released).toEqual({ plan: SMALL_PLAN, backupId: input.backupId, released: true, recorded: 'FAILED', snapshotsDeleted: env.plan.sources.length });
  expect(await snapshotsOf(input.backupId)).toEqual([]);
  expect(await listedKeys(vault.store, `parts/${input.backupId}/committed/`)).toEqual([]);
}, 120_000);

it('two commits at once write one snapshot per source, and a catalog rebuild restores the backup', async () => {
  const primary = env.local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  const endpoint = env.local.endpoints.s3[primary.region];
  if (!endpoint) throw new Error(`no local S3 endpoint for ${primary.region}`);
  // The workflow's functions reach S3 through a proxy that counts the reads of each source's commit marker they were
  // answered. A function keeps the endpoints of its first invocation (as a Lambda container keeps its environment):
  // the workflow's Commit first runs here (the runs before stop ahead of it), and the proxy stays up to the end of
  // the file for the runs after.
  const markerReads = new Map<string, number>();
  observer = await observeS3Requests(endpoint, ({ method, path, status }) => {
    const source = /\/parts\/[^/]+\/committed\/([^/]+)\.json$/.exec(path)?.[1];
    if (method === 'GET' && status === 200 && source !== undefined) markerReads.set(source, (markerReads.get(source) ?? 0) + 1);
  });
  let first: Promise<string[]> | undefined;
  const r = await runLocalExecution({
    stack: primary,
    stateMachine: env.names.backupStateMachine,
    input: { plan: SMALL_PLAN, trigger: 'test', strategy: 'full' },
    endpoints: { ...env.local.endpoints, s3: { ...env.local.endpoints.s3, [primary.region]: observer.url } },
    dataDir: env.dataDir,
    pool: env.local.lambdaPool(2),
    faults: [],
    retryIntervalScale: 0.001,
    extraEnv: { LIFEBOAT_FS_ROOT: env.local.fsRoot },
    onEvent: (e) => {
      if (e.type !== 'StateEntered' || e.state !== 'Commit backup' || first) return;
      // The first invocation, its response lost, holds each snapshot it writes unnamed in its marker until the
      // workflow's own Commit (the retry) has read that marker: the retry finds the claim and must wait for it.
      const { backupId, planKey } = (e.input as { backup: { backupId: string; planKey: string } }).backup;
      first = env.vault().then(async (vault) => {
        const write = vault.commitSnapshot.bind(vault);
        vault.commitSnapshot = async (i) => {
          const snapshot = await write(i);
          await eventually(async () => markerReads.get(i.source.id) ?? 0, (reads) => reads > 0, `the retried Commit reading the claim of ${i.source.id}`, 60_000);
          return snapshot;
        };
        const c = await commitBackup({ backupId, planKey }, { vault, catalog: env.catalog, claimWait: { pollMs: 100, maxMs: 60_000 } });
        return c.sources.map((s) => s.snapshotId);
      });
    },
  });
  expect({ status: r.status, error: r.error, cause: r.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  const backupId = committedBackupId(r);
  const record = await env.catalog.requireBackup(backupId);
  expect(await first).toEqual(record.sources.map((s) => s.snapshotId));
  expect((await snapshotsOf(backupId)).map((s) => s.id).sort()).toEqual(record.sources.map((s) => s.snapshotId).sort());
  const report = await rebuildCatalog({ vault: await env.vault(), side: 'primary', catalog: env.catalog, environment: 'test', plans: [SMALL_PLAN], drHolds: null });
  expect(report.backups.filter((b) => b.backupId === backupId)).toEqual([{ backupId, plan: SMALL_PLAN, outcome: 'unchanged' }]);
}, 180_000);

it('Acquire lock run twice (its first response lost) continues under the first invocation\'s backup id', async () => {
  const r = await env.runBackup({ faults: [{ state: 'Acquire lock', errorName: 'Lambda.ServiceException', message: 'response lost', at: 'after', times: 1 }] });
  expect({ status: r.status, error: r.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
  const history = loadExecutionHistory(env.dataDir, r.executionId);
  expect(history.events.filter((e) => e.type === 'StateRetried' && e.state === 'Acquire lock')).toHaveLength(1);
  const backupId = committedBackupId(r);
  expect((await env.catalog.requireBackup(backupId)).status).toBe('COMMITTED');
  expect(await env.catalog.lease(SMALL_PLAN)).toBeUndefined();
}, 120_000);
