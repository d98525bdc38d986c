import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { verifySnapshot } from '../../../../vault/checker/verify-snapshot';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { packKey } from '../../../../vault/repository/vault-layout';
import { CheckedWrites } from '../../../../vault/restorer/checked-writes';
import { DirectoryRestorer, readEntry, readEntryRange, RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
import { VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { streamedBytes } from '../../../support/streamed-bytes';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';
import { countIndexLoads, KEEP, repackAndSweepNow, restoreBeforeSweep, type SweptVault, SWEPT_VAULT_KINDS } from './restore-before-sweep';

/**
 * Audit R29, F1: a restore loads the vault's index once, and a prune may repack the blobs it needs into new packs and
 * sweep the old packs before the restore reads them (a grace shorter than the restore, or `--grace 0`). The restorer
 * then loads the index again and reads the blobs from their new packs; a blob in no other pack still fails.
 */
describe.each(SWEPT_VAULT_KINDS)('a restore whose index predates a repack and its sweep (%s)', (_name, setUp) => {
  let dir: string;
  let setup: SweptVault;
  let kept: Snapshot;
  /** The restore's vault: its index was loaded before the prune ran. */
  let restoring: Vault;
  let indexListings: () => number;
  /** Loads of the index since the prune (whose own runs list index/ too). */
  let loadsBeforeRestore = 0;
  const indexLoads = (): number => indexListings() - loadsBeforeRestore;

  beforeEach(async () => {
    dir = await tempDir('restore-after-sweep');
    setup = await setUp(dir);
    // Retention forgot the older backup; the restore of the kept one has started and loaded the index.
    ({ kept, restoring } = await restoreBeforeSweep(dir, setup));
    await restoring.index();
    indexListings = countIndexLoads(setup.store);
    loadsBeforeRestore = 0;
  });
  afterEach(async () => removeDir(dir));
  afterAll(async () => CodecPool.shutdownShared());

  /** Repacks the mixed packs and sweeps the old ones at once (`lifeboat vault prune --grace 0` runs two passes); the packs of keep.bin the restore's index names that are gone. */
  async function repackAndSweep(): Promise<string[]> {
    const entry = await (await restoring.manifest(kept)).find('keep.bin');
    const stale = await restoring.index();
    const packs = new Set((entry?.content ?? []).map((id) => stale.lookup(Buffer.from(id, 'hex'))?.packId as string));
    await repackAndSweepNow(setup);
    const gone: string[] = [];
    for (const id of packs) if (!(await setup.store.has(packKey(id)))) gone.push(id);
    loadsBeforeRestore = indexListings();
    return gone;
  }

  it('streams the entry from the packs its blobs were repacked into, loading the index again once', async () => {
    expect(await repackAndSweep()).not.toEqual([]);
    expect(await streamedBytes(readEntry(restoring, kept, 'keep.bin'))).toEqual(KEEP);
    expect(indexLoads()).toBe(1);
    // Later reads go by the reloaded index: no second load.
    const entry = await (await restoring.manifest(kept)).find('keep.bin');
    if (!entry) throw new Error('keep.bin is not in the kept backup');
    expect(await streamedBytes(readEntryRange(restoring, entry, 30_000, 170_000))).toEqual(KEEP.subarray(30_000, 170_000));
    expect(indexLoads()).toBe(1);
  });

  it('reads every blob back (`vault verify --read-data`, a restore\'s verify with readData) from the new packs, reporting no problem', async () => {
    expect(await repackAndSweep()).not.toEqual([]);
    const check = await verifySnapshot(restoring, kept.id, { readData: true });
    expect({ ok: check.ok, problems: check.problems, entries: check.entries }).toEqual({ ok: true, problems: [], entries: 1 });
    expect(indexLoads()).toBe(1);
  });

  it('restores the snapshot into a directory (`lifeboat vault restore`), byte for byte', async () => {
    expect(await repackAndSweep()).not.toEqual([]);
    const target = path.join(dir, 'restored');
    const stats = await restoreSnapshot(restoring, kept, target, { inline: setup.inline });
    expect(stats.files).toBe(1);
    expect(await fs.readFile(path.join(target, 'keep.bin'))).toEqual(KEEP);
    expect(indexLoads()).toBe(1);
  });

  it('restores with checked writes as a restore shard does, and the checks find the file equal', async () => {
    const checkedWrites = new CheckedWrites();
    const target = path.join(dir, 'shard');
    const restorer = await DirectoryRestorer.open(restoring, target, { inline: setup.inline, checkedWrites });
    try {
      expect(await repackAndSweep()).not.toEqual([]);
      await restorer.target.makeDirectory('');
      const entry = await (await restoring.manifest(kept)).find('keep.bin');
      if (!entry) throw new Error('keep.bin is not in the kept backup');
      expect(await restorer.restoreEntry(entry)).toEqual({ made: 'file', bytes: KEEP.length });
    } finally {
      restorer.finish();
    }
    const file = path.join(target, 'keep.bin');
    expect(await fs.readFile(file)).toEqual(KEEP);
    expect(checkedWrites.foundFor('keep.bin', await fs.lstat(file, { bigint: true }))).toBe('equal');
  });

  it('still fails naming the pack when a blob is in no other pack (damage, not a sweep), after one reload', async () => {
    const entry = await (await restoring.manifest(kept)).find('keep.bin');
    const first = (await restoring.index()).lookup(Buffer.from(entry?.content[0] as string, 'hex'));
    if (!first) throw new Error('the first blob of keep.bin is not indexed');
    await setup.store.delete(packKey(first.packId));

    await expect(streamedBytes(readEntry(restoring, kept, 'keep.bin'))).rejects.toThrow(new VaultObjectNotFoundError(setup.store.location, packKey(first.packId)));
    expect(indexLoads()).toBe(1);
    const target = path.join(dir, 'damaged');
    const failed = restoreSnapshot(restoring, kept, target, { inline: setup.inline });
    await expect(failed).rejects.toThrow(RestoreIncompleteError);
    await expect(failed).rejects.toThrow(`keep.bin: ${setup.store.location}: object ${packKey(first.packId)} does not exist`);
    // The index loaded after the first failure showed the damage: the restore did not load it again.
    expect(indexLoads()).toBe(1);
  });
});
