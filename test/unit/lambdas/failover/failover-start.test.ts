import { handler as reportHandler } from '../../../../lambdas/handlers/failover-report';
import { handler as startHandler } from '../../../../lambdas/handlers/failover-start';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { protectionPlanSchema, type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type RebuildMarker } from '../../../../lambdas/catalog/catalog-rebuild-marker';
import { type FailoverStartDeps, resolveFailoverBackup, restoreIdOf, startFailover } from '../../../../lambdas/failover/failover-start';
import { mirrorRecordSchema } from '../../../../lambdas/mirror/mirror-record';

/**
 * The restore ids of a failover's sources, and the two handlers' envelopes refused, naming the field,
 * before a function builds anything from its environment (none is set here); the backups the DR
 * vault's retention forgot, left out or refused before any target is created. The start against a
 * catalog and buckets: test/integration/lambdas/failover/failover-start.test.ts.
 */
const RESTORE_ID = /^[0-9A-Za-z_-]{1,80}$/;

it('derives <failover id>-<source> when it fits', () => {
  expect(restoreIdOf('0b6c2c5e-4f0a-4b9e-9a51-1f6f2d0c4e11', 'demo-assets')).toBe('0b6c2c5e-4f0a-4b9e-9a51-1f6f2d0c4e11-demo-assets');
});

it('shortens and hashes a long execution name, keeping the ids of two names that share their first 80 characters apart', () => {
  const a = restoreIdOf(`${'x'.repeat(80)}a`, 'a-source-name-of-thirty-two-char');
  const b = restoreIdOf(`${'x'.repeat(80)}b`, 'a-source-name-of-thirty-two-char');
  expect([a, b]).toEqual([expect.stringMatching(RESTORE_ID), expect.stringMatching(RESTORE_ID)]);
  expect(a).not.toBe(b);
  expect(a.endsWith('-a-source-name-of-thirty-two-char')).toBe(true);
});

it('replaces characters a restore id may not hold (execution names may), and stays unique per source', () => {
  const ids = ['demo-assets', 'demo-orders'].map((s) => restoreIdOf('failover 2026.11.24 (drill)', s));
  for (const id of ids) expect(id).toMatch(RESTORE_ID);
  expect(new Set(ids).size).toBe(2);
  expect(restoreIdOf('failover 2026.11.24', 'demo-assets')).not.toBe(restoreIdOf('failover_2026_11_24', 'demo-assets'));
});

it.each([
  [{ input: { plan: 'demo' }, startedAt: '2026-11-24T12:00:00Z' }, 'Invalid failover envelope: execution: '],
  [{ input: { plan: 'demo' }, execution: 'e', startedAt: 'noon' }, 'Invalid failover envelope: startedAt: must be the execution start time'],
])('the start refuses the envelope %j naming the field', async (event, message) => {
  await expect(startHandler(event)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});

it('the report refuses an input without the start result, naming the field', async () => {
  await expect(reportHandler({ restored: [], finishedAt: '2026-11-24T12:00:00Z' })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('Invalid failover report input: failover: ') });
});

