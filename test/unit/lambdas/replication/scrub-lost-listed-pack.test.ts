import * as path from 'node:path';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { lostListedPacks } from '../../../../lambdas/replication/lost-listed-packs';
import { scrubRunSummary } from '../../../../lambdas/replication/scrub-run-summary';
import { packsNotLookedForNotes } from '../../../../lambdas/replication/scrub-runbook';
import { scrubOutstandingObjects } from '../../../../lambdas/catalog/scrub-outstanding-count';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { planStatus } from '../../../../cli/status/plan-status';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { loadIndexObject } from '../../../../vault/prune/index-objects';
import { TOMBSTONE_MIN_KEEP_MS, writeCondemnedBatch } from '../../../../vault/prune/prune-state';
import { Vault } from '../../../../vault/repository/vault';
import { idFromKey, INDEX_PREFIX, packKey } from '../../../../vault/repository/vault-layout';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Fix f58R: a pack deleted from both vaults while the index objects listing it stay was no finding. The scrub compares
 * the two listings, and an index object's check did not look at its packs, so the run said `ok` with nothing outstanding
 * (status ✓, no alarm) while a backup deduplicating against that index referenced data no vault holds. In-memory vaults
 * (scrub-vault-pair), the source tree in a temp dir.
 */

let dir: string;
let pair: VaultPair;
beforeEach(async () => {
  dir = await tempDir('scrub-lost-listed-pack');
  pair = await scrubVaultPair(path.join(dir, 'src'));
});
afterEach(async () => removeDir(dir));

const everything = { scope: 'both', fraction: 1, cursor: FIRST_SCRUB_CURSOR } as const;

/** The primary vault's one index object (the pair's single backup wrote one) and the key of the first pack it lists. */
async function indexAndPack(vault: Vault): Promise<{ index: string; pack: string }> {
  const indexes = await listKeys(vault.store, INDEX_PREFIX);
  expect(indexes).toHaveLength(1);
  const index = indexes[0] as string;
  const { object } = await loadIndexObject(vault.store, vault.keys, idFromKey(INDEX_PREFIX, index) as string);
  return { index, pack: packKey((object.packs[0] as { packId: string }).packId) };
}

/** The catalog's record of the pair's backup. */
function catalogRecord(): BackupRecord {
  return {
    backupId: pair.backupId, plan: 'files', environment: 'dev', sourceNames: ['src'], strategy: 'incremental', status: 'COMMITTED', startedAt: '2026-03-01T10:00:00.000Z', endedAt: '2026-03-01T10:05:00.000Z', shardCount: 1, copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    sources: [{ name: 'src', type: 'filesystem', snapshotId: pair.snapshot.id, rootHash: 'f'.repeat(64), entries: 3, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 }],
  };
}

const statusOf = (record: ReturnType<typeof scrubRunSummary>) =>
  planStatus({ plan: { name: 'files', objectives: { rpoMinutes: 1e7, rtoMinutes: 60 } }, backups: [catalogRecord()], drills: [], latestScrub: record, nextRun: { state: 'disabled', schedule: 'lifeboat-dev-files' }, now: new Date('2026-12-02T04:00:00.000Z') });

