import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { forgetBackups, type ForgetCatalog } from '../../../../lambdas/retention/forget-backups';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NoSuchBucket, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { DamagedPrimaryPackError, ReplicaMismatchError, VaultBucketMissingError } from '../../../../lambdas/replication/replication-errors';
import { classifyError } from '../../../../lambdas/runtime/errors';
import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { copyVaultObject, referencesOf, replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { loadIndexObjects } from '../../../../vault/prune/index-objects';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { initVault, openVault, type Vault } from '../../../../vault/repository/vault';
import { VaultCorruptionError } from '../../../../vault/vault-errors';
import { verifyVault } from '../../../../vault/checker/verify';
import { repairIndex } from '../../../../vault/repair/repair-index';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { condemnedPacksOf, loadCondemnedBatches } from '../../../../vault/prune/prune-state';
import { newTestVault, pseudoRandomBytes, readTree, removeDir, SMALL_TUNING, tempDir } from '../../../support/vault-test-helpers';
import { memoryForgetClaims } from '../../../support/memory-forget-claims';

// Cheap scrypt: the replica's key is a passphrase here only to prove it is wrapped under a *different* key than the source's.
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

async function listAll(store: FileVaultStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys.sort();
}

describe('replicateVault', () => {
  let dir: string;
  let source: Vault;
  let src: string;
  let replica: FileVaultStore;
  const replicaKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);

  beforeEach(async () => {
    dir = await tempDir('replicate');
    ({ vault: source } = await newTestVault(dir));
    src = path.join(dir, 'src');
    await fs.mkdir(path.join(src, 'sub'), { recursive: true });
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(200_000, 1));
    await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'hello '.repeat(20_000));
    replica = new FileVaultStore(path.join(dir, 'replica'), { durable: false });
  });
  afterEach(async () => removeDir(dir));

  it('copies every snapshot; the replica opens with its own key alone and restores byte for byte', async () => {
    const { snapshot } = await backupDirectory(source, src);
    const progress = await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    expect(progress).toMatchObject({ complete: true, remainingObjects: 0, copiedSnapshots: [snapshot.id] });
    const store = source.store as FileVaultStore;
    const objects = (await listAll(store, '')).filter((k) => /^(data|index|manifest|snapshots)\//.test(k));
    const sizes = await Promise.all(objects.map(async (k) => (await fs.stat(path.join(store.root, k))).size));
    expect(progress.copiedObjects).toBe(objects.length);
    expect(progress.copiedBytes).toBe(sizes.reduce((a, b) => a + b, 0));

    // Another process in the DR region: only the replica's store and its key.
    const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
    expect(dr.config).toEqual(source.config);
    const out = path.join(dir, 'out');
    await restoreSnapshot(dr, await dr.loadSnapshot(snapshot.id), out);
    expect(await readTree(out)).toEqual(await readTree(src));
    expect((await verifyVault(dr, { readData: true })).problems).toEqual([]);
  });

  it('copies only what the replica lacks, and nothing when it is up to date', async () => {
    await backupDirectory(source, src);
    await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    const again = await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    expect(again).toMatchObject({ complete: true, copiedObjects: 0, copiedSnapshots: [] });

    await fs.writeFile(path.join(src, 'c.bin'), pseudoRandomBytes(50_000, 3));
    const { snapshot: second } = await backupDirectory(source, src);
    const incremental = await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    expect(incremental.copiedSnapshots).toEqual([second.id]);
    // The new file's pack, an index, manifest objects and the snapshot — not the first backup's packs again.
    expect(incremental.copiedBytes).toBeLessThan(70_000);
    expect(await listAll(replica, 'snapshots/')).toEqual(await listAll(source.store as FileVaultStore, 'snapshots/'));
    expect(await listAll(replica, 'data/')).toEqual(await listAll(source.store as FileVaultStore, 'data/'));
  });

  it('stops at the deadline without exposing a snapshot, and the next pass completes it', async () => {
    await backupDirectory(source, src);
    let clock = 0;
    // The clock passes the deadline after two copies have started.
    const now = () => clock++;
    const partial = await replicateVault({ source, target: replica, targetKeys: replicaKeys, objectsInFlight: 1, deadline: 2, now });
    expect(partial.complete).toBe(false);
    expect(partial.copiedObjects).toBe(2);
    expect(partial.remainingObjects).toBeGreaterThan(0);
    expect(await listAll(replica, 'snapshots/')).toEqual([]);

    const rest = await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    expect(rest.complete).toBe(true);
    expect(rest.copiedObjects).toBe(partial.remainingObjects);
    const dr = await openVault(replica, replicaKeys);
    expect((await verifyVault(dr, { readData: true })).problems).toEqual([]);
  });

  it('refuses a replica bucket that holds another vault, and writes nothing into it', async () => {
    const other = await initVault(replica, await KeyFileKeyProvider.create(path.join(dir, 'other-key')), SMALL_TUNING);
    await backupDirectory(source, src);
    const before = await listAll(replica, '');
    await expect(replicateVault({ source, target: replica, targetKeys: replicaKeys })).rejects.toThrow(ReplicaMismatchError);
    await expect(replicateVault({ source, target: replica, targetKeys: replicaKeys })).rejects.toThrow(/holds another vault \(its config differs/);
    expect(await listAll(replica, '')).toEqual(before);
    expect(other.config.id).not.toBe(source.config.id);
  });

  it('never replicates a corrupt object, and names it', async () => {
    await backupDirectory(source, src);
    const store = source.store as FileVaultStore;
    const [manifest] = await listAll(store, 'manifest/');
    if (!manifest) throw new Error('the backup wrote no manifest object');
    const file = path.join(store.root, manifest);
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await fs.writeFile(file, bytes);
    const failure = replicateVault({ source, target: replica, targetKeys: replicaKeys });
    await expect(failure).rejects.toThrow(VaultCorruptionError);
    await expect(replicateVault({ source, target: replica, targetKeys: replicaKeys })).rejects.toThrow(manifest);
    expect(await listAll(replica, 'snapshots/')).toEqual([]);
    expect(await listAll(replica, 'manifest/')).not.toContain(manifest);
  });

  // Review r60C: the refusals said to run a bare `lifeboat verify`, which is refused (it requires --backup).
  it('a corrupt object names a scrub line that runs as printed, with the target options', async () => {
    await backupDirectory(source, src);
    const store = source.store as FileVaultStore;
    const [index] = await listAll(store, 'index/');
    if (!index) throw new Error('the backup wrote no index object');
    const file = path.join(store.root, index);
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await fs.writeFile(file, bytes);
    await expect(copyVaultObject(store, replica, index)).rejects.toThrow(
      `${index} is corrupt: its SHA-256 does not match its name; it is not copied: \`lifeboat scrub --vault primary --env <env> --aws\` names the backups it affects (docs/RUNBOOKS.md, "Scrub")`,
    );
    await expect(copyVaultObject(store, replica, index, { lineTarget: { from: 'dr', commandOptions: ' --env prod', catalogCommandOptions: ' --env prod' } })).rejects.toThrow('`lifeboat scrub --vault dr --env prod` names the backups it affects');
  });

  it('blobs in no pack an index object lists: the refusal names the verify line of the snapshot\'s backup', async () => {
    const backupId = '20261201T100000Z-0a1b2c3d';
    const { snapshot } = await backupDirectory(source, src, { tags: [`backupId:${backupId}`] });
    const store = source.store as FileVaultStore;
    for (const key of await listAll(store, 'index/')) await store.delete(key);
    const pass = replicateVault({ source, target: replica, targetKeys: replicaKeys });
    await expect(pass).rejects.toThrow(VaultCorruptionError);
    await expect(pass).rejects.toThrow(
      `blob(s) that snapshot(s) ${snapshot.id} reference are in no pack an index object of either vault lists; not replicated: \`lifeboat verify --backup ${backupId} --env <env> --aws\` tells whether it still restores`,
    );
    expect(await listAll(replica, 'snapshots/')).toEqual([]);
  });

  // The refusal named the first three snapshots of the pass (sorted by id), healthy ones, and never the backup whose
  // index object was lost (review r60G F2).
  it('blobs in no pack an index object lists: the refusal names the backup that references them, not the first of the pass', async () => {
    const store = source.store as FileVaultStore;
    const backups: Array<{ id: string; backupId: string; indexes: string[] }> = [];
    for (let i = 0; i < 5; i++) {
      const dirOf = path.join(dir, `src${i}`);
      await fs.mkdir(dirOf, { recursive: true });
      await fs.writeFile(path.join(dirOf, 'f.bin'), pseudoRandomBytes(50_000, 100 + i));
      const before = new Set(await listAll(store, 'index/'));
      const backupId = `2026120${i + 1}T100000Z-0a1b2c3${i}`;
      const { snapshot } = await backupDirectory(source, dirOf, { tags: [`backupId:${backupId}`] });
      backups.push({ id: snapshot.id, backupId, indexes: (await listAll(store, 'index/')).filter((k) => !before.has(k)) });
    }
    // The snapshot the pass lists last (by id): never among the first three.
    const damaged = [...backups].sort((a, b) => (a.id < b.id ? -1 : 1))[4] as (typeof backups)[number];
    for (const key of damaged.indexes) await store.delete(key);
    const pass = replicateVault({ source, target: replica, targetKeys: replicaKeys });
    await expect(pass).rejects.toThrow(VaultCorruptionError);
    await expect(pass).rejects.toThrow(
      `blob(s) that snapshot(s) ${damaged.id} reference are in no pack an index object of either vault lists; not replicated: \`lifeboat verify --backup ${damaged.backupId} --env <env> --aws\` tells whether it still restores`,
    );
    const message = await pass.then(() => '', (err: Error) => err.message);
    for (const healthy of backups.filter((b) => b !== damaged)) expect(message).not.toContain(healthy.backupId);
  });

  // Packs were copied unchecked (only content-addressed objects were): the pass completed and vouched for the snapshot,
  // so its backup was recorded copied with a DR copy no restore could read (audit b5-1).
  it.each(['a flipped byte', 'a truncation'])('never replicates a pack damaged by %s: the pass fails naming it and the repair', async (damage) => {
    await backupDirectory(source, src);
    const store = source.store as FileVaultStore;
    const [pack] = await listAll(store, 'data/');
    if (!pack) throw new Error('the backup wrote no pack');
    const file = path.join(store.root, pack);
    const bytes = await fs.readFile(file);
    if (damage === 'a flipped byte') {
      bytes[100] = (bytes[100] ?? 0) ^ 0xff;
      await fs.writeFile(file, bytes);
    } else {
      await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    }
    const failure = replicateVault({ source, target: replica, targetKeys: replicaKeys });
    await expect(failure).rejects.toThrow(DamagedPrimaryPackError);
    await expect(failure).rejects.toThrow(pack);
    await expect(failure).rejects.toThrow(damage === 'a flipped byte' ? /1 of the \d+ blobs the index lists in it are damaged: blob [0-9a-f]{64} \(used by the snapshots being copied\)/ : `pack is ${Math.floor(bytes.length / 2)} bytes, the index says ${bytes.length}`);
    await expect(failure).rejects.toThrow(/primary vault's copy of this pack is damaged.*lifeboat scrub --vault primary/);
    expect(await listAll(replica, 'data/')).not.toContain(pack);
    expect(await listAll(replica, 'snapshots/')).toEqual([]);
  });

  /**
   * A damaged blob of a forgotten snapshot (garbage not yet pruned) in a pack the snapshot being copied needs: `first`
   * (keep.bin and gone.bin) forgotten, `kept` (keep.bin) kept. Returns the damaged blob's id and its pack's key.
   */
  async function damageGarbageBlob(): Promise<{ kept: string; blob: string; pack: string }> {
    await fs.writeFile(path.join(src, 'gone.bin'), pseudoRandomBytes(20_000, 2));
    const first = await backupDirectory(source, src);
    await fs.rm(path.join(src, 'gone.bin'));
    const { snapshot } = await backupDirectory(source, src);
    const store = source.store as FileVaultStore;
    await store.delete(`snapshots/${first.snapshot.id}`);
    const used = await referencesOf(source, [snapshot.id]);
    const garbage = (await loadIndexObjects(source))
      .flatMap((o) => o.packs)
      .filter((p) => p.entries.some((e) => used.blobs.has(e.id, 0)))
      .flatMap((p) => p.entries.filter((e) => !used.blobs.has(e.id, 0)).map((e) => ({ pack: p.packId, entry: e })));
    const victim = garbage[0];
    if (!victim) throw new Error('the forgotten snapshot left no blob only it used in a pack the kept one needs');
    const pack = `data/${victim.pack.slice(0, 2)}/${victim.pack}`;
    const file = path.join(store.root, pack);
    const bytes = await fs.readFile(file);
    bytes[victim.entry.offset + 30] = (bytes[victim.entry.offset + 30] ?? 0) ^ 0xff;
    await fs.writeFile(file, bytes);
    return { kept: snapshot.id, blob: victim.entry.id.toString('hex'), pack };
  }

  // 83f4bd82 (review r1, R1-b) copied such a pack unchecked: a later backup of the same content reused the damaged blob
  // through the index and the DR vault got a snapshot no restore could read (review r9). The pass now fails, saying the
  // snapshots do not use the blob and to drop it from the index; once dropped, the pass copies and the snapshot restores.
  it('refuses a pack whose damaged blob no snapshot being copied uses while the index lists it, and copies once a repair drops it', async () => {
    const { kept, blob, pack } = await damageGarbageBlob();
    const failure = replicateVault({ source, target: replica, targetKeys: replicaKeys });
    await expect(failure).rejects.toThrow(DamagedPrimaryPackError);
    await expect(failure).rejects.toThrow(pack);
    await expect(failure).rejects.toThrow(new RegExp(`1 of the \\d+ blobs the index lists in it are damaged: blob ${blob} \\(used by no snapshot being copied\\)`));
    await expect(failure).rejects.toThrow(/No snapshot being copied uses it, but the primary vault's index lists it, .* Run the repair-index runbook on the primary vault, `lifeboat repair-index --env <env> --vault primary --read-data --aws`/);
    // An environment's vault opens only with its KMS key, which `lifeboat vault` refuses: no advice to run it.
    await expect(failure).rejects.not.toThrow(/lifeboat vault repair index/);
    await expect(failure).rejects.not.toThrow(/lifeboat scrub/);
    await expect(failure).rejects.toMatchObject({ usedBySnapshots: false, damagedBlobs: [{ id: blob, usedBySnapshots: false }] });
    expect(await listAll(replica, 'data/')).not.toContain(pack);
    expect(await listAll(replica, 'snapshots/')).toEqual([]);

    const repair = await repairIndex(source, { readData: true });
    expect(repair.blobsLeftOut.map((b) => b.blob)).toEqual([blob]);
    const progress = await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    expect(progress).toMatchObject({ complete: true, copiedSnapshots: [kept] });
    const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
    const out = path.join(dir, 'out');
    await restoreSnapshot(dr, await dr.loadSnapshot(kept), out);
    expect(await readTree(out)).toEqual(await readTree(src));
  });

  // Review r9: with only the used blobs checked, pass 1 copied the pack with its damaged garbage blob; backup 3 (gone.bin
  // back, same bytes) deduplicated onto it and stored no pack; pass 2 copied no pack, checked nothing and vouched for
  // snapshot 3, which the DR vault could not restore. Every snapshot a pass vouches for must restore from the DR vault.
  it('never vouches for a snapshot that reuses a damaged blob of a pack already copied', async () => {
    const { blob } = await damageGarbageBlob();
    const first = await replicateVault({ source, target: replica, targetKeys: replicaKeys }).then(
      () => undefined,
      (err: unknown) => err,
    );
    // The remedy the refusal names, and what the runbook's operator does next.
    if (first instanceof DamagedPrimaryPackError) await repairIndex(source, { readData: true });
    await fs.writeFile(path.join(src, 'gone.bin'), pseudoRandomBytes(20_000, 2));
    const { snapshot: third } = await backupDirectory(source, src);
    const second = await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    expect(second.vouchedSnapshots).toContain(third.id);

    const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
    const out = path.join(dir, 'out-third');
    await restoreSnapshot(dr, await dr.loadSnapshot(third.id), out);
    expect(await readTree(out)).toEqual(await readTree(src));
    expect(first).toBeInstanceOf(DamagedPrimaryPackError);
    expect((first as DamagedPrimaryPackError).damagedBlobs.map((b) => b.id)).toEqual([blob]);
  });

  // S3's NoSuchBucket named no bucket, region or vault (audit b5-5).
  it('names the DR vault\'s bucket and region when it does not exist, and says to deploy the DR stack', async () => {
    await backupDirectory(source, src);
    const client = new S3Client({ region: 'us-west-2', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const s3 = mockClient(client);
    // As AWS answers for a bucket that does not exist: a HEAD's bare 404, NoSuchBucket to everything else.
    s3.on(HeadObjectCommand).rejects(new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'UnknownError' }));
    const noSuchBucket = new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } });
    s3.on(ListObjectsV2Command).rejects(noSuchBucket);
    s3.on(GetObjectCommand).rejects(noSuchBucket);
    s3.on(PutObjectCommand).rejects(noSuchBucket);
    const target = new S3VaultStore({ client, bucket: 'lifeboat-prod-dr-vault' });
    const failure = replicateVault({ source, target, targetKeys: replicaKeys, regions: { source: 'eu-west-1', target: 'us-west-2' } }).catch((err: unknown) => Promise.reject(classifyError(err)));
    await expect(failure).rejects.toThrow(VaultBucketMissingError);
    await expect(failure).rejects.toThrow("The DR vault's bucket s3://lifeboat-prod-dr-vault does not exist in us-west-2 (the DR region): deploy the DR stack");
    await expect(failure).rejects.toMatchObject({ side: 'dr', region: 'us-west-2' });
  });

  it('names the primary vault\'s bucket when it is the one that does not exist', async () => {
    await backupDirectory(source, src);
    const noSuchBucket = (): Promise<never> => Promise.reject(Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' }));
    // Deleted after the vault was opened: every request to it answers NoSuchBucket.
    jest.spyOn(source.store, 'get').mockImplementation(noSuchBucket);
    jest.spyOn(source.store, 'list').mockImplementation(() => ({ [Symbol.asyncIterator]: () => ({ next: noSuchBucket }) }));
    const failure = replicateVault({ source, target: replica, targetKeys: replicaKeys, regions: { source: 'eu-west-1', target: 'us-west-2' } });
    await expect(failure).rejects.toThrow(VaultBucketMissingError);
    await expect(failure).rejects.toThrow(`The primary vault's bucket ${source.store.location} does not exist in eu-west-1 (the primary region)`);
    await expect(failure).rejects.toMatchObject({ side: 'primary' });
  });
});

