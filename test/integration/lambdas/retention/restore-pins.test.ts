import { join } from 'node:path';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { ForgottenBackupError } from '../../../../lambdas/catalog/catalog-errors';
import { forgetBackups, type ForgetCatalog, type ForgetVault } from '../../../../lambdas/retention/forget-backups';
import { summarizeForget } from '../../../../lambdas/retention/forget-summary';
import { restorePinOf } from '../../../../lambdas/restore/restore-pin';
import { createCatalogShapedTable } from '../../../../local/cloud';
import { type LocalCloudHandle, localDynamoDbClient, startLocalCloud, stopLocalCloud } from '../../../../local/cloud/local-cloud';
import { ObjectLockedError, snapshotKey, VaultObjectNotFoundError } from '../../../../vault';
import { PRIMARY, tempDir } from '../../../support/local-cloud-helpers';

/**
 * Restore pins and forget claims (BackupCatalog.pinBackup / claimForgetting) on the local cloud's DynamoDB
 * (dynalite: nested map paths, ADD, conditions), and the Forget step over that catalog: a pin and a claim
 * on one record never both win, whichever comes first; a pin that lands between the forget's re-read and
 * its claim keeps the backup (pinnedMeanwhile) with nothing deleted; a claim whose first delete Object
 * Lock refuses is withdrawn, so the intact backup can be pinned (restored) again.
 */

const tmp = tempDir('restore-pins');
const dataDir = join(tmp.dir, 'data');
const TABLE = 'lifeboat-pins-catalog';
const NOW = new Date('2026-03-10T00:00:00.000Z');
const PIN_SECONDS = 24 * 60 * 60;
let cloud: LocalCloudHandle;
let ddb: DynamoDBClient;
let catalog: BackupCatalog;
let serial = 0;

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY], exitWithParent: true });
  ddb = localDynamoDbClient(cloud.endpoints, PRIMARY);
  await createCatalogShapedTable(ddb, TABLE, { byPlan: true });
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(ddb), TABLE);
}, 60_000);

afterAll(async () => {
  ddb?.destroy();
  await stopLocalCloud(dataDir);
  tmp.remove();
});

