import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type LifeboatConfig, lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { LOCAL_THAW_SECONDS_ENV, transitionObjects } from '../../../local/cloud';
import { localS3Client } from '../../../local/cloud/local-cloud';
import { loadExecutionHistory } from '../../../local/executor/execution-history';
import { runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';

/**
 * Storage tiers end to end (docs/ARCHITECTURE.md, "Storage tiers"): a plan with an archive tier; its backup, run by the
 * synthesized backup workflow, tags every pack with the plan; its packs are moved to GLACIER (transitionObjects: the
 * local cloud runs no lifecycle rules); the synthesized restore runbook then thaws them (Thaw archived packs ⇄ Wait for
 * thaws, the local cloud thawing in a second) and restores the bucket byte for byte. One small backup. Last, a DR vault
 * that lacks packs archived in the primary: the next backup's replication thaws them (Replicate ⇄ Wait for primary
 * thaws) and the DR copy restores byte for byte.
 */
const PLAN = 'yearly';
const SOURCE_BUCKET = 'lifeboat-test-tiers';
const config: LifeboatConfig = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'tiers',
      account: '000000000000',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      plans: [
        {
          name: PLAN,
          schedule: 'rate(365 days)',
          strategy: 'full',
          retention: { keepYearly: 7 },
          objectives: { rpoMinutes: 525_600, rtoMinutes: 2880 },
          maxConcurrency: 2,
          storage: { transition: { storageClass: 'GLACIER_IR', afterDays: 30 }, archive: { storageClass: 'GLACIER', afterDays: 90, retrievalTier: 'Bulk' } },
          sources: [{ type: 's3', name: 'yearly-bucket', bucket: SOURCE_BUCKET }],
        },
      ],
    },
  ],
});

const objects: Record<string, Buffer> = {
  'a.txt': Buffer.from('alpha'),
  'nested/b.bin': randomBytes(300 * 1024),
  'nested/deeper/c.bin': randomBytes(40 * 1024),
};
const savedThaw = process.env[LOCAL_THAW_SECONDS_ENV];
let dataDir: string;
let local: LocalEnvironment;
let s3: S3Client;
let drS3: S3Client;
let names: ReturnType<typeof resourceNames>;
/** The first test's backup, which the DR-vault restore reads by id (the primary runbook refuses a pointInTime for the DR vault). */
let firstBackupId = '';

beforeAll(async () => {
  // The cloud process and the executor read it: thaws take a second, and so does each Wait for thaws.
  process.env[LOCAL_THAW_SECONDS_ENV] = '1';
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-archive-restore-'));
  local = await openLocalEnvironment({ config, envName: 'tiers', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, local.environment.primaryRegion);
  drS3 = localS3Client(local.endpoints, local.environment.drRegion);
  await s3.send(new CreateBucketCommand({ Bucket: SOURCE_BUCKET }));
  for (const [key, body] of Object.entries(objects)) await s3.send(new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: key, Body: body }));
}, 180_000);

