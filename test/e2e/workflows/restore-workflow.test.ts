import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { loadLifeboatConfig } from '../../../config/load-config';
import { type SourceConfig } from '../../../config/lifeboat-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { openBackupVault } from '../../../lambdas/runtime/backup-vault';
import { encodeItemText } from '../../../lambdas/sources/dynamodb-item-codec';
import { replicateVault } from '../../../lambdas/replication/replicate-vault';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { S3VaultStore } from '../../../vault/backend/s3/s3-vault-store';
import { type Vault } from '../../../vault/repository/vault';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { SAMPLE_OBJECT_KEYS, seedSampleBucket, seedSampleDirectory, seedSampleTable } from '../../../local/demo/sample-data';
import { loadExecutionHistory } from '../../../local/executor/execution-history';
import { type FaultRule } from '../../../local/executor/fault-injection';
import { runLocalExecution } from '../../../local/executor/run-local-execution';
import { approveEveryTask } from '../../../local/executor/local-approver';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { pseudoRandomBytes, readTree } from '../../support/vault-test-helpers';
import { RESTORE_ENTRIES_PER_SHARD_ENV, RESTORE_PIECE_BYTES_ENV } from '../../../lambdas/restore/plan-restore';
import { commitFixtureBackup } from '../../support/vault-backup-fixture';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * The synthesized restore runbook, run by the local executor with the real bundled handlers over
 * the local cloud: restores of an S3 bucket, a DynamoDB table and a directory into new targets
 * (from the primary and the DR vault), each read back equal to its source; a transient shard
 * failure that Retry absorbs; bad runbook inputs that fail with the named error and write nothing.
 */
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
let dataDir: string;
let local: LocalEnvironment;
let s3: S3Client;
let ddb: DynamoDBClient;
let names: ReturnType<typeof resourceNames>;
let sources: SourceConfig[];
let backupId: string;
let primaryVault: Vault;
let vaultKeys: KeyFileKeyProvider;
const BACKUP_TIME = new Date('2026-03-01T10:00:00Z');
/** The states before validation: the overwrite choice and, with "overwrite": true, the approval (security-guards.test.ts tests them). */
const APPROVAL_FRONT = new Set(['Input as JSON text', 'Input is an object?', 'Overwrite requested?', 'Overwrite true?', 'Wait for approval']);
/** Small objects beside the bucket's samples: with restore shards of 20 entries (SMALL_SHARDS), a restore of the bucket runs three shards. */
const BULK_OBJECTS = 40;
const SMALL_SHARDS = { [RESTORE_ENTRIES_PER_SHARD_ENV]: '20' };

const source = <T extends SourceConfig['type']>(type: T) => sources.find((s): s is Extract<SourceConfig, { type: T }> => s.type === type) as Extract<SourceConfig, { type: T }>;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-restore-'));
  local = await openLocalEnvironment({ config, envName: 'dev', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, local.environment.primaryRegion);
  ddb = localDynamoDbClient(local.endpoints, local.environment.primaryRegion);
  sources = local.environment.plans.flatMap((p) => p.sources);
  await seedSampleBucket(s3, source('s3').bucket, { bulkObjects: BULK_OBJECTS });
  await seedSampleTable(ddb, source('dynamodb').table, 120);
  await seedSampleDirectory(path.join(local.fsRoot, source('filesystem').path));
  // The key file the local executor gives every function (run-local-execution.ts): the same vault key.
  vaultKeys = (await KeyFileKeyProvider.loadOrCreate(path.join(dataDir, 'vault.key'))).provider;
  primaryVault = await openBackupVault({ s3, bucket: names.primaryVault, provider: vaultKeys, create: true });
  backupId = await commitFixtureBackup('demo', sources, { vault: primaryVault, s3, dynamodb: ddb, catalogTable: names.catalogTable, directory: (p) => path.join(local.fsRoot, p) }, BACKUP_TIME);
}, 120_000);

