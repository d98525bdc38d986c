import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { manifestObjectIds } from '../../../../vault/manifest/manifest-root';
import { PruneIndexDamagedError, PruneManifestUnreadableError, PruneSnapshotUnreadableError, stopsEveryPrune } from '../../../../vault/prune/prune-errors';
import { loadCondemnedBatches } from '../../../../vault/prune/prune-state';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { INDEX_PREFIX, manifestKey, snapshotKey } from '../../../../vault/repository/vault-layout';
import { listedKeys, pseudoRandomBytes } from '../../../support/vault-test-helpers';

/**
 * Audit a58B F4: a prune stopped by a manifest object or an index object it cannot read said only "object manifest/…
 * does not exist" (or "is corrupt: …"): not which snapshot needs it, nor what to do. It now names both, as its refusal of
 * an unreadable snapshot object does, and condemns nothing.
 */
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;

async function vaultWithTwoSnapshots(): Promise<{ store: MemoryVaultStore; reopen: () => Vault; gone: string; kept: string }> {
  const store = new MemoryVaultStore();
  const made = await initVault(store, new PassphraseKeyProvider('prune blocked', { N: 1024, r: 8, p: 1 }), TUNING);
  const backup = async (name: string, seed: number): Promise<string> => {
    const writer = await made.newSnapshotWriter({ inline: true });
    await writer.add({ path: name, kind: 'object', meta: {}, content: pseudoRandomBytes(30_000, seed) });
    return (await made.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] })).id;
  };
  const gone = await backup('old', 1);
  const kept = await backup('new', 2);
  // The older snapshot is forgotten: its data is what the prune would condemn.
  await store.delete(snapshotKey(gone));
  return { store, reopen: () => new Vault(store, made.keys, made.config), gone, kept };
}

/** A manifest page of the snapshot (not its root). */
async function pageOf(vault: Vault, snapshotId: string): Promise<string> {
  const snapshot = await vault.loadSnapshot(snapshotId);
  for await (const id of manifestObjectIds(vault.store, vault.keys, snapshot.manifest)) if (id !== snapshot.manifest) return id;
  throw new Error('no page');
}

describe('a prune stopped by an object it cannot read', () => {
  it.each(['missing', 'corrupt'] as const)('names the %s manifest page, the snapshot that needs it and the ways out, and condemns nothing', async (damage) => {
    const { store, reopen, kept } = await vaultWithTwoSnapshots();
    const page = manifestKey(await pageOf(reopen(), kept));
    if (damage === 'missing') await store.delete(page);
    else await store.put(page, Buffer.concat([await store.get(page), Buffer.from('x')]));
    const refused = pruneVault(reopen(), { graceMs: 0 });
    await expect(refused).rejects.toThrow(PruneManifestUnreadableError);
    const problem = damage === 'missing' ? 'does not exist' : 'is corrupt \\(.+\\)';
    await expect(refused).rejects.toThrow(
      new RegExp(
        `^memory://vault: prune stops: ${page} ${problem}, and snapshot ${kept} needs it .*this prune condemns nothing\\. Copy the object again from the DR vault .* forget the snapshot \\(\`lifeboat vault forget ${kept}\`.*\`lifeboat vault verify\` names every snapshot that needs it\\. Then prune again\\.$`,
      ),
    );
    expect(stopsEveryPrune(await refused.catch((err: unknown) => err))).toBe(true);
    expect(await loadCondemnedBatches(store, reopen().keys)).toEqual([]);
  });

  // Review r59B F5: an unreadable snapshot object stops every prune, yet was a plain VaultError stopsEveryPrune did not know.
  it('an unreadable snapshot object stops the prune as one every prune meets, and condemns nothing', async () => {
    const { store, reopen, kept } = await vaultWithTwoSnapshots();
    await store.put(snapshotKey(kept), Buffer.concat([await store.get(snapshotKey(kept)), Buffer.from('x')]));
    const refused = pruneVault(reopen(), { graceMs: 0 });
    await expect(refused).rejects.toThrow(PruneSnapshotUnreadableError);
    await expect(refused).rejects.toThrow(new RegExp(`^memory://vault: prune stops: ${snapshotKey(kept)} cannot be read \\(.+\\); what it references is unknown\\. Run \`lifeboat vault verify\` and repair or delete it first\\.$`));
    expect(stopsEveryPrune(await refused.catch((err: unknown) => err))).toBe(true);
    expect(await loadCondemnedBatches(store, reopen().keys)).toEqual([]);
  });

  it('names a damaged index object and the repair, and condemns nothing', async () => {
    const { store, reopen } = await vaultWithTwoSnapshots();
    const [index] = await listedKeys(store, INDEX_PREFIX);
    await store.put(index as string, Buffer.concat([await store.get(index as string), Buffer.from('x')]));
    const refused = pruneVault(reopen(), { graceMs: 0 });
    await expect(refused).rejects.toThrow(PruneIndexDamagedError);
    await expect(refused).rejects.toThrow(
      new RegExp(`^memory://vault: prune stops: index object ${index} fails its integrity check \\(.+\\), so prune cannot tell which packs it lists and condemns nothing\\. Run \`lifeboat vault repair index\` .* then prune again\\.$`),
    );
    expect(await loadCondemnedBatches(store, reopen().keys)).toEqual([]);
  });
});