it('finds a pack deleted from both vaults while their index objects list it: lost in each vault, mapped to the backup whose blobs it held, the plan ✗ and the scrub-damage gauge above 0 until a slice reads the index object again and it no longer lists the pack (fix f58R)', async () => {
  const { index, pack } = await indexAndPack(pair.primary);
  for (const vault of [pair.primary, pair.dr]) await vault.store.delete(pack);

  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, repair: true });

  expect(report.ok).toBe(false);
  expect(report.findings).toEqual([
    { vault: 'dr', key: pack, problem: 'missing', outcome: 'unrepaired', reason: 'the primary vault lacks it too', listedBy: index, detail: expect.stringContaining(`memory://dr lacks ${pack}, which its index object ${index} lists, and the primary vault lacks it too: lost in every vault`) },
    { vault: 'primary', key: pack, problem: 'missing', outcome: 'unrepaired', reason: 'the dr vault lacks it too', listedBy: index, detail: expect.stringContaining('so a backup deduplicating against that index stores none of its blobs again') },
  ]);
  expect(report.damage).toEqual([expect.objectContaining({ key: pack, vaults: ['primary', 'dr'], blobs: expect.any(Number), affects: [expect.objectContaining({ snapshotId: pair.snapshot.id, backupId: pair.backupId, whole: false })] })]);
  // Nothing copied: no vault holds it, and the index object is not touched.
  for (const vault of [pair.primary, pair.dr]) expect([await vault.store.has(pack), await vault.store.has(index)]).toEqual([false, true]);

  const found = scrubRunSummary(report, { environment: 'dev', startedAt: '2026-12-01T03:00:00.000Z', endedAt: '2026-12-01T03:00:01.000Z' });
  expect(found.outcome).toBe('DAMAGED');
  expect(found.outstanding?.objects).toEqual([
    expect.objectContaining({ vault: 'dr', key: pack, goodCopy: false, listedBy: index, backups: [pair.backupId] }),
    expect.objectContaining({ vault: 'primary', key: pack, goodCopy: false, listedBy: index, backups: [pair.backupId] }),
  ]);
  expect(scrubOutstandingObjects(found)).toBe(1);
  expect(statusOf(found)).toMatchObject({ withinObjectives: false, scrub: { affectedBackupsOfPlan: [pair.backupId] } });

  // A run whose slice does not reach the index object (the manifest objects on) finds the pack in neither listing, as
  // every run does: the entry is carried, not settled by the comparison.
  const manifests = await scrubVaults({ ...everything, cursor: { cycle: 1, after: `${INDEX_PREFIX}~` }, fraction: 0.05, vaults: { primary: pair.primary, dr: pair.dr }, repair: true });
  expect(manifests.findings).toEqual([]);
  const carried = scrubRunSummary(manifests, { environment: 'dev', startedAt: '2026-12-02T03:00:00.000Z', endedAt: '2026-12-02T03:00:01.000Z' }, { previous: found });
  expect(carried.outstanding?.objects).toEqual(found.outstanding?.objects);
  expect(scrubOutstandingObjects(carried)).toBe(1);
  expect(statusOf(carried).withinObjectives).toBe(false);

  // The index rebuilt without the pack (here: its object gone from both vaults), the slice that reads its key settles it.
  for (const vault of [pair.primary, pair.dr]) await vault.store.delete(index);
  const healed = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, repair: true });
  expect(healed.findings).toEqual([]);
  const settled = scrubRunSummary(healed, { environment: 'dev', startedAt: '2026-12-03T03:00:00.000Z', endedAt: '2026-12-03T03:00:01.000Z' }, { previous: carried });
  expect(settled.outstanding?.objects).toEqual([]);
  expect(scrubOutstandingObjects(settled)).toBe(0);
});

it('does not judge a pack the listings lack but the vault holds when looked for again (a backup stored it after the listing of data/, and the index object naming it before that of index/), nor one a tombstone of its vault names (fix f58R)', async () => {
  const { index, pack } = await indexAndPack(pair.primary);
  // Listed without the pack in both vaults, as a listing taken while a backup stored it; a HEAD finds it.
  const unlisted = (store: VaultStore): VaultStore =>
    Object.assign(Object.create(store) as VaultStore, {
      async *list(prefix: string): AsyncIterable<string> {
        for await (const key of store.list(prefix)) if (key !== pack) yield key;
      },
    });
  const late = { primary: new Vault(unlisted(pair.primary.store), pair.primary.keys, pair.primary.config), dr: new Vault(unlisted(pair.dr.store), pair.dr.keys, pair.dr.config) };
  const fresh = await scrubVaults({ ...everything, vaults: late, repair: false });
  expect([fresh.ok, fresh.findings]).toEqual([true, []]);

  // Deleted from both, and a sweep's tombstone in the primary vault names it (Object Lock kept the index object listing
  // it): backups leave its records out already, so only the DR vault's index, which no tombstone covers, is judged.
  for (const vault of [pair.primary, pair.dr]) await vault.store.delete(pack);
  const at = '2026-12-01T00:00:00.000Z';
  await writeCondemnedBatch(pair.primary.store, pair.primary.keys, { v: 1, condemnedAt: at, graceMs: 0, packs: [{ id: pack.slice(pack.lastIndexOf('/') + 1), bytes: 1 }], indexes: [], manifests: [], sweptAt: at, keepMs: TOMBSTONE_MIN_KEEP_MS, from: 'f'.repeat(64) });
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, repair: false });
  expect(report.findings).toEqual([expect.objectContaining({ vault: 'dr', key: pack, problem: 'missing', outcome: 'unrepaired', listedBy: index })]);
});

it('does not judge a pack a pending batch of its vault names (a sweep stopped between its deletes and its tombstone), nor one the deadline left unlooked-for (review r58M F2, F3)', async () => {
  const { pack } = await indexAndPack(pair.primary);
  for (const vault of [pair.primary, pair.dr]) await vault.store.delete(pack);
  const at = '2026-12-01T00:00:00.000Z';
  // No sweptAt: the batch is pending, as a sweep that died after deleting the pack leaves it; backups leave it out already.
  for (const vault of [pair.primary, pair.dr]) await writeCondemnedBatch(vault.store, vault.keys, { v: 1, condemnedAt: at, graceMs: 0, packs: [{ id: pack.slice(pack.lastIndexOf('/') + 1), bytes: 1 }], indexes: [], manifests: [], from: 'f'.repeat(64) });
  const pending = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, repair: false });
  expect(pending.findings.filter((f) => f.key === pack)).toEqual([]);
});