/** A committed backup of `plan` started on `day` of March 2026, with one source whose snapshot id is its own. */
async function committed(plan: string, day: number): Promise<BackupRecord> {
  const backupId = `202603${String(day).padStart(2, '0')}T000000Z-${plan}-${String(++serial).padStart(4, '0')}`;
  const startedAt = `2026-03-${String(day).padStart(2, '0')}T00:00:00.000Z`;
  const snapshotId = Buffer.from(backupId).toString('hex').padEnd(64, '0').slice(0, 64);
  const source = { name: 'files', type: 'filesystem' as const, snapshotId, rootHash: 'r', entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
  await catalog.createBackup({ backupId, plan, environment: 'dev', sourceNames: ['files'], sources: [], strategy: 'full', status: 'RUNNING', startedAt, shardCount: 1 });
  await catalog.markCommitted(backupId, { sources: [source], totals: { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 }, endedAt: startedAt });
  return catalog.requireBackup(backupId);
}

const pinFor = (restoreId: string) => restorePinOf(restoreId, NOW, PIN_SECONDS);

describe('BackupCatalog pins and forget claims on the local cloud', () => {
  it('pins into a new map, then beside it, counting pinVersion; unpins; an absent pin or record is no error and creates nothing', async () => {
    const { backupId } = await committed('maps', 1);
    await catalog.pinBackup(backupId, 'r-1', pinFor('r-1'), 'primary');
    await catalog.pinBackup(backupId, 'r-2', pinFor('r-2'), 'primary');
    // A retried resolve sets its pin again: still counted, the same pin.
    await catalog.pinBackup(backupId, 'r-2', pinFor('r-2'), 'primary');
    const pinned = await catalog.requireBackup(backupId);
    expect(pinned.pins).toEqual({ 'r-1': pinFor('r-1'), 'r-2': pinFor('r-2') });
    expect(pinned.pinVersion).toBe(3);
    expect(pinFor('r-1')).toEqual({ until: '2026-03-11T00:00:00.000Z', by: 'restore r-1', at: NOW.toISOString() });

    expect(await catalog.unpinBackup(backupId, 'r-1')).toBe(true);
    expect(await catalog.unpinBackup(backupId, 'r-1')).toBe(false);
    expect((await catalog.requireBackup(backupId)).pins).toEqual({ 'r-2': pinFor('r-2') });
    expect(await catalog.unpinBackup('20990101T000000Z-nobody', 'r-1')).toBe(false);
    const { Item } = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'BACKUP#20990101T000000Z-nobody' }, sk: { S: 'BACKUP' } } }));
    expect(Item).toBeUndefined();
  });

  it('pin, then a claim with the pinVersion read before the pin: the claim is refused', async () => {
    const { backupId, pinVersion } = await committed('pin-first', 1);
    await catalog.pinBackup(backupId, 'r-1', pinFor('r-1'), 'primary');
    expect(await catalog.claimForgetting(backupId, NOW.toISOString(), { pinVersion })).toBe(false);
    expect((await catalog.requireBackup(backupId)).forgettingAt).toBeUndefined();
    // With the version as it is now (the pin then being expired or removed), the claim holds.
    await catalog.unpinBackup(backupId, 'r-1');
    expect(await catalog.claimForgetting(backupId, NOW.toISOString(), { pinVersion: 1 })).toBe(true);
  });

  it('claim, then a pin: ForgottenBackupError saying the backup is being forgotten since the claim', async () => {
    const { backupId } = await committed('claim-first', 1);
    expect(await catalog.claimForgetting(backupId, NOW.toISOString(), {})).toBe(true);
    const refused = catalog.pinBackup(backupId, 'r-1', pinFor('r-1'), 'primary');
    await expect(refused).rejects.toBeInstanceOf(ForgottenBackupError);
    await expect(refused).rejects.toMatchObject({ name: 'ForgottenBackupError', message: expect.stringMatching(new RegExp(`^Backup ${backupId} is being forgotten by retention since ${NOW.toISOString()}: its snapshots are being deleted from the primary vault`)) });
    const record = await catalog.requireBackup(backupId);
    expect(record.pins).toBeUndefined();
    expect(record.pinVersion).toBeUndefined();
    // A second claim (a run that died after claiming, run again) keeps the first time.
    expect(await catalog.claimForgetting(backupId, '2026-03-11T00:00:00.000Z', {})).toBe(true);
    expect((await catalog.requireBackup(backupId)).forgettingAt).toBe(NOW.toISOString());
  });

  it('a claim is refused by a legal hold; a pin of a forgotten backup by ForgottenBackupError naming when', async () => {
    const held = await committed('hold', 1);
    await catalog.setHold(held.backupId, { reason: 'case 42', by: 'ann', at: NOW.toISOString() });
    expect(await catalog.claimForgetting(held.backupId, NOW.toISOString(), {})).toBe(false);
    const gone = await committed('hold', 2);
    await catalog.markForgotten(gone.backupId, '2026-03-09T00:00:00.000Z');
    await expect(catalog.pinBackup(gone.backupId, 'r-1', pinFor('r-1'), 'dr')).rejects.toThrow(`Backup ${gone.backupId} was forgotten by retention at 2026-03-09T00:00:00.000Z: its snapshots are no longer in the dr vault`);
  });

  it('a record written from the other catalog (replication, rebuild) carries neither its pins nor its claim', async () => {
    const source = await committed('copy', 1);
    await catalog.pinBackup(source.backupId, 'r-1', pinFor('r-1'), 'primary');
    const copy: BackupRecord = { ...(await catalog.requireBackup(source.backupId)), backupId: `${source.backupId}-copy`, forgettingAt: NOW.toISOString() };
    expect(await catalog.putRebuiltBackup(copy)).toBe(true);
    const written = await catalog.requireBackup(copy.backupId);
    expect([written.pins, written.pinVersion, written.forgettingAt]).toEqual([undefined, undefined, undefined]);
    // Its own pin, and a later copy does not replace it.
    await catalog.pinBackup(copy.backupId, 'r-dr', pinFor('r-dr'), 'dr');
    expect(await catalog.putRebuiltBackup(copy)).toBe(false);
    expect((await catalog.requireBackup(copy.backupId)).pins).toEqual({ 'r-dr': pinFor('r-dr') });
  });
});

