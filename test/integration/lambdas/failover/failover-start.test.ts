import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { protectionPlanSchema, type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type FailoverStartDeps, startFailover } from '../../../../lambdas/failover/failover-start';
import { createActiveTable, createCatalogShapedTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';

/**
 * The failover's first state against the local cloud's DR region: the backup it picks from a DR
 * catalog seeded with records (newest, at a time, by id; never one of another plan or not
 * committed), the buckets it creates in its own region, and the targets it refuses up front.
 */
const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const PREFIX = 'lifeboat-fo-restore-';
const TABLE = 'lifeboat-fo-catalog';

const plan: ProtectionPlanConfig = protectionPlanSchema.parse({
  name: 'demo',
  schedule: 'rate(1 day)',
  strategy: 'incremental',
  retention: { keepLast: 7 },
  objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
  sources: [
    { type: 's3', name: 'demo-assets', bucket: 'lifeboat-demo-assets' },
    { type: 'dynamodb', name: 'demo-orders', table: 'lifeboat-demo-orders' },
    { type: 'filesystem', name: 'demo-files', path: '/mnt/lifeboat/demo-files' },
  ],
});
const other: ProtectionPlanConfig = protectionPlanSchema.parse({ ...plan, name: 'other', sources: [{ type: 's3', name: 'other-assets', bucket: 'lifeboat-other-assets' }] });

const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-failover-start-'));
const fsRoot = join(dataDir, 'fs');
let s3: S3Client;
let s3Primary: S3Client;
let ddb: DynamoDBClient;
let catalog: BackupCatalog;

function record(backupId: string, startedAt: string, overrides: Partial<BackupRecord> = {}): BackupRecord {
  const sourceNames = overrides.sourceNames ?? plan.sources.map((s) => s.name);
  const stats = { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
  return {
    backupId,
    plan: 'demo',
    environment: 'fo',
    sourceNames,
    sources: sourceNames.map((name) => ({ name, type: plan.sources.find((s) => s.name === name)?.type ?? 's3', snapshotId: `snap-${name}`, rootHash: `root-${name}`, ...stats })),
    strategy: 'full',
    status: 'COMMITTED',
    startedAt,
    endedAt: startedAt.replace(':00.000Z', ':30.000Z'),
    shardCount: 1,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    ...overrides,
  };
}

const OLDEST = record('20261120T100000Z-00000001', '2026-11-20T10:00:00.000Z');
const MIDDLE = record('20261122T100000Z-00000002', '2026-11-22T10:00:00.000Z');
const NEWEST = record('20261124T100000Z-00000003', '2026-11-24T10:00:00.000Z');
const FAILED_LATER = record('20261125T100000Z-00000004', '2026-11-25T10:00:00.000Z', { status: 'FAILED', sources: [] });
const OF_OTHER_PLAN = record('20261126T100000Z-00000005', '2026-11-26T10:00:00.000Z', { plan: 'other', sourceNames: ['other-assets'] });

beforeAll(async () => {
  const cloud = await startLocalCloud({ dataDir: join(dataDir, 'cloud'), regions: [PRIMARY, DR], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, DR);
  s3Primary = localS3Client(cloud.endpoints, PRIMARY);
  ddb = localDynamoDbClient(cloud.endpoints, DR);
  await createCatalogShapedTable(ddb, TABLE, { byPlan: true });
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(ddb), TABLE);
  for (const r of [MIDDLE, OLDEST, NEWEST, FAILED_LATER, OF_OTHER_PLAN]) {
    if (r.status === 'COMMITTED') await catalog.putRebuiltBackup(r);
    else await catalog.createBackup(r);
  }
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  s3Primary?.destroy();
  ddb?.destroy();
  await stopLocalCloud(join(dataDir, 'cloud'));
  rmSync(dataDir, { recursive: true, force: true });
});

function deps(): FailoverStartDeps {
  return { plans: [plan, other], catalog, region: DR, restoreTargetPrefix: PREFIX, s3, dynamodb: ddb, directory: (p) => join(fsRoot, p) };
}

async function bucketExists(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

const envelope = (input: unknown, execution = 'failover-1') => ({ input, execution, startedAt: '2026-11-27T08:00:00Z' });

describe('which backup', () => {
  it('by default, the newest committed backup of the plan (a later FAILED one and one of another plan are passed over)', async () => {
    const started = await startFailover(envelope({ plan: 'demo', targetSuffix: 'pick-newest' }), deps());
    expect(started.backup).toEqual({ backupId: NEWEST.backupId, startedAt: NEWEST.startedAt, endedAt: NEWEST.endedAt });
  });

  it.each([
    ['2026-11-22T10:00:00Z', MIDDLE],
    ['2026-11-23T23:59:59+02:00', MIDDLE],
    ['2026-11-24T11:00:00+01:00', NEWEST],
    ['2026-11-20T10:00:00.000Z', OLDEST],
  ])('at %s: the newest committed backup started at or before it', async (at, expected) => {
    const started = await startFailover(envelope({ plan: 'demo', at, targetSuffix: 'pick-at' }), deps());
    expect(started.backup.backupId).toBe(expected.backupId);
  });

  it('by backupId', async () => {
    const started = await startFailover(envelope({ plan: 'demo', backupId: OLDEST.backupId, targetSuffix: 'pick-id' }), deps());
    expect(started.backup.backupId).toBe(OLDEST.backupId);
  });

  it.each([
    [{ plan: 'demo', at: '2026-11-20T09:59:59Z' }, `Invalid failover input: at: plan "demo" has no committed backup in the DR catalog started at or before 2026-11-20T09:59:59Z; its oldest kept backup is ${OLDEST.backupId}, started at 2026-11-20T10:00:00.000Z`],
    [{ plan: 'demo', backupId: OF_OTHER_PLAN.backupId }, `Invalid failover input: backupId: backup ${OF_OTHER_PLAN.backupId} is a backup of plan "other", not of plan "demo"`],
    [{ plan: 'demo', backupId: FAILED_LATER.backupId }, `Invalid failover input: backupId: backup ${FAILED_LATER.backupId} is FAILED; only a COMMITTED backup can be restored`],
    [{ plan: 'demo', backupId: '20261101T000000Z-0000ffff' }, 'Invalid failover input: backupId: backup 20261101T000000Z-0000ffff is not in the DR catalog'],
    [{ plan: 'nope' }, 'Invalid failover input: plan: unknown plan "nope"; known plans: demo, other'],
  ])('refuses %j naming the field', async (input, message) => {
    await expect(startFailover(envelope({ ...input, targetSuffix: 'refused' }), deps())).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
    expect(await bucketExists(s3, `${PREFIX}demo-assets-refused`)).toBe(false);
  });

  // Review r61G F1: the DR catalog holds committed backups only, so a sound one holds none before the plan's first
  // replicated backup; an at before it (a young plan, a date typed wrong) was sent to rebuild the whole catalog.
  it('an at 1 s before the oldest backup of a sound DR catalog is not sent to a rebuild, only told what one would be for', async () => {
    const refused = await startFailover(envelope({ plan: 'demo', at: '2026-11-20T09:59:59Z', targetSuffix: 'refused' }), deps()).catch((err: unknown) => err);
    expect(refused).toMatchObject({ name: 'InvalidInputError' });
    const message = (refused as Error).message;
    expect(message).toBe(
      `Invalid failover input: at: plan "demo" has no committed backup in the DR catalog started at or before 2026-11-20T09:59:59Z; its oldest kept backup is ${OLDEST.backupId}, started at 2026-11-20T10:00:00.000Z: give an at from then on; ` +
        'if the DR vault holds backups of the plan started before 2026-11-20T10:00:00.000Z, the DR catalog may have lost them: rebuild it from the DR vault with `lifeboat catalog rebuild --vault dr --region dr --env <env> [--aws]`, then start the failover again',
    );
    expect(message).not.toContain('if the DR vault holds backups, the DR catalog may have been lost');
  });

  it('refuses a backup that lacks a source of the plan, naming it', async () => {
    const partial = record('20261119T100000Z-00000006', '2026-11-19T10:00:00.000Z', { sourceNames: ['demo-assets'] });
    await catalog.putRebuiltBackup(partial);
    await expect(startFailover(envelope({ plan: 'demo', backupId: partial.backupId, targetSuffix: 'partial' }), deps())).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining(`Invalid failover input: backupId: backup ${partial.backupId} holds no snapshot of demo-orders, demo-files`),
    });
  });
});

describe('targets', () => {
  it('creates the missing buckets in its own region and returns one DR restore request per source', async () => {
    const started = await startFailover(envelope({ plan: 'demo' }, 'exec-targets'), deps());
    expect(started).toEqual({
      failoverId: 'exec-targets',
      plan: 'demo',
      startedAt: '2026-11-27T08:00:00.000Z',
      backup: { backupId: NEWEST.backupId, startedAt: NEWEST.startedAt, endedAt: NEWEST.endedAt },
      restores: [
        {
          restoreId: 'exec-targets-demo-assets',
          request: { source: 'demo-assets', backupId: NEWEST.backupId, target: { type: 's3', bucket: `${PREFIX}demo-assets-failover`, prefix: '' }, overwrite: false, vault: 'dr' },
        },
        { restoreId: 'exec-targets-demo-orders', request: { source: 'demo-orders', backupId: NEWEST.backupId, target: { type: 'dynamodb', table: `${PREFIX}demo-orders-failover` }, overwrite: false, vault: 'dr' } },
        { restoreId: 'exec-targets-demo-files', request: { source: 'demo-files', backupId: NEWEST.backupId, target: { type: 'filesystem', path: '/mnt/lifeboat/demo-files-failover' }, overwrite: false, vault: 'dr' } },
      ],
      // No source of this plan is mirrored: every one is restored from the DR vault, and says so.
      choices: [
        { source: 'demo-assets', type: 's3', use: 'vault', reason: 'not mirrored: restored from the DR vault' },
        { source: 'demo-orders', type: 'dynamodb', use: 'vault', reason: 'not mirrored: restored from the DR vault' },
        { source: 'demo-files', type: 'filesystem', use: 'vault', reason: 'not mirrored: restored from the DR vault' },
      ],
      // The bucket it created has the rule that aborts a stopped restore's uploads, which the report relies on.
      bucketsAbortingUploads: [`${PREFIX}demo-assets-failover`],
    });
    expect(await bucketExists(s3, `${PREFIX}demo-assets-failover`)).toBe(true);
    expect(await bucketExists(s3Primary, `${PREFIX}demo-assets-failover`)).toBe(false);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: `${PREFIX}demo-assets-failover` }))).KeyCount ?? 0).toBe(0);
  });

  it('a second start onto the same, still empty, targets is accepted (a failover that failed before writing can be started again)', async () => {
    const started = await startFailover(envelope({ plan: 'demo' }, 'exec-again'), deps());
    expect(started.restores.map((r) => r.request.target)).toEqual([
      { type: 's3', bucket: `${PREFIX}demo-assets-failover`, prefix: '' },
      { type: 'dynamodb', table: `${PREFIX}demo-orders-failover` },
      { type: 'filesystem', path: '/mnt/lifeboat/demo-files-failover' },
    ]);
  });

  it('refuses a bucket holding objects without overwrite, naming the field and the target, and creates no other bucket; accepts it with overwrite', async () => {
    const bucket = `${PREFIX}demo-assets-busy`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: DR } }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'restored-earlier.txt', Body: 'x' }));
    await expect(startFailover(envelope({ plan: 'demo', targetSuffix: 'busy' }), deps())).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining(`Invalid failover input: overwrite: the failover target of source "demo-assets", bucket ${bucket}, already holds data`),
    });
    const started = await startFailover(envelope({ plan: 'demo', targetSuffix: 'busy', overwrite: true }), deps());
    expect(started.restores.map((r) => r.request.overwrite)).toEqual([true, true, true]);
  });

  it('refuses a directory holding files without overwrite, before creating the buckets of the other sources', async () => {
    const dir = join(fsRoot, '/mnt/lifeboat/demo-files-dirbusy');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'left-over'), 'x');
    await expect(startFailover(envelope({ plan: 'demo', targetSuffix: 'dirbusy' }), deps())).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('Invalid failover input: overwrite: the failover target of source "demo-files", directory /mnt/lifeboat/demo-files-dirbusy, already holds data'),
    });
    expect(await bucketExists(s3, `${PREFIX}demo-assets-dirbusy`)).toBe(false);
    await startFailover(envelope({ plan: 'demo', targetSuffix: 'dirbusy', overwrite: true }), deps());
    expect(await bucketExists(s3, `${PREFIX}demo-assets-dirbusy`)).toBe(true);
  });

  it('refuses an existing table without overwrite (the restore creates it from the backup schema)', async () => {
    const table = `${PREFIX}demo-orders-tbusy`;
    await createActiveTable(ddb, { TableName: table, BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] });
    await expect(startFailover(envelope({ plan: 'demo', targetSuffix: 'tbusy' }), deps())).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining(`Invalid failover input: overwrite: the failover target of source "demo-orders", table ${table}, already holds data`),
    });
    await expect(startFailover(envelope({ plan: 'demo', targetSuffix: 'tbusy', overwrite: true }), deps())).resolves.toMatchObject({ plan: 'demo' });
  });
});