/**
 * The DR vault's own retention (the Forget step with `drRetention`) forgets a snapshot the primary
 * keeps: replication must not copy it back, nor the data the DR vault's prune removed with it.
 */
describe('replicateVault with a snapshot the replica forgot', () => {
  /** The catalog operations of the DR region that forget uses, over a map (DynamoDB's conditional write of markForgotten). */
  class DrCatalog implements ForgetCatalog {
    readonly records = new Map<string, BackupRecord>();
    private readonly claims = memoryForgetClaims(this.records);
    claimForgetting: ForgetCatalog['claimForgetting'] = (...args) => this.claims.claimForgetting(...args);
    releaseForgetting: ForgetCatalog['releaseForgetting'] = (...args) => this.claims.releaseForgetting(...args);
    listBackupsOfPlan(plan: string): Promise<BackupRecord[]> {
      return Promise.resolve([...this.records.values()].filter((r) => r.plan === plan).sort((a, b) => b.startedAt.localeCompare(a.startedAt)));
    }
    getBackup(backupId: string): Promise<BackupRecord | undefined> {
      return Promise.resolve(this.records.get(backupId));
    }
    markForgotten(backupId: string, at: string): Promise<boolean> {
      const record = this.records.get(backupId);
      if (record?.status !== 'COMMITTED') return Promise.resolve(false);
      this.records.set(backupId, { ...record, forgottenAt: record.forgottenAt ?? at });
      return Promise.resolve(true);
    }
    /** What replicate-backup reads: the snapshots of the records marked forgotten. */
    forgotten(): Promise<ReadonlySet<string>> {
      return Promise.resolve(new Set([...this.records.values()].filter((r) => r.forgottenAt !== undefined).flatMap((r) => r.sources.map((s) => s.snapshotId))));
    }
  }

  const replicaKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);
  let dir: string;

  afterEach(async () => removeDir(dir));

  it('leaves it forgotten, copies new snapshots by reference, and never copies back the data its prune removed', async () => {
    dir = await tempDir('replicate-forgotten');
    const { vault: source } = await newTestVault(dir);
    const replica = new FileVaultStore(path.join(dir, 'replica'), { durable: false });
    const src = path.join(dir, 'src');
    await fs.mkdir(src, { recursive: true });
    await fs.writeFile(path.join(src, 'kept.bin'), pseudoRandomBytes(150_000, 11));
    await fs.writeFile(path.join(src, 'only-first.bin'), pseudoRandomBytes(150_000, 12));
    const catalog = new DrCatalog();
    const record = (backupId: string, startedAt: string, snapshotId: string): BackupRecord => ({
      backupId,
      plan: 'files',
      environment: 'dev',
      sourceNames: ['src'],
      sources: [{ name: 'src', type: 'filesystem', snapshotId, rootHash: '', entries: 0, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 }],
      strategy: 'full',
      status: 'COMMITTED',
      startedAt,
      shardCount: 1,
    });
    const replicate = () => replicateVault({ source, target: replica, targetKeys: replicaKeys, forgottenInReplica: () => catalog.forgotten() });

    const { snapshot: first } = await backupDirectory(source, src, { parent: null });
    catalog.records.set('b1', record('b1', '2026-03-01T00:00:00.000Z', first.id));
    await fs.rm(path.join(src, 'only-first.bin'));
    await fs.writeFile(path.join(src, 'second.bin'), pseudoRandomBytes(60_000, 13));
    const { snapshot: second } = await backupDirectory(source, src, { parent: null });
    catalog.records.set('b2', record('b2', '2026-03-02T00:00:00.000Z', second.id));
    expect([...(await replicate()).copiedSnapshots].sort()).toEqual([first.id, second.id].sort());

    // The DR vault keeps one backup, the primary all of them.
    const plans = [{ name: 'files', retention: { keepLast: 10 }, drRetention: { keepLast: 1 } }];
    // Each replicated snapshot reached the DR vault when its backup started, as far as retention is concerned.
    const snapshotArrivals = () => Promise.resolve(new Map([...catalog.records.values()].flatMap((r) => r.sources.map((src): [string, Date] => [src.snapshotId, new Date(r.startedAt)]))));
    const forget = await forgetBackups({}, { vault: 'dr', openVault: () => openVault(replica, replicaKeys), snapshotArrivals, catalog, plans, now: new Date('2026-03-03T00:00:00Z') });
    expect(forget.plans[0]?.forgotten).toEqual(['b1']);
    expect(await listAll(replica, 'snapshots/')).toEqual([`snapshots/${second.id}`]);

    // Not copied back, and nothing else is copied for it.
    const after = await replicate();
    expect(after).toMatchObject({ complete: true, copiedObjects: 0, copiedSnapshots: [], skippedSnapshots: [first.id] });
    expect(await listAll(replica, 'snapshots/')).toEqual([`snapshots/${second.id}`]);

    // The DR vault's prune removes what only the forgotten snapshot referenced (a grace of 0: condemn, then sweep).
    const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
    let clock = Date.parse('2026-03-03T00:00:00Z');
    await pruneVault(dr, { graceMs: 0, now: () => clock++ });
    await pruneVault(dr, { graceMs: 0, now: () => clock++ });
    const prunedData = await listAll(replica, 'data/');
    const sourceData = await listAll(source.store as FileVaultStore, 'data/');
    expect(sourceData.filter((key) => !prunedData.includes(key)).length).toBeGreaterThan(0);

    // A new backup: its snapshot and what it needs are copied; the forgotten snapshot and the swept packs are not.
    await fs.writeFile(path.join(src, 'third.bin'), pseudoRandomBytes(40_000, 14));
    const { snapshot: third } = await backupDirectory(source, src);
    const newPacks = (await listAll(source.store as FileVaultStore, 'data/')).filter((key) => !sourceData.includes(key));
    const next = await replicate();
    expect(next).toMatchObject({ complete: true, copiedSnapshots: [third.id], skippedSnapshots: [first.id] });
    expect(await listAll(replica, 'snapshots/')).toEqual([`snapshots/${second.id}`, `snapshots/${third.id}`].sort());
    expect(await listAll(replica, 'data/')).toEqual([...prunedData, ...newPacks].sort());
    expect(await replicate()).toMatchObject({ complete: true, copiedObjects: 0, copiedSnapshots: [] });

    const reopened = await openVault(new FileVaultStore(replica.root), replicaKeys);
    expect((await verifyVault(reopened, { readData: true })).problems).toEqual([]);
    const out = path.join(dir, 'out');
    await restoreSnapshot(reopened, await reopened.loadSnapshot(third.id), out);
    expect(await readTree(out)).toEqual(await readTree(src));
  });

  it('asks for the forgotten snapshots only when the replica lacks a snapshot', async () => {
    dir = await tempDir('replicate-not-asked');
    const { vault: source } = await newTestVault(dir);
    const replica = new FileVaultStore(path.join(dir, 'replica'), { durable: false });
    const src = path.join(dir, 'src');
    await fs.mkdir(src, { recursive: true });
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(30_000, 21));
    await backupDirectory(source, src);
    let asked = 0;
    const forgottenInReplica = () => {
      asked++;
      return Promise.resolve(new Set<string>());
    };
    expect(await replicateVault({ source, target: replica, targetKeys: replicaKeys, forgottenInReplica })).toMatchObject({ complete: true, skippedSnapshots: [] });
    expect(asked).toBe(1);
    await replicateVault({ source, target: replica, targetKeys: replicaKeys, forgottenInReplica });
    expect(asked).toBe(1);
  });
});

