import { BlobIdSet } from '../blob-index/blob-id-set';
import { loadPage } from '../manifest/manifest-pages';
import { type NodeRef, type PageRef } from '../manifest/manifest-format';
import { loadManifestNode, loadManifestRoot, type NodeLoader, rootPages } from '../manifest/manifest-root';
import { type Vault } from '../repository/vault';
import { idFromKey, SNAPSHOTS_PREFIX } from '../repository/vault-layout';
import { type Snapshot } from '../manifest/snapshot-record';
import { VaultCorruptionError, VaultError, VaultObjectNotFoundError } from '../vault-errors';
import { forEachBounded, mapBounded } from '../workers/bounded-concurrency';
import { PruneMarkOutOfTimeError } from './prune-mark-out-of-time-error';

/** Manifest pages a mark reads at once for one snapshot. */
const PAGES_IN_FLIGHT = 8;
/**
 * Snapshots whose manifests a mark walks at once (so at most 64 manifest reads in flight). One at a time,
 * a vault of a few thousand small snapshots cost a root, a node and a page GET each in turn (20–50 ms on
 * S3): about 5,800 snapshots filled a prune Lambda's 15 minutes with marking alone (audit aT3-1).
 */
const SNAPSHOTS_IN_FLIGHT = 8;

/** What bounds a prune's mark: a Lambda's deadline (PruneOptions.deadline). */
export type MarkLimit = {
  /** Checked before each snapshot's manifest is walked: true starts no other (those under way finish). */
  readonly outOfTime: () => boolean;
  /** The clock the time the mark took is measured with. */
  readonly now: () => number;
  /** Named by PruneMarkOutOfTimeError, whose advice is a dry run's for a dry run. @default false */
  readonly dryRun?: boolean;
  /** The command line that prunes this vault from a machine, named by PruneMarkOutOfTimeError. @default 'lifeboat prune' */
  readonly command?: string;
};

/** What the remaining snapshots reference: their manifest objects (roots, nodes and pages) and blob ids. */
export type VaultMark = {
  readonly snapshots: number;
  /** The ids of the snapshots the mark listed, ignored ones included (absent in marks made by hand: then every snapshot listed later is new to manifestsMarkedSince). */
  readonly snapshotIds?: ReadonlySet<string>;
  readonly manifests: ReadonlySet<string>;
  /** Read only: the plan (prune-plan.ts) indexes its own arrays by these ids' ordinals. */
  readonly blobs: BlobIdSet;
};

/**
 * The blob ids of the manifest pages one process has read while marking. A page is content-addressed
 * (its id is its content's hash) and never rewritten, so a later mark of the same vault may take its
 * blobs from here instead of reading it again: `lifeboat vault prune --grace 0` marks three times
 * (condemn, then the sweep's re-mark and the condemn after it), and each mark after the first then
 * reads only the snapshot objects, manifest roots and pages it has not met. A page's ids are kept as
 * one buffer (32 bytes an id), not as strings (about 90 bytes each).
 */
export class MarkedPages {
  private readonly blobsOf = new Map<string, Buffer>();
  private readonly pagesOf = new Map<string, readonly PageRef[]>();

  /** A node's page references; nodes are content-addressed like pages. */
  async pages(vault: Vault, ref: NodeRef): Promise<readonly PageRef[]> {
    const known = this.pagesOf.get(ref.id);
    if (known) return known;
    const refs = await loadManifestNode(vault.store, vault.keys, ref);
    this.pagesOf.set(ref.id, refs);
    return refs;
  }

  /** The page's blob ids, 32 bytes each, in entry order. */
  async blobs(vault: Vault, ref: PageRef): Promise<Buffer> {
    const known = this.blobsOf.get(ref.id);
    if (known) return known;
    const entries = await loadPage(vault.store, vault.keys, ref);
    const ids = Buffer.allocUnsafe(entries.reduce((n, e) => n + e.content.length, 0) * 32);
    let o = 0;
    // The page parser has checked every id to be 64 hex digits.
    for (const entry of entries) for (const id of entry.content) o += ids.write(id, o, 32, 'hex');
    this.blobsOf.set(ref.id, ids);
    return ids;
  }
}

/**
 * Marks from every `snapshots/*` object. An unreadable snapshot object stops the prune: what it
 * references cannot be known, and deleting it would be a guess (verify names it; repair first).
 * The snapshot objects are always listed and read again; `pages` (one per process) spares reading
 * a manifest page twice. `ignored` snapshots mark nothing (a dry run's `assumeForgotten`). With a
 * `limit`, a mark that cannot walk every snapshot before it throws PruneMarkOutOfTimeError: a partial
 * mark would make referenced objects look like garbage, and the next call would mark from scratch again.
 */
