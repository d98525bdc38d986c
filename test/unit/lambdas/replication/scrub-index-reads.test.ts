import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { INDEX_PREFIX, indexKey } from '../../../../vault/repository/vault-layout';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review rR F3: one scrub run read each index object of a vault once per phase that needs the index — the checks before
 * copying snapshots into a vault (per vault and problem), the work-out of what a vault lacking objects needs, the looks
 * after the copies and the mapping of lost objects to their backups — up to five GETs of one object in one vault. In-memory
 * vaults (scrub-vault-pair), their GETs counted.
 */

let dir: string;
let pair: VaultPair;

beforeEach(async () => {
  dir = await tempDir('scrub-index-reads');
  pair = await scrubVaultPair(path.join(dir, 'src'));
});
afterEach(async () => removeDir(dir));

/** A backup of a tree of its own (its own packs, index object and manifest objects) in the primary vault. */
async function backup(name: string, seed: number): Promise<Snapshot> {
  const tree = path.join(dir, name);
  await fs.mkdir(tree, { recursive: true });
  await fs.writeFile(path.join(tree, 'f.bin'), pseudoRandomBytes(40_000, seed));
  const { snapshot } = await backupDirectory(pair.primary, tree, { tags: [`backupId:2026030${seed}T100000Z-0000000${seed}`, 'plan:files'] });
  return snapshot;
}

it('reads each index object at most once a vault in a run whose every phase needs the index, besides the slice\'s read and a repair\'s copy and its check', async () => {
  const second = await backup('second', 2);
  await replicateVault({ source: pair.primary, target: pair.dr.store, targetKeys: new PassphraseKeyProvider('dr region key', { N: 1024, r: 8, p: 1 }) });
  // The DR vault lacks the third backup (replication behind): its work-out reads the index, the third's snapshot is
  // checked before it is copied and looked at after.
  const third = await backup('third', 3);
  // A snapshot damaged in each vault: a check before each copy, and a look after it, in each.
  await corrupt(pair.dr.store, `snapshots/${pair.snapshot.id}`);
  await corrupt(pair.primary.store, `snapshots/${second.id}`);
  // A pack no index object lists (a killed backup's), damaged in the primary vault, absent in the DR vault: lost, mapped.
  const orphan = `data/ab/${'ab'.repeat(32)}`;
  await pair.primary.store.put(orphan, pseudoRandomBytes(3_000, 9));
  for (const vault of [pair.primary, pair.dr]) vault.memoryLimitMb = 2048;
  const listed = new Set([...(await listKeys(pair.primary.store, INDEX_PREFIX)).map((key) => `primary:${key}`), ...(await listKeys(pair.dr.store, INDEX_PREFIX)).map((key) => `dr:${key}`)]);
  const indexReads = new Map<string, number>();
  for (const [side, vault] of [['primary', pair.primary], ['dr', pair.dr]] as const) {
    const get = vault.store.get.bind(vault.store);
    vault.store.get = async (key, range) => {
      if (key.startsWith(INDEX_PREFIX)) indexReads.set(`${side}:${key}`, (indexReads.get(`${side}:${key}`) ?? 0) + 1);
      return get(key, range);
    };
  }

  const report = await scrubVaults({ scope: 'both', fraction: 1, cursor: FIRST_SCRUB_CURSOR, vaults: { primary: pair.primary, dr: pair.dr }, repair: true });

  // Every phase ran: the three snapshots copied (each checked before, and looked at after), the third's index object
  // worked out missing in the DR vault and copied, the damaged pack lost and mapped.
  const outcome = (vault: string, key: string) => report.findings.find((f) => f.vault === vault && f.key === key)?.outcome;
  expect(outcome('dr', `snapshots/${pair.snapshot.id}`)).toBe('repaired');
  expect(outcome('primary', `snapshots/${second.id}`)).toBe('repaired');
  expect(outcome('dr', `snapshots/${third.id}`)).toBe('repaired');
  const copied = report.findings.filter((f) => f.vault === 'dr' && f.key.startsWith(INDEX_PREFIX) && f.outcome === 'repaired').map((f) => f.key);
  expect(copied).toEqual(third.indexes.map(indexKey));
  expect(report.damage).toEqual([expect.objectContaining({ key: orphan, vaults: ['primary'] })]);

  // The slice reads each object a vault listed; the phases after it once more a vault at most; one copied into the DR
  // vault is read once more in each, by its repair (the copy, and its check there). Before, the DR vault's own were read
  // by the check before each of its copies (corrupt, missing), its work-out and its look after the copies, and the
  // primary's by its own check, the DR vault's two, the work-out, its look and the mapping.
  const allowed = (entry: string): number => (listed.has(entry) ? 1 : 0) + 1 + (copied.includes(entry.slice(entry.indexOf(':') + 1)) ? 1 : 0);
  expect([...indexReads].filter(([entry, reads]) => reads > allowed(entry))).toEqual([]);
  expect([...listed].every((entry) => (indexReads.get(entry) ?? 0) >= 1)).toBe(true);
});
