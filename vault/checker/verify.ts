import { decodeIndexObject } from '../blob-index/index-object';
import { loadPage } from '../manifest/manifest-pages';
import { loadManifestNode, loadManifestRoot, type NodeLoader, rootPages } from '../manifest/manifest-root';
import { type ManifestRoot, type PageRef } from '../manifest/manifest-format';
import { type ManifestEntry } from '../manifest/manifest-entry';
import { refusedEntry } from '../manifest/refused-entry-path';
import { parsePack, readPackHeader } from '../pack/pack-reader';
import { type PackEntry } from '../pack/pack-format';
import { getSealedObject } from '../crypto/sealed-object';
import { type Vault } from '../repository/vault';
import { DamagedBlobsError, VaultCorruptionError, VaultObjectArchivedError, VaultObjectNotFoundError } from '../vault-errors';
import { VaultIndex } from '../blob-index/vault-index';
import { idFromKey, INDEX_PREFIX, indexKey, manifestKey, packKey, snapshotKey } from '../repository/vault-layout';
import { unreadableSnapshotAdvice } from '../repository/snapshot-listing';
import { findUnreferencedObjects, type UnreferencedObject } from './unreferenced-objects';
import { mapBounded } from '../workers/bounded-concurrency';
import { verifyPackBody } from './object-check';
import { EntryFindings, LostBlobs } from './lost-entries';
import { namedSnapshots, SnapshotReach } from './snapshot-reach';
import { damagedPruneStateObjects } from '../prune/prune-state';
import { listStoredPacks } from '../prune/stored-packs';
import { damagedKeyObjects } from '../keys/key-object';
import { supersededIndexMessage, supersedingTombstones, tombstonedPackMessage, tombstonedPackNeededMessage } from './superseded-objects';
import { lookInUnindexedPacks, UNINDEXED_HEADERS_READ, type UnindexedPacksLook } from './unindexed-pack-look';
import { BlobIdSet } from '../blob-index/blob-id-set';

export type VerifyOptions = {
  /** Also read every pack whole, decrypt every blob and check its id. */
  readonly readData?: boolean;
  /** Packs read at once with readData. @default 3 */
  readonly concurrency?: number;
};

export type VerifyProblem = { readonly key: string; readonly message: string };

export type VerifyReport = {
  ok: boolean;
  snapshots: number;
  indexes: number;
  packs: number;
  blobs: number;
  entries: number;
  blobsRead: number;
  /** Of the blobs read (readData), those that failed their check. */
  blobsDamaged: number;
  problems: VerifyProblem[];
  /** Objects nothing refers to (garbage of a killed backup): information, not a problem; a prune reclaims them (temporary files once older than its grace, and at least an hour). */
  unreferenced: UnreferencedObject[];
  /** Their total size, of those whose size the store tells (see UnreferencedObject). */
  unreferencedBytes: number;
  /**
   * Packs no index lists, kept out of `unreferenced` while some snapshot references blobs no index lists (an index object
   * missing or damaged, or blobs a repair left out as damaged) and they may hold those blobs intact: so they are no garbage
   * a prune reclaims (prune refuses then: IncompleteIndexError) but what `vault repair index` indexes again (audit a58B F2:
   * they were called reclaimable). Verify reads their headers (lookInUnindexedPacks, at most UNINDEXED_HEADERS_READ): one
   * read that holds none of those blobs intact (a repair left them out as damaged) is garbage, in `unreferenced`.
   * Absent when there are none.
   */
  unindexed?: UnreferencedObject[];
  /**
   * Of `unindexed`, the packs whose header does not read: no repair indexes them, but they may hold those blobs intact at
   * the offsets an index object gives (the DR vault's copy), so they are no garbage either (review r59B F3). Absent when none.
   */
  unindexedHeaderUnread?: string[];
  /**
   * Packs not checked because they are in an archive storage class (S3 Glacier Flexible Retrieval, Deep Archive: a read
   * needs a thaw, docs/ARCHITECTURE.md "Storage tiers"): information, not a problem. Absent when there are none.
   */
  archivedNotRead?: string[];
  /**
   * Objects a tombstone (docs/FORMAT.md §11) supersedes, each with why it is harmless: information, not a problem (Object
   * Lock may keep them for years, and a verify that failed all that time would hide real damage). A damaged index object
   * `vault repair index` replaced and could not delete; a missing pack a repair left out that only such kept index
   * objects list, when no snapshot needs a blob only it held (when one does, the pack and the snapshot are problems).
   */
  superseded: VerifyProblem[];
};