/**
 * The vault as forget uses it: snapshots without workflow tags (judged by the records), deletes recorded, `locked`
 * keys refused; a snapshot deleted (or listed in `absent`) is gone: loading it fails as the vault's does.
 */
function fakeVault(locked: ReadonlySet<string> = new Set(), absent: ReadonlySet<string> = new Set()): { vault: ForgetVault; deletes: string[] } {
  const deletes: string[] = [];
  const vault: ForgetVault = {
    store: {
      delete: (key) => {
        if (locked.has(key)) return Promise.reject(new ObjectLockedError('s3://vault', key, 'GOVERNANCE until 2026-04-01T00:00:00.000Z'));
        deletes.push(key);
        return Promise.resolve();
      },
    },
    loadSnapshot: (snapshotId) => {
      const key = snapshotKey(snapshotId);
      if (absent.has(key) || deletes.includes(key)) return Promise.reject(new VaultObjectNotFoundError('s3://vault', key));
      return Promise.resolve({ tags: [] });
    },
  };
  return { vault, deletes };
}

async function forget(plan: string, records: readonly BackupRecord[], through: ForgetCatalog, vault: ForgetVault, keepLast = 1) {
  const arrivals = new Map(records.flatMap((r) => r.sources.map((s) => [s.snapshotId, new Date(r.startedAt)] as const)));
  const report = await forgetBackups({}, { vault: 'primary', openVault: () => Promise.resolve(vault), snapshotArrivals: () => Promise.resolve(arrivals), catalog: through, plans: [{ name: plan, retention: { keepLast } }], now: NOW });
  const [planReport] = report.plans;
  if (!planReport) throw new Error('no plan in the report');
  return planReport;
}

describe('forgetBackups over the local cloud catalog', () => {
  it('keeps a backup a restore pinned between the re-read and the claim: pinnedMeanwhile, its decision says so, nothing deleted', async () => {
    const [old, newest] = [await committed('race', 1), await committed('race', 2)];
    // The restore's pin lands just before the claim, after the run's re-read of the record.
    const racing: ForgetCatalog = {
      listBackupsOfPlan: (p) => catalog.listBackupsOfPlan(p),
      getBackup: (id) => catalog.getBackup(id),
      claimForgetting: async (id, at, seen) => {
        await catalog.pinBackup(id, 'r-race', pinFor('r-race'), 'primary');
        return catalog.claimForgetting(id, at, seen);
      },
      releaseForgetting: (id, seen) => catalog.releaseForgetting(id, seen),
      markForgotten: (id, at) => catalog.markForgotten(id, at),
    };
    const { vault, deletes } = fakeVault();
    const report = await forget('race', [old, newest], racing, vault);
    expect(report.pinnedMeanwhile).toEqual([{ backupId: old.backupId, by: 'restore r-race', until: '2026-03-11T00:00:00.000Z' }]);
    expect(report.decisions.find((d) => d.backupId === old.backupId)).toMatchObject({ keep: true, reasons: ['pinned by restore r-race until 2026-03-11T00:00:00.000Z'] });
    expect(report.forgotten).toEqual([]);
    expect(deletes).toEqual([]);
    const record = await catalog.requireBackup(old.backupId);
    expect([record.forgettingAt, record.forgottenAt]).toEqual([undefined, undefined]);
  });

  it('withdraws its claim when Object Lock refuses the first delete, so the intact backup can be pinned again', async () => {
    const [old, newest] = [await committed('locked', 1), await committed('locked', 2)];
    const { vault, deletes } = fakeVault(new Set([snapshotKey(old.sources[0]?.snapshotId ?? '')]));
    const report = await forget('locked', [old, newest], catalog, vault);
    expect(report.locked.map((l) => l.backupId)).toEqual([old.backupId]);
    expect(deletes).toEqual([]);
    expect((await catalog.requireBackup(old.backupId)).forgettingAt).toBeUndefined();
    await catalog.pinBackup(old.backupId, 'r-after', pinFor('r-after'), 'primary');
    expect(Object.keys((await catalog.requireBackup(old.backupId)).pins ?? {})).toEqual(['r-after']);
  });

  it('claims before it deletes and finishes a record an earlier run claimed, without a new claim', async () => {
    const [old, newest] = [await committed('finish', 1), await committed('finish', 2)];
    // An earlier run claimed it, then died; a pin is refused since.
    expect(await catalog.claimForgetting(old.backupId, '2026-03-09T00:00:00.000Z', {})).toBe(true);
    const claims: string[] = [];
    const counting: ForgetCatalog = {
      listBackupsOfPlan: (p) => catalog.listBackupsOfPlan(p),
      getBackup: (id) => catalog.getBackup(id),
      claimForgetting: (id, at, seen) => {
        claims.push(id);
        return catalog.claimForgetting(id, at, seen);
      },
      releaseForgetting: (id, seen) => catalog.releaseForgetting(id, seen),
      markForgotten: (id, at) => catalog.markForgotten(id, at),
    };
    const { vault, deletes } = fakeVault();
    const report = await forget('finish', [old, newest], counting, vault);
    expect(report.forgotten).toEqual([old.backupId]);
    expect(claims).toEqual([]);
    expect(deletes).toEqual([snapshotKey(old.sources[0]?.snapshotId ?? '')]);
    const record = await catalog.requireBackup(old.backupId);
    expect([record.forgettingAt, record.forgottenAt]).toEqual(['2026-03-09T00:00:00.000Z', NOW.toISOString()]);
  });
});

