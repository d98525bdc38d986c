import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, paginateListObjectsV2, PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { findEnvironment } from '../../../config/load-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { cloudAccountsOf } from '../../../local/cloud/cloud-accounts';
import { type LocalCloudHandle, localDynamoDbClient, localS3Client, startLocalCloud } from '../../../local/cloud/local-cloud';
import { compareBuckets, compareDirectories } from '../../../local/demo/compare-restored';
import { seededBytes } from '../../../local/demo/sample-data';
import { approveEveryTask } from '../../../local/executor/local-approver';
import { type LocalExecutionResult, runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';

/**
 * Every write the IAM grants make create-only (createOnlyPutStatements, lib/constructs/vault-bucket-protection.ts)
 * carries If-None-Match: *, proven on the local cloud with its create-only guard (local/cloud/create-only-guard.ts)
 * on both vaults: there a plain PutObject, CopyObject or CompleteMultipartUpload under those prefixes is refused
 * 403 AccessDenied, as the deployed roles' policies refuse it. The synthesized backup (with its replication into
 * the DR vault), restore, drill, scrub and prune workflows must all succeed under it, and the data restored must
 * equal the source. No object here goes up in parts: packs stay under 16 MiB by design (vault/archiver/pack-sink.ts),
 * and only an object of 16 MiB or more would (S3VaultStore, a huge index object or manifest page); the functions
 * have no option to lower that threshold. S3VaultStore's multipart writes under the guard are
 * test/integration/local/cloud/create-only-guard.test.ts's.
 */
const PLAN = 'guarded';
const SOURCE_BUCKET = 'lifeboat-test-guarded';
const FILES = '/mnt/guarded';
const MiB = 1024 * 1024;

const config = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'test',
      account: '000000000000',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      plans: [
        {
          name: PLAN,
          schedule: 'rate(1 day)',
          strategy: 'incremental',
          // keepLast 1: the prune's Forget forgets the full backup once the incremental exists, so its packs hold garbage to repack.
          retention: { keepLast: 1 },
          objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
          maxConcurrency: 2,
          sources: [
            { type: 's3', name: 'guarded-bucket', bucket: SOURCE_BUCKET },
            { type: 'filesystem', name: 'guarded-files', path: FILES },
          ],
        },
      ],
    },
  ],
});
const environment = findEnvironment(config, 'test');
const names = resourceNames(environment);

/**
 * What the roles write create-only, by the grants (backup-workflow.ts: the plan's `config` and `keys/`, the snapshot's
 * `data/`, `index/`, `manifest/`, commit's `manifest/` and `snapshots/`, replication's same keys in the DR vault;
 * prune-workflow.ts: `data/`, `index/`; drill-workflow.ts: `drills/`). The DR vault of another account denies every
 * object-creating write of the primary account without the header; these are the keys it writes there.
 */
const CREATE_ONLY_PREFIXES = ['config', 'keys/', 'data/', 'index/', 'manifest/', 'snapshots/', 'drills/'];

let dataDir: string;
let cloud: LocalCloudHandle;
let local: LocalEnvironment;
let s3: S3Client;
let drS3: S3Client;
let catalog: BackupCatalog;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-create-only-writes-'));
  // Started here with the guard; openLocalEnvironment then finds it running, provisions into it and leaves it running.
  cloud = await startLocalCloud({
    dataDir,
    regions: [environment.primaryRegion, environment.drRegion],
    ...cloudAccountsOf(environment),
    exitWithParent: true,
    createOnlyPrefixes: { [names.primaryVault]: CREATE_ONLY_PREFIXES, [names.drVault]: CREATE_ONLY_PREFIXES },
  });
  local = await openLocalEnvironment({ config, envName: 'test', dataDir, exitWithParent: true });
  s3 = localS3Client(local.endpoints, environment.primaryRegion);
  drS3 = localS3Client(local.endpoints, environment.drRegion);
  const ddb = localDynamoDbClient(local.endpoints, environment.primaryRegion);
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable);

  await s3.send(new CreateBucketCommand({ Bucket: SOURCE_BUCKET }));
  for (let i = 0; i < 12; i++) await s3.send(new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: `objects/${String(i).padStart(2, '0')}`, Body: seededBytes(`object-${i}`, 4000 + i * 500) }));
  const root = fsPath(FILES);
  await mkdir(path.join(root, 'docs'), { recursive: true });
  // Incompressible, several chunks: the largest pack, which the scrub test deletes.
  await writeFile(path.join(root, 'big.bin'), seededBytes('big', 3 * MiB));
  await writeFile(path.join(root, 'docs', 'kept.txt'), seededBytes('kept', 40_000));
  await writeFile(path.join(root, 'docs', 'dropped.bin'), seededBytes('dropped', 300_000));
}, 180_000);

