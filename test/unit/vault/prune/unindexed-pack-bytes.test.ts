import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type ListedObject, type VaultStore } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { writeCondemnedBatch } from '../../../../vault/prune/prune-state';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { packKey, PRUNE_LEASE_PREFIX } from '../../../../vault/repository/vault-layout';
import { newTestVault, pseudoRandomBytes, removeDir, requiredMethodsStore, SMALL_TUNING, tempDir } from '../../../support/vault-test-helpers';

const HOUR = 3_600_000;

describe('prune of a pack no index lists', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('unindexed-pack-bytes');
  });
  afterAll(async () => removeDir(dir));

  it('condemns and sweeps it with its real size in a directory vault, not 0 bytes', async () => {
    const { vault, store } = await newTestVault(dir);
    const writer = await vault.newSnapshotWriter({ inline: true });
    await writer.add({ path: 'a', kind: 'object', meta: {}, content: pseudoRandomBytes(5000, 1) });
    await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] });
    // A killed backup's pack: stored, never indexed.
    const orphan = 'ab'.repeat(32);
    const file = store.localPath(packKey(orphan));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, pseudoRandomBytes(12_345, 2));
    let t = Date.parse('2026-01-01T00:00:00Z');

    const dry = await pruneVault(vault, { graceMs: HOUR, now: () => t, dryRun: true });
    expect(dry.report).toMatchObject({ packsCondemned: 1, bytesCondemned: 12_345 });
    const condemned = await pruneVault(vault, { graceMs: HOUR, now: () => t });
    expect(condemned.report).toMatchObject({ packsCondemned: 1, bytesCondemned: 12_345 });
    t += 2 * HOUR;
    const swept = await pruneVault(vault, { graceMs: HOUR, now: () => t });
    expect(swept.report).toMatchObject({ packsDeleted: 1, bytesFreed: 12_345 });
    await expect(fs.stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('sweeps a batch written with 0 bytes for it (before sizes were read) and counts the size it has on disk', async () => {
    const own = path.join(dir, 'old-batch');
    await fs.mkdir(own);
    const { vault, store } = await newTestVault(own);
    const orphan = 'cd'.repeat(32);
    const file = store.localPath(packKey(orphan));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, pseudoRandomBytes(4_321, 3));
    const t = Date.parse('2026-01-01T00:00:00Z');
    await writeCondemnedBatch(store, vault.keys, { v: 1, condemnedAt: new Date(t).toISOString(), graceMs: HOUR, packs: [{ id: orphan, bytes: 0 }], indexes: [], manifests: [] });
    const swept = await pruneVault(vault, { graceMs: HOUR, now: () => t + 2 * HOUR });
    expect(swept.report).toMatchObject({ packsDeleted: 1, bytesFreed: 4_321 });
  });

  it('in a directory vault stats only the packs no index lists, not every pack (on EFS each stat is a round trip)', async () => {
    const own = path.join(dir, 'stat-few');
    await fs.mkdir(own);
    const { vault, store } = await newTestVault(own);
    const writer = await vault.newSnapshotWriter({ inline: true });
    await writer.add({ path: 'a', kind: 'object', meta: {}, content: pseudoRandomBytes(200_000, 5) });
    await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] });
    const orphan = 'ef'.repeat(32);
    const file = store.localPath(packKey(orphan));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, pseudoRandomBytes(2_222, 6));
    // What the prune asks of the store: a sized listing stats every file; localPath of a pack is the stat of that one (local-objects.ts).
    const sizedListings: string[] = [];
    const packsStatted: string[] = [];
    const counting: VaultStore = Object.assign(Object.create(store) as VaultStore, {
      listWithSizes: (prefix: string): AsyncIterable<ListedObject> => {
        sizedListings.push(prefix);
        return store.listWithSizes(prefix);
      },
      localPath: (key: string): string => {
        if (key.startsWith('data/')) packsStatted.push(key);
        return store.localPath(key);
      },
    });
    const indexedPacks = (await fs.readdir(path.join(own, 'vault', 'data'), { recursive: true })).filter((f) => /[0-9a-f]{64}$/.test(f)).length - 1;
    expect(indexedPacks).toBeGreaterThan(3);

    const condemned = await pruneVault(new Vault(counting, vault.keys, vault.config), { graceMs: HOUR });
    expect(condemned.report).toMatchObject({ packsCondemned: 1, bytesCondemned: 2_222 });
    expect(sizedListings).toEqual([]);
    expect(packsStatted).toEqual([packKey(orphan)]);
  });

  /** A vault in memory whose store records the prefixes it was asked to list with sizes; `bare`: a store with the required methods only (no listWithSizes). */
  async function memoryVault(options: { bare?: boolean } = {}): Promise<{ vault: Vault; memory: MemoryVaultStore; sizedListings: string[] }> {
    const memory = new MemoryVaultStore();
    const sizedListings: string[] = [];
    const recording: VaultStore = Object.assign(Object.create(memory) as VaultStore, {
      listWithSizes: (prefix: string): AsyncIterable<ListedObject> => {
        sizedListings.push(prefix);
        return memory.listWithSizes(prefix);
      },
    });
    const store = options.bare ? requiredMethodsStore(memory) : recording;
    const vault = await initVault(store, new PassphraseKeyProvider('unindexed pack bytes', { N: 1024, r: 8, p: 1 }), SMALL_TUNING);
    const writer = await vault.newSnapshotWriter({ inline: true });
    await writer.add({ path: 'a', kind: 'object', meta: {}, content: pseudoRandomBytes(5000, 1) });
    await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] });
    return { vault, memory, sizedListings };
  }

  it('condemns and sweeps it with the size its listing gives on a store without files (memory, as S3), not 0 bytes (0 where the listing has no sizes)', async () => {
    const { vault, memory, sizedListings } = await memoryVault();
    const orphan = 'ab'.repeat(32);
    await memory.put(packKey(orphan), pseudoRandomBytes(12_345, 2));
    let t = Date.parse('2026-01-01T00:00:00Z');

    const dry = await pruneVault(vault, { graceMs: HOUR, now: () => t, dryRun: true });
    expect(dry.report).toMatchObject({ packsCondemned: 1, bytesCondemned: 12_345 });
    const condemned = await pruneVault(vault, { graceMs: HOUR, now: () => t });
    expect(condemned.report).toMatchObject({ packsCondemned: 1, bytesCondemned: 12_345 });
    // The sizes came with the one listing of data/ each run takes anyway.
    expect(sizedListings.filter((p) => p !== PRUNE_LEASE_PREFIX)).toEqual(['data/', 'data/']);
    t += 2 * HOUR;
    const swept = await pruneVault(vault, { graceMs: HOUR, now: () => t });
    expect(swept.report).toMatchObject({ packsDeleted: 1, bytesFreed: 12_345 });
    expect(await memory.has(packKey(orphan))).toBe(false);

    // The fallback, on a store whose listing has no sizes and that has no files: 0 bytes, as before.
    const bare = await memoryVault({ bare: true });
    await bare.memory.put(packKey(orphan), pseudoRandomBytes(999, 4));
    expect((await pruneVault(bare.vault, { graceMs: HOUR, dryRun: true })).report).toMatchObject({ packsCondemned: 1, bytesCondemned: 0 });
  });

  it('sweeps a batch written with 0 bytes for it by listing only that pack’s folder, with sizes', async () => {
    const { vault, memory, sizedListings } = await memoryVault();
    const orphan = 'cd'.repeat(32);
    await memory.put(packKey(orphan), pseudoRandomBytes(4_321, 3));
    const t = Date.parse('2026-01-01T00:00:00Z');
    await writeCondemnedBatch(memory, vault.keys, { v: 1, condemnedAt: new Date(t).toISOString(), graceMs: HOUR, packs: [{ id: orphan, bytes: 0 }], indexes: [], manifests: [] });
    const swept = await pruneVault(vault, { graceMs: HOUR, now: () => t + 2 * HOUR });
    expect(swept.report).toMatchObject({ packsDeleted: 1, bytesFreed: 4_321 });
    // The sweep's folder, then the condemn phase's listing of data/.
    // (And the prune lease's listing of prune/running/, whose sizes keep an object larger than any lease from being read.)
    expect(sizedListings.filter((p) => p !== PRUNE_LEASE_PREFIX)).toEqual(['data/cd/', 'data/']);
  });
});
