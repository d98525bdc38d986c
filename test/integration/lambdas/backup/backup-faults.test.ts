import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadExecutionHistory } from '../../../../local/executor/execution-history';
import { partKey } from '../../../../lambdas/backup/backup-workspace';
import { shardPartDocumentSchema } from '../../../../lambdas/backup/backup-workspace';
import { type BackupTestEnvironment, committedBackupId, openBackupTestEnvironment, plannedBackupId, seedSmallSources, SMALL_PLAN } from '../../../support/backup-test-environment';

/**
 * Crash safety of the backup workflow on the vault, through the local executor: a run that dies
 * after uploading (a shard failing after its work, a crash before commit) is FAILED in the catalog,
 * leaves no snapshot in the vault and no lock, and the next run commits while reusing its uploads.
 */
let env: BackupTestEnvironment;

beforeAll(async () => {
  env = await openBackupTestEnvironment('faults');
  await seedSmallSources(env);
}, 120_000);

afterAll(async () => {
  await env?.close();
});

async function lockItem(): Promise<Record<string, unknown> | undefined> {
  const { Item } = await DynamoDBDocumentClient.from(env.ddb).send(new GetCommand({ TableName: env.names.catalogTable, Key: { pk: `LOCK#${SMALL_PLAN}`, sk: 'LOCK' } }));
  return Item;
}

async function snapshotsOf(backupId: string): Promise<string[]> {
  const vault = await env.vault();
  return (await vault.listSnapshots()).filter((s) => s.tags.includes(`backupId:${backupId}`)).map((s) => s.id);
}

/** Bytes each shard of a run uploaded as new chunks, from the parts they stored (shards without a part are absent). */
async function newBytesByShard(backupId: string, shardCount: number): Promise<Map<number, number>> {
  const vault = await env.vault();
  const bytes = new Map<number, number>();
  for (let i = 0; i < shardCount; i++) {
    const key = partKey(backupId, i);
    if (!(await vault.store.has(key))) continue;
    bytes.set(i, shardPartDocumentSchema.parse(JSON.parse((await vault.store.get(key)).toString('utf8'))).part.stats.bytesNew);
  }
  return bytes;
}

async function uploadedByShards(backupId: string, shardCount: number): Promise<number> {
  return [...(await newBytesByShard(backupId, shardCount)).values()].reduce((a, b) => a + b, 0);
}

it('a shard that fails permanently after uploading: FAILED, no snapshot, lock released; the next run reuses the packs', async () => {
  const failed = await env.runBackup({ faults: [{ state: 'Snapshot shard', errorName: 'ShardCrashedError', message: 'lost after upload', whenInput: { Items: [{ index: 0 }] }, at: 'after' }] });
  expect(failed.status).toBe('FAILED');
  // A failed child execution fails the Distributed Map as in AWS; the shard's own error is in the map run's results (and, locally, in the cause).
  expect(failed.error).toBe('States.ExceedToleratedFailureThreshold');
  expect(failed.cause).toContain('ShardCrashedError');
  const failedId = plannedBackupId(failed);
  const record = await env.catalog.requireBackup(failedId);
  expect(record.status).toBe('FAILED');
  // The shard's own error, recorded by its child before the map failed; the cause names the shard.
  expect(record.error).toBe('ShardCrashedError');
  expect(record.cause).toContain('Shard 0 of the batch that failed');
  expect(record.sources).toEqual([]);
  expect(await snapshotsOf(failedId)).toEqual([]);
  expect(await lockItem()).toBeUndefined();
  expect(loadExecutionHistory(env.dataDir, failed.executionId).events.map((e) => e.state)).not.toContain('Commit backup');

  // The crashed shard did upload (its part and index exist), so the next run finds those chunks. (The other
  // shards may not have run: the failed child stops the map run, as no failure is tolerated.)
  const before = await newBytesByShard(failedId, record.shardCount);
  expect(before.get(0)).toBeGreaterThan(10_000);

  const next = await env.runBackup();
  const nextRecord = await env.catalog.requireBackup(committedBackupId(next));
  expect(nextRecord.status).toBe('COMMITTED');
  const after = await newBytesByShard(nextRecord.backupId, nextRecord.shardCount);
  // Every shard that had uploaded in the failed run stores (next to) nothing new: its chunks are in the index.
  for (const [shard, bytes] of before) if (bytes > 0) expect({ shard, bytesNew: after.get(shard) }).toEqual({ shard, bytesNew: 0 });
  expect(nextRecord.totals?.bytesScanned).toBeGreaterThan(await uploadedByShards(failedId, record.shardCount));
  for (const v of await env.verifyAll(nextRecord)) expect(v.mismatches).toEqual([]);
}, 90_000);

it('a crash between the shards and the commit: FAILED, no snapshot; the next run commits without uploading again', async () => {
  const crashed = await env.runBackup({ strategy: 'full', faults: [{ state: 'Commit backup', errorName: 'WorkerCrashedError', message: 'power cut', at: 'before' }] });
  expect(crashed.status).toBe('FAILED');
  expect(crashed.error).toBe('WorkerCrashedError');
  const crashedId = plannedBackupId(crashed);
  expect((await env.catalog.requireBackup(crashedId)).status).toBe('FAILED');
  expect(await snapshotsOf(crashedId)).toEqual([]);
  expect(await lockItem()).toBeUndefined();
  // Nothing of the crashed run is offered to restore.
  const latest = await env.catalog.latestBackupOfSource('small-bucket');
  expect(latest?.backupId).not.toBe(crashedId);

  const next = await env.runBackup({ strategy: 'full' });
  const nextRecord = await env.catalog.requireBackup(committedBackupId(next));
  expect(nextRecord.strategy).toBe('full');
  // A full backup re-reads everything, and all of it is already in the vault.
  expect(nextRecord.totals?.bytesScanned).toBe(nextRecord.totals?.bytes);
  expect(nextRecord.totals?.bytesNew).toBe(0);
  for (const v of await env.verifyAll(nextRecord)) expect(v.mismatches).toEqual([]);
}, 90_000);

it('a commit that crashes after writing its snapshots is retried into one snapshot per source', async () => {
  const result = await env.runBackup({ faults: [{ state: 'Commit backup', errorName: 'TransientError', at: 'after', times: 1 }] });
  const backupId = committedBackupId(result);
  const history = loadExecutionHistory(env.dataDir, result.executionId);
  expect(history.events.filter((e) => e.type === 'StateRetried' && e.state === 'Commit backup')).toHaveLength(1);
  const record = await env.catalog.requireBackup(backupId);
  expect(record.status).toBe('COMMITTED');
  expect((await snapshotsOf(backupId)).sort()).toEqual(record.sources.map((s) => s.snapshotId).sort());
  expect(await snapshotsOf(backupId)).toHaveLength(env.plan.sources.length);
}, 90_000);
