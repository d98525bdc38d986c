import * as path from 'node:path';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { indexCopyHeldBackReason } from '../../../../lambdas/replication/index-copy-held-back';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { loadIndexObject } from '../../../../vault/prune/index-objects';
import { openVault, type Vault } from '../../../../vault/repository/vault';
import { idFromKey, INDEX_PREFIX, packKey } from '../../../../vault/repository/vault-layout';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { verifyVault } from '../../../../vault/checker/verify';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Fix f58Q: the scrub's repair copied an index object into a vault at the packs' rank, even while a pack it lists was
 * lost there (missing, its other copy damaged). The vault's index then named a pack it lacked, and a backup into it
 * deduplicated against that pack's blobs: the new backup committed, and its restore failed for the files whose blobs
 * the pack held. In-memory vaults (scrub-vault-pair), the source tree in a temp dir.
 */

let dir: string;
let src: string;
let pair: VaultPair;
beforeEach(async () => {
  dir = await tempDir('scrub-index-lost-pack');
  src = path.join(dir, 'src');
  pair = await scrubVaultPair(src);
});
afterEach(async () => removeDir(dir));

const everything = { scope: 'both', fraction: 1, cursor: FIRST_SCRUB_CURSOR } as const;
/** The scrub-vault-pair's primary key (cheap scrypt). */
const primaryKeys = () => new PassphraseKeyProvider('primary region key', { N: 1024, r: 8, p: 1 });

/** The primary vault's one index object (the pair's single backup wrote one) and the key of the first pack it lists. */
async function indexAndPack(vault: Vault): Promise<{ index: string; pack: string; packs: number }> {
  const indexes = await listKeys(vault.store, INDEX_PREFIX);
  expect(indexes).toHaveLength(1);
  const index = indexes[0] as string;
  const { object } = await loadIndexObject(vault.store, vault.keys, idFromKey(INDEX_PREFIX, index) as string);
  return { index, pack: packKey((object.packs[0] as { packId: string }).packId), packs: object.packs.length };
}

/** Backs the source up again into a freshly opened primary vault (its index loaded anew) and restores that backup. */
async function backUpAndRestore(out: string): Promise<void> {
  const primary = await openVault(pair.primary.store, primaryKeys());
  const { snapshot } = await backupDirectory(primary, src, { tags: ['backupId:20260302T100000Z-00000002', 'plan:files'] });
  await restoreSnapshot(primary, snapshot, out);
}

it('does not copy an index object into a vault that lost a pack it lists (missing there, damaged in the other): the finding names the pack and the way out, and a backup into that vault then stores the pack\'s blobs again and restores byte for byte, where it referenced the lost pack and its restore failed (fix f58Q)', async () => {
  const { index, pack, packs } = await indexAndPack(pair.primary);
  expect(packs).toBeGreaterThan(1);
  await pair.primary.store.delete(pack);
  await corrupt(pair.dr.store, pack);
  await pair.primary.store.delete(index);

  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, repair: true });

  expect(report.findings).toEqual([
    expect.objectContaining({ vault: 'dr', key: pack, problem: 'corrupt', outcome: 'unrepaired' }),
    expect.objectContaining({ vault: 'primary', key: pack, problem: 'missing', outcome: 'unrepaired' }),
    // Not lost: its other copy verified; what stops it is the pack, whose own finding is the damage.
    { vault: 'primary', key: index, problem: 'missing', detail: expect.any(String), outcome: 'unrepaired', goodCopy: true, reason: indexCopyHeldBackReason('primary', [pack]) },
  ]);
  expect(report.findings[2]?.reason).toContain(`(${pack}: see their findings)`);
  expect(report.findings[2]?.reason).toContain('`lifeboat repair-index --env <env> --vault primary`');
  expect(report.damage).toEqual([expect.objectContaining({ key: pack, vaults: ['primary', 'dr'] })]);
  expect(await pair.primary.store.has(index)).toBe(false);

  // The next backup finds the index lacking those blobs, stores them again, and its restore is the source's bytes.
  const out = path.join(dir, 'out');
  await backUpAndRestore(out);
  expect(await readTree(out)).toEqual(await readTree(src));
  // Stored again, they heal the first backup too: the vault names no damage.
  expect((await verifyVault(await openVault(pair.primary.store, primaryKeys()), { readData: true })).problems).toEqual([]);
});

it('holds back a corrupt index object listing a pack lost in its vault, and repairs in the same run one listing a pack only missing there, after that pack: corrupt objects are repaired before the missing ones are worked out (fix f58Q)', async () => {
  const { index, pack } = await indexAndPack(pair.primary);
  const good = await pair.primary.store.get(pack);
  // Lost in the primary vault: missing there, damaged in the DR vault.
  await pair.primary.store.delete(pack);
  await corrupt(pair.dr.store, pack);
  await corrupt(pair.primary.store, index);

  const lost = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, repair: true });
  expect(lost.findings).toContainEqual(expect.objectContaining({ vault: 'primary', key: index, problem: 'corrupt', outcome: 'unrepaired', goodCopy: true, reason: indexCopyHeldBackReason('primary', [pack]) }));
  expect(await pair.primary.store.get(index)).not.toEqual(await pair.dr.store.get(index));

  // The DR copy good again: the pack is only missing in the primary vault, so the run copies it, then the index object.
  await pair.dr.store.put(pack, good);
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, repair: true });
  expect(report.findings).toEqual([
    expect.objectContaining({ vault: 'primary', key: pack, problem: 'missing', outcome: 'repaired' }),
    expect.objectContaining({ vault: 'primary', key: index, problem: 'corrupt', outcome: 'repaired' }),
  ]);
  expect(report.ok).toBe(true);
  const out = path.join(dir, 'out');
  await restoreSnapshot(await openVault(pair.primary.store, primaryKeys()), pair.snapshot, out);
  expect(await readTree(out)).toEqual(await readTree(src));
});

it('maps an index object lost in both vaults to the entries whose blobs no readable index places, and a lost pack to the entries whose blobs it holds (scrub-damage.ts keeps every indexed blob id only when an index object is lost)', async () => {
  const { index, pack } = await indexAndPack(pair.primary);
  const good = await pair.primary.store.get(index);
  await corrupt(pair.primary.store, index);
  await pair.dr.store.delete(index);
  const lostIndex = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, repair: false });
  // The vault's one index object placed every blob: every file is unplaced.
  expect(lostIndex.damage).toEqual([expect.objectContaining({ key: index, affects: [expect.objectContaining({ snapshotId: pair.snapshot.id, whole: false, entries: 3, paths: ['a.bin', 'sub/b.bin', 'sub/c.txt'] })] })]);

  // The index object good in both vaults again, a pack lost in both: its entries, by the blobs the index places in it.
  for (const vault of [pair.primary, pair.dr]) await vault.store.put(index, good);
  await pair.primary.store.delete(pack);
  await corrupt(pair.dr.store, pack);
  const lostPack = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, repair: false });
  expect(lostPack.damage).toEqual([expect.objectContaining({ key: pack, blobs: expect.any(Number), affects: [expect.objectContaining({ snapshotId: pair.snapshot.id, whole: false })] })]);
  const [affected] = lostPack.damage[0]?.affects ?? [];
  expect(affected?.entries).toBeGreaterThan(0);
  expect(affected?.entries).toBeLessThan(3);
  expect(lostPack.damage[0]?.blobs).toBeGreaterThan(0);
});
