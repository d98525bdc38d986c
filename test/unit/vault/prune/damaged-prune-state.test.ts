import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { verifyVault } from '../../../../vault/checker/verify';
import { DamagedPruneStateError } from '../../../../vault/prune/prune-errors';
import { loadCondemnedBatches, writeCondemnedBatch, writePrunePolicy } from '../../../../vault/prune/prune-state';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { repairPruneState } from '../../../../vault/repair/repair-prune-state';
import { type Vault } from '../../../../vault/repository/vault';
import { condemnedKey, DATA_PREFIX, PRUNE_POLICY_KEY } from '../../../../vault/repository/vault-layout';
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
    // Every indexed pack is stored: nothing to keep backups away from.
    expect(report).toMatchObject({ tombstone: null, missingPacks: 0 });
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
});