describe('a backup the DR vault forgot', () => {
  const plan: ProtectionPlanConfig = protectionPlanSchema.parse({
    name: 'shop',
    schedule: 'rate(1 day)',
    strategy: 'full',
    retention: { keepLast: 7 },
    objectives: { rpoMinutes: 60, rtoMinutes: 60 },
    sources: [{ type: 's3', name: 'shop-assets', bucket: 'lifeboat-shop-assets' }],
  });
  const recordOf = (backupId: string, startedAt: string, forgottenAt?: string): BackupRecord => ({
    backupId,
    plan: 'shop',
    environment: 'au',
    sourceNames: ['shop-assets'],
    sources: [{ name: 'shop-assets', type: 's3', snapshotId: `snap-${backupId}`, rootHash: 'root', entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 }],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt,
    shardCount: 1,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    ...(forgottenAt !== undefined ? { forgottenAt } : {}),
  });
  // The DR catalog after `lifeboat backups forget --vault dr` with drRetention {keepLast: 1}: B1 and B2 forgotten, B3 kept.
  const B1 = recordOf('20261205T100000Z-0000000b', '2026-12-05T10:00:00.000Z', '2026-12-05T13:00:00.000Z');
  const B2 = recordOf('20261205T110000Z-0000000c', '2026-12-05T11:00:00.000Z', '2026-12-05T13:00:00.000Z');
  const B3 = recordOf('20261205T120000Z-0000000d', '2026-12-05T12:00:00.000Z');

  /** The DR catalog's two reads, over a list; and an S3 client that records every call, so that a refusal is shown to come before any bucket is created. */
  function setup(records: readonly BackupRecord[], marker?: RebuildMarker): { deps: FailoverStartDeps; s3Calls: string[] } {
    const catalog: FailoverStartDeps['catalog'] = {
      getBackup: (backupId) => Promise.resolve(records.find((r) => r.backupId === backupId)),
      listBackupsOfPlan: (name) => Promise.resolve(records.filter((r) => r.plan === name)),
      rebuildMarker: () => ({ read: () => Promise.resolve(marker) }),
    };
    const s3Calls: string[] = [];
    const s3 = { send: (command: object) => {
      s3Calls.push(command.constructor.name);
      return Promise.reject(new Error('no S3 in this test'));
    } } as unknown as S3Client;
    const deps: FailoverStartDeps = { plans: [plan], catalog, region: 'us-west-2', restoreTargetPrefix: 'lifeboat-au-restore-', s3, dynamodb: {} as DynamoDBClient, directory: (p) => p };
    return { deps, s3Calls };
  }
  const start = (input: object, deps: FailoverStartDeps): Promise<unknown> => startFailover({ input: { plan: 'shop', ...input }, execution: 'fo-1', startedAt: '2026-12-05T14:00:00Z' }, deps);

  it('leaves forgotten records out: the newest kept backup, and the newest kept one at or before at', async () => {
    const { deps } = setup([B1, B2, B3]);
    expect((await resolveFailoverBackup({ plan: 'shop' }, deps.catalog)).backupId).toBe(B3.backupId);
    // The newest forgotten backup (say, forgotten by hand as infected) is passed over for the newest kept one.
    const newestForgotten = recordOf('20261205T130000Z-0000000e', '2026-12-05T13:00:00.000Z', '2026-12-05T13:30:00.000Z');
    const withIt = setup([B1, B2, B3, newestForgotten]).deps.catalog;
    expect((await resolveFailoverBackup({ plan: 'shop' }, withIt)).backupId).toBe(B3.backupId);
    expect((await resolveFailoverBackup({ plan: 'shop', at: '2026-12-05T13:10:00Z' }, withIt)).backupId).toBe(B3.backupId);
  });

  it('refuses at with only forgotten backups at or before it, naming the oldest kept backup, before any bucket is created', async () => {
    const { deps, s3Calls } = setup([B1, B2, B3]);
    await expect(start({ at: B2.startedAt, targetSuffix: 'at1' }, deps)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message:
        `Invalid failover input: at: plan "shop" has no committed backup in the DR catalog started at or before ${B2.startedAt} that the DR vault keeps ` +
        `(2 started by then were forgotten by its retention); its oldest kept backup is ${B3.backupId}, started at ${B3.startedAt}: give an at from then on`,
    });
    expect(s3Calls).toEqual([]);
  });

  it('refuses an at older than what an unfinished rebuild of the DR catalog wrote, naming its time and how to finish; by id or the newest as before (review rH F2)', async () => {
    // A DR catalog rebuild cut after writing B3 on; the table still held B1 (restored from PITR), and B2 is not written yet.
    const B1kept = recordOf('20261205T100000Z-0000000b', '2026-12-05T10:00:00.000Z');
    // As the DR function of environment au reads it (BackupCatalog's reader), which shows the line its rebuild writes.
    const marker: RebuildMarker = {
      reliableFrom: { startedAt: B3.startedAt, backupId: B3.backupId },
      vault: 'dr',
      writtenAt: '2026-12-06T09:00:00.000Z',
      finishWith: 'lifeboat catalog rebuild --vault dr --region dr --env au --aws',
      readBy: { environment: 'au', region: 'dr', aws: true, vaultKeyArn: undefined },
    };
    const { deps, s3Calls } = setup([B1kept, B3], marker);
    await expect(start({ at: '2026-12-05T11:30:00Z', targetSuffix: 'gap' }, deps)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(
        new RegExp(
          `^Invalid failover input: at: plan "shop" has backup ${B1kept.backupId} \\(started ${B1kept.startedAt}\\) as the newest in the DR catalog at or before 2026-12-05T11:30:00Z, ` +
            `but the catalog is being rebuilt from the dr vault .* has come down to the backup started ${B3.startedAt} \\(${B3.backupId}\\) so far: .*\\. ` +
            'Finish the rebuild \\(from a machine, which has no time limit: lifeboat catalog rebuild --vault dr --region dr --env au --aws; .*then start the failover with this at again; or give the backupId to fail over to now\\.$',
        ),
      ),
    });
    expect(s3Calls).toEqual([]);
    expect((await resolveFailoverBackup({ plan: 'shop', at: '2026-12-05T12:30:00Z' }, deps.catalog)).backupId).toBe(B3.backupId);
    expect((await resolveFailoverBackup({ plan: 'shop' }, deps.catalog)).backupId).toBe(B3.backupId);
    expect((await resolveFailoverBackup({ plan: 'shop', backupId: B1kept.backupId }, deps.catalog)).backupId).toBe(B1kept.backupId);
  });

  it('refuses the newest when an unfinished rebuild of the DR catalog marks a newer backup than the catalog holds; without a marker, the newest as before (review rP F1)', async () => {
    // A DR catalog rebuild cut before its first write: its mark stays at the vault's newest backup, B3; the table (restored from PITR) holds only B1.
    const B1kept = recordOf('20261205T100000Z-0000000b', '2026-12-05T10:00:00.000Z');
    const marker: RebuildMarker = { reliableFrom: { startedAt: B3.startedAt, backupId: B3.backupId }, vault: 'dr', writtenAt: '2026-12-06T09:00:00.000Z' };
    const { deps, s3Calls } = setup([B1kept], marker);
    await expect(start({ targetSuffix: 'newest' }, deps)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(
        new RegExp(
          `^Invalid failover input: plan: plan "shop" has backup ${B1kept.backupId} \\(started ${B1kept.startedAt}\\) as the newest in the DR catalog, ` +
            `but the catalog is being rebuilt from the dr vault .* has come down to the backup started ${B3.startedAt} \\(${B3.backupId}\\) so far: ` +
            'the catalog may lack any backup older than that one, and that one too when the rebuild has not written one yet\\. ' +
            'Finish the rebuild \\(from a machine, which has no time limit: lifeboat catalog rebuild --vault dr; .*then start the failover again; or give the backupId to fail over to now\\.$',
        ),
      ),
    });
    expect(s3Calls).toEqual([]);
    await expect(resolveFailoverBackup({ plan: 'shop' }, setup([], marker).deps.catalog)).rejects.toThrow(/^Invalid failover input: plan: plan "shop" has no backup in the DR catalog, but the catalog is being rebuilt/);
    expect((await resolveFailoverBackup({ plan: 'shop', backupId: B1kept.backupId }, deps.catalog)).backupId).toBe(B1kept.backupId);
    expect((await resolveFailoverBackup({ plan: 'shop' }, setup([B1kept]).deps.catalog)).backupId).toBe(B1kept.backupId);
  });

  it('refuses a forgotten backupId, naming when it was forgotten and the newest kept backup, before any bucket is created', async () => {
    const { deps, s3Calls } = setup([B1, B2, B3]);
    await expect(start({ backupId: B1.backupId, targetSuffix: 'id1' }, deps)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message:
        `Invalid failover input: backupId: backup ${B1.backupId} was forgotten by the DR vault's retention at 2026-12-05T13:00:00.000Z: its snapshots are no longer in the DR vault; ` +
        `the newest kept is ${B3.backupId} (started ${B3.startedAt}): give it as backupId, or leave backupId out for it`,
    });
    expect(s3Calls).toEqual([]);
  });

  it('refuses the plan when the DR vault forgot every backup, saying so', async () => {
    const { deps, s3Calls } = setup([B1, B2]);
    await expect(start({}, deps)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('Invalid failover input: plan: plan "shop" has no committed backup in the DR catalog that the DR vault keeps (its retention forgot all 2)'),
    });
    expect(s3Calls).toEqual([]);
  });
});

