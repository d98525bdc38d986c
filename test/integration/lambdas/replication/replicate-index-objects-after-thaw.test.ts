import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { loadIndexObjectsOf } from '../../../../lambdas/replication/vault-references';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { type ByteRange, type StoredObjectState, type VaultStore } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { openVault, Vault } from '../../../../vault/repository/vault';
import { DATA_PREFIX, idFromKey, INDEX_PREFIX, SNAPSHOTS_PREFIX, snapshotKey } from '../../../../vault/repository/vault-layout';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { VaultObjectArchivedError } from '../../../../vault/vault-errors';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { listedKeys, newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review 43a, F2 and F3: a Replicate pass that meets packs archived in the primary (a thaw given) copies no index object
 * while the DR vault lacks one of them (it would name a pack the DR vault does not hold until the thaw ends), and a
 * pass that lists again after a sweep of the primary asks for each archived pack, and counts it, once.
 */
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };
const THAW = { retrievalTier: 'Standard', waitSeconds: 60 } as const;

/** The primary's store with the packs `archived()` names archived (GET refused, a thaw startable); `beforeRead` runs before each pack read. */
function archivingStore(inner: FileVaultStore, archived: () => ReadonlySet<string>, counts: { archivedGets: number }, beforeRead: (key: string) => Promise<void> = async () => undefined): VaultStore {
  return new Proxy(inner, {
    get(target, prop, receiver): unknown {
      if (prop === 'get') {
        return async (key: string, range?: ByteRange): Promise<Buffer> => {
          if (key.startsWith(DATA_PREFIX)) await beforeRead(key);
          if (archived().has(key)) {
            counts.archivedGets++;
            throw new VaultObjectArchivedError(target.location, key, 'GLACIER');
          }
          return target.get(key, range);
        };
      }
      if (prop === 'storageState') {
        return async (key: string): Promise<StoredObjectState> =>
          archived().has(key) ? { storageClass: 'GLACIER', archived: true, thaw: 'none' } : { storageClass: 'STANDARD', archived: false, thaw: 'none' };
      }
      if (prop === 'requestThaw') return async (): Promise<'started'> => 'started';
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('replication while packs are archived in the primary', () => {
  let dir: string;
  let primary: Vault;
  let primaryStore: FileVaultStore;
  let replica: FileVaultStore;
  let src: string;
  const replicaKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);

  beforeEach(async () => {
    dir = await tempDir('replicate-archived');
    ({ vault: primary, store: primaryStore } = await newTestVault(dir));
    src = path.join(dir, 'src');
    await fs.mkdir(src);
    replica = new FileVaultStore(path.join(dir, 'dr'), { durable: false });
  });
  afterEach(async () => removeDir(dir));
  afterAll(async () => CodecPool.shutdownShared());

  /** The packs the replica's index objects name that the replica does not hold. */
  async function packsNamedButAbsent(): Promise<string[]> {
    const held = new Set((await listedKeys(replica, DATA_PREFIX)).map((key) => key.slice(key.lastIndexOf('/') + 1)));
    const ids = (await listedKeys(replica, INDEX_PREFIX)).map((key) => idFromKey(INDEX_PREFIX, key) as string);
    const named = (await loadIndexObjectsOf(replica, primary.keys, ids)).flatMap((object) => object.packs.map((pack) => pack.packId));
    return named.filter((id) => !held.has(id));
  }

  it('holds back the index objects while a pack is archived, counts them remaining, and the pass after the thaw copies them', async () => {
    const data = pseudoRandomBytes(300_000, 3);
    await fs.writeFile(path.join(src, 'a.bin'), data);
    const snapshotId = (await backupDirectory(primary, src)).snapshot.id;
    const packs = await listedKeys(primaryStore, DATA_PREFIX);
    const indexObjects = await listedKeys(primaryStore, INDEX_PREFIX);
    expect(packs.length).toBeGreaterThan(1);
    let archived = new Set([packs[0] as string]);
    const counts = { archivedGets: 0 };
    const source = new Vault(archivingStore(primaryStore, () => archived, counts), primary.keys, primary.config);

    const first = await replicateVault({ source, target: replica, targetKeys: replicaKeys, thaw: THAW });
    expect(first.complete).toBe(false);
    expect(first.thaw).toMatchObject({ archived: 1, requested: 1 });
    expect(await packsNamedButAbsent()).toEqual([]);
    expect(await listedKeys(replica, INDEX_PREFIX)).toEqual([]);
    // The archived pack, the index objects held back and the snapshot: the next pass's work.
    expect(first.remainingObjects).toBe(1 + indexObjects.length + 1);
    expect(first.copiedSnapshots).toEqual([]);

    // The thaw ends: the next pass copies the pack, then the index objects and the snapshot.
    archived = new Set();
    const second = await replicateVault({ source, target: replica, targetKeys: replicaKeys, thaw: THAW });
    expect(second).toMatchObject({ complete: true, remainingObjects: 0, copiedSnapshots: [snapshotId] });
    expect((await listedKeys(replica, INDEX_PREFIX)).sort()).toEqual([...indexObjects].sort());
    expect(await packsNamedButAbsent()).toEqual([]);
    const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
    const out = path.join(dir, 'restored');
    await restoreSnapshot(dr, await dr.loadSnapshot(snapshotId), out);
    expect(await fs.readFile(path.join(out, 'a.bin'))).toEqual(data);
  });

  it('asks for each archived pack once and counts it once, however often a sweep of the primary makes the pass list again', async () => {
    await fs.writeFile(path.join(src, 'keep.bin'), pseudoRandomBytes(200_000, 7));
    await fs.writeFile(path.join(src, 'drop.bin'), pseudoRandomBytes(400_000, 8));
    const old = (await backupDirectory(primary, src)).snapshot.id;
    await fs.rm(path.join(src, 'drop.bin'));
    await fs.writeFile(path.join(src, 'more.bin'), pseudoRandomBytes(300_000, 9));
    await backupDirectory(primary, src);
    await primaryStore.delete(snapshotKey(old));
    const before = new Set(await listedKeys(primaryStore, DATA_PREFIX));
    // At the pass's first pack read, a prune of the primary repacks and sweeps (two runs with no grace); the packs
    // that survive it are archived from then on, so every look finds them missing from the replica again.
    let archived = new Set<string>();
    let raced: Promise<void> | null = null;
    const sweepThenArchive = async (): Promise<void> => {
      raced ??= (async () => {
        await pruneVault(primary, { graceMs: 0 });
        await pruneVault(primary, { graceMs: 0 });
        const after = new Set(await listedKeys(primaryStore, DATA_PREFIX));
        archived = new Set([...before].filter((key) => after.has(key)));
      })();
      await raced;
    };
    const counts = { archivedGets: 0 };
    const source = new Vault(archivingStore(primaryStore, () => archived, counts, sweepThenArchive), primary.keys, primary.config);

    const pass = await replicateVault({ source, target: replica, targetKeys: replicaKeys, thaw: THAW });
    expect(archived.size).toBeGreaterThan(0);
    expect(pass.complete).toBe(false);
    expect(counts.archivedGets).toBe(archived.size);
    expect(pass.thaw).toMatchObject({ archived: archived.size, requested: archived.size });
    const indexObjects = await listedKeys(primaryStore, INDEX_PREFIX);
    // Each archived pack, each index object held back and each snapshot once.
    expect(pass.remainingObjects).toBe(archived.size + indexObjects.length + (await listedKeys(primaryStore, SNAPSHOTS_PREFIX)).length);
    expect(await packsNamedButAbsent()).toEqual([]);
  });
});
