import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type PrimaryCatalog, replicateBackup } from '../../../../lambdas/replication/replicate-backup';
import { replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { THAW_DAYS } from '../../../../lambdas/thaw/pack-thaw';
import { ThawFailedError } from '../../../../lambdas/thaw/thaw-failed-error';
import { protectionPlanSchema } from '../../../../config/lifeboat-config';
import { backupDirectory, FileVaultStore, KeyFileKeyProvider, openVault, PassphraseKeyProvider, type Vault, VaultObjectArchivedError, type VaultStore } from '../../../../vault';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { type StoredObjectState } from '../../../../vault/backend/vault-store';
import { listedKeys, newTestVault, pseudoRandomBytes, readTree, removeDir, requiredMethodsStore, tempDir } from '../../../support/vault-test-helpers';

/**
 * Replication that meets packs archived in the primary vault (docs/ARCHITECTURE.md, "Readers that meet archived packs"):
 * over a directory vault whose store answers as S3 does for GLACIER objects (a GET fails with VaultObjectArchivedError
 * until a RestoreObject has completed; HEAD says the class and the thaw), a pass copies everything else, asks for the
 * thaws and reports them; a pass after the thaw copies the packs, then the snapshot; the replica restores byte for byte.
 */
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };
type Thaw = StoredObjectState['thaw'];

/** S3's archive behaviour over a directory store: `archive` moves keys to GLACIER, `finishThaws` completes the running thaws. */
function archivingStore(inner: FileVaultStore, refuse?: Error) {
  const archived = new Map<string, Thaw>();
  const requests: { key: string; days: number; tier: string }[] = [];
  const store: VaultStore = requiredMethodsStore(inner, {
    get: (key, range) => {
      const thaw = archived.get(key);
      if (thaw !== undefined && thaw !== 'ready') return Promise.reject(new VaultObjectArchivedError(inner.location, key, 'GLACIER'));
      return inner.get(key, range);
    },
    storageState: async (key) => {
      const thaw = archived.get(key);
      if (thaw !== undefined) return { storageClass: 'GLACIER', archived: true, thaw };
      return (await inner.has(key)) ? { storageClass: 'STANDARD', archived: false, thaw: 'none' } : null;
    },
    requestThaw: (key, options) => {
      requests.push({ key, ...options });
      if (refuse) return Promise.reject(refuse);
      const thaw = archived.get(key);
      if (thaw === 'in-progress') return Promise.resolve('in-progress');
      if (thaw === 'ready' || thaw === undefined) return Promise.resolve('ready');
      archived.set(key, 'in-progress');
      return Promise.resolve('started');
    },
  });
  return {
    store,
    requests,
    archive: (keys: readonly string[]) => keys.forEach((key) => archived.set(key, 'none')),
    finishThaws: () => archived.forEach((thaw, key) => thaw === 'in-progress' && archived.set(key, 'ready')),
  };
}

let dir: string;
let src: string;
let source: Vault;
let primary: ReturnType<typeof archivingStore>;
let replica: FileVaultStore;
let snapshotId: string;
let packs: string[];
const replicaKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);

async function setUp(refuse?: Error): Promise<void> {
  dir = await tempDir('replicate-archived');
  const { store, keyFile } = await newTestVault(dir);
  src = path.join(dir, 'src');
  await fs.mkdir(path.join(src, 'sub'), { recursive: true });
  await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(200_000, 1));
  await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'hello '.repeat(20_000));
  primary = archivingStore(store, refuse);
  source = await openVault(primary.store, await KeyFileKeyProvider.load(keyFile));
  snapshotId = (await backupDirectory(source, src)).snapshot.id;
  replica = new FileVaultStore(path.join(dir, 'replica'), { durable: false });
  packs = await listedKeys(store, 'data/');
  // Older than the archive days: every pack of the primary is in GLACIER before the DR vault got it.
  primary.archive(packs);
}
afterEach(async () => removeDir(dir));