/**
 * Checks a vault's integrity and reports every problem with the object it concerns.
 * Structure: each index decrypts and matches its name; each pack it lists exists, is the size the index records (where
 * the store's listing tells sizes) and its header agrees with the index; each snapshot, manifest root and page decrypts and matches its hash;
 * each blob a manifest references is indexed. With readData: every pack is read whole, every blob
 * decrypted and its HMAC id recomputed, and the pack must consist of nothing but its blobs and header.
 * Each snapshot also names its entries whose data is lost (lost-entries.ts): what its restore would leave out; those
 * whose recorded size their blobs do not hold by the index, which a directory restore refuses as damaged; and those
 * whose path (or hard link's first name) no restore writes, by the restorer's own rule (refusedEntry): a crafted or
 * damaged manifest, whose restore stops there.
 * A pack whose header cannot be read says how many blobs the index lists in it (they went unchecked), and
 * a manifest object that cannot be read says which snapshots need it; both name the snapshots that
 * reach them (snapshot-reach.ts), since the key alone does not tell the operator which backups it hurts.
 * Damaged objects of prune's state (its policy, batches, tombstones) are problems too: they stop every
 * backup and prune. So are damaged key objects (opens skip them). Objects nothing refers to (garbage of a killed backup) are
 * listed in `unreferenced`, not as problems; nor are what a tombstone supersedes (`superseded`): a damaged index object a
 * repair replaced and Object Lock kept, and a missing pack a repair left out that no snapshot needs a blob only it held.
 */
