import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { openDirectoryRestorer } from '../../../../lambdas/restore/directory-writer';
import { vaultForBlobs } from '../../../../lambdas/restore/vault-for-blobs';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { pruneVault, type PruneOptions } from '../../../../vault/prune/prune-vault';
import { Vault } from '../../../../vault/repository/vault';
import { INDEX_PREFIX, snapshotKey } from '../../../../vault/repository/vault-layout';
import { readEntryContent } from '../../../../vault/restorer/restore';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { streamedBytes } from '../../../support/streamed-bytes';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit R29, F1, as the restore workflow meets it: a restore shard (or a drill's, or a failover's) locates its blobs with
 * the index vaultForBlobs loaded for its run, a prune repacks them and sweeps their old packs, and the shard — or Step
 * Functions' retry of it in the same warm container, with the same run id — then reads. It restores from the new packs.
 */
const KEEP = pseudoRandomBytes(200_000, 7);
const DROP = pseudoRandomBytes(400_000, 8);
const RUN = 'restore-1';
const HOUR = 3_600_000;

describe('a restore run whose index predates a repack and its sweep', () => {
  let dir: string;
  let store: FileVaultStore;
  let open: () => Vault;
  let keptId: string;

  beforeEach(async () => {
    dir = await tempDir('shard-after-sweep');
    const made = await newTestVault(dir);
    store = made.store;
    open = () => new Vault(store, made.vault.keys, made.vault.config);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'keep.bin'), KEEP);
    await fs.writeFile(path.join(src, 'drop.bin'), DROP);
    const old = (await backupDirectory(made.vault, src)).snapshot;
    await fs.rm(path.join(src, 'drop.bin'));
    keptId = (await backupDirectory(made.vault, src)).snapshot.id;
    // Retention forgets the older backup; the restore's pin keeps the newer one, not the packs it reads.
    await store.delete(snapshotKey(old.id));
  });
  afterEach(async () => removeDir(dir));
  afterAll(async () => CodecPool.shutdownShared());

  /** The warm container's vault, its snapshot and keep.bin's entry, with the run's index loaded (the restore located its blobs). */
  async function startRestore(): Promise<{ vault: Vault; snapshot: Snapshot; entry: ManifestEntry }> {
    const vault = open();
    const snapshot = await vault.loadSnapshot(keptId);
    const entry = await (await vault.manifest(snapshot)).find('keep.bin');
    if (!entry) throw new Error('keep.bin is not in the kept backup');
    await vaultForBlobs(vault, () => entry.content, RUN);
    return { vault, snapshot, entry };
  }

  /** A shard of the run: keep.bin written into a directory target (the restorer's codec) and read as an S3 target reads it. */
  async function restoreShard(vault: Vault, entry: ManifestEntry, attempt: string): Promise<{ file: Buffer; streamed: Buffer }> {
    const located = await vaultForBlobs(vault, () => entry.content, RUN);
    const target = path.join(dir, `target-${attempt}`);
    await fs.mkdir(target);
    const restorer = await openDirectoryRestorer(located, target, () => true);
    try {
      await restorer.restoreEntry(entry);
    } finally {
      restorer.finish();
    }
    return { file: await fs.readFile(path.join(target, 'keep.bin')), streamed: await streamedBytes(readEntryContent(located, entry)) };
  }

  it.each<[string, PruneOptions, PruneOptions]>([
    ['grace 0, two passes (`lifeboat prune --grace 0`)', { graceMs: 0 }, { graceMs: 0 }],
    ['the scheduled prune with graceHours 2: condemn at +10 min, sweep at +2 h 15 min', { graceMs: 2 * HOUR, now: () => Date.now() + 10 * 60_000 }, { graceMs: 2 * HOUR, now: () => Date.now() + 2 * HOUR + 15 * 60_000 }],
  ])('restores byte for byte, and so does a retry of the shard in the same container (%s)', async (_name, condemn, sweep) => {
    const { vault, entry } = await startRestore();
    expect((await pruneVault(open(), condemn)).report.packsRepacked).toBeGreaterThan(0);
    expect((await pruneVault(open(), sweep)).report.packsDeleted).toBeGreaterThan(0);

    for (const attempt of ['first', 'retry']) {
      const { file, streamed } = await restoreShard(vault, entry, attempt);
      expect(file).toEqual(KEEP);
      expect(streamed).toEqual(KEEP);
    }
  });

  it('restores through the view of the shard’s blobs that a vault whose index is too large gets', async () => {
    const { vault, entry } = await startRestore();
    // An index too large for the function's memory (room for 6 blobs, the vault holds some 150): vaultForBlobs hands
    // out a view that keeps only the shard's blobs.
    vault.memoryLimitMb = 0.001;
    const view = await vaultForBlobs(vault, () => entry.content, 'restore-2');
    expect(view).not.toBe(vault);
    const target = path.join(dir, 'target-view');
    await fs.mkdir(target);
    const restorer = await openDirectoryRestorer(view, target, () => true);
    await pruneVault(open(), { graceMs: 0 });
    await pruneVault(open(), { graceMs: 0 });
    try {
      await restorer.restoreEntry(entry);
    } finally {
      restorer.finish();
    }
    expect(await fs.readFile(path.join(target, 'keep.bin'))).toEqual(KEEP);
  });

  it('a retry in the same run loads the index again when the reload after the sweep failed', async () => {
    const { vault, entry } = await startRestore();
    await pruneVault(open(), { graceMs: 0 });
    await pruneVault(open(), { graceMs: 0 });
    // The reload meets a throttled listing once (a transient failure: the step's Retry runs the shard again).
    const list = store.list.bind(store);
    let failNext = true;
    store.list = (prefix: string): AsyncIterable<string> => {
      if (prefix !== INDEX_PREFIX || !failNext) return list(prefix);
      failNext = false;
      throw new Error('SlowDown: listing index/ throttled');
    };

    await expect(restoreShard(vault, entry, 'first')).rejects.toThrow('SlowDown: listing index/ throttled');
    const { file, streamed } = await restoreShard(vault, entry, 'retry');
    expect(file).toEqual(KEEP);
    expect(streamed).toEqual(KEEP);
  });
});