describe('a DR catalog that holds no backup of the plan (lost or emptied, audit a59A F1 and F6)', () => {
  const plan: ProtectionPlanConfig = protectionPlanSchema.parse({
    name: 'shop',
    schedule: 'rate(1 day)',
    strategy: 'full',
    retention: { keepLast: 7 },
    objectives: { rpoMinutes: 60, rtoMinutes: 60 },
    sources: [{ type: 's3', name: 'shop-assets', bucket: 'lifeboat-shop-assets' }],
  });
  const empty: FailoverStartDeps['catalog'] = {
    getBackup: () => Promise.resolve(undefined),
    listBackupsOfPlan: () => Promise.resolve([]),
    rebuildMarker: () => ({ read: () => Promise.resolve(undefined) }),
  };
  const rebuild = '`lifeboat catalog rebuild --vault dr --region dr --env au --aws`';
  const inAws = { environment: 'au', localCloud: false };
  const recordOf = (backupId: string, startedAt: string, status: BackupRecord['status']): BackupRecord => ({
    backupId, plan: 'shop', environment: 'au', sourceNames: ['shop-assets'], sources: [], strategy: 'full', status, startedAt, shardCount: 1, copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  });
  const holding = (records: BackupRecord[]): FailoverStartDeps['catalog'] => ({
    getBackup: (id) => Promise.resolve(records.find((r) => r.backupId === id)),
    listBackupsOfPlan: () => Promise.resolve(records),
    rebuildMarker: () => ({ read: () => Promise.resolve(undefined) }),
  });

  it('names the rebuild of the DR catalog with the environment and --aws, not only the wait for Replicate', async () => {
    await expect(resolveFailoverBackup({ plan: plan.name }, empty, 'us-west-2', inAws)).rejects.toThrow(
      `Invalid failover input: plan: plan "shop" has no committed backup in the DR catalog; a backup reaches it once the backup's Replicate step has copied it to the DR vault; ` +
        `if the DR vault holds backups, the DR catalog may have been lost: rebuild it from the DR vault with ${rebuild}, then start the failover again`,
    );
    await expect(resolveFailoverBackup({ plan: plan.name, at: '2026-12-05T12:00:00Z' }, empty, 'us-west-2', inAws)).rejects.toThrow(`it has none the DR vault keeps; if the DR vault holds backups, the DR catalog may have been lost: rebuild it from the DR vault with ${rebuild}`);
  });

  it('finishes the sentence on a backupId the DR catalog lacks, and names the rebuild (local cloud: --env, and --data-dir to add)', async () => {
    await expect(resolveFailoverBackup({ plan: plan.name, backupId: '20261205T120000Z-0000000d' }, empty, 'us-west-2', { environment: 'dev', localCloud: true })).rejects.toThrow(
      'leave backupId out for the newest backup of plan "shop" that the DR catalog holds; if the DR vault holds backups, the DR catalog may have been lost: ' +
        'rebuild it from the DR vault with `lifeboat catalog rebuild --vault dr --region dr --env dev` (and --data-dir <dir> for a local cloud not in .lifeboat), then start the failover again',
    );
  });

  // Review r60E F3: a sound DR catalog that has not had the backup asked for replicated yet was said maybe lost.
  it('names no rebuild when the DR catalog holds backups of the plan, only not the one asked for (not replicated yet)', async () => {
    const older: BackupRecord = {
      backupId: '20261205T120000Z-0000000a',
      plan: 'shop',
      environment: 'au',
      sourceNames: ['shop-assets'],
      sources: [],
      strategy: 'full',
      status: 'COMMITTED',
      startedAt: '2026-12-05T12:00:00.000Z',
      shardCount: 1,
      copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    };
    const running: BackupRecord = { ...older, backupId: '20261205T130000Z-0000000c', status: 'RUNNING', startedAt: '2026-12-05T13:00:00.000Z' };
    const holding = (records: BackupRecord[]): FailoverStartDeps['catalog'] => ({
      getBackup: (id) => Promise.resolve(records.find((r) => r.backupId === id)),
      listBackupsOfPlan: () => Promise.resolve(records),
      rebuildMarker: () => ({ read: () => Promise.resolve(undefined) }),
    });
    const notReplicated = resolveFailoverBackup({ plan: plan.name, backupId: '20261207T120000Z-0000000b' }, holding([older]), 'us-west-2', inAws);
    await expect(notReplicated).rejects.toThrow(
      'Invalid failover input: backupId: backup 20261207T120000Z-0000000b is not in the DR catalog (not replicated to the DR vault?); leave backupId out for the newest backup of plan "shop" that the DR catalog holds',
    );
    await expect(notReplicated).rejects.not.toThrow('may have been lost');
    // No committed backup, but a record of the plan all the same: the catalog is there.
    await expect(resolveFailoverBackup({ plan: plan.name }, holding([running]), 'us-west-2', inAws)).rejects.toThrow(
      /^Invalid failover input: plan: plan "shop" has no committed backup in the DR catalog; a backup reaches it once the backup's Replicate step has copied it to the DR vault$/,
    );
  });

  // Review r60J F3: a DR catalog lost long ago and recreated empty holds only the backups replicated since; one asked
  // for that is older than all of them is what the lost catalog held, and the DR vault may still keep it.
  it('names the rebuild when the backup asked for is older than every record of the plan the DR catalog holds', async () => {
    const since: BackupRecord = {
      backupId: '20261206T000000Z-0000000a',
      plan: 'shop',
      environment: 'au',
      sourceNames: ['shop-assets'],
      sources: [],
      strategy: 'full',
      status: 'COMMITTED',
      startedAt: '2026-12-06T00:00:00.000Z',
      shardCount: 1,
      copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    };
    const failedSince: BackupRecord = { ...since, backupId: '20261205T000000Z-0000000c', status: 'FAILED', startedAt: '2026-12-05T00:00:00.000Z' };
    const catalog: FailoverStartDeps['catalog'] = {
      getBackup: (id) => Promise.resolve([since, failedSince].find((r) => r.backupId === id)),
      listBackupsOfPlan: () => Promise.resolve([since, failedSince]),
      rebuildMarker: () => ({ read: () => Promise.resolve(undefined) }),
    };
    await expect(resolveFailoverBackup({ plan: plan.name, backupId: '20261101T000000Z-0000000b' }, catalog, 'us-west-2', inAws)).rejects.toThrow(
      'Invalid failover input: backupId: backup 20261101T000000Z-0000000b is not in the DR catalog (not replicated to the DR vault?); leave backupId out for the newest backup of plan "shop" that the DR catalog holds; ' +
        'if the DR vault holds backups of the plan started before 2026-12-05T00:00:00.000Z, the DR catalog may have lost them: rebuild it from the DR vault with `',
    );
    // Review r61D: qualified as the at's; a catalog holding the plan's records since then is not said to be lost whole.
    await expect(resolveFailoverBackup({ plan: plan.name, backupId: '20261101T000000Z-0000000b' }, catalog, 'us-west-2', inAws)).rejects.not.toThrow('may have been lost');
    // Between the records held (the failed backup's counts: the catalog held the plan since then): not replicated, no rebuild.
    await expect(resolveFailoverBackup({ plan: plan.name, backupId: '20261205T120000Z-0000000d' }, catalog, 'us-west-2', inAws)).rejects.not.toThrow('may have been lost');
  });

  // f60P: the same catalog asked for a time instead of an id said only "give an at from then on", as if nothing was older.
  // Review r61G F1: the DR catalog holds committed backups only (Replicate and the rebuild write no others), so a sound
  // one holds none before the plan's first replicated backup either; an at before it (a young plan, a date typed wrong)
  // was told the catalog may have been lost. Said now: only backups the DR vault holds from before then were lost from it.
  it('for an at older than every record of the plan the DR catalog holds, names the rebuild only for backups from before the oldest', async () => {
    const since = recordOf('20261206T000000Z-0000000a', '2026-12-06T00:00:00.000Z', 'COMMITTED');
    const next = recordOf('20261207T000000Z-0000000b', '2026-12-07T00:00:00.000Z', 'COMMITTED');
    const young = resolveFailoverBackup({ plan: plan.name, at: '2026-11-01T00:00:00Z' }, holding([next, since]), 'us-west-2', inAws);
    await expect(young).rejects.toHaveProperty(
      'message',
      `Invalid failover input: at: plan "shop" has no committed backup in the DR catalog started at or before 2026-11-01T00:00:00Z; its oldest kept backup is ${since.backupId}, started at 2026-12-06T00:00:00.000Z: give an at from then on; ` +
        `if the DR vault holds backups of the plan started before 2026-12-06T00:00:00.000Z, the DR catalog may have lost them: rebuild it from the DR vault with ${rebuild}, then start the failover again`,
    );
    // A sound catalog of a young plan is not said to be lost.
    await expect(young).rejects.not.toThrow('if the DR vault holds backups, the DR catalog may have been lost');
    // A record its retention forgot is one the catalog held: older than it, the backups before that one.
    const forgottenOld = { ...recordOf('20261101T000000Z-0000000c', '2026-11-01T00:00:00.000Z', 'COMMITTED'), forgottenAt: '2026-11-20T00:00:00.000Z' };
    await expect(resolveFailoverBackup({ plan: plan.name, at: '2026-10-01T00:00:00Z' }, holding([since, forgottenOld]), 'us-west-2', inAws)).rejects.toThrow(
      `give an at from then on; if the DR vault holds backups of the plan started before 2026-11-01T00:00:00.000Z, the DR catalog may have lost them`,
    );
    // After the forgotten one's start: the catalog held the plan since then, no rebuild.
    await expect(resolveFailoverBackup({ plan: plan.name, at: '2026-11-10T00:00:00Z' }, holding([since, forgottenOld]), 'us-west-2', inAws)).rejects.toThrow(
      /\(1 started by then were forgotten by its retention\); its oldest kept backup is 20261206T000000Z-0000000a, started at 2026-12-06T00:00:00.000Z: give an at from then on$/,
    );
  });
});

