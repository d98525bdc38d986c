import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { initVault, openVault, type Vault } from '../../../../vault/repository/vault';
import { MANIFEST_PREFIX } from '../../../../vault/repository/vault-layout';
import { ManifestCountingStore } from '../../../support/manifest-counting-store';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';

/**
 * A Vault keeps the readers of the two manifests it read last (vault.ts, `manifest`): a warm restore
 * function running shard after shard of one snapshot reads each manifest page once, not once per
 * shard. Each snapshot here has 3 pages (one writer per two paths).
 */

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;
const PATHS = ['a', 'b/1', 'b/2', 'c', 'd', 'e'];


async function snapshotOf(vault: Vault, seed: number): Promise<Snapshot> {
  const parts = [];
  for (let at = 0; at < PATHS.length; at += 2) {
    const writer = await vault.newSnapshotWriter({ inline: true });
    for (const [i, path] of PATHS.entries()) if (i >= at && i < at + 2) await writer.add({ path, kind: 'object', meta: {}, content: pseudoRandomBytes(2000 + i * 300, seed * 100 + i) });
    parts.push(await writer.finish());
  }
  return vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, tags: [`backupId:b${seed}`] });
}

async function walk(vault: Vault, snapshot: Snapshot, from?: string): Promise<string[]> {
  const paths: string[] = [];
  for await (const e of vault.entries(snapshot, '', from)) paths.push(`${e.path}:${e.size}`);
  return paths;
}

let store: ManifestCountingStore;
let snapshots: Snapshot[];
beforeEach(async () => {
  store = new ManifestCountingStore('primary');
  const writer = await initVault(store, new PassphraseKeyProvider('primary', FAST_SCRYPT), TUNING);
  snapshots = [await snapshotOf(writer, 1), await snapshotOf(writer, 2), await snapshotOf(writer, 3)];
});

/** A vault opened as a function's container opens it: nothing of the manifests read yet. */
async function freshVault(): Promise<Vault> {
  const vault = await openVault(store, new PassphraseKeyProvider('primary', FAST_SCRYPT));
  store.manifestGets = 0;
  return vault;
}

it('walks of one snapshot after the first read no manifest object again, and yield the same entries', async () => {
  const vault = await freshVault();
  const first = snapshots[0] as Snapshot;
  const whole = await walk(vault, first);
  expect(whole).toEqual(['a:2000', 'b/1:2300', 'b/2:2600', 'c:2900', 'd:3200', 'e:3500']);
  expect(store.manifestGets).toBe(4); // the root and 3 pages

  // Shards of the same snapshot, one after the other, as a warm restore function runs them.
  expect(await walk(vault, first, 'b/2')).toEqual(whole.slice(2));
  expect(await walk(vault, first, 'd')).toEqual(whole.slice(4));
  expect(await walk(vault, first)).toEqual(whole);
  expect(store.manifestGets).toBe(4);
});

it('keeps the readers of two manifests: a third snapshot read pushes out the oldest, which is read again', async () => {
  const vault = await freshVault();
  const [one, two, three] = snapshots as [Snapshot, Snapshot, Snapshot];
  const wholeOne = await walk(vault, one);
  await walk(vault, two);
  expect(store.manifestGets).toBe(8);
  await walk(vault, one); // still kept
  expect(store.manifestGets).toBe(8);
  await walk(vault, three); // pushes out two, the least recently used
  expect(store.manifestGets).toBe(12);
  expect(await walk(vault, one)).toEqual(wholeOne);
  expect(store.manifestGets).toBe(12);
  await walk(vault, two);
  expect(store.manifestGets).toBe(16);
});

it('a manifest that failed to load is not kept: the next walk reads it again and reports the same error', async () => {
  const vault = await freshVault();
  const first = snapshots[0] as Snapshot;
  const rootKey = `${MANIFEST_PREFIX}${first.manifest}`;
  const original = await store.get(rootKey);
  await store.put(rootKey, Buffer.from('not a sealed object'));
  await expect(walk(vault, first)).rejects.toThrow(first.manifest);
  await expect(walk(vault, first)).rejects.toThrow(first.manifest);
  await store.put(rootKey, original);
  expect(await walk(vault, first)).toHaveLength(PATHS.length);
});