afterAll(async () => {
  if (savedThaw === undefined) delete process.env[LOCAL_THAW_SECONDS_ENV];
  else process.env[LOCAL_THAW_SECONDS_ENV] = savedThaw;
  s3?.destroy();
  drS3?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function run(stateMachine: string, input: unknown) {
  const primary = local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  return runLocalExecution({ stack: primary, stateMachine, input, endpoints: local.endpoints, dataDir, pool: local.lambdaPool(2), retryIntervalScale: 0.001 });
}

async function keysOf(bucket: string, prefix = '', client: S3Client = s3): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

it('backs up with tagged packs, and restores from GLACIER through the thaw loop, byte for byte', async () => {
  const backup = await run(names.backupStateMachine, { plan: PLAN, trigger: 'test' });
  expect([backup.status, backup.error, backup.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  const backupId = (backup.output as { committed?: { backupId?: string } }).committed?.backupId ?? '';
  expect(backupId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
  firstBackupId = backupId;

  // Every pack the backup wrote carries its plan's tier tag, which the vault's lifecycle rule selects by.
  const packs = await keysOf(names.primaryVault, 'data/');
  expect(packs.length).toBeGreaterThan(0);
  for (const key of packs) expect([key, (await s3.send(new GetObjectTaggingCommand({ Bucket: names.primaryVault, Key: key }))).TagSet]).toEqual([key, [{ Key: 'lifeboat-tier', Value: PLAN }]]);

  expect(await transitionObjects({ dataDir, region: local.environment.primaryRegion, s3, bucket: names.primaryVault, prefix: 'data/', storageClass: 'GLACIER' })).toEqual(packs);

  const target = `${names.restoreTargetPrefix}thawed`;
  await s3.send(new CreateBucketCommand({ Bucket: target }));
  const restore = await run(names.restoreStateMachine, { source: 'yearly-bucket', backupId, target: { type: 's3', bucket: target } });
  expect([restore.status, restore.error, restore.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  expect(restore.output).toMatchObject({ backupId, verified: { entries: Object.keys(objects).length, mismatches: 0 } });

  const history = loadExecutionHistory(dataDir, restore.executionId);
  const thaws = history.events.filter((e) => e.state === 'Thaw archived packs' && e.type === 'StateExited').map((e) => (e.output as { thaw: Record<string, unknown> }).thaw);
  // First look: every pack archived, a Bulk thaw asked for each; then the Wait, and a later look finds them all thawed.
  expect(thaws[0]).toEqual({ packs: packs.length, archived: packs.length, ready: 0, pending: packs.length, requested: packs.length, retrievalTier: 'Bulk', waitSeconds: 1 });
  expect(thaws.at(-1)).toMatchObject({ archived: packs.length, ready: packs.length, pending: 0, requested: 0 });
  expect(history.events.some((e) => e.state === 'Wait for thaws')).toBe(true);

  expect(await keysOf(target)).toEqual(Object.keys(objects).sort());
  for (const [key, body] of Object.entries(objects)) {
    const got = Buffer.from((await (await s3.send(new GetObjectCommand({ Bucket: target, Key: key }))).Body?.transformToByteArray()) ?? []);
    expect([key, got.equals(body)]).toEqual([key, true]);
  }
}, 240_000);

it('replication tags the DR vault\'s packs too, and a restore from the DR vault ("vault": "dr") thaws there', async () => {
  const drPacks = await keysOf(names.drVault, 'data/', drS3);
  expect(drPacks).toEqual(await keysOf(names.primaryVault, 'data/'));
  for (const key of drPacks) expect([key, (await drS3.send(new GetObjectTaggingCommand({ Bucket: names.drVault, Key: key }))).TagSet]).toEqual([key, [{ Key: 'lifeboat-tier', Value: PLAN }]]);
  await transitionObjects({ dataDir, region: local.environment.drRegion, s3: drS3, bucket: names.drVault, prefix: 'data/', storageClass: 'DEEP_ARCHIVE' });

  const target = `${names.restoreTargetPrefix}from-dr`;
  await s3.send(new CreateBucketCommand({ Bucket: target }));
  const restore = await run(names.restoreStateMachine, { source: 'yearly-bucket', vault: 'dr', backupId: firstBackupId, target: { type: 's3', bucket: target } });
  expect([restore.status, restore.error, restore.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  const history = loadExecutionHistory(dataDir, restore.executionId);
  const thaws = history.events.filter((e) => e.state === 'Thaw archived packs' && e.type === 'StateExited').map((e) => (e.output as { thaw: Record<string, unknown> }).thaw);
  expect(thaws[0]).toMatchObject({ packs: drPacks.length, archived: drPacks.length, requested: drPacks.length, pending: drPacks.length });
  expect(thaws.at(-1)).toMatchObject({ ready: drPacks.length, pending: 0 });
  for (const [key, body] of Object.entries(objects)) {
    const got = Buffer.from((await (await s3.send(new GetObjectCommand({ Bucket: target, Key: key }))).Body?.transformToByteArray()) ?? []);
    expect([key, got.equals(body)]).toEqual([key, true]);
  }
}, 240_000);

it('replication thaws packs archived in the primary that the DR vault lacks, waits, copies them, and the DR copy restores byte for byte', async () => {
  // A DR vault that has lacked packs for longer than the archive days: they are gone there and archived in the primary.
  const primaryPacks = await keysOf(names.primaryVault, 'data/');
  for (const key of await keysOf(names.drVault, 'data/', drS3)) await drS3.send(new DeleteObjectCommand({ Bucket: names.drVault, Key: key }));
  await transitionObjects({ dataDir, region: local.environment.primaryRegion, s3, bucket: names.primaryVault, prefix: 'data/', storageClass: 'GLACIER' });

  const backup = await run(names.backupStateMachine, { plan: PLAN, trigger: 'test' });
  expect([backup.status, backup.error, backup.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  const history = loadExecutionHistory(dataDir, backup.executionId);
  const passes = history.events.filter((e) => e.state === 'Replicate to DR vault' && e.type === 'StateExited').map((e) => (e.output as { replication: Record<string, unknown> }).replication);
  // First pass: the packs the DR vault lacks are archived in the primary; a Bulk thaw is asked for each, the rest copied.
  expect(passes[0]).toMatchObject({ complete: false, thaw: { archived: primaryPacks.length, pending: primaryPacks.length, requested: primaryPacks.length, ready: 0, retrievalTier: 'Bulk', waitSeconds: 1 } });
  expect(history.events.some((e) => e.state === 'Wait for primary thaws')).toBe(true);
  expect(passes.at(-1)).toMatchObject({ complete: true, remainingObjects: 0 });
  expect(passes.at(-1)?.thaw).toBeUndefined();

  const drPacks = await keysOf(names.drVault, 'data/', drS3);
  expect(drPacks).toEqual(primaryPacks);
  for (const key of drPacks) expect([key, (await drS3.send(new GetObjectTaggingCommand({ Bucket: names.drVault, Key: key }))).TagSet]).toEqual([key, [{ Key: 'lifeboat-tier', Value: PLAN }]]);

  const backupId = (backup.output as { committed?: { backupId?: string } }).committed?.backupId ?? '';
  const target = `${names.restoreTargetPrefix}dr-after-thaw`;
  await s3.send(new CreateBucketCommand({ Bucket: target }));
  const restore = await run(names.restoreStateMachine, { source: 'yearly-bucket', vault: 'dr', backupId, target: { type: 's3', bucket: target } });
  expect([restore.status, restore.error, restore.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  expect(await keysOf(target)).toEqual(Object.keys(objects).sort());
  for (const [key, body] of Object.entries(objects)) {
    const got = Buffer.from((await (await s3.send(new GetObjectCommand({ Bucket: target, Key: key }))).Body?.transformToByteArray()) ?? []);
    expect([key, got.equals(body)]).toEqual([key, true]);
  }
}, 240_000);
