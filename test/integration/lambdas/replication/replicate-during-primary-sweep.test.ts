import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { loadIndexObjectsOf } from '../../../../lambdas/replication/vault-references';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { type ByteRange, type VaultStore } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { openVault, Vault } from '../../../../vault/repository/vault';
import { DATA_PREFIX, idFromKey, INDEX_PREFIX, packKey, SNAPSHOTS_PREFIX, snapshotKey } from '../../../../vault/repository/vault-layout';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { VaultCorruptionError, VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { listedKeys, newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit R29, F2: a backup's Replicate step lists the primary and copies what the snapshots need from that listing; the
 * primary's prune, scheduled apart, may sweep a pack or index object the listing named before the pass reads it. The
 * pass lists again and copies what is still missing; only a blob then in no pack fails it (the error naming the
 * snapshots), and the listing is taken again a bounded number of times.
 */
const KEEP = pseudoRandomBytes(200_000, 7);
const DROP = pseudoRandomBytes(400_000, 8);
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

/**
 * The primary's store as the pass reads it: before the first read of a key `trigger` picks, `race` runs (a prune of the
 * primary, in another process), and every read of a pack or index object after that waits for it to end.
 */
function racingStore(inner: FileVaultStore, trigger: (key: string) => boolean, race: (key: string) => Promise<void>): VaultStore {
  let raced: Promise<void> | null = null;
  return new Proxy(inner, {
    get(target, prop, receiver): unknown {
      if (prop === 'get') {
        return async (key: string, range?: ByteRange): Promise<Buffer> => {
          if (raced === null && trigger(key)) raced = race(key);
          if (raced !== null && (key.startsWith(DATA_PREFIX) || key.startsWith(INDEX_PREFIX))) await raced;
          return target.get(key, range);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('replication while the primary’s prune sweeps', () => {
  let dir: string;
  let primary: Vault;
  let primaryStore: FileVaultStore;
  let replica: FileVaultStore;
  let kept: string;
  const replicaKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);

  beforeEach(async () => {
    dir = await tempDir('replicate-primary-sweep');
    ({ vault: primary, store: primaryStore } = await newTestVault(dir));
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'keep.bin'), KEEP);
    await fs.writeFile(path.join(src, 'drop.bin'), DROP);
    const old = (await backupDirectory(primary, src)).snapshot.id;
    await fs.rm(path.join(src, 'drop.bin'));
    kept = (await backupDirectory(primary, src)).snapshot.id;
    // The primary's retention forgot the older backup: a prune repacks the packs it shared with the newer one.
    await primaryStore.delete(snapshotKey(old));
    replica = new FileVaultStore(path.join(dir, 'dr'), { durable: false });
  });
  afterEach(async () => removeDir(dir));
  afterAll(async () => CodecPool.shutdownShared());

  const racing = (store: VaultStore): Vault => new Vault(store, primary.keys, primary.config);

  /** The replica opens with its own key, restores the kept backup byte for byte, and names no pack it lacks in an index object. */
  async function expectWholeReplica(): Promise<void> {
    const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
    const out = path.join(dir, 'restored');
    await restoreSnapshot(dr, await dr.loadSnapshot(kept), out);
    expect(await fs.readFile(path.join(out, 'keep.bin'))).toEqual(KEEP);
    const held = new Set((await listedKeys(replica, DATA_PREFIX)).map((key) => key.slice(key.lastIndexOf('/') + 1)));
    const indexIds = (await listedKeys(replica, INDEX_PREFIX)).map((key) => idFromKey(INDEX_PREFIX, key) as string);
    const named = (await loadIndexObjectsOf(replica, primary.keys, indexIds)).flatMap((o) => o.packs.map((p) => p.packId));
    expect(named.filter((id) => !held.has(id))).toEqual([]);
  }

  it('lists again when the sweep deletes an index object the listing named before the pass reads it', async () => {
    expect((await pruneVault(primary, { graceMs: 0 })).report.indexesCondemned).toBeGreaterThan(0);
    let swept = 0;
    const store = racingStore(
      primaryStore,
      (key) => key.startsWith(INDEX_PREFIX),
      async () => {
        swept = (await pruneVault(primary, { graceMs: 0 })).report.indexesDeleted;
      },
    );

    const progress = await replicateVault({ source: racing(store), target: replica, targetKeys: replicaKeys });
    expect(swept).toBeGreaterThan(0);
    expect(progress).toMatchObject({ complete: true, remainingObjects: 0, copiedSnapshots: [kept] });
    await expectWholeReplica();
  });

  it('lists again when the repack and its sweep run between the look and the copies', async () => {
    let deleted = 0;
    const store = racingStore(
      primaryStore,
      (key) => key.startsWith(DATA_PREFIX),
      async () => {
        expect((await pruneVault(primary, { graceMs: 0 })).report.packsRepacked).toBeGreaterThan(0);
        deleted = (await pruneVault(primary, { graceMs: 0 })).report.packsDeleted;
      },
    );

    const progress = await replicateVault({ source: racing(store), target: replica, targetKeys: replicaKeys });
    expect(deleted).toBeGreaterThan(0);
    expect(progress).toMatchObject({ complete: true, remainingObjects: 0, copiedSnapshots: [kept] });
    await expectWholeReplica();
  });

  it('copies no index object while a pack it lists is still being copied (the sweep may take that pack)', async () => {
    // The packs of the forgotten backup that hold none of keep.bin's blobs: the prune condemns and sweeps them.
    const reader = new Vault(primaryStore, primary.keys, primary.config);
    const entry = await (await reader.manifest(await reader.loadSnapshot(kept))).find('keep.bin');
    const index = await reader.index();
    const keepPacks = new Set((entry?.content ?? []).map((id) => packKey(index.lookup(Buffer.from(id, 'hex'))?.packId as string)));
    let held = '';
    let copying = false;
    let indexRead: () => void = () => undefined;
    const indexCopied = new Promise<void>((resolve) => (indexRead = resolve));
    const store: VaultStore = new Proxy(primaryStore, {
      get(target, prop, receiver): unknown {
        if (prop === 'get') {
          return async (key: string, range?: ByteRange): Promise<Buffer> => {
            if (key.startsWith(DATA_PREFIX)) copying = true;
            if (held === '' && key.startsWith(DATA_PREFIX) && !keepPacks.has(key)) {
              held = key;
              // The pack's copy is slow: the pass may read index objects meanwhile (it must not), then the sweep runs.
              await Promise.race([indexCopied, new Promise((resolve) => setTimeout(resolve, 300))]);
              await pruneVault(primary, { graceMs: 0 });
              await pruneVault(primary, { graceMs: 0 });
            }
            const body = await target.get(key, range);
            if (copying && key.startsWith(INDEX_PREFIX)) indexRead();
            return body;
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });

    const progress = await replicateVault({ source: racing(store), target: replica, targetKeys: replicaKeys });
    expect(held).not.toBe('');
    expect(await primaryStore.has(held)).toBe(false);
    expect(progress).toMatchObject({ complete: true, remainingObjects: 0, copiedSnapshots: [kept] });
    await expectWholeReplica();
  });

  it('fails naming the snapshot when a pack holding its blobs is lost from the primary, not swept', async () => {
    const reader = new Vault(primaryStore, primary.keys, primary.config);
    const entry = await (await reader.manifest(await reader.loadSnapshot(kept))).find('keep.bin');
    const holding = (await reader.index()).lookup(Buffer.from(entry?.content[0] as string, 'hex'));
    if (!holding) throw new Error('the first blob of keep.bin is not indexed');
    let lost = '';
    const store = racingStore(
      primaryStore,
      (key) => key.startsWith(DATA_PREFIX),
      async () => {
        lost = packKey(holding.packId);
        await fs.rm(primaryStore.localPath(lost));
      },
    );

    const pass = replicateVault({ source: racing(store), target: replica, targetKeys: replicaKeys });
    await expect(pass).rejects.toThrow(VaultCorruptionError);
    await expect(pass).rejects.toThrow(`snapshot(s) ${kept} reference are in no pack an index object of either vault lists`);
    expect(lost).not.toBe('');
    expect(await listedKeys(replica, SNAPSHOTS_PREFIX)).toEqual([]);
  });

  it('lists again at most twice, then fails on a pack the listing keeps naming that cannot be read', async () => {
    let ghost = '';
    let dataListings = 0;
    const store: VaultStore = new Proxy(primaryStore, {
      get(target, prop, receiver): unknown {
        if (prop === 'get') {
          return async (key: string, range?: ByteRange): Promise<Buffer> => {
            if (ghost === '' && key.startsWith(DATA_PREFIX)) ghost = key;
            if (key === ghost) throw new VaultObjectNotFoundError(target.location, key);
            return target.get(key, range);
          };
        }
        if (prop === 'list') {
          return (prefix: string): AsyncIterable<string> => {
            if (prefix === DATA_PREFIX) dataListings++;
            return target.list(prefix);
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });

    const pass = replicateVault({ source: racing(store), target: replica, targetKeys: replicaKeys });
    await expect(pass).rejects.toThrow(VaultObjectNotFoundError);
    await expect(pass).rejects.toThrow(`object ${ghost} does not exist`);
    expect(dataListings).toBe(3);
    expect(await listedKeys(replica, SNAPSHOTS_PREFIX)).toEqual([]);
  });

  it('leaves what the sweep took for the next pass when the deadline leaves no time to list again', async () => {
    let clock = 0;
    const deadline = 3_600_000;
    const store = racingStore(
      primaryStore,
      (key) => key.startsWith(DATA_PREFIX),
      async () => {
        await pruneVault(primary, { graceMs: 0 });
        await pruneVault(primary, { graceMs: 0 });
        clock = deadline;
      },
    );

    const first = await replicateVault({ source: racing(store), target: replica, targetKeys: replicaKeys, deadline, now: () => clock });
    expect(first).toMatchObject({ complete: false, copiedSnapshots: [] });
    expect(first.remainingObjects).toBeGreaterThan(0);
    expect(await listedKeys(replica, SNAPSHOTS_PREFIX)).toEqual([]);

    const next = await replicateVault({ source: primary, target: replica, targetKeys: replicaKeys });
    expect(next).toMatchObject({ complete: true, remainingObjects: 0, copiedSnapshots: [kept] });
    await expectWholeReplica();
  });
});
