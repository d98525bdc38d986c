import { backupIdOfTags, planOfTags } from '../catalog/backup-snapshot-tags';
import { CONFIG_KEY, DATA_PREFIX, decodeIndexObject, getSealedObject, idFromKey, INDEX_PREFIX, indexKey, loadManifestNode, loadManifestRoot, loadPage, MANIFEST_PREFIX, type NodeLoader, rootPages, SNAPSHOTS_PREFIX } from '../../vault';
import { type LoadedIndexObject, type ManifestEntry, type PageRef, type Snapshot, type Vault } from '../../vault';
import { BlobIdSet, mapBounded, VaultCorruptionError, VaultObjectNotFoundError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type MappedKind } from './mapped-kind';
import { refusalNamingVault } from './refusal-naming-store';
import { ReferenceReadRefusedError } from './reference-read-refused-error';
import { type RefusedReadRun } from './refused-read-advice';

/** Paths listed per affected snapshot; the count says how many there are in all. */
const PATHS_LISTED = 20;

/**
 * The scrub run a mapping is of, as far as a refused read's stop tells: its repair, which the advice words, and `known`,
 * how each damaged object is known (lost, or its other copy refused, archived or unread at the cutoff), which the stop
 * words each named object by; absent, an object is said to be left unrepaired, no more.
 */
export type DamageMappingRun = Pick<RefusedReadRun, 'repair'> & { readonly known?: ReadonlyMap<string, MappedKind> };

/** A backup a damaged object takes data from, and what of it. */
export type AffectedSnapshot = {
  readonly snapshotId: string;
  /** From the snapshot's `backupId:` tag (the catalog record's id); absent for snapshots not written by the backup workflow. */
  readonly backupId?: string;
  /**
   * From the snapshot's `plan:` tag (every backup workflow snapshot has one); absent for snapshots not written by it. The
   * record's backups are taken in turns by plan (backups-in-turns.ts): a source name is unique only at one time.
   */
  readonly plan?: string;
  /** The snapshot's source (the config's source name for the backup workflow's snapshots). */
  readonly source: string;
  readonly time: string;
  /** True when nothing of the snapshot can be restored (its manifest root or the vault's config is lost). */
  readonly whole: boolean;
  /** Up to 20 affected paths (or page ranges, `first … last`), in manifest order. */
  readonly paths: readonly string[];
  /** How many entries are affected in all (0 when `whole`: every entry). */
  readonly entries: number;
};

/** An object that is damaged or missing in every vault that could repair it, and what that costs. */
export type DamagedObject = {
  readonly key: string;
  /** The vaults where this object is bad or absent. */
  readonly vaults: readonly VaultSide[];
  /** For a pack: how many blobs the readable indexes place in it. */
  readonly blobs?: number;
  readonly affects: readonly AffectedSnapshot[];
  /** What the mapping could not tell (e.g. the backup of a snapshot object that cannot be read anywhere). */
  readonly note?: string;
};

type Damage = { whole: boolean; paths: string[]; entries: number };

/**
 * Maps objects that could not be repaired to the backups they hurt: a pack to the blobs it holds
 * (from the readable index objects of either vault), blobs to the snapshot entries that reference
 * them; an index to the snapshots that list it and the entries whose blobs no readable index places;
 * a manifest page or node to its path range, a manifest root or `config` to whole snapshots, a snapshot object that reads
 * in a vault it is damaged in (copied in, its tree the damage) to what of its tree reads in neither vault (a note when all
 * of it reads), one whose record reads only elsewhere to that whole snapshot (one that reads nowhere gets a note). Every object is
 * read from whichever vault has a readable copy. Walks the manifests of every readable snapshot when
 * a pack or an index is lost: a cost paid only when there is unrepairable damage. An index object `readIndex` gives
 * (the scrub's: those its run read already, ScrubIndexObjects.take) is not read again: any vault's readable copy is
 * the same bytes. `commandOptions`: the scrub's target options, which a note's command line ends with. A refused read
 * (an AccessDenied) of any object stops the mapping with ReferenceReadRefusedError: taken as unread, a pack lost in
 * both vaults was recorded as hitting no backup (review r63AB F1). `run`: the scrub's repair, which its advice words, and
 * how each object is known (DamageMappingRun).
 */