afterAll(async () => {
  s3?.destroy();
  drS3?.destroy();
  await local?.close();
  await cloud?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function fsPath(configured: string): string {
  return path.join(local.fsRoot, configured);
}

/** `poolSize`: the warm Lambda environments (one pool per size, kept between executions): another size, cold ones. */
function run(stateMachine: string, input: unknown, role: 'primary' | 'dr' = 'primary', poolSize = 2): Promise<LocalExecutionResult> {
  const stack = local.stacks.find((s) => s.role === role);
  if (!stack) throw new Error(`no ${role} stack`);
  return runLocalExecution({
    stack,
    stateMachine,
    input,
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(poolSize),
    retryIntervalScale: 0.001,
    extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot },
    onTaskToken: approveEveryTask(dataDir),
  });
}

function succeeded<T>(result: LocalExecutionResult): T {
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  return result.output as T;
}

async function listed(client: S3Client, bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
  const objects: { key: string; size: number }[] = [];
  for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) for (const o of page.Contents ?? []) objects.push({ key: o.Key ?? '', size: o.Size ?? 0 });
  return objects;
}

async function bytesOf(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  return Buffer.from((await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToByteArray()) ?? new Uint8Array());
}

/** The plan's newest backup (the incremental one below), which the restores restore. */
let newestBackupId = '';

