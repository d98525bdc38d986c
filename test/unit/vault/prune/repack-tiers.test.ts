import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { DATA_PREFIX, packKey, snapshotKey } from '../../../../vault/repository/vault-layout';
import { readEntry } from '../../../../vault/restorer/restore';
import { VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { listedKeys, pseudoRandomBytes } from '../../../support/vault-test-helpers';

/**
 * Prune's repack keeps each pack's storage tier (docs/ARCHITECTURE.md, "Storage tiers"): the live blobs of packs
 * written by two plans (tier tags) and by an untagged writer move into new packs with exactly their source
 * pack's tags, and read back equal. On the memory store, which keeps the tags a pack is written with.
 */
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;
const HOUR = 3_600_000;
const TAGS = { daily: { 'lifeboat-tier': 'daily' }, yearly: { 'lifeboat-tier': 'yearly' }, untagged: {} } as const;
type Writer = keyof typeof TAGS;

async function newVault(store: MemoryVaultStore): Promise<{ reopen: () => Vault; clock: { t: number } }> {
  const made = await initVault(store, new PassphraseKeyProvider('repack tiers', { N: 1024, r: 8, p: 1 }), TUNING);
  const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
  const reopen = (): Vault => {
    const v = new Vault(store, made.keys, made.config);
    v.now = () => clock.t;
    return v;
  };
  return { reopen, clock };
}

async function backup(vault: Vault, files: ReadonlyMap<string, Buffer>, writer: Writer): Promise<string> {
  const tags = TAGS[writer];
  const snapshot = await vault.newSnapshotWriter({ inline: true, ...(Object.keys(tags).length > 0 ? { packTags: tags } : {}) });
  for (const [path, content] of files) await snapshot.add({ path, kind: 'object', meta: {}, content });
  const part = await snapshot.finish();
  return (await vault.commitSnapshot({ source: { kind: 'directory', id: `/${writer}` }, parts: [part] })).id;
}

/** The pack that holds the first blob of a file of a snapshot, by the vault's index. */
async function packOf(vault: Vault, snapshotId: string, path: string): Promise<string> {
  const entry = await (await vault.manifest(await vault.loadSnapshot(snapshotId))).find(path);
  const location = (await vault.index()).lookup(Buffer.from(entry?.content[0] as string, 'hex'));
  if (!location) throw new Error(`${path} of ${snapshotId} is in no index`);
  return location.packId;
}

describe('repack and storage tiers', () => {
  it('writes the live blobs of packs of two tiers and of untagged packs into new packs with exactly their source packs tags', async () => {
    const store = new MemoryVaultStore();
    const { reopen, clock } = await newVault(store);
    const writers: Writer[] = ['daily', 'yearly', 'untagged'];
    const kept = new Map<Writer, { id: string; content: Buffer }>();
    const forgotten: string[] = [];
    for (const [i, writer] of writers.entries()) {
      // A small kept file shares its pack with a larger one whose snapshot is forgotten: the pack is mostly garbage.
      const content = pseudoRandomBytes(3000, 40 + i);
      forgotten.push(await backup(reopen(), new Map([['keep', content], ['drop', pseudoRandomBytes(9000, 50 + i)]]), writer));
      kept.set(writer, { id: await backup(reopen(), new Map([['keep', content]]), writer), content });
    }
    const sourcePacks = new Map<Writer, string>();
    for (const [writer, { id }] of kept) sourcePacks.set(writer, await packOf(reopen(), id, 'keep'));
    for (const [writer, pack] of sourcePacks) expect([writer, await store.tagsOf(packKey(pack))]).toEqual([writer, TAGS[writer]]);
    const packsBefore = await listedKeys(store, DATA_PREFIX);
    for (const id of forgotten) await store.delete(snapshotKey(id));

    const first = await pruneVault(reopen(), { graceMs: HOUR, now: () => clock.t });
    expect([first.done, first.report.packsRepacked, first.report.newPacks, first.report.damaged]).toEqual([true, 3, 3, []]);
    clock.t += HOUR;
    const second = await pruneVault(reopen(), { graceMs: HOUR, now: () => clock.t });
    expect(second.done).toBe(true);

    // Only the new packs are left, one per tag set, each holding the kept blob of its source's tier.
    const packsAfter = await listedKeys(store, DATA_PREFIX);
    expect(packsAfter.filter((k) => packsBefore.includes(k))).toEqual([]);
    expect(packsAfter).toHaveLength(3);
    for (const [writer, { id, content }] of kept) {
      const pack = await packOf(reopen(), id, 'keep');
      expect(sourcePacks.get(writer)).not.toBe(pack);
      expect([writer, await store.tagsOf(packKey(pack))]).toEqual([writer, TAGS[writer]]);
      const parts: Buffer[] = [];
      for await (const b of readEntry(reopen(), await reopen().loadSnapshot(id), 'keep')) parts.push(b);
      expect(Buffer.concat(parts).equals(content)).toBe(true);
    }
    expect((await verifyVault(reopen(), { readData: true })).problems).toEqual([]);
  });
});

describe('MemoryVaultStore tags', () => {
  it('keeps the tags an object is written with, replaces them on a write and forgets them on delete, as S3 does', async () => {
    const store = new MemoryVaultStore();
    await store.put('data/ab/one', Buffer.from('x'), { tags: { 'lifeboat-tier': 'daily' } });
    await store.putParts('data/ab/two', [Buffer.from('y')], { tags: { a: '1', b: '2' } });
    expect(await store.tagsOf('data/ab/one')).toEqual({ 'lifeboat-tier': 'daily' });
    expect(await store.tagsOf('data/ab/two')).toEqual({ a: '1', b: '2' });
    await store.put('data/ab/one', Buffer.from('x'));
    expect(await store.tagsOf('data/ab/one')).toEqual({});
    await store.delete('data/ab/two');
    await store.put('data/ab/two', Buffer.from('y'));
    expect(await store.tagsOf('data/ab/two')).toEqual({});
    await expect(store.tagsOf('data/ab/absent')).rejects.toBeInstanceOf(VaultObjectNotFoundError);
  });
});
