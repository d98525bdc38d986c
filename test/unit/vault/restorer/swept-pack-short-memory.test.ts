import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { INDEX_PEAK_BYTES_PER_BLOB } from '../../../../vault/blob-index/index-memory';
import { type VaultIndex } from '../../../../vault/blob-index/vault-index';
import { verifySnapshot } from '../../../../vault/checker/verify-snapshot';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { INDEX_PREFIX, packKey, snapshotKey } from '../../../../vault/repository/vault-layout';
import { readEntry, RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
import { VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, pseudoRandomBytes, removeDir, SMALL_TUNING, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review 43a, F1: a read that finds its pack swept used to load a second whole index while the reader still held the
 * stale one, and the vault's memory check counted only the new load: with an index over about half the memory the
 * function may give it, the process ran out of memory instead of failing with VaultIndexTooLargeError. When the two
 * do not fit (Vault.memoryLimitMb), only the read's blobs are located (a scoped index), and the vault's index stays
 * the one the reader holds.
 */
const KEEP = pseudoRandomBytes(200_000, 7);
const DROP = pseudoRandomBytes(400_000, 8);
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** A memory limit (MB) whose index allowance holds `blobs` blobs, with room for half as many again, not twice as many (index-memory.ts: half of a small function's memory). */
function limitFittingOneAndAHalf(blobs: number): number {
  return (blobs * 1.5 * 2 * INDEX_PEAK_BYTES_PER_BLOB) / 2 ** 20;
}

/** Counts the listings of index/ (each a load of the index, whole or scoped) made through `store`. */
function countIndexLoads(store: VaultStore): () => number {
  const list = store.list.bind(store);
  let loads = 0;
  store.list = (prefix: string): AsyncIterable<string> => {
    if (prefix === INDEX_PREFIX) loads++;
    return list(prefix);
  };
  return () => loads;
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

type Setup = { store: VaultStore; open: () => Vault; inline: boolean };

describe.each([
  [
    'a file vault, codec threads reading the pack files',
    async (dir: string): Promise<Setup> => {
      const { vault, store } = await newTestVault(dir);
      return { store, open: () => new Vault(store, vault.keys, vault.config), inline: false };
    },
  ],
  [
    'a memory vault, in-thread codec',
    async (): Promise<Setup> => {
      const store = new MemoryVaultStore();
      const made = await initVault(store, new PassphraseKeyProvider('short memory sweep', FAST_SCRYPT), SMALL_TUNING);
      return { store, open: () => new Vault(store, made.keys, made.config), inline: true };
    },
  ],
])('a read of a swept pack when a second whole index does not fit the memory limit (%s)', (_name, setUp) => {
  let dir: string;
  let setup: Setup;
  let kept: Snapshot;
  let restoring: Vault;
  /** The index the restore loaded before the prune: the vault must keep it, not load a second whole one beside it. */
  let stale: VaultIndex;
  let indexListings: () => number;

  beforeEach(async () => {
    dir = await tempDir('swept-short-memory');
    setup = await setUp(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'keep.bin'), KEEP);
    await fs.writeFile(path.join(src, 'drop.bin'), DROP);
    const writer = setup.open();
    const old = (await backupDirectory(writer, src)).snapshot;
    await fs.rm(path.join(src, 'drop.bin'));
    kept = (await backupDirectory(writer, src)).snapshot;
    await setup.store.delete(snapshotKey(old.id));
    restoring = setup.open();
    kept = await restoring.loadSnapshot(kept.id);
    stale = await restoring.index();
    restoring.memoryLimitMb = limitFittingOneAndAHalf(stale.size);
    indexListings = countIndexLoads(setup.store);
  });
  afterEach(async () => removeDir(dir));
  afterAll(async () => CodecPool.shutdownShared());

  /** Repacks the mixed packs and sweeps the old ones at once (two prunes with no grace); resolves with the listings of index/ made meanwhile. */
  async function repackAndSweep(): Promise<number> {
    const pruner = setup.open();
    expect((await pruneVault(pruner, { graceMs: 0 })).report.packsRepacked).toBeGreaterThan(0);
    expect((await pruneVault(pruner, { graceMs: 0 })).report.packsDeleted).toBeGreaterThan(0);
    return indexListings();
  }

  it('streams the entry byte for byte from the new packs, and the vault keeps the index the reader holds', async () => {
    const before = await repackAndSweep();
    expect(await collect(readEntry(restoring, kept, 'keep.bin'))).toEqual(KEEP);
    expect(indexListings()).toBeGreaterThan(before);
    expect(await restoring.index()).toBe(stale);
  });

  it('restores the snapshot into a directory byte for byte, loading no second whole index', async () => {
    await repackAndSweep();
    const target = path.join(dir, 'restored');
    const stats = await restoreSnapshot(restoring, kept, target, { inline: setup.inline });
    expect(stats.files).toBe(1);
    expect(await fs.readFile(path.join(target, 'keep.bin'))).toEqual(KEEP);
    expect(await restoring.index()).toBe(stale);
  });

  it('reads every blob back (verify --read-data) and reports no problem', async () => {
    await repackAndSweep();
    const check = await verifySnapshot(restoring, kept.id, { readData: true });
    expect({ ok: check.ok, problems: check.problems, entries: check.entries }).toEqual({ ok: true, problems: [], entries: 1 });
    expect(await restoring.index()).toBe(stale);
  });

  it('still fails naming the pack when a blob is in no other pack, locating it once, not once per read', async () => {
    const entry = await (await restoring.manifest(kept)).find('keep.bin');
    const first = stale.lookup(Buffer.from(entry?.content[0] as string, 'hex'));
    if (!first) throw new Error('the first blob of keep.bin is not indexed');
    await setup.store.delete(packKey(first.packId));

    await expect(collect(readEntry(restoring, kept, 'keep.bin'))).rejects.toThrow(new VaultObjectNotFoundError(setup.store.location, packKey(first.packId)));
    expect(indexListings()).toBe(1);
    const failed = restoreSnapshot(restoring, kept, path.join(dir, 'damaged'), { inline: setup.inline });
    await expect(failed).rejects.toThrow(RestoreIncompleteError);
    await expect(failed).rejects.toThrow(`keep.bin: ${setup.store.location}: object ${packKey(first.packId)} does not exist`);
    expect(indexListings()).toBe(1);
    expect(await restoring.index()).toBe(stale);
  });
});