/**
 * A prune of the primary condemns packs (a failed run's, a forgotten backup's) and a killed run left packs no index lists:
 * replication copies what the snapshots it replicates need, none of that garbage (it was copied by listing until
 * 2026-12: the DR vault's prune deleted it and the next pass copied it again).
 */
describe('replicateVault and the primary\'s garbage', () => {
  const replicaKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);
  let dir: string;

  afterEach(async () => removeDir(dir));

  it('copies none of the packs a prune condemned nor those of failed runs; the DR vault verifies and restores every snapshot', async () => {
    dir = await tempDir('replicate-garbage');
    const { vault: source } = await newTestVault(dir);
    const store = source.store as FileVaultStore;
    const replica = new FileVaultStore(path.join(dir, 'replica'), { durable: false });
    const src = path.join(dir, 'src');
    await fs.mkdir(src, { recursive: true });
    await fs.writeFile(path.join(src, 'kept.bin'), pseudoRandomBytes(150_000, 31));
    const replicate = () => replicateVault({ source, target: replica, targetKeys: replicaKeys });

    const { snapshot: first } = await backupDirectory(source, src);
    const firstTree = await readTree(src);
    expect(await replicate()).toMatchObject({ complete: true, copiedSnapshots: [first.id] });
    const replicated = await listAll(replica, 'data/');

    // A failed run: packs and index objects written, no snapshot committed (its snapshot object is removed again).
    const before = new Set(await listAll(store, ''));
    await fs.writeFile(path.join(src, 'failed.bin'), pseudoRandomBytes(120_000, 32));
    const { snapshot: failed } = await backupDirectory(source, src);
    await store.delete(`snapshots/${failed.id}`);
    // A killed run: its index object was never written, so no index lists its packs.
    await fs.writeFile(path.join(src, 'killed.bin'), pseudoRandomBytes(120_000, 33));
    const beforeKilled = new Set(await listAll(store, ''));
    const { snapshot: killed } = await backupDirectory(source, src);
    await store.delete(`snapshots/${killed.id}`);
    for (const key of await listAll(store, 'index/')) if (!beforeKilled.has(key)) await store.delete(key);
    // A backup the primary forgot before it was replicated.
    await fs.writeFile(path.join(src, 'forgotten.bin'), pseudoRandomBytes(120_000, 34));
    const { snapshot: forgotten } = await backupDirectory(source, src);
    await store.delete(`snapshots/${forgotten.id}`);
    const garbage = (await listAll(store, 'data/')).filter((key) => !before.has(key));
    expect(garbage.length).toBeGreaterThan(3);

    // The prune condemns them (its grace keeps them in the primary for now: the batch is pending).
    await pruneVault(source, {});
    const condemned = condemnedPacksOf(await loadCondemnedBatches(store, source.keys));
    expect(garbage.filter((key) => condemned.has(key.slice(key.lastIndexOf('/') + 1)))).toEqual(garbage);
    for (const key of garbage) expect(await store.has(key)).toBe(true);

    // The next backup: only its own new pack(s), index object(s), manifest objects and snapshot are copied.
    await fs.rm(path.join(src, 'failed.bin'));
    await fs.rm(path.join(src, 'killed.bin'));
    await fs.rm(path.join(src, 'forgotten.bin'));
    await fs.writeFile(path.join(src, 'next.bin'), pseudoRandomBytes(40_000, 35));
    const { snapshot: next } = await backupDirectory(source, src);
    const newPacks = (await listAll(store, 'data/')).filter((key) => !before.has(key) && !garbage.includes(key));
    const progress = await replicate();
    expect(progress).toMatchObject({ complete: true, copiedSnapshots: [next.id] });
    const drData = await listAll(replica, 'data/');
    for (const key of garbage) expect({ key, copied: drData.includes(key) }).toEqual({ key, copied: false });
    expect(drData).toEqual([...replicated, ...newPacks].sort());
    expect(progress.copiedBytes).toBeLessThan(80_000);
    expect(await listAll(replica, 'snapshots/')).toEqual([`snapshots/${first.id}`, `snapshots/${next.id}`].sort());
    expect(await replicate()).toMatchObject({ complete: true, copiedObjects: 0 });

    const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
    expect((await verifyVault(dr, { readData: true })).problems).toEqual([]);
    for (const [snapshot, tree] of [
      [first, firstTree],
      [next, await readTree(src)],
    ] as const) {
      const out = path.join(dir, `out-${snapshot.id}`);
      await restoreSnapshot(dr, await dr.loadSnapshot(snapshot.id), out);
      expect(await readTree(out)).toEqual(tree);
    }
  });
});