afterAll(async () => {
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** `env`: variables for every function beside LIFEBOAT_FS_ROOT (a small piece budget). */
function runRestore(input: unknown, faults: FaultRule[] = [], env: Record<string, string> = {}) {
  const primary = local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  return runLocalExecution({
    stack: primary,
    stateMachine: names.restoreStateMachine,
    input,
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(2),
    faults,
    retryIntervalScale: 0.001,
    extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot, ...env },
    // Overwrite restores and failovers wait for an approval (docs/RUNBOOKS.md, "Approvals"); not what these tests are about.
    onTaskToken: approveEveryTask(dataDir),
  });
}

async function createBucket(bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

async function listKeys(bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key ?? '');
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

async function objectState(bucket: string, key: string) {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return {
    body: Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array()).toString('base64'),
    contentType: got.ContentType,
    // The other headers S3 keeps (the sample bucket's static/app.js has most): a restore without them serves gzip bytes as plain JavaScript.
    headers: [got.ContentEncoding, got.CacheControl, got.ContentDisposition, got.ContentLanguage, got.ExpiresString, got.WebsiteRedirectLocation],
    metadata: got.Metadata,
    tags: tags.TagSet?.map((t) => `${t.Key}=${t.Value}`).sort(),
  };
}

async function canonicalItems(table: string): Promise<string[]> {
  const out: string[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) out.push(encodeItemText(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return out.sort();
}

async function restorePlanKeys(): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: names.primaryVault, Prefix: 'restore-plans/' }));
  return (page.Contents ?? []).map((o) => o.Key ?? '');
}

it('restores the S3 source by backup id into a new bucket, equal object for object, retrying a transient shard failure', async () => {
  const target = `${names.restoreTargetPrefix}assets`;
  await createBucket(target);
  const result = await runRestore({ source: source('s3').name, backupId, target: { type: 's3', bucket: target } }, [
    // The child execution whose batch starts with shard 0 (the Distributed Map's ItemBatcher: { BatchInput, Items }).
    { state: 'Restore shard', errorName: 'TransientError', whenInput: { Items: [{ shardIndex: 0 }] }, times: 2 },
  ], SMALL_SHARDS);
  expect([result.error, result.cause]).toEqual([undefined, undefined]);
  expect(result.status).toBe('SUCCEEDED');
  const report = result.output as { entries: number; bytes: number; durationMs: number; verified: { entries: number; mismatches: number }; backupId: string };
  expect(report).toMatchObject({ backupId, entries: SAMPLE_OBJECT_KEYS.length + BULK_OBJECTS, verified: { entries: SAMPLE_OBJECT_KEYS.length + BULK_OBJECTS, mismatches: 0 } });
  expect(report.durationMs).toBeGreaterThan(0);

  const history = loadExecutionHistory(dataDir, result.executionId);
  // "Restore shards" is a Distributed Map: each child execution's events are in the history with its map run and index.
  const children = history.events.filter((e) => e.mapRun === 'Restore shards' && e.type === 'ExecutionSucceeded');
  const shardsOf = (output: unknown) => (output as { shards: { shardIndex: number; entries: number }[] }).shards;
  const restoredShards = children.flatMap((e) => shardsOf(e.output).map((s) => s.shardIndex));
  expect(restoredShards.length).toBeGreaterThan(1);
  // Every shard of the manifest exactly once, and together every entry.
  expect([...restoredShards].sort((a, b) => a - b)).toEqual(restoredShards.map((_, i) => i));
  expect(children.flatMap((e) => shardsOf(e.output)).reduce((n, s) => n + s.entries, 0)).toBe(SAMPLE_OBJECT_KEYS.length + BULK_OBJECTS);
  // The child holding shard 0 retried its task twice, then succeeded; no other child retried.
  const retried = history.events.filter((e) => e.type === 'StateRetried' && e.state === 'Restore shard');
  expect(retried).toHaveLength(2);
  const firstChild = children.find((e) => shardsOf(e.output)[0]?.shardIndex === 0);
  expect(retried.map((e) => [e.mapRun, e.index])).toEqual([
    ['Restore shards', firstChild?.index],
    ['Restore shards', firstChild?.index],
  ]);

  const sourceBucket = source('s3').bucket;
  const keys = await listKeys(sourceBucket);
  expect(await listKeys(target)).toEqual(keys);
  // Odd keys (`../`, spaces, `%`, `+`, emoji) restored verbatim, with body, content type and the other headers, user metadata and tags.
  for (const key of SAMPLE_OBJECT_KEYS) expect(await objectState(target, key)).toEqual(await objectState(sourceBucket, key));
  for (const key of keys.filter((_, i) => i % 37 === 0)) expect(await objectState(target, key)).toEqual(await objectState(sourceBucket, key));
}, 120_000);