/** Restores both sources of the plan's newest backup from `vault` into new targets named by `label`, and compares them with the sources. */
async function restoreAndCompare(vault: 'primary' | 'dr', label: string, poolSize?: number): Promise<string[]> {
  const bucket = `lifeboat-test-restore-${label}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const directory = `/mnt/restored-${label}`;
  for (const [source, target] of [
    ['guarded-bucket', { type: 's3', bucket }],
    ['guarded-files', { type: 'filesystem', path: directory }],
  ] as const) {
    // By id: the primary runbook chooses a point in time only among its own vault's backups (audit R41 F3).
    const report = succeeded<{ verified: { mismatches: number } }>(await run(names.restoreStateMachine, { source, backupId: newestBackupId, target, vault }, 'primary', poolSize));
    expect({ vault, source, mismatches: report.verified.mismatches }).toEqual({ vault, source, mismatches: 0 });
  }
  return [...(await compareBuckets(s3, { bucket: SOURCE_BUCKET, prefix: '' }, { bucket, prefix: '' })), ...(await compareDirectories(fsPath(FILES), fsPath(directory)))];
}

describe('with plain writes to the create-only prefixes of both vaults refused', () => {
  it('backs up in full and replicates the backup into the DR vault: the same packs in both', async () => {
    const result = await run(names.backupStateMachine, { plan: PLAN, trigger: 'test', strategy: 'full' });
    const backupId = succeeded<{ committed: { backupId: string } }>(result).committed.backupId;
    expect((await catalog.requireBackup(backupId)).copies).toEqual({ primary: 'COMMITTED', dr: 'COMMITTED' });
    const packs = await listed(s3, names.primaryVault, 'data/');
    expect(packs.length).toBeGreaterThan(0);
    expect(await listed(drS3, names.drVault, 'data/')).toEqual(packs);
  }, 300_000);

  it('backs up incrementally after a file is dropped and one added', async () => {
    await rm(path.join(fsPath(FILES), 'docs', 'dropped.bin'));
    await writeFile(path.join(fsPath(FILES), 'docs', 'added.txt'), seededBytes('added', 25_000));
    await s3.send(new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: 'objects/new', Body: seededBytes('new', 9000) }));
    const result = await run(names.backupStateMachine, { plan: PLAN, trigger: 'test', strategy: 'incremental' });
    const backupId = succeeded<{ committed: { backupId: string } }>(result).committed.backupId;
    newestBackupId = backupId;
    const record = await catalog.requireBackup(backupId);
    expect({ strategy: record.strategy, copies: record.copies }).toEqual({ strategy: 'incremental', copies: { primary: 'COMMITTED', dr: 'COMMITTED' } });
  }, 300_000);

  it('restores from the primary vault and from the DR vault: both equal the sources', async () => {
    expect(await restoreAndCompare('primary', 'primary')).toEqual([]);
    expect(await restoreAndCompare('dr', 'dr')).toEqual([]);
  }, 300_000);

  it('drills in the DR region: PASSED, its report written into the DR vault', async () => {
    const report = succeeded<{ verdict: string; vault: string; drillId: string }>(await run(names.drillStateMachine, { plan: PLAN }, 'dr'));
    expect({ verdict: report.verdict, vault: report.vault }).toEqual({ verdict: 'PASSED', vault: 'dr' });
    expect((await listed(drS3, names.drVault, 'drills/')).map((o) => o.key)).toEqual([`drills/${report.drillId}.json`]);
  }, 300_000);

  it('scrubs both vaults and repairs a pack missing from the primary from the DR copy', async () => {
    const [big] = (await listed(s3, names.primaryVault, 'data/')).sort((a, b) => b.size - a.size);
    if (!big) throw new Error('the backups wrote no pack');
    await s3.send(new DeleteObjectCommand({ Bucket: names.primaryVault, Key: big.key }));
    const output = succeeded<{ outcome: string; findings: { key: string; vault: string; outcome: string }[]; unrepaired: number }>(await run(names.scrubStateMachine, { vault: 'both', fraction: 1 }));
    expect({ outcome: output.outcome, findings: output.findings.map((f) => ({ key: f.key, vault: f.vault, outcome: f.outcome })), unrepaired: output.unrepaired }).toEqual({
      outcome: 'REPAIRED',
      findings: [{ key: big.key, vault: 'primary', outcome: 'repaired' }],
      unrepaired: 0,
    });
    expect((await bytesOf(s3, names.primaryVault, big.key)).equals(await bytesOf(drS3, names.drVault, big.key))).toBe(true);
  }, 300_000);

  it('prunes the primary vault with a repack (new packs and index objects), and the kept backup still restores equal', async () => {
    const first = succeeded<{ done: boolean; report: { packsRepacked: number; newPacks: number } }>(await run(names.pruneStateMachine, { graceHours: 0, repackThreshold: 0 }));
    expect(first.done).toBe(true);
    expect(first.report.packsRepacked).toBeGreaterThan(0);
    expect(first.report.newPacks).toBeGreaterThan(0);
    // A second run sweeps what the first condemned (grace 0 h).
    expect(succeeded<{ done: boolean }>(await run(names.pruneStateMachine, { graceHours: 0, repackThreshold: 0 })).done).toBe(true);
    // In the warm Lambda environments that restored this snapshot above: their vault's index predates the repack,
    // and a restore loads it again once per run (lambdas/restore/vault-for-blobs.ts), or it would read the packs
    // the second run deleted.
    expect(await restoreAndCompare('primary', 'pruned')).toEqual([]);
  }, 400_000);

  it('the guard is on: a plain PutObject to data/ of either vault is refused with AccessDenied, and writes nothing', async () => {
    for (const [client, bucket] of [
      [s3, names.primaryVault],
      [drS3, names.drVault],
    ] as const) {
      const key = `data/00/00${'0'.repeat(62)}`;
      const err = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'plain' })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(S3ServiceException);
      expect({ bucket, name: (err as S3ServiceException).name, status: (err as S3ServiceException).$metadata.httpStatusCode }).toEqual({ bucket, name: 'AccessDenied', status: 403 });
      expect((await listed(client, bucket, key)).length).toBe(0);
    }
  });
});