it('thaws the archived packs the replica lacks, copies everything else, and copies them and the snapshot after the thaw', async () => {
  await setUp();
  expect(packs.length).toBeGreaterThan(1);
  const thaw = { retrievalTier: 'Bulk', waitSeconds: 1800 } as const;

  const first = await replicateVault({ source, target: replica, targetKeys: replicaKeys, thaw });
  const indexObjects = await listedKeys(primary.store, 'index/');
  // The packs, the index objects held back until the replica holds the packs they name, and the snapshot.
  expect(first).toMatchObject({ complete: false, remainingObjects: packs.length + indexObjects.length + 1, copiedSnapshots: [] });
  expect(first.thaw).toEqual({ archived: packs.length, ready: 0, pending: packs.length, requested: packs.length, retrievalTier: 'Bulk', waitSeconds: 1800 });
  expect(primary.requests.map((r) => r.key).sort()).toEqual(packs);
  for (const request of primary.requests) expect(request).toMatchObject({ days: THAW_DAYS, tier: 'Bulk' });
  // The commit order: no snapshot in the replica while it lacks packs, and no index object naming a pack it lacks.
  expect(await listedKeys(replica, 'snapshots/')).toEqual([]);
  expect(await listedKeys(replica, 'data/')).toEqual([]);
  expect(await listedKeys(replica, 'index/')).toEqual([]);

  // A look while S3 still thaws: pending, and no second RestoreObject.
  const second = await replicateVault({ source, target: replica, targetKeys: replicaKeys, thaw });
  expect(second).toMatchObject({ complete: false, copiedObjects: 0, thaw: { archived: packs.length, pending: packs.length, requested: 0, ready: 0 } });
  expect(primary.requests.length).toBe(packs.length);

  primary.finishThaws();
  const third = await replicateVault({ source, target: replica, targetKeys: replicaKeys, thaw });
  expect(third).toMatchObject({ complete: true, remainingObjects: 0, copiedObjects: packs.length + indexObjects.length + 1, copiedSnapshots: [snapshotId] });
  expect(await listedKeys(replica, 'index/')).toEqual(indexObjects);
  expect(third.thaw).toBeUndefined();

  const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
  const out = path.join(dir, 'out');
  await restoreSnapshot(dr, await dr.loadSnapshot(snapshotId), out);
  expect(await readTree(out)).toEqual(await readTree(src));
});

it('fails naming the pack, as before, when the caller has no thaw loop (no plan archives)', async () => {
  await setUp();
  const err = await replicateVault({ source, target: replica, targetKeys: replicaKeys }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(VaultObjectArchivedError);
  expect(packs).toContain((err as VaultObjectArchivedError).key);
  expect(primary.requests).toEqual([]);
});

it('fails with ThawFailedError naming the pack when S3 refuses the thaw', async () => {
  await setUp(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
  const err = await replicateVault({ source, target: replica, targetKeys: replicaKeys, thaw: { retrievalTier: 'Standard', waitSeconds: 900 } }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ThawFailedError);
  const key = (err as ThawFailedError).key;
  expect(packs).toContain(key);
  expect((err as Error).message).toBe(
    `Thawing ${primary.store.location}/${key} (RestoreObject, Standard retrieval) failed: AccessDenied: Access Denied. Replication to the DR vault needs this archived pack of the primary vault; check the primary vault bucket's permissions (the replicate function's s3:RestoreObject on data/*) and the object's storage class; the next backup's replication copies what the DR vault still lacks`,
  );
});

it('replicateBackup thaws with the retrieval tier of the backup\'s plan and reports the thaw for the Wait', async () => {
  await setUp();
  const plan = (name: string, retrievalTier: 'Expedited' | 'Bulk') =>
    protectionPlanSchema.parse({
      name,
      schedule: 'rate(1 day)',
      strategy: 'full',
      retention: { keepLast: 3 },
      objectives: { rpoMinutes: 1440, rtoMinutes: 240 },
      storage: { transition: { storageClass: 'GLACIER_IR', afterDays: 30 }, archive: { storageClass: 'GLACIER', afterDays: 90, retrievalTier } },
      sources: [{ type: 's3', name: `${name}-bucket`, bucket: `${name}-bucket` }],
    });
  const record: BackupRecord = {
    backupId: 'b1',
    plan: 'yearly',
    environment: 'dev',
    sourceNames: ['src'],
    sources: [{ name: 'src', type: 'filesystem', snapshotId, rootHash: '', entries: 0, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 }],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt: '2026-01-01T00:00:00.000Z',
    shardCount: 1,
  };
  const catalog: PrimaryCatalog = { getBackup: () => Promise.resolve(record), listBackupsOfPlan: () => Promise.resolve([record]), markCopied: () => Promise.resolve(true) };
  const deps = { source, target: replica, targetKeys: replicaKeys, catalog, thaw: { plans: [plan('daily', 'Bulk'), plan('yearly', 'Expedited')] } };
  const report = await replicateBackup({ backupId: 'b1' }, deps);
  expect(report).toMatchObject({ complete: false, backupsCopied: 0, thaw: { pending: packs.length, requested: packs.length, retrievalTier: 'Expedited', waitSeconds: 60 } });
  primary.finishThaws();
  const done = await replicateBackup({ backupId: 'b1' }, { ...deps, thaw: { ...deps.thaw, waitSeconds: 1 } });
  // The packs, the index objects (held back until then) and the snapshot.
  expect(done).toMatchObject({ complete: true, backupsCopied: 1, copiedObjects: packs.length + (await listedKeys(primary.store, 'index/')).length + 1 });
  expect(done.thaw).toBeUndefined();
});