it('restores the DynamoDB source as of a point in time into a new table with its schema, items equal attribute for attribute', async () => {
  const target = `${names.restoreTargetPrefix}orders`;
  const result = await runRestore({ source: source('dynamodb').name, pointInTime: '2026-03-01T11:30:00+01:00', target: { type: 'dynamodb', table: target } });
  expect([result.error, result.cause]).toEqual([undefined, undefined]);
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output).toMatchObject({ backupId, items: 120, verified: { mismatches: 0 } });
  expect(await canonicalItems(target)).toEqual(await canonicalItems(source('dynamodb').table));
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: target }));
  expect(Table?.KeySchema).toEqual([{ AttributeName: 'orderId', KeyType: 'HASH' }]);
  expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType])).toEqual([['byPlacedAt', 'KEYS_ONLY']]);
}, 120_000);

it('refuses a restore from the DR vault before the backup is replicated there, saying why and what to do', async () => {
  const result = await runRestore({ source: source('filesystem').name, backupId, vault: 'dr', target: { type: 'filesystem', path: '/mnt/restored/too-early' } });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('BackupNotReplicatedError');
  expect(result.cause).toContain(`Backup ${backupId} is not in the DR vault`);
  expect(result.cause).toContain('restore it from the primary vault');
}, 120_000);

it('restores the directory source from the DR vault into a new directory, tree and modes equal', async () => {
  // The backup workflow's Replicate step, through its core: the DR vault gets the snapshots and its own key object.
  const dr = localS3Client(local.endpoints, local.environment.drRegion);
  const replication = await replicateVault({ source: primaryVault, target: new S3VaultStore({ client: dr, bucket: names.drVault }), targetKeys: vaultKeys });
  expect(replication).toMatchObject({ complete: true, remainingObjects: 0 });
  expect(replication.copiedSnapshots).toHaveLength(sources.length);
  const result = await runRestore({ source: source('filesystem').name, backupId, vault: 'dr', target: { type: 'filesystem', path: '/mnt/restored/files' } });
  expect([result.error, result.cause]).toEqual([undefined, undefined]);
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output).toMatchObject({ vault: 'dr', verified: { mismatches: 0 } });
  const restored = path.join(local.fsRoot, 'mnt/restored/files');
  expect(await readTree(restored)).toEqual(await readTree(path.join(local.fsRoot, source('filesystem').path)));
}, 120_000);

it('restores only the keys under a filter prefix, into a prefix of the target bucket', async () => {
  const target = `${names.restoreTargetPrefix}reports`;
  await createBucket(target);
  const result = await runRestore({ source: source('s3').name, backupId, target: { type: 's3', bucket: target, prefix: 'restored/' }, filter: { prefix: 'reports/' } });
  expect([result.error, result.cause]).toEqual([undefined, undefined]);
  const expected = SAMPLE_OBJECT_KEYS.filter((k) => k.startsWith('reports/')).map((k) => `restored/${k}`);
  expect(await listKeys(target)).toEqual(expected.sort());
}, 120_000);

