import { describeDamage } from '../../../../lambdas/replication/scrub-damage';
import { DAMAGE_MAPPING_MARGIN_MS } from '../../../../lambdas/replication/scrub-time-reserves';
import { mapUnrepairedDamage } from '../../../../lambdas/replication/unrepaired-damage-mapping';
import { replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type ManifestRoot } from '../../../../vault/manifest/manifest-format';
import { loadManifestNode, loadManifestRoot, manifestObjectIds } from '../../../../vault/manifest/manifest-root';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { markVault } from '../../../../vault/prune/vault-mark';
import { snapshotObjectKeys } from '../../../../vault/repository/snapshot-locks';
import { initVault, openVault, type Vault } from '../../../../vault/repository/vault';
import { manifestKey, packKey, snapshotKey } from '../../../../vault/repository/vault-layout';
import { corrupt } from '../../../support/scrub-vault-pair';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';
import { encodeJson, putSealedObject } from '../../../../vault/crypto/sealed-object';

/**
 * Every reader of whole manifests handles a two-level root (docs/FORMAT.md §7): prune's mark,
 * verify, the object list of Object Lock, replication, and the scrub's map of damage. The snapshots
 * here have 5 pages under 3 nodes (one writer per two paths, fanout 2), in memory.
 */

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;
const PATHS = ['a', 'b/1', 'b/2', 'c', 'd', 'e/1', 'e/2', 'f', 'g'];

/** The manifest parts of one writer per two paths; committed with fanout 2 they make 5 pages under 3 nodes. */
async function twoLevelParts(vault: Vault, seed: number): Promise<Array<Awaited<ReturnType<Awaited<ReturnType<Vault['newSnapshotWriter']>>['finish']>>>> {
  const parts = [];
  for (let at = 0; at < PATHS.length; at += 2) {
    const writer = await vault.newSnapshotWriter({ inline: true });
    for (const [i, path] of PATHS.entries()) if (i >= at && i < at + 2) await writer.add({ path, kind: 'object', meta: {}, content: pseudoRandomBytes(3000 + i * 700, seed * 100 + i) });
    parts.push(await writer.finish());
  }
  return parts;
}

async function twoLevelSnapshot(vault: Vault, seed: number): Promise<Snapshot> {
  return vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: await twoLevelParts(vault, seed), tags: [`backupId:b${seed}`, 'plan:files'], manifestFanout: 2 });
}

async function nodesOf(vault: Vault, snapshot: Snapshot): Promise<Extract<ManifestRoot, { v: 2 }>['nodes']> {
  const root = await loadManifestRoot(vault.store, vault.keys, snapshot.manifest);
  if (root.v !== 2) throw new Error('the snapshot was meant to have a two-level root');
  return root.nodes;
}

async function objectIds(vault: Vault, snapshot: Snapshot): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of manifestObjectIds(vault.store, vault.keys, snapshot.manifest)) ids.push(id);
  return ids;
}

async function contents(vault: Vault, snapshot: Snapshot): Promise<Array<[string, readonly string[]]>> {
  const out: Array<[string, readonly string[]]> = [];
  for await (const e of vault.entries(snapshot)) out.push([e.path, e.content]);
  return out;
}

let vault: Vault;
let kept: Snapshot;
beforeEach(async () => {
  vault = await initVault(new MemoryVaultStore('primary'), new PassphraseKeyProvider('primary', FAST_SCRYPT), TUNING);
  kept = await twoLevelSnapshot(vault, 1);
  expect((await nodesOf(vault, kept)).map((n) => n.pages)).toEqual([2, 2, 1]);
});

it('prune marks the nodes of a kept snapshot and deletes those of a forgotten one', async () => {
  const forgotten = await twoLevelSnapshot(vault, 2);
  const keptIds = await objectIds(vault, kept);
  const forgottenIds = await objectIds(vault, forgotten);
  expect((await markVault(vault)).manifests).toEqual(new Set([...keptIds, ...forgottenIds]));

  await vault.store.delete(snapshotKey(forgotten.id));
  let t = Date.now();
  await pruneVault(vault, { graceMs: 0, now: () => t, repackThreshold: 0 });
  t += 60 * 60 * 1000;
  await pruneVault(vault, { graceMs: 0, now: () => t, repackThreshold: 0 });

  for (const id of keptIds) expect({ id, stored: await vault.store.has(manifestKey(id)) }).toEqual({ id, stored: true });
  for (const id of forgottenIds) expect({ id, stored: await vault.store.has(manifestKey(id)) }).toEqual({ id, stored: false });
  const report = await verifyVault(vault, { readData: true });
  expect({ problems: report.problems, unreferenced: report.unreferenced, entries: report.entries }).toEqual({ problems: [], unreferenced: [], entries: PATHS.length });
});

