import { markOfReadableSnapshots } from '../../../../lambdas/replication/readable-snapshots-mark';
import { manifestObjectIds } from '../../../../vault/manifest/manifest-root';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type ManifestPart } from '../../../../vault/manifest/manifest-format';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { initVault, type Vault } from '../../../../vault/repository/vault';
import { MANIFEST_PREFIX, manifestKey } from '../../../../vault/repository/vault-layout';
import { corrupt } from '../../../support/scrub-vault-pair';
import { SMALL_TUNING } from '../../../support/vault-test-helpers';
import { VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { snapshotsReachingUnreadable } from '../../../../vault/prune/unreadable-manifests';
import { MARK_SNAPSHOTS_AT_ONCE } from '../../../../vault/prune/mark-concurrency';

/** The scrub's check of which snapshots another vault can mark (lookFits in look-after-copy.ts), on an in-memory vault. */

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };
const SOURCE = { kind: 's3', id: 'assets', bucket: 'prod-assets', prefix: '' } as const;
const MEMORY = { blobLimit: 1e9, tooLarge: (): Error => new Error('too large') };

/** One writer's part: a run of one page holding the object `path`. */
async function onePagePart(vault: Vault, path: string, body: string): Promise<ManifestPart> {
  const writer = await vault.newSnapshotWriter({ parent: null });
  await writer.add({ path, kind: 'object', meta: { metadata: {}, tags: {}, etag: '"x"', size: body.length, lastModified: '' }, content: Buffer.from(body) });
  return writer.finish();
}

/**
 * `count` snapshots sharing `sharedPages` manifest pages (dedup: the same pages, as a source's unchanged objects give),
 * each with a root and a page of its own. Parts' runs overlapping none are committed as they are, page for page.
 */
async function nearIdenticalSnapshots(vault: Vault, count: number, sharedPages: number, manifestFanout?: number): Promise<Snapshot[]> {
  const shared: ManifestPart[] = [];
  for (let i = 0; i < sharedPages; i++) shared.push(await onePagePart(vault, `shared/${String(i).padStart(3, '0')}`, `unchanged ${i}`));
  const snapshots: Snapshot[] = [];
  for (let i = 0; i < count; i++) snapshots.push(await vault.commitSnapshot({ source: SOURCE, parts: [...shared, await onePagePart(vault, 'zz-changing.txt', `run ${i}`)], ...(manifestFanout ? { manifestFanout } : {}) }));
  return snapshots;
}

/** Counts the manifest objects read from `vault`'s store. */
function countManifestGets(vault: Vault): { count: number } {
  const gets = { count: 0 };
  const get = vault.store.get.bind(vault.store);
  vault.store.get = async (key, ...rest) => {
    if (key.startsWith(MANIFEST_PREFIX)) gets.count++;
    return get(key, ...rest);
  };
  return gets;
}

/** The ids of the manifest objects `snapshot` reaches: its root, then its nodes or pages. */
async function objectsOf(vault: Vault, snapshot: Snapshot): Promise<string[]> {
  const all: string[] = [];
  for await (const id of manifestObjectIds(vault.store, vault.keys, snapshot.manifest)) all.push(id);
  return all;
}