// Audit R17 F1: every invocation of one execution's resolve step pins under the same restore id (the execution's name).
describe('a pin\'s nonce: which resolve invocation owns it', () => {
  it('the first pin of a restore is its invocation\'s own; a second pin of it shares it, and then no nonce removes it, whichever failed', async () => {
    const [old, newest] = [await committed('nonce', 1), await committed('nonce', 2)];
    await catalog.pinBackup(old.backupId, 'exec-1', restorePinOf('exec-1', NOW, PIN_SECONDS, 'first'), 'primary');
    expect((await catalog.requireBackup(old.backupId)).pins).toEqual({ 'exec-1': { ...pinFor('exec-1'), nonce: 'first' } });
    // The other invocation (Step Functions' retry, or a slow first one pinning after the retry did) finds the pin: shared.
    await catalog.pinBackup(old.backupId, 'exec-1', restorePinOf('exec-1', NOW, PIN_SECONDS, 'retry'), 'primary');
    expect((await catalog.requireBackup(old.backupId)).pins).toEqual({ 'exec-1': pinFor('exec-1') });

    // Either invocation failing for good removes only a pin that carries its own nonce: none does any more.
    expect(await catalog.unpinBackup(old.backupId, 'exec-1', { nonce: 'first' })).toBe(false);
    expect(await catalog.unpinBackup(old.backupId, 'exec-1', { nonce: 'retry' })).toBe(false);
    expect((await catalog.requireBackup(old.backupId)).pins).toEqual({ 'exec-1': pinFor('exec-1') });
    const { vault, deletes } = fakeVault();
    const report = await forget('nonce', [old, newest], catalog, vault);
    expect(report.decisions.find((d) => d.backupId === old.backupId)).toMatchObject({ keep: true, reasons: ['pinned by restore exec-1 until 2026-03-11T00:00:00.000Z'] });
    expect(deletes).toEqual([]);

    // Verify or abandon end it.
    expect(await catalog.unpinBackup(old.backupId, 'exec-1')).toBe(true);
    expect((await catalog.requireBackup(old.backupId)).pins).toEqual({});
  });

  it('a pin only its own invocation made is removed by that invocation\'s nonce', async () => {
    const { backupId } = await committed('own-pin', 1);
    await catalog.pinBackup(backupId, 'exec-own', restorePinOf('exec-own', NOW, PIN_SECONDS, 'mine'), 'primary');
    expect(await catalog.unpinBackup(backupId, 'exec-own', { nonce: 'other' })).toBe(false);
    expect(await catalog.unpinBackup(backupId, 'exec-own', { nonce: 'mine' })).toBe(true);
    expect((await catalog.requireBackup(backupId)).pins).toEqual({});
  });

  it('a pin written before nonces still parses; only an unpin without a nonce (verify, abandon) removes it', async () => {
    const { backupId } = await committed('old-pin', 1);
    await catalog.pinBackup(backupId, 'exec-old', pinFor('exec-old'), 'primary');
    expect((await catalog.requireBackup(backupId)).pins).toEqual({ 'exec-old': pinFor('exec-old') });
    expect(await catalog.unpinBackup(backupId, 'exec-old', { nonce: 'mine' })).toBe(false);
    expect(await catalog.unpinBackup(backupId, 'exec-old')).toBe(true);
  });
});