it('verify names a damaged node, and still checks the pages of the other nodes', async () => {
  const [, middle] = await nodesOf(vault, kept);
  if (!middle) throw new Error('no middle node');
  await corrupt(vault.store, manifestKey(middle.id));
  const report = await verifyVault(vault);
  expect(report.problems).toEqual([{ key: manifestKey(middle.id), message: expect.stringContaining(manifestKey(middle.id)) }]);
  expect(report.entries).toBe(PATHS.length - middle.count);
});

it('verify tells every snapshot that shares a node or a page which entries reference lost data, and still reads the intact blobs of a damaged pack', async () => {
  // The same parts committed twice share their pages (the merge hands pages of runs that do not overlap over as they are)
  // under new nodes; a second snapshot record of a root shares its nodes. Either way verify reads each object once.
  const parts = await twoLevelParts(vault, 1);
  const commit = (): Promise<Snapshot> => vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, manifestFanout: 2 });
  const first = await commit();
  const samePages = await commit();
  const firstRoot = await loadManifestRoot(vault.store, vault.keys, first.manifest);
  const { id: _id, ...record } = first;
  const sameRootId = await putSealedObject(vault.store, vault.keys, snapshotKey, 'snapshot', encodeJson({ ...record, time: new Date(Date.parse(record.time) + 1000).toISOString() }), null);
  const [a, b] = [await nodesOf(vault, first), await nodesOf(vault, samePages)];
  expect(a.map((n) => n.id).filter((id) => b.some((m) => m.id === id))).toEqual([]);
  expect(firstRoot.v).toBe(2);
  const index = await vault.index();
  const blobOf = async (path: string): Promise<{ pack: string; offset: number }> => {
    for await (const e of vault.entries(first)) {
      if (e.path !== path) continue;
      const at = index.lookup(Buffer.from(e.content[0] as string, 'hex'));
      if (!at) throw new Error(`blob of ${path} not indexed`);
      return { pack: packKey(at.packId), offset: at.offset };
    }
    throw new Error(`no entry ${path}`);
  };
  // One byte of the first blob of c (second page, first node) and of f (fourth page, second node), in their packs.
  for (const path of ['c', 'f']) {
    const { pack, offset } = await blobOf(path);
    const body = await vault.store.get(pack);
    body.writeUInt8((body.readUInt8(offset + 20) ^ 0x40) & 0xff, offset + 20);
    await vault.store.put(pack, body);
  }
  const sharing = [kept.id, first.id, samePages.id, sameRootId];
  const report = await verifyVault(vault, { readData: true });
  expect([report.blobsRead, report.blobsDamaged]).toEqual([report.blobs, 2]);
  const packProblems = report.problems.filter((p) => p.key.startsWith('data/'));
  expect(packProblems.length).toBeGreaterThanOrEqual(1);
  for (const p of packProblems) expect(p.message).toMatch(/blobs are damaged \(the others are intact\): blob [0-9a-f]{64}: authentication failed/);
  const snapshotProblems = report.problems.filter((p) => p.key.startsWith('snapshots/'));
  // `kept` (seed 1 too) holds the same contents, so the same blobs: it is told as well.
  expect(snapshotProblems.map((p) => p.key).sort()).toEqual(sharing.map(snapshotKey).sort());
  for (const p of snapshotProblems) expect(p.message).toMatch(/^2 entries reference 2 blob\(s\) whose data is damaged or in a missing pack, reported above \(e\.g\. entry "c", blob [0-9a-f]{64}\): a restore/);

  // Without reading data, a missing pack costs the entries whose blobs it held, in every snapshot.
  const { pack } = await blobOf('d');
  await vault.store.delete(pack);
  const structure = await verifyVault(vault);
  expect(structure.blobsRead).toBe(0);
  expect(structure.problems.find((p) => p.key === pack)?.message).toMatch(/does not exist/);
  const lost = structure.problems.filter((p) => p.key.startsWith('snapshots/'));
  expect(lost.map((p) => p.key).sort()).toEqual(sharing.map(snapshotKey).sort());
  for (const p of lost) expect(p.message).toMatch(/^\d+ entries reference \d+ blob\(s\) whose data is damaged or in a missing pack, reported above \(e\.g\. entry "[a-g]/);
});