export async function verifyVault(vault: Vault, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { store, keys } = vault;
  const report: VerifyReport = { ok: true, snapshots: 0, indexes: 0, packs: 0, blobs: 0, entries: 0, blobsRead: 0, blobsDamaged: 0, problems: [], unreferenced: [], unreferencedBytes: 0, superseded: [] };
  const problem = (key: string, err: unknown): VerifyProblem => {
    const found = { key, message: err instanceof Error ? err.message : String(err) };
    report.problems.push(found);
    return found;
  };
  /** Runs a check of the object at `key`: the problem it found, or null (also for an archived object, listed as not read). */
  const attempt = async (key: string, fn: () => Promise<void>): Promise<VerifyProblem | null> => {
    try {
      await fn();
      return null;
    } catch (err) {
      if (err instanceof VaultObjectArchivedError) {
        (report.archivedNotRead ??= []).push(err.key);
        return null;
      }
      return problem(err instanceof VaultCorruptionError || err instanceof VaultObjectNotFoundError ? err.key : key, err);
    }
  };
  const guard = async (key: string, fn: () => Promise<void>): Promise<void> => {
    await attempt(key, fn);
  };
  // Objects whose problem is reported under their own key, told later which snapshots reach them (step 3).
  const reach = new SnapshotReach();
  const uncheckedPacks: { problem: VerifyProblem; blobs: number }[] = [];
  const manifestProblems: VerifyProblem[] = [];

  // 1. Indexes, into a fresh table that also remembers each pack's entries for the header check.
  const index = new VaultIndex();
  const packEntries = new Map<string, { length: number; entries: PackEntry[] }>();
  const indexIds: string[] = [];
  for await (const key of store.list(INDEX_PREFIX)) {
    const id = idFromKey(INDEX_PREFIX, key);
    if (id) indexIds.push(id);
  }
  await mapBounded(indexIds, 8, (id) =>
    guard(indexKey(id), async () => {
      const key = indexKey(id);
      const plain = await getSealedObject(store, keys, key, id, 'index');
      decodeIndexObject(plain, { location: store.location, key }, (packId, packLength, blobId, offset, storedLength, rawLength) => {
        index.add(blobId, packId, packLength, offset, storedLength, rawLength);
        let p = packEntries.get(packId);
        if (!p) packEntries.set(packId, (p = { length: packLength, entries: [] }));
        p.entries.push({ id: Buffer.from(blobId), offset, storedLength, rawLength });
      });
      report.indexes++;
    }),
  );
  report.blobs = index.size;
  // A damaged index object a repair replaced and Object Lock kept is harmless (nothing to copy again): noted, not a problem.
  const superseding = await supersedingTombstones(store, keys);
  report.problems = report.problems.filter((p) => {
    const tombstone = superseding.indexes.get(p.key);
    if (tombstone === undefined) return true;
    report.superseded.push({ key: p.key, message: supersededIndexMessage(p.message, tombstone) });
    return false;
  });

  // 2. Packs: presence, size and header against index; with readData, every blob. The sizes come with the listing (S3's
  // carries them; a directory stats each pack, cheaper than the header's reads): bytes added to a pack leave its header
  // readable at the length the index records, and only the size tells.
  const stored = await listStoredPacks(store);
  const present = stored.ids;
  const packs = [...packEntries.entries()];
  report.packs = packs.length;
  // Blobs whose data is gone: a copy in a missing pack, or (readData) a copy that fails its check. Lost
  // only when every indexed copy is (a blob two writers stored is listed once per pack).
  const lostCopies = new LostBlobs(packEntries);
  // Missing packs a tombstone names: harmless unless a snapshot needs a blob only they held, which step 3 tells.
  const tombstonedMissing: { key: string; message: string; tombstone: string; blobs: string[] }[] = [];
  await mapBounded(packs, options.readData ? (options.concurrency ?? 3) : 8, ([packId, info]) =>
    guard(packKey(packId), async () => {
      const key = packKey(packId);
      if (!present.has(packId)) {
        for (const e of info.entries) lostCopies.lose(e.id);
        const gone = new VaultObjectNotFoundError(store.location, key);
        const tombstone = superseding.packs.get(key);
        if (tombstone === undefined) throw gone;
        tombstonedMissing.push({ key, message: gone.message, tombstone, blobs: info.entries.map((e) => e.id.toString('hex')) });
        return;
      }
      let header: PackEntry[];
      let body: Buffer | null = null;
      try {
        if (options.readData) {
          body = await store.get(key);
          if (body.length !== info.length) throw new VaultCorruptionError(store.location, key, `pack is ${body.length} bytes, the index says ${info.length}`);
          header = await parsePack(store.location, key, keys, body);
        } else {
          const size = stored.sizes?.get(packId);
          if (size !== undefined && size !== info.length) throw new VaultCorruptionError(store.location, key, `pack is ${size} bytes, the index says ${info.length}`);
          header = await readPackHeader(store, keys, key, info.length);
        }
      } catch (err) {
        if (!(err instanceof VaultCorruptionError)) throw err;
        // Without its header nothing of the pack is checked: the blobs the index lists in it are counted, and the snapshots that use them named (step 3).
        uncheckedPacks.push({ problem: problem(err.key, err), blobs: info.entries.length });
        reach.uncheckedPack(err.key, info.entries.map((e) => e.id));
        return;
      }
      const byId = new Map(header.map((e) => [e.id.toString('hex'), e]));
      for (const e of info.entries) {
        const h = byId.get(e.id.toString('hex'));
        if (!h || h.offset !== e.offset || h.storedLength !== e.storedLength || h.rawLength !== e.rawLength) {
          throw new VaultCorruptionError(store.location, key, `blob ${e.id.toString('hex')} is not where the index puts it`);
        }
      }
      if (!body) return;
      try {
        await verifyPackBody(store.location, key, keys, body, { header, onBlob: () => report.blobsRead++ });
      } catch (err) {
        if (err instanceof DamagedBlobsError) {
          report.blobsDamaged += err.damaged.length;
          for (const d of err.damaged) lostCopies.lose(Buffer.from(d.id, 'hex'));
        }
        throw err;
      }
    }),
  );

  const packProblemsEnd = report.problems.length;

  // 3. Snapshots, their manifests, and the blobs they reference. An index object a snapshot lists
  // but the vault lacks is named once; the blobs it held are counted per snapshot, not per entry
  // (a deduplicated blob may be referenced by hundreds of entries).
  const { snapshots, unreadable } = await vault.scanSnapshots();
  for (const u of unreadable) problem(u.key, `cannot be read: ${u.reason}; ${unreadableSnapshotAdvice(u.key)}`);
  const listedIndexes = new Set(indexIds);
  const missingIndexes = new Map<string, string[]>();
  for (const snapshot of snapshots) {
    for (const id of snapshot.indexes) if (!listedIndexes.has(id)) missingIndexes.set(id, [...(missingIndexes.get(id) ?? []), snapshot.id]);
  }
  // A listed index object that is gone is a problem only when blobs are missing with it: a prune's
  // repack moves blobs into new packs and index objects and removes the old ones (FORMAT.md "Prune").
  const snapshotsMissingBlobs = new Set<string>();
  /** Blobs the snapshots reference that no index lists (only kept when there are some: a whole vault's blobs at worst, 40-48 bytes each). */
  const absentBlobs = new BlobIdSet(16);
  // Stored packs no index lists: where the repair may find those blobs (none: it would not).
  const unindexedPacks = [...present].filter((id) => !packEntries.has(id)).sort();
  let look: UnindexedPacksLook | null = null;
  const missingIndexProblemsAt = report.problems.length;
  const reportMissingIndexes = (): void => {
    const found: VerifyProblem[] = [];
    for (const [id, by] of missingIndexes) {
      const hurt = by.filter((s) => snapshotsMissingBlobs.has(s));
      if (hurt.length > 0) found.push({ key: indexKey(id), message: missingIndexMessage(hurt, unindexedPacks.length, look) });
    }
    report.problems.splice(missingIndexProblemsAt, 0, ...found);
  };
  const damagedIndexes = [...new Set([...report.problems.map((p) => p.key), ...[...missingIndexes.keys()].map(indexKey)].filter((k) => k.startsWith(INDEX_PREFIX)))];
  const lost = lostCopies.lost();
  // Lost blobs some manifest entry references: a tombstoned missing pack that held one is a real loss.
  const lostNeeded = new Set<string>();
  const reached = new Set<string>();
  // What the pages reached before hold, so that every snapshot sharing them is told (pages and nodes without findings are not kept).
  const pageFindings = new Map<string, SnapshotFindings>();
  const nodeFindings = new Map<string, SnapshotFindings>();
  /** Roots that could not be read, by id: the key their problem is reported under (a root two snapshots share is read and reported once). */
  const failedRoots = new Map<string, string>();
  for (const snapshot of snapshots) {
    // The reported objects this snapshot reaches: an unchecked pack its entries use, a manifest object it needs that cannot be read.
    const hits = new Set<string>();
    await guard(snapshotKey(snapshot.id), async () => {
      report.snapshots++;
      const failedRoot = failedRoots.get(snapshot.manifest);
      if (failedRoot !== undefined) {
        hits.add(failedRoot);
        return;
      }
      reached.add(snapshot.manifest);
      let root: ManifestRoot | undefined;
      const rootProblem = await attempt(manifestKey(snapshot.manifest), async () => {
        root = await loadManifestRoot(store, keys, snapshot.manifest);
      });
      if (rootProblem) {
        manifestProblems.push(rootProblem);
        failedRoots.set(snapshot.manifest, rootProblem.key);
        hits.add(rootProblem.key);
      }
      if (!root) return;
      const found = new SnapshotFindings();
      // The node whose pages the walk yields now (v2 roots): it keeps their findings for later snapshots that reach it.
      const current: { node: string | null } = { node: null };
      const tell = (findings: SnapshotFindings | undefined): void => {
        if (!findings?.any()) return;
        found.add(findings);
        if (current.node === null) return;
        let kept = nodeFindings.get(current.node);
        if (!kept) nodeFindings.set(current.node, (kept = new SnapshotFindings()));
        kept.add(findings);
      };
      const hit = (under: Iterable<string>): void => {
        for (const key of under) hits.add(key);
        if (current.node !== null) reach.keep(current.node, under);
      };
      // A node that cannot be read is a problem of its own; its pages are then not reached, as a damaged root's are not.
      const loadNode: NodeLoader = async (ref) => {
        current.node = null;
        if (reached.has(ref.id)) {
          found.add(nodeFindings.get(ref.id));
          for (const key of reach.keptUnder(ref.id)) hits.add(key);
          return undefined;
        }
        reached.add(ref.id);
        current.node = ref.id;
        let pages: readonly PageRef[] | undefined;
        const nodeProblem = await attempt(manifestKey(ref.id), async () => {
          pages = await loadManifestNode(store, keys, ref);
        });
        if (nodeProblem) {
          manifestProblems.push(nodeProblem);
          hit([nodeProblem.key]);
        }
        return pages;
      };
      for await (const ref of rootPages(root, loadNode)) {
        if (reached.has(ref.id)) {
          tell(pageFindings.get(ref.id));
          hit(reach.keptUnder(ref.id));
          continue;
        }
        reached.add(ref.id);
        const page = new SnapshotFindings();
        const under = new Set<string>();
        const pageProblem = await attempt(manifestKey(ref.id), async () => {
          for (const entry of await loadPage(store, keys, ref)) {
            report.entries++;
            const absent = entry.content.filter((blob) => !index.has(Buffer.from(blob, 'hex')));
            for (const blob of absent) absentBlobs.addHex(blob);
            const lostHere = lost.size > 0 ? entry.content.filter((blob) => lost.has(blob)) : [];
            for (const blob of lostHere) lostNeeded.add(blob);
            page.entry(entry.path, absent, lostHere);
            page.refused(entry);
            if (absent.length === 0) page.size(entry.path, entry.size, heldBytes(index, entry.content));
            for (const pack of reach.packsOf(entry.content)) under.add(pack);
          }
        });
        if (pageProblem) {
          manifestProblems.push(pageProblem);
          under.add(pageProblem.key);
        }
        if (page.any()) pageFindings.set(ref.id, page);
        reach.keep(ref.id, under);
        tell(page);
        hit(under);
      }
      if (found.absent.blobs.size > 0) {
        snapshotsMissingBlobs.add(snapshot.id);
        const where = damagedIndexes.length > 0 ? `; they are probably in ${damagedIndexes.join(', ')}, reported above` : '';
        const { entries, blobs, example } = found.absent;
        problem(snapshotKey(snapshot.id), `${entries} entries reference ${blobs.size} blob(s) that no index lists (e.g. entry ${JSON.stringify(example.path)}, blob ${example.blob})${where}`);
      }
      if (found.sizes.entries > 0) {
        const { entries, example } = found.sizes;
        problem(
          snapshotKey(snapshot.id),
          `${entries} entries record a size their blobs do not hold by the index (e.g. entry ${JSON.stringify(example.path)} records ${example.recorded} bytes, its blobs hold ${example.held}): a restore refuses such files as damaged and recreates every other entry (an S3 or DynamoDB restore's read-back reports them); unless a problem above explains it (an index or pack that disagrees), the snapshot recorded them so: back up the source again`,
        );
      }
      if (found.paths(snapshot.source.kind).entries > 0) {
        const { entries, example } = found.paths(snapshot.source.kind);
        problem(
          snapshotKey(snapshot.id),
          `${entries} entries record a path no restore writes (e.g. entry ${JSON.stringify(example.path)}: ${example.reason}), which Lifeboat never records: the snapshot is damaged or was crafted. A restore of it stops at the first such entry (the entries after it are not restored): restore what lies elsewhere with --include, or forget the snapshot`,
        );
      }
      if (found.lost.blobs.size > 0) {
        const { entries, blobs, example } = found.lost;
        problem(
          snapshotKey(snapshot.id),
          `${entries} entries reference ${blobs.size} blob(s) whose data is damaged or in a missing pack, reported above (e.g. entry ${JSON.stringify(example.path)}, blob ${example.blob}): a restore of this snapshot recreates every other entry and names these`,
        );
      }
    });
    reach.reach(snapshot.id, hits);
  }

  // Each object reported under its own key is told which snapshots it hurts, and what to do.
  const told = (p: VerifyProblem, message: string): void => {
    report.problems[report.problems.indexOf(p)] = { key: p.key, message };
  };
  const copyAgain = 'copy it again from the DR vault (the same name holds the same bytes there)';
  for (const { problem: p, blobs } of uncheckedPacks) {
    const by = reach.snapshotsOf(p.key);
    const users = by.length === 0 ? 'no snapshot uses them' : `snapshot(s) ${namedSnapshots(by)} use them (${by.length})`;
    told(p, `${p.message}; the ${blobs} blob(s) the index lists in it went unchecked, and ${users}; ${copyAgain}, then verify again`);
  }
  for (const p of manifestProblems) {
    const by = reach.snapshotsOf(p.key);
    told(p, `${p.message}; the manifest of snapshot(s) ${namedSnapshots(by)} needs it (${by.length}): their restores cannot read the entries under it; ${copyAgain}`);
  }

  // Which packs no index lists may hold the blobs snapshots miss: their headers are read (a few), so that "repair first" is
  // said only when one holds such a blob intact (review r58H F4).
  if (snapshotsMissingBlobs.size > 0 && unindexedPacks.length > 0) {
    look = await lookInUnindexedPacks(vault, unindexedPacks.map((id) => ({ id, bytes: stored.sizes?.get(id) ?? null })), absentBlobs);
  }
  reportMissingIndexes();
  // Told after the snapshots, placed with the other packs' problems (before the snapshots' that refer to them).
  const neededPacks: VerifyProblem[] = [];
  for (const t of tombstonedMissing.sort((a, b) => (a.key < b.key ? -1 : 1))) {
    if (t.blobs.some((blob) => lostNeeded.has(blob))) neededPacks.push({ key: t.key, message: tombstonedPackNeededMessage(t.message, t.tombstone) });
    else report.superseded.push({ key: t.key, message: tombstonedPackMessage(t.message, t.tombstone) });
  }
  report.problems.splice(packProblemsEnd, 0, ...neededPacks);

  // 4. Prune's state: no snapshot needs it, but a damaged batch or policy stops every backup and prune
  // of the vault (DamagedPruneStateError), which a verify that says OK would hide.
  for (const damaged of await damagedPruneStateObjects(store, keys)) problem(damaged.key, damaged);
  // A damaged key object is skipped by every open; only here does anyone learn that a way in was lost.
  for (const damaged of await damagedKeyObjects(store)) problem(damaged.key, damaged);

  // 5. Garbage: information only. A pack no index lists is what a killed backup leaves (packs are
  // stored before the index naming them), and so is a running backup's: it is reclaimed by a prune.
  report.unreferenced = await findUnreferencedObjects(store, { storedPacks: present, indexedPacks: new Set(packEntries.keys()), reachedManifests: reached });
  // While a snapshot references blobs no index lists, a pack no index lists may hold them: no garbage, and prune refuses
  // anyway; one whose header was read and holds none of them intact is garbage (one whose header does not read is not).
  if (look !== null) {
    const { holdNone, headerUnread: unread } = look;
    const unindexed = report.unreferenced.filter((o) => o.kind === 'pack' && !holdNone.has(o.key));
    if (unindexed.length > 0) report.unindexed = unindexed;
    const headerUnread = unindexed.filter((o) => unread.has(o.key)).map((o) => o.key);
    if (headerUnread.length > 0) report.unindexedHeaderUnread = headerUnread;
    report.unreferenced = report.unreferenced.filter((o) => o.kind !== 'pack' || holdNone.has(o.key));
  }
  report.unreferencedBytes = report.unreferenced.reduce((n, o) => n + (o.bytes ?? 0), 0);
  report.archivedNotRead?.sort();
  report.ok = report.problems.length === 0;
  return report;
}