export async function describeDamage(
  given: Partial<Record<VaultSide, Vault>>,
  damaged: ReadonlyMap<string, readonly VaultSide[]>,
  readIndex?: IndexObjectRead,
  commandOptions = '',
  run: DamageMappingRun = {},
): Promise<DamagedObject[]> {
  const vaults: Partial<Record<VaultSide, Vault>> = {};
  const reader = { phase: 'damage mapping' as const, unrepaired: damaged, ...(run.known !== undefined ? { known: run.known } : {}) };
  const reading = run.repair === undefined ? {} : { repair: run.repair };
  for (const side of ['primary', 'dr'] as const) {
    const vault = given[side];
    if (vault) vaults[side] = refusalNamingVault(vault, (key, err) => new ReferenceReadRefusedError(reader, side, vault.store.location, key, err, reading));
  }
  const open = (['primary', 'dr'] as const).flatMap((side) => vaults[side] ?? []);
  const packs = new Map<string, string>();
  const indexes = new Set<string>();
  const manifests = new Set<string>();
  const snapshotKeys = new Map<string, string>();
  let configLost = false;
  for (const key of damaged.keys()) {
    const pack = idFromKey(DATA_PREFIX, key);
    const index = idFromKey(INDEX_PREFIX, key);
    const manifest = idFromKey(MANIFEST_PREFIX, key);
    const snapshot = idFromKey(SNAPSHOTS_PREFIX, key);
    if (pack) packs.set(pack, key);
    else if (index) indexes.add(index);
    else if (manifest) manifests.add(manifest);
    else if (snapshot) snapshotKeys.set(snapshot, key);
    else if (key === CONFIG_KEY) configLost = true;
  }

  const { blobPack, packBlobCount, indexed } = await readIndexes(open, new Set(packs.keys()), readIndex, indexes.size > 0);
  const snapshots = await readableSnapshots(open);
  const affected = new Map<string, Map<string, Damage>>([...damaged.keys()].map((key) => [key, new Map()]));
  const hit = (key: string, snapshot: Snapshot, add: (d: Damage) => void): void => {
    const bySnapshot = affected.get(key);
    if (!bySnapshot) return;
    let d = bySnapshot.get(snapshot.id);
    if (!d) bySnapshot.set(snapshot.id, (d = { whole: false, paths: [], entries: 0 }));
    add(d);
  };
  const wholeSnapshot = (d: Damage): void => void (d.whole = true);
  const addPath = (path: string, entries: number) => (d: Damage): void => {
    d.entries += entries;
    if (d.paths.length < PATHS_LISTED) d.paths.push(path);
  };

  // A damaged snapshot object that reads in a vault it is damaged in is one copied in whose tree is what fails to read
  // there: its damage is what of that tree reads in neither vault, as for a manifest object (review r57F H1). Mapped to
  // the whole snapshot, one page lost in both vaults, or a tree that reads across the two (a scrub with repair mends it),
  // named a restorable backup lost. One absent or bad there is not restorable from that vault at all: the whole snapshot.
  const byTree = new Set<string>();
  for (const [id, key] of snapshotKeys) {
    const there = (damaged.get(key) ?? []).map((side) => vaults[side]).filter((v): v is Vault => v !== undefined);
    if ((await firstReadable(there, (v) => v.loadSnapshot(id))) !== undefined) byTree.add(id);
  }

  for (const snapshot of snapshots.values()) {
    if (configLost) hit(CONFIG_KEY, snapshot, wholeSnapshot);
    // A snapshot object left unrepaired though its record reads costs the whole snapshot when its tree is not what
    // fails: one missing with an unverified other copy is not restorable from that vault until copied (review r57A F4).
    const snapshotKey = snapshotKeys.get(snapshot.id);
    const treeKey = snapshotKey !== undefined && byTree.has(snapshot.id) ? snapshotKey : undefined;
    if (snapshotKey !== undefined && treeKey === undefined) hit(snapshotKey, snapshot, wholeSnapshot);
    // What of its tree reads nowhere, for a manifest object's key and for its snapshot object's key.
    const lostPart = (key: string | undefined, add: (d: Damage) => void): void => {
      if (key !== undefined) hit(key, snapshot, add);
      if (treeKey !== undefined) hit(treeKey, snapshot, add);
    };
    if (manifests.has(snapshot.manifest)) {
      lostPart(`${MANIFEST_PREFIX}${snapshot.manifest}`, wholeSnapshot);
      continue;
    }
    const root = await firstReadable(open, (v) => loadManifestRoot(v.store, v.keys, snapshot.manifest));
    if (!root) {
      lostPart(undefined, wholeSnapshot);
      continue;
    }
    // A lost node hurts its whole path range; its pages cannot be walked.
    const nodePages = (report: boolean): NodeLoader => async (node) => {
      const lost = manifests.has(node.id) ? undefined : await firstReadable(open, (v) => loadManifestNode(v.store, v.keys, node));
      if (lost === undefined && report) lostPart(manifests.has(node.id) ? `${MANIFEST_PREFIX}${node.id}` : undefined, addPath(`${node.first} … ${node.last}`, node.count));
      return lost;
    };
    for await (const page of rootPages(root, nodePages(true))) {
      const range = addPath(`${page.first} … ${page.last}`, page.count);
      if (manifests.has(page.id)) lostPart(`${MANIFEST_PREFIX}${page.id}`, range);
      else if (treeKey !== undefined && (await firstReadable(open, (v) => loadPage(v.store, v.keys, page))) === undefined) lostPart(undefined, range);
    }
    const lostIndexes = snapshot.indexes.filter((id) => indexes.has(id)).map(indexKey);
    if (packs.size === 0 && lostIndexes.length === 0) continue;
    for (const { path, packKeys, unindexed } of await blobHits(open, rootPages(root, nodePages(false)), manifests, blobPack, indexed)) {
      for (const key of packKeys) hit(key, snapshot, addPath(path, 1));
      if (unindexed) for (const key of lostIndexes) hit(key, snapshot, addPath(path, 1));
    }
    // A snapshot that lists a lost index is named even when other indexes still place all its blobs.
    for (const key of lostIndexes) hit(key, snapshot, () => undefined);
  }

  return [...damaged].map(([key, sides]) => {
    const affects: AffectedSnapshot[] = [...(affected.get(key) ?? new Map<string, Damage>())].map(([id, d]) => {
      const s = snapshots.get(id) as Snapshot;
      const backupId = backupIdOfTags(s.tags);
      const plan = planOfTags(s.tags);
      return { snapshotId: id, ...(backupId ? { backupId } : {}), ...(plan !== undefined ? { plan } : {}), source: s.source.id, time: s.time, whole: d.whole, paths: d.paths, entries: d.whole ? 0 : d.entries };
    });
    const packId = idFromKey(DATA_PREFIX, key);
    const snapshotId = idFromKey(SNAPSHOTS_PREFIX, key);
    // Its record readable nowhere, the snapshot's backup is known only to the catalog, which this mapping cannot reach.
    return {
      key,
      vaults: sides,
      ...(packId ? { blobs: packBlobCount.get(packId) ?? 0 } : {}),
      affects,
      ...(snapshotId && !snapshots.has(snapshotId)
        ? { note: `the snapshot object itself is lost in every vault: find its backup in the catalog (the record whose sources list snapshot ${snapshotId}) and back that source up again` }
        : snapshotId && byTree.has(snapshotId) && affects.length === 0
          ? { note: `its snapshot reads across both vaults, each object from the vault whose copy verifies: \`lifeboat scrub --fraction 1 --repair${commandOptions}\` repairs the copies that do not` }
          : {}),
    };
  });
}

