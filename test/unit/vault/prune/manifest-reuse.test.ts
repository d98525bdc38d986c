import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type ManifestPart } from '../../../../vault/manifest/manifest-format';
import { PageRunWriter } from '../../../../vault/manifest/manifest-pages';
import { manifestObjectIds } from '../../../../vault/manifest/manifest-root';
import { BackupOutlivedGraceError } from '../../../../vault/prune/prune-errors';
import { pruneVault, type PruneReport } from '../../../../vault/prune/prune-vault';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { manifestKey, snapshotKey } from '../../../../vault/repository/vault-layout';
import { readEntry } from '../../../../vault/restorer/restore';
import { listedKeys, pseudoRandomBytes } from '../../../support/vault-test-helpers';

/**
 * docs/FORMAT.md §11, "Manifest objects and pending batches": which manifest objects a snapshot being committed may
 * reference, and why none of them is deleted under it by the sweep of a batch that names it.
 */
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;
const GRACE = 3_600_000;
const SOURCE = { kind: 'directory', id: '/src' } as const;

type Source = ReadonlyMap<string, Buffer>;

async function newVault(store: VaultStore = new MemoryVaultStore()): Promise<{ store: VaultStore; clock: { t: number }; reopen: (s?: VaultStore) => Vault }> {
  const made = await initVault(store, new PassphraseKeyProvider('manifest reuse test', { N: 1024, r: 8, p: 1 }), TUNING);
  const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
  const reopen = (s: VaultStore = store): Vault => {
    const v = new Vault(s, made.keys, made.config);
    v.now = () => clock.t;
    return v;
  };
  return { store, clock, reopen };
}

/** A writer's part of `source`: packs, index object and manifest pages stored, nothing committed. */
async function writePart(vault: Vault, source: Source): Promise<ManifestPart> {
  const writer = await vault.newSnapshotWriter({ inline: true });
  for (const [path, content] of [...source].sort(([a], [b]) => a.localeCompare(b))) await writer.add({ path, kind: 'object', meta: {}, content });
  return writer.finish();
}

async function backup(vault: Vault, source: Source, startedAt: Date): Promise<string> {
  return (await vault.commitSnapshot({ source: SOURCE, parts: [await writePart(vault, source)], startedAt })).id;
}

async function prune(vault: Vault, clock: { t: number }, store?: VaultStore): Promise<PruneReport> {
  const result = await pruneVault(store ? new Vault(store, vault.keys, vault.config) : vault, { graceMs: GRACE, now: () => clock.t });
  expect(result.done).toBe(true);
  return result.report;
}

async function manifestsOf(vault: Vault, snapshotId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of manifestObjectIds(vault.store, vault.keys, (await vault.loadSnapshot(snapshotId)).manifest)) ids.push(id);
  return ids;
}

async function expectRestores(vault: Vault, snapshotId: string, source: Source): Promise<void> {
  const snapshot = await vault.loadSnapshot(snapshotId);
  for (const [path, content] of source) {
    const parts: Buffer[] = [];
    for await (const b of readEntry(vault, snapshot, path)) parts.push(b);
    expect(Buffer.concat(parts)).toEqual(content);
  }
}

