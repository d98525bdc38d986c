import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { verifyVault } from '../../../../vault/checker/verify';
import { DamagedPruneStateError } from '../../../../vault/prune/prune-errors';
import { loadCondemnedBatches, writeCondemnedBatch, writePrunePolicy } from '../../../../vault/prune/prune-state';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { repairPruneState } from '../../../../vault/repair/repair-prune-state';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { BackupOutlivedGraceError } from '../../../../vault/prune/prune-errors';
import { DEFAULT_PRUNE_GRACE_MS } from '../../../../vault/prune/prune-vault';
import { initVault, Vault as VaultClass } from '../../../../vault/repository/vault';
import { type Vault } from '../../../../vault/repository/vault';
import { CONDEMNED_PREFIX, condemnedKey, DATA_PREFIX, PRUNE_POLICY_KEY, snapshotKey } from '../../../../vault/repository/vault-layout';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { listedKeys, newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** Audit R10 F2: a damaged object of prune's state is found by verify, named by the error that blocks backups and prunes, and repaired safely. */
describe("damaged objects of prune's state", () => {
  let dir: string;
  let vault: Vault;
  let store: FileVaultStore;
  let src: string;
  const content = pseudoRandomBytes(60_000, 5);

  beforeEach(async () => {
    dir = await tempDir('damaged-prune-state');
    ({ vault, store } = await newTestVault(dir));
    src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'f.bin'), content);
  });
  afterEach(async () => removeDir(dir));

  async function flip(key: string): Promise<void> {
    const file = store.localPath(key);
    const bytes = await fs.readFile(file);
    bytes[20] = (bytes[20] as number) ^ 0xff;
    await fs.writeFile(file, bytes);
  }

  const lease = { renewEveryMs: 0 };

  it('names a damaged batch and policy in verify and in the error that stops backups and prunes; the repair lets both run again', async () => {
    await backupDirectory(vault, src);
    const [pack] = await listedKeys(store, DATA_PREFIX);
    // A pending batch condemning a pack that exists (its sweep is still to come), and the policy.
    const batch = condemnedKey(await writeCondemnedBatch(store, vault.keys, { v: 1, condemnedAt: new Date().toISOString(), graceMs: 3_600_000, packs: [{ id: (pack as string).slice(DATA_PREFIX.length + 3), bytes: 0 }], indexes: [], manifests: [] }));
    await writePrunePolicy(store, vault.keys, { v: 1, graceMs: 3_600_000, updatedAt: new Date().toISOString() });
    await flip(batch);
    await flip(PRUNE_POLICY_KEY);

    const verified = await verifyVault(vault);
    expect(verified.ok).toBe(false);
    expect(verified.problems.map((p) => p.key).sort()).toEqual([batch, PRUNE_POLICY_KEY].sort());
    expect(verified.problems.find((p) => p.key === batch)?.message).toContain('every backup and every prune of this vault stops on this condemnation batch');

    const blocked = await backupDirectory(vault, src).catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(DamagedPruneStateError);
    expect((blocked as Error).message).toMatch(/object prune\/policy is corrupt: .*every backup of this vault stops on this prune policy .*`lifeboat vault repair prune-state`/);

    const report = await repairPruneState(vault, { lease });
    expect([...report.damaged].sort()).toEqual([batch, PRUNE_POLICY_KEY].sort());
    // Every indexed pack is stored: the tombstone names none, and is there to make a backup running now refuse to commit.
    expect(report).toMatchObject({ missingPacks: 0, damagedIndexObjects: [] });
    expect(report.tombstone).toMatch(/^prune\/condemned\/[0-9a-f]{64}$/);
    expect((await verifyVault(vault)).ok).toBe(true);
    await backupDirectory(vault, src);
    await pruneVault(vault, { lease });

    // A prune meets a damaged batch the same way.
    const another = condemnedKey(await writeCondemnedBatch(store, vault.keys, { v: 1, condemnedAt: new Date().toISOString(), graceMs: 3_600_000, packs: [], indexes: [], manifests: [] }));
    await flip(another);
    const pruneErr = await pruneVault(vault, { lease }).catch((e: unknown) => e);
    expect(pruneErr).toBeInstanceOf(DamagedPruneStateError);
    expect((pruneErr as Error).message).toContain(`object ${another} is corrupt: its SHA-256 does not match its name; every backup and every prune of this vault stops on this condemnation batch`);
  });

  it('replaces a damaged tombstone by one naming the indexed packs that are gone, so that no backup deduplicates against them', async () => {
    await backupDirectory(vault, src);
    const [packKeyOfA] = await listedKeys(store, DATA_PREFIX);
    const packId = path.basename(packKeyOfA as string);
    // As a sweep leaves it: the pack deleted, an index object still listing it, a tombstone naming it.
    const sweptAt = new Date().toISOString();
    const tombstone = condemnedKey(await writeCondemnedBatch(store, vault.keys, { v: 1, condemnedAt: sweptAt, graceMs: 0, packs: [{ id: packId, bytes: 0 }], indexes: [], manifests: [], sweptAt, keepMs: 0 }));
    await store.delete(packKeyOfA as string);
    await flip(tombstone);

    const report = await repairPruneState(vault, { lease });
    expect(report.damaged).toEqual([tombstone]);
    expect(report.missingPacks).toBe(1);
    const batches = await loadCondemnedBatches(store, vault.keys);
    expect(batches.map((b) => condemnedKey(b.id))).toEqual([report.tombstone]);
    expect(batches[0]).toMatchObject({ packs: [{ id: packId, bytes: 0 }] });
    expect(batches[0]?.sweptAt).toBeDefined();

    // The same content again: stored anew in a new pack, not deduplicated against the deleted one.
    vault.forgetIndex();
    const { snapshot } = await backupDirectory(vault, src, { parent: null });
    expect(snapshot.stats.bytesNew).toBe(content.length);
    expect(await listedKeys(store, DATA_PREFIX)).toHaveLength(1);
    expect(await listedKeys(store, DATA_PREFIX)).not.toContain(packKeyOfA);
  });

  it('the repair of a swept batch makes a backup that deduplicated against its deleted packs refuse to commit (review 40e)', async () => {
    // A memory vault with a clock: backup B starts while an old snapshot's packs are live and deduplicates against them; the
    // snapshot is forgotten, a prune with no grace deletes the packs (and first the index objects listing them) and leaves
    // a tombstone; the tombstone is damaged, a default prune stops on it, the repair replaces it: B must not commit.
    const memory = new MemoryVaultStore();
    const made = await initVault(memory, new PassphraseKeyProvider('x', { N: 1024, r: 8, p: 1 }), { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null });
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const reopen = (): Vault => {
      const v = new VaultClass(memory, made.keys, made.config);
      v.now = () => clock.t;
      return v;
    };
    const data = pseudoRandomBytes(48 * 1024, 21);
    const openWriter = async (v: Vault) => {
      const writer = await v.newSnapshotWriter({ inline: true, packsPerIndex: 1000, indexIntervalMs: 3_600_000 });
      await writer.add({ path: 'f', kind: 'object', meta: {}, content: data });
      return async (startedAt: Date) => (await v.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()], startedAt })).id;
    };
    const old = await (await openWriter(reopen()))(new Date(clock.t));
    clock.t += 3_600_000;
    const startedAt = new Date(clock.t);
    const commitB = await openWriter(reopen());
    await memory.delete(snapshotKey(old));
    clock.t += 60_000;
    const prune = (graceMs: number) => pruneVault(reopen(), { graceMs, now: () => clock.t, lease });
    await prune(0);
    clock.t += 1000;
    expect((await prune(0)).report.packsDeleted).toBeGreaterThan(0);
    const [tombstone] = await listedKeys(memory, CONDEMNED_PREFIX);
    if (!tombstone) throw new Error('the sweep left no tombstone');
    const bytes = await memory.get(tombstone);
    bytes[20] = (bytes[20] as number) ^ 0xff;
    await memory.put(tombstone, bytes);
    clock.t += 60_000;
    await expect(prune(DEFAULT_PRUNE_GRACE_MS)).rejects.toBeInstanceOf(DamagedPruneStateError);
    clock.t += 60_000;
    const repaired = await repairPruneState(reopen(), { lease, now: () => clock.t });
    expect(repaired).toMatchObject({ damaged: [tombstone], missingPacks: 0, damagedIndexObjects: [] });
    expect(repaired.tombstone).not.toBeNull();
    clock.t += 60_000;
    await expect(commitB(startedAt)).rejects.toBeInstanceOf(BackupOutlivedGraceError);
    // Run again, the backup stores what it needs anew and restores.
    const id = await (await openWriter(reopen()))(new Date(clock.t));
    expect((await verifyVault(reopen())).ok).toBe(true);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
  });
});