/** How many entries record a path no restore writes, and the first of them with why. */
type PathFindings = { entries: number; example: { path: string; reason: string } };

function noPathFindings(): PathFindings {
  return { entries: 0, example: { path: '', reason: '' } };
}

/**
 * What the manifest entries a snapshot reaches reference (EntryFindings), and those whose recorded size is not what their
 * blobs hold by the index: a directory restore refuses such a file as damaged (docs/FORMAT.md §7, "checked for length").
 */
class SnapshotFindings extends EntryFindings {
  readonly sizes: { entries: number; example: { path: string; recorded: number; held: number } } = { entries: 0, example: { path: '', recorded: 0, held: 0 } };
  /**
   * Entries whose path (or hard link's first name) no restore writes, by the restorer's own rule (refusedEntry), as a
   * snapshot of an S3 source reads them (`s3`: its objects are keys) and as any other does (`path`). Both are kept: a
   * page (or node) is read once and its findings told to every snapshot that reaches it, whatever its source.
   */
  readonly refusedPaths: Record<'s3' | 'path', PathFindings> = { s3: noPathFindings(), path: noPathFindings() };

  refused(entry: ManifestEntry): void {
    for (const as of ['s3', 'path'] as const) {
      const reason = refusedEntry(entry, as === 's3' ? 's3' : 'directory');
      if (reason === null) continue;
      const paths = this.refusedPaths[as];
      if (paths.entries === 0) paths.example = { path: entry.path, reason };
      paths.entries++;
    }
  }