it('leaves a pack the run had no time to look for again to a later run rather than judge it lost unseen (review r58M F3)', async () => {
  const { pack } = await indexAndPack(pair.primary);
  for (const vault of [pair.primary, pair.dr]) await vault.store.delete(pack);
  const found = await lostListedPacks({
    sides: ['primary', 'dr'],
    vaults: { primary: pair.primary, dr: pair.dr },
    results: new Map([['primary', [{ key: 'index/x', state: 'ok', packsLacked: [pack.slice(pack.lastIndexOf('/') + 1)] }]]]),
    until: 0,
    now: () => 1,
  });
  expect(found).toEqual({ lost: [], notLookedFor: { primary: { packs: 1, from: 'index/x' } } });
});

it('counts the packs the deadline left not looked for again and ends the slice before their index object, so the next run judges them (review r59C F5)', async () => {
  const { index, pack } = await indexAndPack(pair.primary);
  for (const vault of [pair.primary, pair.dr]) await vault.store.delete(pack);
  // The clock passes the looks' cutoff (the deadline less COPY_BACK_RESERVE_MS) once the index object is read: the
  // reads stop there too, so the slice read ends with it, and no pack it lists is looked for again.
  const deadline = 10_000_000;
  let at = 0;
  const timed = (vault: Vault): Vault => {
    const store = Object.assign(Object.create(vault.store) as VaultStore, {
      async get(key: string, range?: Parameters<VaultStore['get']>[1]): Promise<Buffer> {
        if (key === index) at = deadline - 30_000;
        return vault.store.get(key, range);
      },
    });
    return new Vault(store, vault.keys, vault.config);
  };
  const report = await scrubVaults({ ...everything, vaults: { primary: timed(pair.primary), dr: timed(pair.dr) }, repair: false, deadline, now: () => at });

  expect(report.findings.filter((f) => f.key === pack)).toEqual([]);
  expect(report.packsNotLookedFor).toEqual({ primary: { packs: 1, from: index }, dr: { packs: 1, from: index } });
  expect(report.cut).toBe(true);
  expect(report.nextCursor.after === null || report.nextCursor.after < index).toBe(true);
  expect(packsNotLookedForNotes(report)).toEqual([
    `1 pack(s) the primary vault's index objects list and neither vault's listing holds were not looked for again by the run's deadline, so none is judged lost yet: the next run reads the index objects again from ${index} and judges them (docs/RUNBOOKS.md, "Scrub")`,
    expect.stringContaining("1 pack(s) the dr vault's index objects list"),
  ]);

  // The next run, with time, starts at or before the index object and finds the pack lost in every vault.
  const next = await scrubVaults({ ...everything, cursor: report.nextCursor, vaults: { primary: pair.primary, dr: pair.dr }, repair: false });
  expect(next.findings.filter((f) => f.key === pack)).toEqual([expect.objectContaining({ vault: 'dr', listedBy: index }), expect.objectContaining({ vault: 'primary', listedBy: index })]);
});

it("review r65M F5: a 403 for the clock on prune's state stops the scrub with S3's error, not read as a scrub that may not read it (which judged every pack both listings lack, and every index a tombstone supersedes)", async () => {
  const { pack } = await indexAndPack(pair.primary);
  for (const vault of [pair.primary, pair.dr]) await vault.store.delete(pack);
  const skew = () => Object.assign(new Error('The difference between the request time and the current time is too large.'), { name: 'RequestTimeTooSkewed', $metadata: { httpStatusCode: 403 } });
  const skewedOnPrune = (store: VaultStore): VaultStore =>
    Object.assign(Object.create(store) as VaultStore, {
      async *list(prefix: string): AsyncIterable<string> {
        if (prefix.startsWith('prune/')) throw skew();
        yield* store.list(prefix);
      },
      get: (key: string, range?: Parameters<VaultStore['get']>[1]) => (key.startsWith('prune/') ? Promise.reject(skew()) : store.get(key, range)),
    });
  const skewed = { primary: new Vault(skewedOnPrune(pair.primary.store), pair.primary.keys, pair.primary.config), dr: new Vault(skewedOnPrune(pair.dr.store), pair.dr.keys, pair.dr.config) };
  await expect(scrubVaults({ ...everything, vaults: skewed, repair: false })).rejects.toMatchObject({ name: 'RequestTimeTooSkewed' });
});