describe('bad runbook inputs fail with the named error and write nothing', () => {
  it.each([
    ['an unknown backup id', { source: 'demo-assets', backupId: '20990101T000000Z-deadbeef', target: { type: 's3', bucket: 'lifeboat-dev-restore-never' } }, 'UnknownBackupError', 'No backup with id 20990101T000000Z-deadbeef'],
    ['a malformed time', { source: 'demo-assets', pointInTime: 'last tuesday', target: { type: 's3', bucket: 'lifeboat-dev-restore-never' } }, 'InvalidInputError', 'pointInTime: must be an ISO 8601 time'],
    ['the original source without overwrite', { source: 'demo-assets', backupId: '20260301T100000Z-00000000', target: { type: 's3', bucket: 'lifeboat-demo-assets' } }, 'InvalidInputError', 'set \\"overwrite\\": true'],
    ['a missing target', { source: 'demo-orders', backupId: '20260301T100000Z-00000000' }, 'InvalidInputError', 'target: is required'],
    ['a target the workflow may not write', { source: 'demo-orders', backupId: '20260301T100000Z-00000000', target: { type: 'dynamodb', table: 'prod-orders-copy' } }, 'RestoreTargetNotAllowedError', 'target.table'],
  ])('%s', async (_label, input, error, message) => {
    const plansBefore = await restorePlanKeys();
    const tablesBefore = await canonicalItems(source('dynamodb').table);
    const result = await runRestore(input);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(error);
    expect(result.cause).toContain(message);
    const entered = loadExecutionHistory(dataDir, result.executionId).events.filter((e) => e.type === 'StateEntered' && !APPROVAL_FRONT.has(e.state ?? '')).map((e) => e.state);
    // Refused before any plan: nothing to abandon.
    expect(entered).toEqual(['Validate and resolve', 'Restore planned?', 'Release restore', "Released restore's error", 'Failure report', 'Restore failed']);
    expect(await restorePlanKeys()).toEqual(plansBefore);
    expect(await canonicalItems(source('dynamodb').table)).toEqual(tablesBefore);
  }, 60_000);
});

describe('the guardrails of directory targets (issue 13, item 4): refused at Validate naming target.path, nothing written outside the target', () => {
  const escapeName = `lifeboat-guardrail-escape-${process.pid}`;
  let outside: string;
  beforeAll(async () => {
    // Another writer's link on the way to a target: /mnt/linked points outside the local cloud's fs/ root.
    outside = path.join(dataDir, 'outside');
    await fs.mkdir(outside);
    await fs.mkdir(path.join(local.fsRoot, 'mnt'), { recursive: true });
    await fs.symlink(outside, path.join(local.fsRoot, 'mnt', 'linked'));
  });

  it.each([
    ['a ".." segment (it would leave fs/ locally)', { path: `/../../${escapeName}`, overwrite: false }, 'InvalidInputError', 'target.path: must not contain'],
    ['the mount root', { path: '/', overwrite: true }, 'RestoreTargetNotAllowedError', 'is the root of the file system (/)'],
    ['a directory inside the source', { path: '/mnt/lifeboat/demo-files/restored', overwrite: false }, 'RestoreTargetNotAllowedError', 'is inside the directory of the source being restored'],
    ['a directory that holds the source', { path: '/mnt/lifeboat', overwrite: true }, 'RestoreTargetNotAllowedError', 'holds the directory of source'],
    ['a symlink on the way', { path: '/mnt/linked/restored', overwrite: true }, 'RestoreTargetNotAllowedError', 'target.path: /mnt/linked is a symlink'],
  ])('%s', async (_label, { path: targetPath, overwrite }, error, message) => {
    const fsBefore = await readTree(local.fsRoot);
    const plansBefore = await restorePlanKeys();
    const result = await runRestore({ source: source('filesystem').name, backupId, target: { type: 'filesystem', path: targetPath }, ...(overwrite ? { overwrite } : {}) });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(error);
    expect(result.cause).toContain(message);
    const entered = loadExecutionHistory(dataDir, result.executionId).events.filter((e) => e.type === 'StateEntered' && !APPROVAL_FRONT.has(e.state ?? '')).map((e) => e.state);
    // Refused before any plan: nothing to abandon.
    expect(entered).toEqual(['Validate and resolve', 'Restore planned?', 'Release restore', "Released restore's error", 'Failure report', 'Restore failed']);
    expect(await readTree(local.fsRoot)).toEqual(fsBefore);
    expect(await fs.readdir(outside)).toEqual([]);
    expect(existsSync(path.join(local.fsRoot, '..', '..', escapeName))).toBe(false);
    expect(await restorePlanKeys()).toEqual(plansBefore);
  }, 60_000);
});

