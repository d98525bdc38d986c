import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type ByteRange, type VaultStore } from '../../../../vault/backend/vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { writeCondemnedBatch } from '../../../../vault/prune/prune-state';
import { repairIndex } from '../../../../vault/repair/repair-index';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { DATA_PREFIX, idFromKey, INDEX_PREFIX } from '../../../../vault/repository/vault-layout';
import { listedKeys, pseudoRandomBytes, requiredMethodsStore } from '../../../support/vault-test-helpers';

/** 1–16 KiB chunks, 16 KiB packs: a few dozen KiB of data make several packs. */
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;
const HOUR = 3_600_000;

/** Reads of packs: whole ones (no range) and ranged ones, by key. */
type PackReads = { whole: string[]; ranged: number };

/** `inner` with every read of a pack counted; the rest of the store (listWithSizes included) as it is. */
function countingReads(inner: VaultStore, reads: PackReads): VaultStore {
  return Object.assign(Object.create(inner) as VaultStore, {
    get: (key: string, range?: ByteRange): Promise<Buffer> => {
      if (key.startsWith(DATA_PREFIX)) {
        if (range === undefined) reads.whole.push(key);
        else reads.ranged++;
      }
      return inner.get(key, range);
    },
  });
}

/** A memory vault with two snapshots of several packs, whose index objects are then all lost. */
async function vaultWithLostIndex(): Promise<{ vault: Vault; memory: MemoryVaultStore; packs: string[] }> {
  const memory = new MemoryVaultStore();
  const vault = await initVault(memory, new PassphraseKeyProvider('repair pack lengths', { N: 1024, r: 8, p: 1 }), TUNING);
  for (const seed of [1, 2]) {
    const writer = await vault.newSnapshotWriter({ inline: true });
    await writer.add({ path: `f${seed}`, kind: 'object', meta: {}, content: pseudoRandomBytes(40_000, seed) });
    await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] });
  }
  for (const key of await listedKeys(memory, INDEX_PREFIX)) await memory.delete(key);
  const packs = (await listedKeys(memory, DATA_PREFIX)).map((k) => idFromKey(DATA_PREFIX, k) as string);
  return { vault, memory, packs };
}

async function problems(vault: Vault): Promise<string[]> {
  return (await verifyVault(new Vault(vault.store, vault.keys, vault.config), { readData: true })).problems.map((p) => `${p.key}: ${p.message}`);
}

describe('repairIndex on a store without files (memory, as S3)', () => {
  it('reads each pack’s header at the length its listing gave, never the pack whole, when no index object records it (a store whose listing has no sizes still reads it whole)', async () => {
    const { vault, memory, packs } = await vaultWithLostIndex();
    expect(packs.length).toBeGreaterThan(2);
    const reads: PackReads = { whole: [], ranged: 0 };
    const report = await repairIndex(new Vault(countingReads(memory, reads), vault.keys, vault.config));
    expect(report).toMatchObject({ packsRead: packs.length, packsIndexed: packs.length, packsLeftOut: [] });
    expect(reads.whole).toEqual([]);
    // Two ranged reads a pack: its header's length at the end, then the header.
    expect(reads.ranged).toBe(2 * packs.length);
    expect(await problems(vault)).toEqual([]);

    // The fallback: no sizes in the listing, no file to stat, no length in an index object (the one just written is removed again).
    for (const key of await listedKeys(memory, INDEX_PREFIX)) await memory.delete(key);
    const bare: PackReads = { whole: [], ranged: 0 };
    const again = await repairIndex(new Vault(countingReads(requiredMethodsStore(memory), bare), vault.keys, vault.config));
    expect(again).toMatchObject({ packsIndexed: packs.length });
    expect(bare.whole.length).toBe(packs.length);
    expect(await problems(vault)).toEqual([]);
  });

  it('sizes a condemned pack that no index object lists by the listing too, when it weighs whether a snapshot needs it', async () => {
    const { vault, memory, packs } = await vaultWithLostIndex();
    const [condemned] = packs as [string];
    // A prune condemned it while its index object was missing (it looked unlisted), with 0 bytes.
    await writeCondemnedBatch(memory, vault.keys, { v: 1, condemnedAt: new Date(Date.parse('2026-01-01T00:00:00Z')).toISOString(), graceMs: HOUR, packs: [{ id: condemned, bytes: 0 }], indexes: [], manifests: [] });
    const reads: PackReads = { whole: [], ranged: 0 };
    const report = await repairIndex(new Vault(countingReads(memory, reads), vault.keys, vault.config));
    // A snapshot needs its blobs and no other pack holds them: indexed again.
    expect(report).toMatchObject({ packsIndexed: packs.length, packsLeftToPrune: 0 });
    expect(reads.whole).toEqual([]);
    expect(await problems(vault)).toEqual([]);
  });
});
