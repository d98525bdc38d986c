import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { ScrubIndexObjects } from '../../../../lambdas/replication/scrub-index-objects';
import { ReadsStoppedError } from '../../../../lambdas/replication/reads-until-vault';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { loadIndexObject } from '../../../../vault/prune/index-objects';
import { type Vault } from '../../../../vault/repository/vault';
import { idFromKey, INDEX_PREFIX, indexKey } from '../../../../vault/repository/vault-layout';
import { listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** The index objects one scrub run keeps for its phases (review rR F3): which copies they stand for, and their bound. */

let dir: string;
let pair: VaultPair;
/** Index object ids of both vaults, each with its blob records. */
let objects: { id: string; records: number }[];
const reads: string[] = [];

beforeEach(async () => {
  dir = await tempDir('scrub-index-objects');
  pair = await scrubVaultPair(path.join(dir, 'src'));
  const tree = path.join(dir, 'more');
  await fs.mkdir(tree, { recursive: true });
  await fs.writeFile(path.join(tree, 'f.bin'), pseudoRandomBytes(40_000, 5));
  await backupDirectory(pair.primary, tree);
  await replicateVault({ source: pair.primary, target: pair.dr.store, targetKeys: new PassphraseKeyProvider('dr region key', { N: 1024, r: 8, p: 1 }) });
  const ids = (await listKeys(pair.primary.store, INDEX_PREFIX)).map((key) => idFromKey(INDEX_PREFIX, key) as string);
  objects = await Promise.all(ids.map(async (id) => ({ id, records: (await loadIndexObject(pair.primary.store, pair.primary.keys, id)).blobs })));
  expect(objects.length).toBeGreaterThanOrEqual(2);
  reads.length = 0;
  for (const [side, vault] of [['primary', pair.primary], ['dr', pair.dr]] as const) {
    const get = vault.store.get.bind(vault.store);
    vault.store.get = async (key, range) => {
      reads.push(`${side}:${key}`);
      return get(key, range);
    };
  }
});
afterEach(async () => removeDir(dir));

const tooLarge = () => new Error('too large');
const unbounded = Number.POSITIVE_INFINITY;
const load = (run: ScrubIndexObjects, side: 'primary' | 'dr', vault: Vault, id: string, limit = unbounded) => run.pass(limit, tooLarge).load(side, vault.store, vault.keys, id);

it('serves a vault only what its own copy gave: read once a vault, then from the run, and the mapping takes either copy', async () => {
  const run = new ScrubIndexObjects();
  const first = objects[0] as { id: string };
  const fromPrimary = await load(run, 'primary', pair.primary, first.id);
  expect(await load(run, 'primary', pair.primary, first.id)).toBe(fromPrimary);
  expect(reads).toHaveLength(1);
  // The DR vault's copy may be missing or damaged there: read, though the same bytes, and held once.
  expect(await load(run, 'dr', pair.dr, first.id)).toBe(fromPrimary);
  expect(reads).toEqual([`primary:${indexKey(first.id)}`, `dr:${indexKey(first.id)}`]);
  expect(run.take(first.id)).toBe(fromPrimary);
  expect(run.take(first.id)).toBeUndefined();
});

it('holds no more blob records than the pass under way allows: the least recently used go first, and a pass past its bound fails keeping no more than it', async () => {
  const [a, b] = objects as [{ id: string; records: number }, { id: string; records: number }];
  const run = new ScrubIndexObjects();
  const bound = Math.max(a.records, b.records);
  await load(run, 'primary', pair.primary, a.id, bound);
  // A later pass within the same bound reading another object drops the first, which it did not use.
  await load(run, 'primary', pair.primary, b.id, bound);
  reads.length = 0;
  await load(run, 'primary', pair.primary, b.id, bound);
  expect(reads).toEqual([]);
  await load(run, 'primary', pair.primary, a.id, bound);
  expect(reads).toHaveLength(1);
  // A pass starts within its bound: one too small for what is held drops it all.
  run.pass(0, tooLarge);
  reads.length = 0;
  await load(run, 'primary', pair.primary, a.id);
  expect(reads).toHaveLength(1);

  // One pass that needs both past a bound of one of them fails as the phase did, and the run then holds one at most.
  const pass = run.pass(bound, tooLarge);
  const loading = pass.loadAll('primary', pair.primary.store, pair.primary.keys, [a.id, b.id]);
  await expect(loading).rejects.toThrow('too large');
  reads.length = 0;
  await load(run, 'primary', pair.primary, a.id);
  await load(run, 'primary', pair.primary, b.id);
  expect(reads.length).toBeGreaterThanOrEqual(1);
});

it('serves none once the pass\'s reads stop: where the read would have been started, ReadsStoppedError, and nothing read', async () => {
  const run = new ScrubIndexObjects();
  const first = objects[0] as { id: string };
  await load(run, 'primary', pair.primary, first.id);
  reads.length = 0;
  let time = 0;
  const pass = run.pass(unbounded, tooLarge, { time: 10, now: () => time });
  await pass.load('primary', pair.primary.store, pair.primary.keys, first.id);
  time = 10;
  const later = run.pass(unbounded, tooLarge, { time: 10, now: () => time });
  await expect(later.load('primary', pair.primary.store, pair.primary.keys, first.id)).rejects.toBeInstanceOf(ReadsStoppedError);
  expect(reads).toEqual([]);
});
