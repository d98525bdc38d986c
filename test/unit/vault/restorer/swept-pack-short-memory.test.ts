import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { INDEX_PEAK_BYTES_PER_BLOB } from '../../../../vault/blob-index/index-memory';
import { type VaultIndex } from '../../../../vault/blob-index/vault-index';
import { verifySnapshot } from '../../../../vault/checker/verify-snapshot';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { packKey } from '../../../../vault/repository/vault-layout';
import { readEntry, RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
import { VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { streamedBytes } from '../../../support/streamed-bytes';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';
import { countIndexLoads, KEEP, repackAndSweepNow, restoreBeforeSweep, type SweptVault, SWEPT_VAULT_KINDS } from './restore-before-sweep';

/**
 * Review 43a, F1: a read that finds its pack swept used to load a second whole index while the reader still held the
 * stale one, and the vault's memory check counted only the new load: with an index over about half the memory the
 * function may give it, the process ran out of memory instead of failing with VaultIndexTooLargeError. When the two
 * do not fit (Vault.memoryLimitMb), only the read's blobs are located (a scoped index), and the vault's index stays
 * the one the reader holds.
 */
/** A memory limit (MB) whose index allowance holds `blobs` blobs, with room for half as many again, not twice as many (index-memory.ts: half of a small function's memory). */
function limitFittingOneAndAHalf(blobs: number): number {
  return (blobs * 1.5 * 2 * INDEX_PEAK_BYTES_PER_BLOB) / 2 ** 20;
}

describe.each(SWEPT_VAULT_KINDS)('a read of a swept pack when a second whole index does not fit the memory limit (%s)', (_name, setUp) => {
  let dir: string;
  let setup: SweptVault;
  let kept: Snapshot;
  let restoring: Vault;
  /** The index the restore loaded before the prune: the vault must keep it, not load a second whole one beside it. */
  let stale: VaultIndex;
  let indexListings: () => number;

  beforeEach(async () => {
    dir = await tempDir('swept-short-memory');
    setup = await setUp(dir);
    ({ kept, restoring } = await restoreBeforeSweep(dir, setup));
    stale = await restoring.index();
    restoring.memoryLimitMb = limitFittingOneAndAHalf(stale.size);
    indexListings = countIndexLoads(setup.store);
  });
  afterEach(async () => removeDir(dir));
  afterAll(async () => CodecPool.shutdownShared());

  /** Repacks the mixed packs and sweeps the old ones at once (two prunes with no grace); resolves with the listings of index/ made meanwhile. */
  async function repackAndSweep(): Promise<number> {
    await repackAndSweepNow(setup);
    return indexListings();
  }

  it('streams the entry byte for byte from the new packs, and the vault keeps the index the reader holds', async () => {
    const before = await repackAndSweep();
    expect(await streamedBytes(readEntry(restoring, kept, 'keep.bin'))).toEqual(KEEP);
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

    await expect(streamedBytes(readEntry(restoring, kept, 'keep.bin'))).rejects.toThrow(new VaultObjectNotFoundError(setup.store.location, packKey(first.packId)));
    expect(indexListings()).toBe(1);
    const failed = restoreSnapshot(restoring, kept, path.join(dir, 'damaged'), { inline: setup.inline });
    await expect(failed).rejects.toThrow(RestoreIncompleteError);
    await expect(failed).rejects.toThrow(`keep.bin: ${setup.store.location}: object ${packKey(first.packId)} does not exist`);
    expect(indexListings()).toBe(1);
    expect(await restoring.index()).toBe(stale);
  });
});
