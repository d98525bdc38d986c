import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { loadIndexObject } from '../../../../vault/prune/index-objects';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { repairIndex } from '../../../../vault/repair/repair-index';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { idFromKey, INDEX_PREFIX, packKey } from '../../../../vault/repository/vault-layout';
import { readEntry } from '../../../../vault/restorer/restore';
import { listedKeys, pseudoRandomBytes } from '../../../support/vault-test-helpers';

/**
 * A pack whose header alone is damaged: its blobs are read through the index's offsets and lengths, so
 * it restores whole before a repair, and must after it (docs/FORMAT.md §12).
 */
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;

type Source = Map<string, Buffer>;

/** A vault in memory with one snapshot of `source`; `reopen` gives a vault with nothing cached. */
async function vaultWith(source: Source): Promise<{ store: MemoryVaultStore; reopen: () => Vault; snapshot: string }> {
  const store = new MemoryVaultStore();
  const vault = await initVault(store, new PassphraseKeyProvider('bad header', { N: 1024, r: 8, p: 1 }), TUNING);
  const writer = await vault.newSnapshotWriter({ inline: true });
  for (const [path, content] of source) await writer.add({ path, kind: 'object', meta: {}, content });
  const snapshot = (await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] })).id;
  return { store, reopen: () => new Vault(store, vault.keys, vault.config), snapshot };
}

/** Each path's restored bytes, or the error's name where it does not restore. */
async function restored(vault: Vault, snapshot: string, source: Source): Promise<Map<string, Buffer | string>> {
  const loaded = await vault.loadSnapshot(snapshot);
  const out = new Map<string, Buffer | string>();
  for (const path of source.keys()) {
    try {
      const parts: Buffer[] = [];
      for await (const b of readEntry(vault, loaded, path)) parts.push(b);
      out.set(path, Buffer.concat(parts));
    } catch (err) {
      out.set(path, (err as Error).name);
    }
  }
  return out;
}

/** The pack the index lists with the most blobs, with its records. */
async function fullestPack(store: MemoryVaultStore, vault: Vault): Promise<{ packId: string; entries: ReadonlyArray<{ id: Buffer; offset: number; storedLength: number }> }> {
  const [indexId] = (await listedKeys(store, INDEX_PREFIX)).map((k) => idFromKey(INDEX_PREFIX, k) as string);
  const { object } = await loadIndexObject(store, vault.keys, indexId as string);
  const [fullest] = [...object.packs].sort((a, b) => b.entries.length - a.entries.length);
  if (!fullest) throw new Error('no pack');
  return fullest;
}

/** Flips a byte of the pack's 4-byte header-length trailer: the header no longer reads, every blob is untouched. */
async function damageHeader(store: MemoryVaultStore, packId: string): Promise<void> {
  const body = Buffer.from(await store.get(packKey(packId)));
  body[body.length - 2] = (body[body.length - 2] as number) ^ 0xff;
  await store.put(packKey(packId), body);
}

describe('repairIndex and a pack whose header alone is damaged', () => {
  // Files below the chunker's minimum are one blob each: the fullest pack holds a dozen files' blobs.
  const source: Source = new Map(Array.from({ length: 12 }, (_, i) => [`f${i}`, pseudoRandomBytes(900, 10 + i)] as const));

  it('carries the old index’s records for it: the snapshot still restores byte for byte, verify names the header, prune runs', async () => {
    const { store, reopen, snapshot } = await vaultWith(source);
    const { packId, entries } = await fullestPack(store, reopen());
    expect(entries.length).toBeGreaterThanOrEqual(12);
    await damageHeader(store, packId);
    expect(await restored(reopen(), snapshot, source)).toEqual(source);

    const report = await repairIndex(reopen());
    expect(report.packsLeftOut).toEqual([]);
    expect(report.packsHeaderUnreadable).toEqual([{ pack: packId, reason: 'header unreadable, indexed from the old index', detail: expect.any(String) as string, blobs: entries.length }]);
    expect(report.indexesRemoved).toHaveLength(1);
    expect(await restored(reopen(), snapshot, source)).toEqual(source);
    // Still damage, and said so: verify names the pack's header; its blobs are in the index, so nothing else.
    const verified = await verifyVault(reopen(), { readData: true });
    expect(verified.problems.map((p) => p.key)).toEqual([packKey(packId)]);
    // The index covers every referenced blob: prune does not refuse (IncompleteIndexError).
    await expect(pruneVault(reopen(), { graceMs: 0 })).resolves.toMatchObject({ done: true });
    expect(await restored(reopen(), snapshot, source)).toEqual(source);
  });

  it('with readData copies its blobs through those records into new packs: verify is clean again, the snapshot restores', async () => {
    const { store, reopen, snapshot } = await vaultWith(source);
    const { packId, entries } = await fullestPack(store, reopen());
    await damageHeader(store, packId);
    const report = await repairIndex(reopen(), { readData: true });
    expect(report).toMatchObject({ packsSalvaged: [{ pack: packId, blobsCopied: entries.length }], packsHeaderUnreadable: [], packsLeftOut: [], blobsLeftOut: [] });
    expect(await restored(reopen(), snapshot, source)).toEqual(source);
    // The damaged pack is now garbage nothing lists, for prune: no longer a problem.
    const verified = await verifyVault(reopen(), { readData: true });
    expect(verified.problems).toEqual([]);
    expect(verified.unreferenced.map((u) => u.key)).toEqual([packKey(packId)]);
  });

  it('with readData checks each blob through those records: a damaged one is left out, the intact ones are copied and restore', async () => {
    const { store, reopen, snapshot } = await vaultWith(source);
    const { packId, entries } = await fullestPack(store, reopen());
    const victim = entries[3];
    if (!victim) throw new Error('no fourth blob');
    const body = Buffer.from(await store.get(packKey(packId)));
    body[victim.offset + 20] = (body[victim.offset + 20] as number) ^ 1;
    await store.put(packKey(packId), body);
    await damageHeader(store, packId);

    const report = await repairIndex(reopen(), { readData: true });
    expect(report.blobsLeftOut).toEqual([{ pack: packId, blob: victim.id.toString('hex'), reason: 'decrypt failure', detail: expect.any(String) as string }]);
    expect(report.packsSalvaged).toEqual([{ pack: packId, blobsCopied: entries.length - 1 }]);
    expect(report.packsHeaderUnreadable).toEqual([]);
    expect(report.packsLeftOut).toEqual([]);
    const after = await restored(reopen(), snapshot, source);
    const lost = [...after].filter(([path, bytes]) => !(bytes instanceof Buffer && bytes.equals(source.get(path) as Buffer)));
    // The one file whose blob was damaged is lost; every other restores byte for byte.
    expect(lost).toHaveLength(1);
    expect([...after.values()].filter((b) => b instanceof Buffer)).toHaveLength(source.size - 1);
  });

  it('leaves a pack with a damaged header out when no old index object lists it', async () => {
    const { store, reopen } = await vaultWith(source);
    const { packId } = await fullestPack(store, reopen());
    await damageHeader(store, packId);
    for (const key of await listedKeys(store, INDEX_PREFIX)) await store.delete(key);
    const report = await repairIndex(reopen());
    expect(report.packsLeftOut).toEqual([{ pack: packId, reason: 'bad header', detail: expect.any(String) as string }]);
    expect(report.packsHeaderUnreadable).toEqual([]);
  });
});