export async function markVault(vault: Vault, pages: MarkedPages = new MarkedPages(), ignored: ReadonlySet<string> = new Set(), limit?: MarkLimit): Promise<VaultMark> {
  const began = limit?.now() ?? 0;
  const scan = await vault.scanSnapshots();
  const snapshots = scan.snapshots.filter((s) => !ignored.has(s.id));
  const unreadable = scan.unreadable;
  const gone = unreadable.filter((u) => !u.reason.startsWith('it was deleted'));
  if (gone.length > 0) {
    throw new VaultError(`${vault.location}: prune stops: ${gone.map((u) => `${u.key} cannot be read (${u.reason})`).join('; ')}; what it references is unknown. Run \`lifeboat vault verify\` and repair or delete it first.`);
  }
  const { manifests, blobs, marked } = await markSnapshots(vault, snapshots, pages, limit ? { outOfTime: limit.outOfTime } : {});
  if (limit && marked < snapshots.length) throw new PruneMarkOutOfTimeError(vault.location, marked, snapshots.length, limit.now() - began, limit.dryRun, limit.command);
  // Every snapshot listed, those a dry run ignores included: manifestsMarkedSince takes only the others for new.
  return { snapshots: snapshots.length, snapshotIds: new Set(scan.snapshots.map((s) => s.id)), manifests, blobs };
}

/**
 * The manifest objects (roots, nodes and pages) of the snapshots that appeared in the vault since `mark` was made, as a
 * sweep asks right before it deletes manifest objects (docs/FORMAT.md §11, "Manifest objects and pending
 * batches"): a snapshot copied in meanwhile (replication, a scrub's repair) may reference manifest objects a
 * due batch condemned while it was absent. Only the new snapshot objects, their roots and nodes are read: a page's id is
 * in its reference, so no page is read (MarkedPages keeps the nodes). A snapshot whose root the mark holds shares every
 * manifest object with a marked one. A snapshot that vanished since the listing is left out; one that cannot be read
 * stops the sweep, as it stops the mark: what it references is unknown.
 */
export async function manifestsMarkedSince(vault: Vault, mark: VaultMark, pages: MarkedPages = new MarkedPages()): Promise<Set<string>> {
  const late = new Set<string>();
  for await (const key of vault.store.list(SNAPSHOTS_PREFIX)) {
    const id = idFromKey(SNAPSHOTS_PREFIX, key);
    if (id === null || mark.snapshotIds?.has(id)) continue;
    let snapshot: Snapshot;
    try {
      snapshot = await vault.loadSnapshot(id);
    } catch (err) {
      if (err instanceof VaultObjectNotFoundError) continue;
      if (!(err instanceof VaultCorruptionError)) throw err;
      throw new VaultError(`${vault.location}: prune stops before deleting manifest objects: ${key}, which appeared after its mark, is corrupt (${err.detail}); what it references is unknown. Run \`lifeboat vault verify\` and repair or delete it first.`);
    }
    if (mark.manifests.has(snapshot.manifest) || late.has(snapshot.manifest)) continue;
    late.add(snapshot.manifest);
    const root = await loadManifestRoot(vault.store, vault.keys, snapshot.manifest);
    const loadNode: NodeLoader = async (node) => {
      late.add(node.id);
      return pages.pages(vault, node);
    };
    for await (const ref of rootPages(root, loadNode)) late.add(ref.id);
  }
  return late;
}

/**
 * `mark` extended by what the snapshots that appeared in the vault since it was made reference, manifest objects and
 * blobs: the condemn phase's mark after a sweep. Marking every snapshot again there read every snapshot object, root
 * and (uncached) node a second time, which on a vault of thousands of snapshots did not fit one call (audit aT3-1). The
 * second mark exists for what was committed after the first (a backup, a replicated or repaired snapshot): its
 * references must be kept, and they are, as the new snapshots are walked in full (their pages read: blobs are
 * needed, unlike manifestsMarkedSince). A snapshot deleted since the first mark keeps its references in this one: its
 * data is condemned by the next run instead (the safe direction). `mark`'s sets are extended in place (its blob ids are
 * most of a prune's memory; the first mark is not used after this one). A new snapshot that vanished since the listing
 * is left out; one that cannot be read stops the prune, as it stops the mark. Null when `outOfTime` cut it: the mark
 * is then incomplete (and `mark` with it), and must not condemn anything.
 */
