import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { condemnedPacksOf, loadCondemnedBatches, writeCondemnedBatch } from '../../../../vault/prune/prune-state';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { extendSnapshotRetention, retentionWindow, setBackupLegalHold, snapshotObjectKeys } from '../../../../vault/repository/snapshot-locks';
import { Vault } from '../../../../vault/repository/vault';
import { DATA_PREFIX, INDEX_PREFIX, packKey } from '../../../../vault/repository/vault-layout';
import { storeEveryPackTwice } from '../../../support/packs-stored-twice';
import { listedKeys, newTestVault, pseudoRandomBytes, removeDir, requiredMethodsStore, tempDir } from '../../../support/vault-test-helpers';

const DAY = 24 * 3600 * 1000;

describe('retentionWindow', () => {
  it('asks for `days` from now and extends by a tenth more, at most 30 days more', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(retentionWindow(now, 30)).toEqual({ until: new Date(now.getTime() + 30 * DAY), extendTo: new Date(now.getTime() + 33 * DAY) });
    expect(retentionWindow(now, 1)).toEqual({ until: new Date(now.getTime() + DAY), extendTo: new Date(now.getTime() + 2 * DAY) });
    expect(retentionWindow(now, 3650).extendTo).toEqual(new Date(now.getTime() + 3680 * DAY));
  });
});

describe('Object Lock of what snapshots reference, on a store with lock methods', () => {
  let dir: string;
  let vault: Vault;
  let first: string;
  let second: string;
  /** What each snapshot references (snapshotObjectKeys reads every index object: computed once). */
  let ofFirst: string[];
  let ofSecond: string[];
  const retention = new Map<string, { until: Date; extendTo: Date | undefined }>();
  const holds = new Map<string, boolean>();

  beforeAll(async () => {
    dir = await tempDir('snapshot-locks');
    const made = await newTestVault(dir);
    const store: VaultStore = requiredMethodsStore(made.store, {
      extendRetention: (key, until, extendTo) => {
        retention.set(key, { until, extendTo });
        return Promise.resolve(true);
      },
      setLegalHold: (key, on) => {
        holds.set(key, on);
        return Promise.resolve();
      },
    });
    vault = new Vault(store, made.vault.keys, made.vault.config);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'shared.bin'), pseudoRandomBytes(100 * 1024, 7));
    first = (await backupDirectory(vault, src, { parent: null })).snapshot.id;
    await fs.writeFile(path.join(src, 'new.bin'), pseudoRandomBytes(100 * 1024, 8));
    second = (await backupDirectory(vault, src, { parent: null })).snapshot.id;
    ofFirst = await snapshotObjectKeys(vault, [first]);
    ofSecond = await snapshotObjectKeys(vault, [second]);
  });

  afterAll(() => removeDir(dir));

  it('finds every pack a snapshot needs, its own snapshot, manifest and index objects, and nothing of a later snapshot', async () => {
    const packs = await listedKeys(vault.store, DATA_PREFIX);
    expect(ofSecond.filter((k) => k.startsWith(DATA_PREFIX))).toEqual(packs);
    const firstPacks = ofFirst.filter((k) => k.startsWith(DATA_PREFIX));
    expect(firstPacks.length).toBeGreaterThan(0);
    expect(firstPacks.length).toBeLessThan(packs.length);
    expect(ofFirst).toContain(`snapshots/${first}`);
    expect(ofFirst).not.toContain(`snapshots/${second}`);
    // The second snapshot needs the index objects of the first (they list the packs it deduplicated against).
    expect(ofSecond).toEqual(expect.arrayContaining(ofFirst.filter((k) => k.startsWith('index/'))));
  });

  it('keeps the vault\'s config and every key object with each snapshot: written once, needed to open anything', async () => {
    const keyObjects = await listedKeys(vault.store, 'keys/');
    expect(keyObjects.length).toBeGreaterThan(0);
    for (const keys of [ofFirst, ofSecond]) expect(keys).toEqual(expect.arrayContaining(['config', ...keyObjects]));
  });

  it('hands the store the window for every referenced object', async () => {
    retention.clear();
    const until = new Date(Date.now() + 30 * DAY);
    const extendTo = new Date(Date.now() + 33 * DAY);
    const result = await extendSnapshotRetention(vault, [second], until, extendTo);
    expect(result).toEqual({ supported: true, objects: retention.size, extended: retention.size });
    expect([...retention.keys()].sort()).toEqual(ofSecond);
    expect(new Set([...retention.values()].map((v) => `${v.until.toISOString()} ${v.extendTo?.toISOString()}`))).toEqual(new Set([`${until.toISOString()} ${extendTo.toISOString()}`]));
  });

  it('releases a hold except on what a backup still held references', async () => {
    await setBackupLegalHold(vault, [first, second], true);
    expect([...new Set([...ofFirst, ...ofSecond])].every((k) => holds.get(k) === true)).toBe(true);
    const released = await setBackupLegalHold(vault, [first], false, { stillHeld: [second] });
    const kept = new Set(ofSecond);
    for (const key of ofFirst) expect(holds.get(key)).toBe(kept.has(key));
    expect(released.keptForOtherHolds).toBeGreaterThan(0);
  });

  it('does nothing on a store without Object Lock', async () => {
    const plain = new Vault(requiredMethodsStore(vault.store), vault.keys, vault.config);
    expect(await extendSnapshotRetention(plain, [first], new Date())).toEqual({ supported: false, objects: 0, extended: 0 });
    expect(await setBackupLegalHold(plain, [first], true)).toEqual({ supported: false, objects: 0, keptForOtherHolds: 0 });
  });
});