describe('a mirror that keeps objects deleted from its source (deleteMarkers false)', () => {
  const plan: ProtectionPlanConfig = protectionPlanSchema.parse({
    name: 'web',
    schedule: 'rate(1 day)',
    strategy: 'full',
    retention: { keepLast: 7 },
    objectives: { rpoMinutes: 60, rtoMinutes: 60 },
    sources: [{ type: 's3', name: 'web-assets', bucket: 'lifeboat-au-web-assets', mirror: { deleteMarkers: false } }],
  });
  const startedAt = '2026-12-05T14:00:00.000Z';
  const checkedAt = '2026-12-05T13:59:00.000Z';
  // A clean pass a minute before the failover: fresh enough for the plan's RPO, so only deleteMarkers decides.
  const check = mirrorRecordSchema.parse({
    environment: 'au', source: 'web-assets', plan: 'web', type: 's3', mirror: 's3://lifeboat-au-mirror-web-assets/', checkedAt, passed: true, compared: 2, differences: 0,
    inFlight: 0, lagSeconds: 0, graceSeconds: 0, cursor: '', durationMs: 1, unresolved: [], passUnfollowed: 0, cleanPassStartedAt: checkedAt, cleanPassLagSeconds: 0,
  });
  const backup: BackupRecord = {
    backupId: '20261205T120000Z-0000000d', plan: 'web', environment: 'au', sourceNames: ['web-assets'],
    sources: [{ name: 'web-assets', type: 's3', snapshotId: 's', rootHash: 'r', entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 }],
    strategy: 'full', status: 'COMMITTED', startedAt: '2026-12-05T12:00:00.000Z', shardCount: 1, copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
  // The vault's target bucket does not exist yet: the start creates it.
  const s3 = { send: (command: object) =>
    command.constructor.name === 'HeadBucketCommand'
      ? Promise.reject(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }))
      : Promise.resolve({}) } as unknown as S3Client;
  const deps: FailoverStartDeps = {
    plans: [plan], catalog: { getBackup: () => Promise.resolve(backup), listBackupsOfPlan: () => Promise.resolve([backup]), rebuildMarker: () => ({ read: () => Promise.resolve(undefined) }) }, mirrors: { get: () => Promise.resolve(check) },
    mirrorBucketPrefix: 'lifeboat-au-mirror-', region: 'us-west-2', restoreTargetPrefix: 'lifeboat-au-restore-', s3, dynamodb: {} as DynamoDBClient, directory: (p) => p,
  };
  const start = (input: object) => startFailover({ input: { plan: 'web', ...input }, execution: 'fo-1', startedAt }, deps);

  it('comes from the vault unless the input gives "useMirrors": true itself, the reason naming the CLI flag that does (review r13 F1)', async () => {
    const byDefault = await start({});
    expect(byDefault.choices).toEqual([expect.objectContaining({ use: 'vault', reason: expect.stringContaining('give useMirrors true (lifeboat failover --use-mirrors) to use it anyway') })]);
    expect(byDefault.restores.map((r) => r.request.source)).toEqual(['web-assets']);
    const given = await start({ useMirrors: true });
    expect(given.choices).toEqual([expect.objectContaining({ use: 'mirror', target: 's3://lifeboat-au-mirror-web-assets/', reason: expect.stringContaining('used because the failover was started with "useMirrors": true') })]);
    expect(given.restores).toEqual([]);
    expect((await start({ useMirrors: false })).choices).toEqual([expect.objectContaining({ use: 'vault', reason: expect.stringContaining('"useMirrors": false') })]);
  });
});