/** Index objects read at once: one at a time, a vault of thousands of them took minutes of the scrub's last ones. */
const INDEX_READS_AT_ONCE = 8;

/** An index object already read, by id (undefined: read it). */
export type IndexObjectRead = (id: string) => LoadedIndexObject | undefined;

/**
 * The blobs of the lost packs (blob → pack key), how many each holds, and, with `placed` (an index object is lost: the
 * entries whose blobs no readable index places are its damage), every blob a readable index places. Those are every
 * blob of both vaults, held as ids in flat memory (BlobIdSet, 40–48 bytes each), and only when an index object is lost:
 * as a Set of hex strings (~101 bytes each, measured) whatever was lost, a vault of 10 million blobs (~10 TB in 1 MiB
 * chunks) took ~1 GB of a 2,048 MB scrub for a lost pack, whose mapping never asks (fix f58Q).
 */
async function readIndexes(open: readonly Vault[], lostPacks: ReadonlySet<string>, readIndex: IndexObjectRead | undefined, placed: boolean) {
  const blobPack = new Map<string, string>();
  const packBlobCount = new Map<string, number>();
  const indexed = placed ? new BlobIdSet() : undefined;
  const ids = new Set<string>();
  for (const vault of open) for await (const key of vault.store.list(INDEX_PREFIX)) {
    const id = idFromKey(INDEX_PREFIX, key);
    if (id) ids.add(id);
  }
  // Read out of order, merged in listing order: a blob in two lost packs is placed in the same one whatever read ended first.
  const inLostPacks = await mapBounded([...ids], INDEX_READS_AT_ONCE, async (id) => {
    const found: { blob: string; packId: string }[] = [];
    const place = (packId: string, blobId: Buffer): void => {
      if (lostPacks.has(packId)) found.push({ blob: blobId.toString('hex'), packId });
      indexed?.add(blobId);
    };
    const known = readIndex?.(id);
    if (known) {
      // The records in the order decoding gives them: pack by pack, as the object lists them.
      for (const pack of known.packs) for (let k = 0; k < pack.count; k++) place(pack.packId, pack.records.subarray(pack.idOffset(k), pack.idOffset(k) + 32));
      return found;
    }
    const plain = await firstReadable(open, (vault) => getSealedObject(vault.store, vault.keys, indexKey(id), id, 'index'));
    if (!plain) return found;
    decodeIndexObject(plain, { location: 'index', key: indexKey(id) }, (packId, _length, blobId) => place(packId, blobId));
    return found;
  });
  for (const { blob, packId } of inLostPacks.flat()) {
    if (blobPack.has(blob)) continue;
    blobPack.set(blob, `${DATA_PREFIX}${packId.slice(0, 2)}/${packId}`);
    packBlobCount.set(packId, (packBlobCount.get(packId) ?? 0) + 1);
  }
  return { blobPack, packBlobCount, indexed };
}