  /** The refused paths of a snapshot of `sourceKind`. */
  paths(sourceKind: string): PathFindings {
    return this.refusedPaths[sourceKind === 's3' ? 's3' : 'path'];
  }

  size(path: string, recorded: number, held: number): void {
    if (recorded === held) return;
    if (this.sizes.entries === 0) this.sizes.example = { path, recorded, held };
    this.sizes.entries++;
  }

  override add(other: EntryFindings | undefined): void {
    super.add(other);
    if (!(other instanceof SnapshotFindings)) return;
    if (other.sizes.entries > 0) {
      if (this.sizes.entries === 0) this.sizes.example = other.sizes.example;
      this.sizes.entries += other.sizes.entries;
    }
    for (const as of ['s3', 'path'] as const) {
      const mine = this.refusedPaths[as];
      const theirs = other.refusedPaths[as];
      if (theirs.entries === 0) continue;
      if (mine.entries === 0) mine.example = theirs.example;
      mine.entries += theirs.entries;
    }
  }

  override any(): boolean {
    return super.any() || this.sizes.entries > 0 || this.refusedPaths.s3.entries > 0 || this.refusedPaths.path.entries > 0;
  }
}

/**
 * What verify says of an index object snapshots `hurt` list that the vault lacks, while blobs of theirs are in no index:
 * `vault repair index` first when a pack no index lists holds one of those blobs intact (`look`), since it rebuilds the
 * index from the packs' own headers and a missing index object then costs nothing they hold (audit a58B F2: only the DR
 * copy, a backup or a forget was said, as if the data were lost), or when packs that may were not read; when every pack
 * is indexed, or those that are not were read and hold none of them intact (a repair left them out as damaged: run again,
 * it would leave them out again, review r58H F4), a repair would not find them.
 */