/** The store, running `during` once, before the first delete of a pack or index object (a sweep's, after its mark). */
function pausedAtFirstDataDelete(inner: VaultStore, during: () => Promise<void>): VaultStore {
  let ran = false;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop === 'delete') {
        return async (key: string): Promise<void> => {
          if (!ran && (key.startsWith('data/') || key.startsWith('index/'))) {
            ran = true;
            await during();
          }
          return target.delete(key);
        };
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('manifest objects a snapshot references while a batch names them', () => {
  it('a backup never references a manifest object that existed before it: identical content sealed twice gets two ids', async () => {
    const { clock, reopen } = await newVault();
    const source: Source = new Map([['a', pseudoRandomBytes(20_000, 1)], ['b', pseudoRandomBytes(9_000, 2)]]);
    const first = await backup(reopen(), source, new Date(clock.t));
    const second = await backup(reopen(), source, new Date(clock.t));
    // The same entries, the same blob ids, the same pages' plaintext: still no manifest object in common (random nonce, §3).
    const [ofFirst, ofSecond] = [await manifestsOf(reopen(), first), await manifestsOf(reopen(), second)];
    expect(ofFirst.length).toBeGreaterThan(1);
    expect(ofSecond.filter((id) => ofFirst.includes(id))).toEqual([]);

    const vault = reopen();
    const entry = { path: 'a', kind: 'object' as const, meta: {}, content: [], size: 0 };
    const pageIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      const writer = new PageRunWriter(vault.store, vault.keys);
      await writer.add(entry);
      await writer.flush();
      pageIds.push((writer.pages[0] as { id: string }).id);
    }
    expect(new Set(pageIds).size).toBe(2);
  });

  it("a backup's own pages, condemned and swept between their write and its commit: it refuses to commit, and its retry restores", async () => {
    const { store, clock, reopen } = await newVault();
    const source: Source = new Map([['x', pseudoRandomBytes(30_000, 3)]]);
    const startedAt = new Date(clock.t);
    const part = await writePart(reopen(), source);
    const pages = part.runs.flat().map((p) => p.id);
    expect(pages.length).toBeGreaterThan(0);
    clock.t += 1000;
    // No snapshot references the part's pages yet: the prune condemns them, and a prune after the grace deletes them.
    expect((await prune(reopen(), clock)).manifestsCondemned).toBe(pages.length);
    clock.t += GRACE;
    expect((await prune(reopen(), clock)).manifestsDeleted).toBe(pages.length);
    for (const id of pages) expect(await store.has(manifestKey(id))).toBe(false);

    // The batch was condemned after the backup started and its writer did not see it: the backup outlived its grace.
    await expect(reopen().commitSnapshot({ source: SOURCE, parts: [part], startedAt })).rejects.toThrow(BackupOutlivedGraceError);
    expect(await listedKeys(store, 'snapshots/')).toEqual([]);
    const retried = await backup(reopen(), source, new Date(clock.t));
    await expectRestores(reopen(), retried, source);
    expect((await verifyVault(reopen(), { readData: true })).problems).toEqual([]);
  });

  it('the second look does not take a snapshot a dry run assumes forgotten for new: its figures are the real run\'s', async () => {
    const { store, clock, reopen } = await newVault();
    await backup(reopen(), new Map([['x', pseudoRandomBytes(20_000, 6)]]), new Date(clock.t));
    const forgotten = await backup(reopen(), new Map([['y', pseudoRandomBytes(20_000, 7)]]), new Date(clock.t));
    const options = { graceMs: 0, now: () => clock.t, dryRunSweepsCondemned: true } as const;
    const dry = (await pruneVault(reopen(), { ...options, dryRun: true, assumeForgotten: new Set([forgotten]) })).report;
    expect(dry.manifestsCondemned).toBeGreaterThan(0);
    expect(dry.manifestsDeleted).toBe(dry.manifestsCondemned);
    // The real run: forget, condemn, and sweep at once.
    await store.delete(snapshotKey(forgotten));
    const condemned = await prune(reopen(), clock);
    clock.t += GRACE;
    expect((await prune(reopen(), clock)).manifestsDeleted).toBe(condemned.manifestsCondemned);
    expect(condemned.manifestsCondemned).toBe(dry.manifestsDeleted);
  });

  it('a snapshot that lands during a sweep, after its mark, keeps the manifest objects a due batch condemned while it was absent', async () => {
    const { store, clock, reopen } = await newVault();
    const kept: Source = new Map([['x', pseudoRandomBytes(40_000, 4)]]);
    const keptId = await backup(reopen(), kept, new Date(clock.t));
    // The same data again (its packs are the kept snapshot's), and other data (packs of its own, for the sweep to delete first).
    const returning = await backup(reopen(), kept, new Date(clock.t));
    const other = await backup(reopen(), new Map([['y', pseudoRandomBytes(40_000, 5)]]), new Date(clock.t));
    const returningManifests = await manifestsOf(reopen(), returning);
    // Both forgotten here; the returning one is kept elsewhere (the other vault), from which it is copied back.
    const returningObject = await store.get(snapshotKey(returning));
    await store.delete(snapshotKey(returning));
    await store.delete(snapshotKey(other));
    clock.t += 1000;
    const condemned = await prune(reopen(), clock);
    expect(condemned.manifestsCondemned).toBeGreaterThan(returningManifests.length);
    expect(condemned.packsCondemned).toBeGreaterThan(0);

    clock.t += GRACE;
    // The copy lands after the sweep's mark, while it deletes the other snapshot's index object and packs.
    const sweeping = pausedAtFirstDataDelete(store, () => store.put(snapshotKey(returning), returningObject));
    const swept = await prune(reopen(), clock, sweeping);
    expect(swept.packsDeleted).toBeGreaterThan(0);
    expect(swept.manifestsDeleted).toBe(condemned.manifestsCondemned - returningManifests.length);
    expect(swept.spared).toBeGreaterThanOrEqual(returningManifests.length);
    for (const id of returningManifests) expect(await store.has(manifestKey(id))).toBe(true);

    await expectRestores(reopen(), returning, kept);
    await expectRestores(reopen(), keptId, kept);
    expect((await verifyVault(reopen(), { readData: true })).problems).toEqual([]);
    // And the next prune marks it as any other snapshot: nothing of it is condemned.
    clock.t += GRACE;
    expect((await prune(reopen(), clock)).manifestsCondemned).toBe(0);
  });
});