// Review 41b F1: a claim left by a run that died after claiming and before its first delete.
describe('a claim left on an intact backup', () => {
  /** A run that claimed the backup and died before deleting anything. */
  const diedAfterClaiming = async (backupId: string) => expect(await catalog.claimForgetting(backupId, '2026-03-09T00:00:00.000Z', {})).toBe(true);

  it('is withdrawn by a later run that keeps the backup (a policy that keeps more now), so a restore can pin it again', async () => {
    const [old, newest] = [await committed('policy', 1), await committed('policy', 2)];
    await diedAfterClaiming(old.backupId);
    const { vault, deletes } = fakeVault();
    const report = await forget('policy', [old, newest], catalog, vault, 5);
    expect(report.decisions.find((d) => d.backupId === old.backupId)).toMatchObject({ keep: true, reasons: ['last 5'] });
    expect(report.releasedClaims).toEqual([old.backupId]);
    expect(deletes).toEqual([]);
    expect((await catalog.requireBackup(old.backupId)).forgettingAt).toBeUndefined();
    await catalog.pinBackup(old.backupId, 'r-after', pinFor('r-after'), 'primary');
    expect(Object.keys((await catalog.requireBackup(old.backupId)).pins ?? {})).toEqual(['r-after']);
  });

  it('is withdrawn by a later run whose first delete Object Lock refuses', async () => {
    const [old, newest] = [await committed('later-lock', 1), await committed('later-lock', 2)];
    await diedAfterClaiming(old.backupId);
    const { vault, deletes } = fakeVault(new Set([snapshotKey(old.sources[0]?.snapshotId ?? '')]));
    const report = await forget('later-lock', [old, newest], catalog, vault);
    expect(report.locked.map((l) => l.backupId)).toEqual([old.backupId]);
    expect(report.releasedClaims).toEqual([old.backupId]);
    expect(deletes).toEqual([]);
    expect((await catalog.requireBackup(old.backupId)).forgettingAt).toBeUndefined();
  });

  it('is withdrawn from a record the run does not count (here: one that starts after the run\'s clock)', async () => {
    const [old, newest, future] = [await committed('uncounted', 1), await committed('uncounted', 2), await committed('uncounted', 20)];
    await diedAfterClaiming(future.backupId);
    const { vault } = fakeVault();
    const report = await forget('uncounted', [old, newest, future], catalog, vault, 5);
    expect(report.notCounted.map((n) => n.backupId)).toEqual([future.backupId]);
    expect(report.releasedClaims).toEqual([future.backupId]);
    expect((await catalog.requireBackup(future.backupId)).forgettingAt).toBeUndefined();
  });

  it('stays when a snapshot of the backup is gone (the backup is broken), and when the claim changed since it was read', async () => {
    const [old, newest] = [await committed('broken', 1), await committed('broken', 2)];
    await diedAfterClaiming(old.backupId);
    const { vault } = fakeVault(new Set(), new Set([snapshotKey(old.sources[0]?.snapshotId ?? '')]));
    const report = await forget('broken', [old, newest], catalog, vault, 5);
    expect(report.releasedClaims).toEqual([]);
    expect((await catalog.requireBackup(old.backupId)).forgettingAt).toBe('2026-03-09T00:00:00.000Z');
    expect(await catalog.releaseForgetting(old.backupId, '2026-03-08T00:00:00.000Z')).toBe(false);
    expect((await catalog.requireBackup(old.backupId)).forgettingAt).toBe('2026-03-09T00:00:00.000Z');
  });
});