/** How many times each manifest object was read while `run` ran. */
async function manifestReads(store: MemoryVaultStore, run: () => Promise<unknown>): Promise<Map<string, number>> {
  const reads = new Map<string, number>();
  const get = store.get.bind(store);
  const spy = jest.spyOn(store, 'get').mockImplementation((key, range) => {
    if (key.startsWith('manifest/')) reads.set(key, (reads.get(key) ?? 0) + 1);
    return get(key, range);
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return reads;
}

it('the objects an Object Lock extension covers include the root and every node and page, each read once', async () => {
  let keys: string[] = [];
  const reads = await manifestReads(vault.store as MemoryVaultStore, async () => {
    keys = await snapshotObjectKeys(vault, [kept.id]);
  });
  const ids = await objectIds(vault, kept);
  for (const id of ids) expect(keys).toContain(manifestKey(id));
  // The root, 3 nodes and 5 pages: one walk gives the ids and the entries (nodes were read twice before).
  expect(ids).toHaveLength(9);
  expect(new Map([...reads].sort())).toEqual(new Map(ids.map((id) => [manifestKey(id), 1] as const).sort()));
});

it('replication copies the nodes: the DR vault verifies with every byte read and lists the same entries', async () => {
  const drStore = new MemoryVaultStore('dr');
  const drKeys = new PassphraseKeyProvider('dr', FAST_SCRYPT);
  await replicateVault({ source: vault, target: drStore, targetKeys: drKeys });
  const dr = await openVault(drStore, drKeys);
  for (const id of await objectIds(vault, kept)) expect({ id, copied: await drStore.has(manifestKey(id)) }).toEqual({ id, copied: true });
  expect((await verifyVault(dr, { readData: true })).problems).toEqual([]);
  expect(await contents(dr, kept)).toEqual(await contents(vault, kept));
});

it('replication by reference (the DR vault forgot a snapshot) reads each manifest object twice: once to find what the replica lacks, once to copy it', async () => {
  const drStore = new MemoryVaultStore('dr');
  const drKeys = new PassphraseKeyProvider('dr', FAST_SCRYPT);
  const forgotten = await twoLevelSnapshot(vault, 2);
  const forgottenInReplica = () => Promise.resolve(new Set([forgotten.id]));
  const reads = await manifestReads(vault.store as MemoryVaultStore, () => replicateVault({ source: vault, target: drStore, targetKeys: drKeys, forgottenInReplica }));
  // Nodes were read three times before the walk that finds what the replica lacks gave ids and entries in one pass.
  expect(new Map([...reads].sort())).toEqual(new Map((await objectIds(vault, kept)).map((id) => [manifestKey(id), 2] as const).sort()));
  const dr = await openVault(drStore, drKeys);
  expect(await contents(dr, kept)).toEqual(await contents(vault, kept));
});

it('a node lost in both vaults is mapped to the snapshot and the path range it lists', async () => {
  const drStore = new MemoryVaultStore('dr');
  const drKeys = new PassphraseKeyProvider('dr', FAST_SCRYPT);
  await replicateVault({ source: vault, target: drStore, targetKeys: drKeys });
  const dr = await openVault(drStore, drKeys);
  const [first] = await nodesOf(vault, kept);
  if (!first) throw new Error('no node');
  const key = manifestKey(first.id);
  await corrupt(vault.store, key);
  await corrupt(drStore, key);
  const damage = await describeDamage({ primary: vault, dr }, new Map<string, ReadonlyArray<'primary' | 'dr'>>([[key, ['primary', 'dr']]]));
  expect(damage).toEqual([
    expect.objectContaining({
      key,
      affects: [expect.objectContaining({ snapshotId: kept.id, backupId: 'b1', whole: false, paths: [`${first.first} … ${first.last}`], entries: first.count })],
    }),
  ]);
  expect(first).toMatchObject({ first: 'a', last: 'c', count: 4 });
});

// Review r57A F4: a snapshot copied into a vault whose manifest neither vault reads is damage with no later scrub to see it
// (it is no longer missing), yet its mapping named no backup: the run was DAMAGED without saying which backup to redo.
it('a snapshot object whose record reads but whose manifest root reads in neither vault is mapped to that whole snapshot and its backup; one whose record reads nowhere keeps its note', async () => {
  const drStore = new MemoryVaultStore('dr');
  const drKeys = new PassphraseKeyProvider('dr', FAST_SCRYPT);
  await replicateVault({ source: vault, target: drStore, targetKeys: drKeys });
  const dr = await openVault(drStore, drKeys);
  await corrupt(vault.store, manifestKey(kept.manifest));
  await corrupt(drStore, manifestKey(kept.manifest));
  const key = snapshotKey(kept.id);
  const damaged = new Map<string, ReadonlyArray<'primary' | 'dr'>>([[key, ['dr']]]);
  expect(await describeDamage({ primary: vault, dr }, damaged)).toEqual([
    { key, vaults: ['dr'], affects: [{ snapshotId: kept.id, backupId: 'b1', plan: 'files', source: '/src', time: kept.time, whole: true, paths: [], entries: 0 }] },
  ]);
  await corrupt(vault.store, key);
  await corrupt(drStore, key);
  expect(await describeDamage({ primary: vault, dr }, damaged)).toEqual([{ key, vaults: ['dr'], affects: [], note: expect.stringContaining(`the record whose sources list snapshot ${kept.id}`) }]);
});

// Review r57F H1: a damaged snapshot object that reads where it is damaged (copied in, its tree the damage) was mapped to
// its whole snapshot and backup: one page lost in both vaults named all 9 entries lost, a tree that reads across the two
// named a restorable backup lost.
it('a copied-in snapshot object is mapped to what of its tree reads in neither vault: one page lost in both is that page\'s range; a tree that reads across both vaults names no backup', async () => {
  const drStore = new MemoryVaultStore('dr');
  const drKeys = new PassphraseKeyProvider('dr', FAST_SCRYPT);
  await replicateVault({ source: vault, target: drStore, targetKeys: drKeys });
  const dr = await openVault(drStore, drKeys);
  const pages = (await Promise.all((await nodesOf(vault, kept)).map((node) => loadManifestNode(vault.store, vault.keys, node)))).flat();
  const [page, other] = pages;
  if (!page || !other) throw new Error('no pages');
  const key = snapshotKey(kept.id);
  const damaged = new Map<string, ReadonlyArray<'primary' | 'dr'>>([[key, ['dr']]]);
  const good = await vault.store.get(manifestKey(page.id));
  await corrupt(vault.store, manifestKey(page.id));
  await corrupt(drStore, manifestKey(page.id));
  expect(await describeDamage({ primary: vault, dr }, damaged)).toEqual([
    { key, vaults: ['dr'], affects: [{ snapshotId: kept.id, backupId: 'b1', plan: 'files', source: '/src', time: kept.time, whole: false, paths: [`${page.first} … ${page.last}`], entries: page.count }] },
  ]);
  // The page reads in the primary vault again; the root reads only in the DR vault, the other page only in the primary.
  await vault.store.put(manifestKey(page.id), good);
  await corrupt(vault.store, manifestKey(kept.manifest));
  await corrupt(drStore, manifestKey(other.id));
  expect(await describeDamage({ primary: vault, dr }, damaged)).toEqual([{ key, vaults: ['dr'], affects: [], note: expect.stringContaining('reads across both vaults') }]);
});

it('a snapshot object whose mapping the deadline cut does not promise that the next scrub names its backup: copied in, no scrub finds it again', async () => {
  const key = snapshotKey(kept.id);
  const finding = { vault: 'dr', key, problem: 'missing', detail: 'lacks it', outcome: 'unrepaired', reason: 'copied from the primary vault, but …' } as const;
  // The cutoff (deadline less its margin) is now: the mapping starts no read.
  const { damage, cut } = await mapUnrepairedDamage([finding], { primary: vault }, DAMAGE_MAPPING_MARGIN_MS, () => 0);
  expect(cut).toBe(true);
  expect(damage).toEqual([
    { key, vaults: ['dr'], affects: [], note: `the backups it holds data of were not worked out: the run's deadline came first; no later scrub names them: its backup is the catalog record whose sources list snapshot ${kept.id}` },
  ]);
});

// Review r57F L2: a snapshot copied in whose copy the run could not check (otherCopy 'unverified') was promised that the
// next scrub with repair verifies and copies it; copied in, it is no longer missing, and no scrub does.
it('a copied-in snapshot whose copy was not checked and whose mapping the deadline cut is sent to lifeboat verify, not a later scrub', async () => {
  const key = snapshotKey(kept.id);
  const finding = { vault: 'dr', key, problem: 'missing', detail: 'lacks it', outcome: 'unrepaired', reason: 'copied from the primary vault, but …', otherCopy: 'unverified', copiedIn: true } as const;
  const { archivedCopyDamage, cut } = await mapUnrepairedDamage([finding], { primary: vault }, DAMAGE_MAPPING_MARGIN_MS, () => 0);
  expect(cut).toBe(true);
  // Copied into the DR vault, it is checked there: verify reads the primary vault without --from dr (review r57M L2).
  expect(archivedCopyDamage).toEqual([
    {
      key,
      vaults: ['dr'],
      affects: [],
      note: `the backups it holds data of were not worked out: the run's deadline came first; the next scrub of that vault checks it again and names them if its time allows; meanwhile its backup is the catalog record whose sources list snapshot ${kept.id}, to check with lifeboat verify --backup ID --from dr`,
    },
  ]);
  const intoPrimary = await mapUnrepairedDamage([{ ...finding, vault: 'primary' }], { primary: vault }, DAMAGE_MAPPING_MARGIN_MS, () => 0);
  expect(intoPrimary.archivedCopyDamage[0]?.note).toMatch(/, to check with lifeboat verify --backup ID$/);
});

// Review r63AB F2: an object whose other copy's read was refused was noted as one the next scrub with repair verifies and
// copies, though the next scrub is refused the same way.
it("an object whose other copy's read was refused and whose mapping the deadline cut says to fix the permission, not that the next scrub verifies it", async () => {
  const key = packKey('ab'.repeat(32));
  const unverified = { vault: 'primary', key, problem: 'missing', detail: 'lacks it', outcome: 'unrepaired', reason: 'the repair cutoff came first', otherCopy: 'unverified' } as const;
  const refused = { ...unverified, reason: "reading the dr vault's copy was refused (…)", otherCopyRefused: true } as const;
  const noteOf = async (finding: typeof unverified | typeof refused): Promise<string | undefined> => {
    // Both vaults open (one stands for both): a finding whose other vault is absent had it unopened (review r64T F2).
    const { archivedCopyDamage, cut } = await mapUnrepairedDamage([finding], { primary: vault, dr: vault }, DAMAGE_MAPPING_MARGIN_MS, () => 0, undefined, ' --env prod');
    expect(cut).toBe(true);
    return archivedCopyDamage[0]?.note;
  };
  expect(await noteOf(refused)).toBe(
    "the backups it holds data of were not worked out: the run's deadline came first; its other copy could not be read (refused): fix the permission the reason names, then scrub with repair again (which names them)",
  );
  // A copy the deadline left unread keeps its wording.
  expect(await noteOf(unverified)).toBe("the backups it holds data of were not worked out: the run's deadline came first; the next scrub with repair verifies and copies it (or names them)");
  // One whose other vault could not be opened says so, not the cutoff's words (review r64T F2).
  const { archivedCopyDamage } = await mapUnrepairedDamage([unverified], { primary: vault }, DAMAGE_MAPPING_MARGIN_MS, () => 0, undefined, ' --env prod');
  expect(archivedCopyDamage[0]?.note).toBe("the backups it holds data of were not worked out: the run's deadline came first; once the other vault opens, `lifeboat scrub --fraction 1 --repair --env prod` verifies and copies it (or names them)");
});

it('entries from a path read only the pages from the one that may hold it on (a restore shard starts at its own page)', async () => {
  const pages = (await Promise.all((await nodesOf(vault, kept)).map((node) => loadManifestNode(vault.store, vault.keys, node)))).flat();
  expect(pages.map((p) => [p.first, p.last])).toEqual([['a', 'b/1'], ['b/2', 'c'], ['d', 'e/1'], ['e/2', 'f'], ['g', 'g']]);
  const pathsOf = async (prefix: string, from: string): Promise<string[]> => {
    const paths: string[] = [];
    for await (const e of vault.entries(kept, prefix, from)) paths.push(e.path);
    return paths;
  };
  // Counted first: a reader that stops early may still be reading its next page in the background.
  const reads = await manifestReads(vault.store as MemoryVaultStore, async () => expect(await pathsOf('', 'e/2')).toEqual(['e/2', 'f', 'g']));
  expect(pages.map((p) => reads.get(manifestKey(p.id)) ?? 0)).toEqual([0, 0, 0, 1, 1]);
  // `from` between entries (b/15 sorts after b/1, before b/2), past the end; with a prefix, whichever starts later.
  expect(await pathsOf('', 'b/15')).toEqual(['b/2', 'c', 'd', 'e/1', 'e/2', 'f', 'g']);
  expect(await pathsOf('', 'h')).toEqual([]);
  expect(await pathsOf('e', 'a')).toEqual(['e/1', 'e/2']);
  expect(await pathsOf('b', 'b/2')).toEqual(['b/2']);
  expect(await pathsOf('b', 'c')).toEqual([]);
});