function missingIndexMessage(hurt: readonly string[], unindexedPacks: number, look: UnindexedPacksLook | null): string {
  const head = `does not exist, but snapshot(s) ${hurt.join(', ')} list it, and blobs of theirs are in no index`;
  const heal = 'back up the source again (the same content heals the snapshot) or forget the snapshot';
  const repair = (first: string): string =>
    `\`lifeboat vault repair index\`${first} (add --read-data to leave damaged blobs out; an environment's vault: its repair-index runbook, \`lifeboat repair-index --env <env> --vault <primary|dr>\`)`;
  const still = `A blob still in no index after that is lost here (its pack is gone, or a repair left it out as damaged): ${heal}`;
  if (unindexedPacks === 0 || look === null) {
    return `${head}; every pack in the vault is indexed, so a repair of the index would not find them: the packs that held them are gone, or \`vault repair index\` left them out as damaged: copy the object and its packs again from the DR vault (the same names hold the same bytes there), or ${heal}`;
  }
  const mayHold = unindexedPacks - look.holdNone.size;
  if (look.holder !== null) {
    return (
      `${head}: run ${repair(' first')}: it rebuilds the index from the packs' own headers, and ${mayHold} pack(s) no index lists are in the vault (UNINDEXED below) and may hold them (${look.holder.pack} holds blob ${look.holder.blob} of theirs, intact); or copy the object again from the DR vault (the same name holds the same bytes there). ` +
      still
    );
  }
  const read = look.holdNone.size;
  const headerUnread = look.headerUnread.size;
  if (look.pastBound + look.archived + headerUnread === 0) {
    return `${head}; the ${read} pack(s) no index lists hold none of them intact (their headers read and such blobs in them authenticated: a repair left them out as damaged, or they hold other blobs; UNREFERENCED below), so a repair of the index would not find them: copy the object and its packs again from the DR vault (the same names hold the same bytes there) and run \`lifeboat vault repair index\`, or ${heal}`;
  }
  // A pack whose header does not read is read by no repair either: only an index object's offsets (the DR copy's) reach its blobs.
  const fromDr = `copy the index objects (or those packs) again from the DR vault (the same names hold the same bytes there; an environment's vault: \`lifeboat scrub --repair\`) before any prune`;
  if (look.pastBound + look.archived === 0) {
    return (
      `${head}; of the ${unindexedPacks} pack(s) no index lists, ${read > 0 ? `the ${read} whose headers read hold none of them intact, and ` : ''}${headerUnread} have a header that does not read and may still hold them (UNINDEXED below): a repair of the index cannot read them either, so ${fromDr}. ` +
      still
    );
  }
  const unread = [
    ...(look.pastBound > 0 ? [`${look.pastBound} past the ${UNINDEXED_HEADERS_READ} whose headers verify reads`] : []),
    ...(look.archived > 0 ? [`${look.archived} in an archive storage class (thaw them first)`] : []),
    ...(headerUnread > 0 ? [`${headerUnread} whose header does not read: for those, ${fromDr}`] : []),
  ].join(', ');
  return (
    `${head}; of the ${unindexedPacks} pack(s) no index lists, the ${read} read hold none of them intact, and ${mayHold} were not read (${unread}) and may hold them (UNINDEXED below): run ${repair('')}, which reads every pack's header, then verify again; or copy the object again from the DR vault (the same name holds the same bytes there). ` +
    still
  );
}

/** The plaintext bytes of `blobs` by the index (every one of them indexed). */
function heldBytes(index: VaultIndex, blobs: readonly string[]): number {
  let held = 0;
  for (const blob of blobs) held += index.lookup(Buffer.from(blob, 'hex'))?.rawLength ?? 0;
  return held;
}