// Review 41b F5.
it('a backup whose claim was refused with neither a hold nor a live pin on it now is kept, saying it is left for the next run', async () => {
  const [old, newest] = [await committed('came-went', 1), await committed('came-went', 2)];
  // A restore pins and unpins (its resolve failed fast) between the run's re-read and its claim.
  const cameAndWent: ForgetCatalog = {
    listBackupsOfPlan: (p) => catalog.listBackupsOfPlan(p),
    getBackup: (id) => catalog.getBackup(id),
    claimForgetting: async (id, at, seen) => {
      await catalog.pinBackup(id, 'r-fast', pinFor('r-fast'), 'primary');
      await catalog.unpinBackup(id, 'r-fast');
      return catalog.claimForgetting(id, at, seen);
    },
    releaseForgetting: (id, seen) => catalog.releaseForgetting(id, seen),
    markForgotten: (id, at) => catalog.markForgotten(id, at),
  };
  const { vault, deletes } = fakeVault();
  const report = await forget('came-went', [old, newest], cameAndWent, vault);
  expect(report.decisions.find((d) => d.backupId === old.backupId)).toMatchObject({ keep: true, reasons: ['left for the next run: a pin or hold came and went during this run'] });
  expect([report.forgotten, report.pinnedMeanwhile, report.heldMeanwhile, deletes]).toEqual([[], [], [], []]);
  expect(summarizeForget({ vault: 'primary', dryRun: false, plans: [report] }).plans[0]).toMatchObject({ kept: 2, forgottenCount: 0 });
});

// Audit R17 F3.
describe('two forget runs at once', () => {
  it('mark a backup forgotten once: only the run that marks it reports it, and a snapshot deleted is counted once at most', async () => {
    const records = [await committed('twice', 1), await committed('twice', 2), await committed('twice', 3), await committed('twice', 4)];
    const { vault, deletes } = fakeVault();
    const [a, b] = await Promise.all([forget('twice', records, catalog, vault), forget('twice', records, catalog, vault)]);
    const expected = records.slice(0, 3).map((r) => r.backupId);
    expect([...a.forgotten, ...b.forgotten].sort()).toEqual(expected.sort());
    expect(new Set(deletes).size).toBe(3);
    expect(a.deletedObjects + b.deletedObjects).toBeLessThanOrEqual(3);
    for (const run of [a, b]) expect(run.deletedObjects).toBeLessThanOrEqual(run.forgotten.length);
    for (const r of records.slice(0, 3)) expect((await catalog.requireBackup(r.backupId)).forgottenAt).toBe(NOW.toISOString());
  });

  it('markForgotten: the first mark wins and keeps its time, a second returns false', async () => {
    const { backupId } = await committed('mark-once', 1);
    expect(await catalog.markForgotten(backupId, '2026-03-09T00:00:00.000Z')).toBe(true);
    expect(await catalog.markForgotten(backupId, NOW.toISOString())).toBe(false);
    expect((await catalog.requireBackup(backupId)).forgottenAt).toBe('2026-03-09T00:00:00.000Z');
  });
});

// Review 41b F2: a claimed backup is passed over as a forgotten one is, when a reader chooses.
it('listBackupsOfSource, latestBackupOfSource and backupAsOf pass over a claimed backup: a point in time falls back to the next older kept one', async () => {
  const [day1, day3, day5] = [await committed('readers', 1), await committed('readers', 3), await committed('readers', 5)];
  // The source index items the commit step writes (all three records share the source name `files`): a source of its own here.
  const source = 'readers-files';
  for (const r of [day1, day3, day5]) await catalog.indexCommittedBackup({ ...r, sourceNames: [source] });
  expect(await catalog.claimForgetting(day3.backupId, NOW.toISOString(), {})).toBe(true);
  expect((await catalog.backupAsOf(source, '2026-03-04T00:00:00.000Z')).backupId).toBe(day1.backupId);
  expect((await catalog.listBackupsOfSource(source)).map((r) => r.backupId)).toEqual([day5.backupId, day1.backupId]);
  expect(await catalog.claimForgetting(day5.backupId, NOW.toISOString(), {})).toBe(true);
  expect((await catalog.latestBackupOfSource(source))?.backupId).toBe(day1.backupId);
});