describe('markOfReadableSnapshots', () => {
  let vault: Vault;
  beforeEach(async () => {
    vault = await initVault(new MemoryVaultStore('primary'), new PassphraseKeyProvider('primary region key', FAST_SCRYPT), SMALL_TUNING);
  });

  /**
   * `count` snapshots sharing `shared` pages (nearIdenticalSnapshots), their manifest reads counted, marked once while all
   * are readable: `readable` is that mark's answer, `joint` its reads.
   */
  async function markedOnce(count: number, shared: number): Promise<{ snapshots: Snapshot[]; ids: string[]; gets: { count: number }; joint: number; readable: readonly string[] }> {
    const snapshots = await nearIdenticalSnapshots(vault, count, shared);
    const ids = snapshots.map((s) => s.id);
    const gets = countManifestGets(vault);
    const readable = await markOfReadableSnapshots(vault, ids, MEMORY);
    return { snapshots, ids, gets, joint: gets.count, readable };
  }

  // Review rR F2: after one unreadable manifest each snapshot was marked alone, reading every shared page again per
  // snapshot (30 snapshots sharing 20 pages: 80 reads all readable, ~800 with one root unreadable).
  it('finds an unreadable snapshot among many sharing their pages in about log2(N) marks, not one mark per snapshot', async () => {
    const { snapshots, ids, gets, joint, readable } = await markedOnce(30, 20);
    expect(readable).toEqual([]);
    expect(joint).toBe(30 * 2 + 20);

    const bad = snapshots[11] as Snapshot;
    await corrupt(vault.store, manifestKey(bad.manifest));
    gets.count = 0;
    expect(await markOfReadableSnapshots(vault, ids, MEMORY)).toEqual([bad.id]);
    expect(gets.count).toBeLessThanOrEqual((Math.log2(ids.length) + 2) * joint);
  });

  // Review rU F1: bisection marked the halves of the halves down to every snapshot when most cannot be read, each mark
  // reading the shared pages again (~2N marks). The checking walk reads each manifest object once.
  it('finds that one damaged page shared by every snapshot makes them all unreadable in a few marks\' reads, not ~2N marks', async () => {
    const { snapshots, ids, gets, joint } = await markedOnce(32, 10);
    const [first, second] = snapshots as [Snapshot, Snapshot];
    const ofFirst = new Set<string>();
    for await (const id of manifestObjectIds(vault.store, vault.keys, first.manifest)) ofFirst.add(id);
    const shared: string[] = [];
    for await (const id of manifestObjectIds(vault.store, vault.keys, second.manifest)) if (ofFirst.has(id)) shared.push(id);
    await corrupt(vault.store, manifestKey(shared[shared.length - 1] as string));
    gets.count = 0;
    expect(await markOfReadableSnapshots(vault, ids, MEMORY)).toEqual(ids);
    expect(gets.count).toBeLessThanOrEqual(3 * joint);
  });

  it('finds half the snapshots unreadable in a few marks\' reads', async () => {
    const { snapshots, ids, gets, joint } = await markedOnce(32, 10);
    // Pages read weighed against a function's memory, as the scrub's views of the vaults are.
    vault.memoryLimitMb = 256;
    const damaged = snapshots.filter((_, i) => i % 2 === 0);
    for (const s of damaged) await corrupt(vault.store, manifestKey(s.manifest));
    gets.count = 0;
    expect(await markOfReadableSnapshots(vault, ids, MEMORY)).toEqual(damaged.map((s) => s.id));
    expect(gets.count).toBeLessThanOrEqual(3 * joint);
  });

  // Review rU F2: when a half marked, the other half was split unmarked, and a single snapshot reached so was left out
  // though never marked alone: an error that did not recur blamed a readable snapshot.
  it('leaves out no snapshot for a read error that does not recur', async () => {
    const snapshots = await nearIdenticalSnapshots(vault, 4, 0);
    let failOnce = manifestKey((snapshots[0] as Snapshot).manifest);
    const get = vault.store.get.bind(vault.store);
    vault.store.get = async (key, ...rest) => {
      if (key === failOnce) {
        failOnce = '';
        throw new VaultObjectNotFoundError(vault.store.location, key);
      }
      return get(key, ...rest);
    };
    expect(await markOfReadableSnapshots(vault, snapshots.map((s) => s.id), MEMORY)).toEqual([]);
  });

  // Review rW F1: the walk kept a failure for every snapshot reaching that object, so a one-off error in the walk itself
  // on a page 8 snapshots share left out all 8; the snapshots left out are walked once more.
  it('leaves out no snapshot for a read error in the walk, on a shared page, that does not recur', async () => {
    const snapshots = await nearIdenticalSnapshots(vault, 8, 3);
    const [first, second] = snapshots as [Snapshot, Snapshot];
    const ofSecond = new Set(await objectsOf(vault, second));
    const sharedPage = manifestKey((await objectsOf(vault, first)).find((id) => ofSecond.has(id)) as string);
    const firstRoot = manifestKey(first.manifest);
    const reads = new Map<string, number>();
    const get = vault.store.get.bind(vault.store);
    vault.store.get = async (key, ...rest) => {
      const n = (reads.get(key) ?? 0) + 1;
      reads.set(key, n);
      // The first root fails the joint mark; the shared page, read by the mark, fails in the walk.
      if ((key === firstRoot && n === 1) || (key === sharedPage && n === 2)) throw new VaultObjectNotFoundError(vault.store.location, key);
      return get(key, ...rest);
    };
    const leftOut = await markOfReadableSnapshots(vault, snapshots.map((s) => s.id), MEMORY);
    expect(reads.get(sharedPage)).toBeGreaterThanOrEqual(2);
    expect(leftOut.filter((id) => id !== first.id)).toEqual([]);
  });

  // Review rW F2: the walk's read-once caches of what read and what failed, with reads slow enough that N snapshots
  // (more than are walked at once) overlap and follow one another on the pages they share.
  it('walks reading each manifest object once, and one that fails at most twice', async () => {
    const snapshots = await nearIdenticalSnapshots(vault, 2 * MARK_SNAPSHOTS_AT_ONCE + 3, 3);
    const ofSecond = new Set(await objectsOf(vault, snapshots[1] as Snapshot));
    const sharedPage = (await objectsOf(vault, snapshots[0] as Snapshot)).find((id) => ofSecond.has(id)) as string;
    const reads = new Map<string, number>();
    const get = vault.store.get.bind(vault.store);
    vault.store.get = async (key, ...rest) => {
      if (key.startsWith(MANIFEST_PREFIX)) reads.set(key, (reads.get(key) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 2));
      return get(key, ...rest);
    };
    expect(await snapshotsReachingUnreadable(vault, snapshots)).toEqual(new Set());
    expect(Math.max(...reads.values())).toBe(1);

    await corrupt(vault.store, manifestKey(sharedPage));
    reads.clear();
    expect(await snapshotsReachingUnreadable(vault, snapshots)).toEqual(new Set(snapshots.map((s) => s.id)));
    expect(reads.get(manifestKey(sharedPage))).toBe(2);
    expect(Math.max(...reads.values())).toBeLessThanOrEqual(2);
  });

  it('walks manifests of nodes: a damaged node leaves out its snapshot, a damaged page under nodes every snapshot that reaches it', async () => {
    // Fanout 2: a root of two nodes, (shared 0, shared 1) and (shared 2, the snapshot's own page).
    const snapshots = await nearIdenticalSnapshots(vault, 6, 3, 2);
    const ids = snapshots.map((s) => s.id);
    const objects = async (s: Snapshot): Promise<string[]> => {
      const all: string[] = [];
      for await (const id of manifestObjectIds(vault.store, vault.keys, s.manifest)) all.push(id);
      return all;
    };
    // manifestObjectIds gives the root, then its nodes: the third is the node of the snapshot's own page.
    const third = snapshots[2] as Snapshot;
    await corrupt(vault.store, manifestKey((await objects(third))[2] as string));
    expect(await markOfReadableSnapshots(vault, ids, MEMORY)).toEqual([third.id]);
    // Nodes are written anew by each commit; the pages under them are shared.
    const ofSecond = new Set(await objects(snapshots[1] as Snapshot));
    const sharedPage = (await objects(snapshots[0] as Snapshot)).find((id) => ofSecond.has(id)) as string;
    await corrupt(vault.store, manifestKey(sharedPage));
    expect(await markOfReadableSnapshots(vault, ids, MEMORY)).toEqual(ids);
  });

  it('leaves out each snapshot that cannot be read, in their order, and no readable one', async () => {
    const snapshots = await nearIdenticalSnapshots(vault, 9, 2);
    const [first, , , , fifth, , , , last] = snapshots as [Snapshot, Snapshot, Snapshot, Snapshot, Snapshot, Snapshot, Snapshot, Snapshot, Snapshot];
    await corrupt(vault.store, manifestKey(first.manifest));
    await corrupt(vault.store, manifestKey(fifth.manifest));
    await vault.store.delete(manifestKey(last.manifest));
    expect(await markOfReadableSnapshots(vault, [...snapshots.map((s) => s.id), 'f'.repeat(64)], MEMORY)).toEqual(['f'.repeat(64), first.id, fifth.id, last.id]);
  });
});