describe('Object Lock of blobs stored twice (review R4-2)', () => {
  it('lists every copy\'s pack, and the index objects listing them: a restore reads the other copy when the first fails', async () => {
    const dir = await tempDir('snapshot-locks-copies');
    try {
      const { vault, store } = await newTestVault(dir);
      const src = path.join(dir, 'src');
      await fs.mkdir(src);
      await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(100 * 1024, 9));
      const id = (await backupDirectory(vault, src, { parent: null })).snapshot.id;
      const pairs = await storeEveryPackTwice(store, vault.keys);
      const keys = await snapshotObjectKeys(new Vault(store, vault.keys, vault.config), [id]);
      expect(keys.filter((k) => k.startsWith(DATA_PREFIX))).toEqual(pairs.flatMap((p) => [packKey(p.first), packKey(p.second)]).sort());
      expect(keys.filter((k) => k.startsWith(INDEX_PREFIX))).toEqual(await listedKeys(store, INDEX_PREFIX));
    } finally {
      await removeDir(dir);
    }
  });
});

describe('Object Lock of a pack a prune repacked and condemned (review r17 F2)', () => {
  let dir: string;
  let vault: Vault;
  let keep: string;
  /** The pack holding both files, repacked by the prune, and the pack its live blob was copied into. */
  let repacked: string;
  let copy: string;

  beforeAll(async () => {
    dir = await tempDir('snapshot-locks-repacked');
    vault = (await newTestVault(dir)).vault;
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'keep.bin'), pseudoRandomBytes(3000, 11));
    await fs.writeFile(path.join(src, 'drop.bin'), pseudoRandomBytes(9000, 12));
    const dropped = (await backupDirectory(vault, src, { parent: null })).snapshot.id;
    await fs.rm(path.join(src, 'drop.bin'));
    keep = (await backupDirectory(vault, src, { parent: null })).snapshot.id;
    const before = await listedKeys(vault.store, DATA_PREFIX);
    await vault.store.delete(`snapshots/${dropped}`);
    const run = await pruneVault(vault, { graceMs: 3_600_000, repackThreshold: 0.05 });
    expect(run.report.packsRepacked).toBe(1);
    const condemned = condemnedPacksOf(await loadCondemnedBatches(vault.store, vault.keys));
    const after = await listedKeys(vault.store, DATA_PREFIX);
    const packId = (key: string): string => key.slice(key.lastIndexOf('/') + 1);
    repacked = before.map(packId).find((id) => condemned.has(id)) ?? '';
    copy = after.filter((k) => !before.includes(k)).map(packId)[0] ?? '';
    expect([repacked, copy].every((id) => id.length > 0)).toBe(true);
  });

  afterAll(() => removeDir(dir));

  const opened = (): Vault => new Vault(vault.store, vault.keys, vault.config);

  it('a commit extends the copy\'s pack, not the condemned one, so the condemned pack\'s retention can pass and the sweep free it', async () => {
    const packs = (await snapshotObjectKeys(opened(), [keep])).filter((k) => k.startsWith(DATA_PREFIX));
    expect(packs).toEqual([packKey(copy)]);
  });

  it('a legal hold still takes every copy: a release must reach what the hold set, whatever a prune condemned since', async () => {
    const packs = (await snapshotObjectKeys(opened(), [keep], { includeCondemned: true })).filter((k) => k.startsWith(DATA_PREFIX));
    expect(packs).toEqual([packKey(copy), packKey(repacked)].sort());
  });

  // Last: it condemns the copy too.
  it('keeps every condemned copy locked when no copy is outside a pending batch: a referenced blob never loses its retention', async () => {
    await writeCondemnedBatch(vault.store, vault.keys, { v: 1, condemnedAt: new Date().toISOString(), graceMs: 3_600_000, packs: [{ id: copy, bytes: 0 }], indexes: [], manifests: [] });
    const keys = await snapshotObjectKeys(opened(), [keep]);
    expect(keys.filter((k) => k.startsWith(DATA_PREFIX))).toEqual([packKey(copy), packKey(repacked)].sort());
    expect(keys.filter((k) => k.startsWith(INDEX_PREFIX)).length).toBeGreaterThan(0);
  });
});