export async function markSnapshotsSince(vault: Vault, mark: VaultMark, pages: MarkedPages = new MarkedPages(), outOfTime?: () => boolean): Promise<VaultMark | null> {
  const ids: string[] = [];
  for await (const key of vault.store.list(SNAPSHOTS_PREFIX)) {
    const id = idFromKey(SNAPSHOTS_PREFIX, key);
    if (id !== null && !mark.snapshotIds?.has(id)) ids.push(id);
  }
  const loaded = await mapBounded(ids, SNAPSHOTS_IN_FLIGHT, async (id): Promise<Snapshot | null> => {
    try {
      return await vault.loadSnapshot(id);
    } catch (err) {
      if (err instanceof VaultObjectNotFoundError) return null;
      if (!(err instanceof VaultCorruptionError)) throw err;
      throw new VaultError(`${vault.location}: prune stops before condemning: ${err.key}, which appeared after its first mark, is corrupt (${err.detail}); what it references is unknown. Run \`lifeboat vault verify\` and repair or delete it first.`);
    }
  });
  const added = loaded.filter((s): s is Snapshot => s !== null);
  const manifests = new Set(mark.manifests);
  const { marked } = await markSnapshots(vault, added, pages, { into: { manifests, blobs: mark.blobs }, ...(outOfTime ? { outOfTime } : {}) });
  if (marked < added.length) return null;
  return { snapshots: mark.snapshots + added.length, snapshotIds: new Set([...(mark.snapshotIds ?? []), ...ids]), manifests, blobs: mark.blobs };
}

/**
 * The manifest objects (roots, nodes and pages, by id) and blob ids `snapshots` reference, each
 * manifest node and page read once however many of the snapshots share it (and, through `pages`,
 * however many marks one process makes). A manifest object that cannot be read is thrown: what it
 * references is unknown. Prune's mark, and replication's and scrub's (lambdas/replication/vault-references.ts).
 * `into` is a mark to extend (what it holds counts as walked: a root or node in it had all it references
 * added). With `outOfTime`, checked before each snapshot, `marked` may be less than `snapshots.length`:
 * the result is then incomplete.
 */
export async function markSnapshots(
  vault: Vault,
  snapshots: readonly Snapshot[],
  pages: MarkedPages = new MarkedPages(),
  options: { readonly outOfTime?: () => boolean; readonly into?: { readonly manifests: Set<string>; readonly blobs: BlobIdSet } } = {},
): Promise<{ manifests: Set<string>; blobs: BlobIdSet; marked: number }> {
  const manifests = options.into?.manifests ?? new Set<string>();
  const blobs = options.into?.blobs ?? new BlobIdSet();
  const { outOfTime } = options;
  // Several snapshots are walked at once. A root, node or page is claimed (added to `manifests`) before it is
  // read, so each is read once; a snapshot that meets one another snapshot claimed skips it, and that other
  // walk adds what it references before the mark returns, so the sets hold the same ids in any interleaving.
  const due = function* (): Generator<Snapshot> {
    for (const snapshot of snapshots) {
      if (outOfTime?.()) return;
      yield snapshot;
    }
  };
  let marked = 0;
  await forEachBounded(due(), SNAPSHOTS_IN_FLIGHT, async (snapshot) => {
    await markSnapshot(vault, snapshot, pages, manifests, blobs);
    marked++;
  });
  return { manifests, blobs, marked };
}

async function markSnapshot(vault: Vault, snapshot: Snapshot, pages: MarkedPages, manifests: Set<string>, blobs: BlobIdSet): Promise<void> {
  if (manifests.has(snapshot.manifest)) return;
  manifests.add(snapshot.manifest);
  const root = await loadManifestRoot(vault.store, vault.keys, snapshot.manifest);
  // A node met before (shared by two snapshots) had all its pages marked then (or is being marked by another walk).
  const loadNode: NodeLoader = async (node) => {
    if (manifests.has(node.id)) return undefined;
    manifests.add(node.id);
    return pages.pages(vault, node);
  };
  // Pages are read PAGES_IN_FLIGHT at a time: one by one, the thousands of pages of a vault of
  // millions of blobs in S3 (20–50 ms a GET) would take minutes of a prune's 15 minutes.
  const unmarked = async function* (): AsyncGenerator<PageRef> {
    for await (const ref of rootPages(root, loadNode)) {
      if (manifests.has(ref.id)) continue;
      manifests.add(ref.id);
      yield ref;
    }
  };
  await forEachBounded(unmarked(), PAGES_IN_FLIGHT, async (ref) => {
    const ids = await pages.blobs(vault, ref);
    for (let o = 0; o < ids.length; o += 32) blobs.add(ids, o);
  });
}