// Last in the file but one: it commits a second backup (of the S3 source alone), which the tests above must not see.
let piecesBackupId: string | undefined;
it('restores an object larger than the piece budget through the runbook in pieces, a shard each, completed by Verify restore, equal byte for byte', async () => {
  const sourceBucket = source('s3').bucket;
  const bigKey = 'big/recording.bin';
  await s3.send(new PutObjectCommand({ Bucket: sourceBucket, Key: bigKey, Body: pseudoRandomBytes(17 * 1024 * 1024, 91), ContentType: 'audio/wav', Metadata: { take: '7' }, Tagging: 'keep=yes' }));
  await s3.send(new PutObjectCommand({ Bucket: sourceBucket, Key: 'big/notes.txt', Body: 'three takes\n' }));
  const laterBackup = await commitFixtureBackup('demo', [source('s3')], { vault: primaryVault, s3, dynamodb: ddb, catalogTable: names.catalogTable, directory: (p) => path.join(local.fsRoot, p) }, new Date(BACKUP_TIME.getTime() + 3_600_000));
  piecesBackupId = laterBackup;
  const target = `${names.restoreTargetPrefix}pieces`;
  await createBucket(target);
  // A budget of one byte: every object of two or more 8 MiB parts is cut, one part a piece.
  const result = await runRestore({ source: source('s3').name, backupId: laterBackup, target: { type: 's3', bucket: target }, filter: { prefix: 'big/' } }, [], { [RESTORE_PIECE_BYTES_ENV]: '1' });
  expect([result.error, result.cause]).toEqual([undefined, undefined]);
  expect(result.output).toMatchObject({ entries: 2, verified: { entries: 2, mismatches: 0 } });
  const history = loadExecutionHistory(dataDir, result.executionId);
  const children = history.events.filter((e) => e.mapRun === 'Restore shards' && e.type === 'ExecutionSucceeded');
  const shards = children.flatMap((e) => (e.output as { shards: { shardIndex: number; bytes: number }[] }).shards);
  // Three pieces of the 17 MiB object (8 + 8 + 1 MiB) and one shard for the small object.
  expect(shards.map((s) => s.bytes).sort((a, b) => a - b)).toEqual([12, 1024 * 1024, 8 * 1024 * 1024, 8 * 1024 * 1024]);
  expect(await listKeys(target)).toEqual(['big/notes.txt', bigKey]);
  for (const key of ['big/notes.txt', bigKey]) expect(await objectState(target, key)).toEqual(await objectState(sourceBucket, key));
}, 180_000);

it('abandons a restore whose piece shard fails for good: the execution fails with the shard\'s error, and the object\'s multipart upload is aborted, leaving no object', async () => {
  const sourceBucket = source('s3').bucket;
  const bigKey = 'big/recording.bin';
  const target = `${names.restoreTargetPrefix}abandoned`;
  await createBucket(target);
  // The backup of the case above holds the 17 MiB object.
  expect(piecesBackupId).toBeDefined();
  const result = await runRestore(
    { source: source('s3').name, backupId: piecesBackupId, target: { type: 's3', bucket: target }, filter: { prefix: 'big/' } },
    [{ state: 'Restore shard', errorName: 'VaultCorruptionError', message: 'pack damaged (injected)', whenInput: { Items: [{ shardIndex: 1 }] } }],
    { [RESTORE_PIECE_BYTES_ENV]: '1' },
  );
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('States.ExceedToleratedFailureThreshold');
  expect(result.cause).toContain('of map "Restore shards" failed');
  const events = loadExecutionHistory(dataDir, result.executionId).events;
  expect(events.some((e) => e.mapRun === 'Restore shards' && e.error === 'VaultCorruptionError')).toBe(true);
  const entered = events.filter((e) => e.type === 'StateEntered' && e.mapRun === undefined).map((e) => e.state);
  expect(entered.slice(-5)).toEqual(['Restore planned?', 'Abandon restore', "Abandoned restore's error", 'Failure report', 'Restore failed']);
  const abandoned = events.find((e) => e.type === 'StateExited' && e.state === 'Abandon restore');
  expect((abandoned?.output as { abandoned?: unknown } | undefined)?.abandoned).toMatchObject({ abortedUploads: 1, removedPieceFiles: 0 });
  expect((abandoned?.output as { abandonError?: unknown } | undefined)?.abandonError).toBeUndefined();
  // The other pieces' parts were uploaded, but with the upload aborted no object has the key.
  expect(await listKeys(target)).not.toContain(bigKey);
  expect(await listKeys(sourceBucket)).toContain(bigKey);
}, 180_000);