/** Every snapshot readable in at least one vault, by id. */
async function readableSnapshots(open: readonly Vault[]): Promise<Map<string, Snapshot>> {
  const byId = new Map<string, Snapshot>();
  for (const vault of open) for (const s of (await vault.scanSnapshots()).snapshots) if (!byId.has(s.id)) byId.set(s.id, s);
  return byId;
}

/** Entries of a snapshot whose content is in a lost pack or (with `indexed`) in no readable index. */
async function blobHits(open: readonly Vault[], pages: AsyncIterable<PageRef>, lostManifests: ReadonlySet<string>, blobPack: ReadonlyMap<string, string>, indexed: BlobIdSet | undefined) {
  const hits: { path: string; packKeys: string[]; unindexed: boolean }[] = [];
  // Lost pages are reported by their range; the entries of the others are walked, each page from a vault that has it readable.
  for await (const page of pages) {
    if (lostManifests.has(page.id)) continue;
    for (const e of (await firstReadable(open, (v) => loadPage(v.store, v.keys, page))) ?? []) collect(e);
  }
  return hits;

  function collect(e: ManifestEntry): void {
    const packKeys = [...new Set(e.content.map((b) => blobPack.get(b)).filter((k): k is string => k !== undefined))];
    const unindexed = indexed !== undefined && e.content.some((b) => !indexed.has(Buffer.from(b, 'hex')));
    if (packKeys.length > 0 || unindexed) hits.push({ path: e.path, packKeys, unindexed });
  }
}

/**
 * The result of `read` from the first vault where it succeeds; undefined when the object is damaged or absent in all. A
 * refused read (ReferenceReadRefusedError) is thrown only when no vault's copy reads: the other vault's may (review
 * r64B F5: the primary's refusal stopped the run with the DR copy untried); one damaged or absent there is still not a
 * read, so the refusal stops the run rather than the object being taken as lost (review r63AB F1).
 */
async function firstReadable<V, T>(open: readonly V[], read: (vault: V) => Promise<T>): Promise<T | undefined> {
  let refused: ReferenceReadRefusedError | undefined;
  for (const vault of open) {
    try {
      return await read(vault);
    } catch (err) {
      if (err instanceof ReferenceReadRefusedError) refused ??= err;
      else if (!(err instanceof VaultCorruptionError) && !(err instanceof VaultObjectNotFoundError)) throw err;
    }
  }
  if (refused) throw refused;
  return undefined;
}
