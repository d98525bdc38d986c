import { BlobIdSet } from '../blob-index/blob-id-set';
import { indexBlobLimit, markedPagesBudgetBytes, PRUNE_PEAK_BYTES_PER_BLOB, VaultIndexTooLargeError } from '../blob-index/index-memory';
import { loadPage } from '../manifest/manifest-pages';
import { type NodeRef, type PageRef } from '../manifest/manifest-format';
import { loadManifestNode, loadManifestRoot, type NodeLoader, rootPages } from '../manifest/manifest-root';
import { type Vault } from '../repository/vault';
import { idFromKey, SNAPSHOTS_PREFIX } from '../repository/vault-layout';
import { type Snapshot } from '../manifest/snapshot-record';
import { VaultCorruptionError, VaultError, VaultObjectNotFoundError } from '../vault-errors';
import { forEachBounded, mapBounded } from '../workers/bounded-concurrency';
import { ByteBudget } from '../workers/byte-budget';
import { chunkIdFactor, MARK_PAGES_PER_SNAPSHOT, markPageBudgetBytes, MARK_SNAPSHOTS_AT_ONCE, readWeighedPage } from './mark-concurrency';
import { PruneMarkOutOfTimeError } from './prune-mark-out-of-time-error';
import { PruneManifestUnreadableError, PruneSnapshotUnreadableError } from './prune-errors';

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

/** What keeping one node's or page's entry costs beside its content: the Map entry, its id string, the Buffer or array object. */
const KEPT_ENTRY_BYTES = 200;
/** A page reference as parsed (an object, its id string and numbers), beside its two paths. */
const KEPT_PAGE_REF_BYTES = 160;

/**
 * The page references of the manifest nodes and the blob ids of the manifest pages one process has read
 * while marking, up to a byte budget. A node or page is content-addressed (its id is its content's hash)
 * and never rewritten, so a later mark of the same vault may take it from here instead of reading it
 * again: `lifeboat vault prune --grace 0` marks three times (condemn, then the sweep's re-mark and the
 * condemn after it), and a mark after the first then reads only the snapshot objects, manifest roots and
 * what it has not kept. Within one mark nothing is gained (each page is claimed and read once), so a mark
 * made without one keeps nothing. A page's ids are kept as one buffer (32 bytes an id), not as strings.
 *
 * The budget exists because with churn spread over a source's keys each backup writes mostly new pages:
 * kept without bound, the pages of every retained snapshot grew as blobs × snapshots and ran a 2,048 MB
 * prune out of memory at 1.5 million blobs and 30 snapshots, a kill with no message every run (audit
 * aW2-1). Once full it keeps nothing more and what it lacks is read again, so no mark depends on it.
 * It keeps the first it meets rather than the latest: the marks walk the snapshots in the same order,
 * and a least-recently-used cache smaller than one walk would have dropped each page before the next
 * mark asked for it.
 */
export class MarkedPages {
  private readonly blobsOf = new Map<string, Buffer>();
  private readonly pagesOf = new Map<string, readonly PageRef[]>();
  private keptBytes = 0;

  /**
   * @param budgetBytes what it may keep, as `bytes` counts it; 0 keeps nothing.
   * @default markedPagesBudgetBytes of the vault's memoryLimitMb (index-memory.ts), taken at each read
   */
  constructor(private readonly budgetBytes?: number) {}

  /** The bytes of what it keeps, as counted against its budget: 32 a blob id, the paths of each page reference, and a fixed share per entry. */
  get bytes(): number {
    return this.keptBytes;
  }

  /** A node's page references; nodes are content-addressed like pages. */
  async pages(vault: Vault, ref: NodeRef): Promise<readonly PageRef[]> {
    const known = this.pagesOf.get(ref.id);
    if (known) return known;
    const refs = await loadManifestNode(vault.store, vault.keys, ref);
    // Paths counted at two bytes a character: a path outside Latin-1 is held so.
    const bytes = refs.reduce((n, r) => n + KEPT_PAGE_REF_BYTES + 2 * (r.first.length + r.last.length), KEPT_ENTRY_BYTES);
    if (!this.pagesOf.has(ref.id) && this.fits(vault, bytes)) this.pagesOf.set(ref.id, refs);
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
    // Two marks of one process may read the same page at once: it is kept (and counted) once.
    if (!this.blobsOf.has(ref.id) && this.fits(vault, KEPT_ENTRY_BYTES + ids.length)) this.blobsOf.set(ref.id, ids);
    return ids;
  }

  private fits(vault: Vault, bytes: number): boolean {
    if (this.keptBytes + bytes > (this.budgetBytes ?? markedPagesBudgetBytes(vault.memoryLimitMb))) return false;
    this.keptBytes += bytes;
    return true;
  }
}

/** Keeps nothing: a single mark reads each node and page once whatever it keeps. */
function keepingNothing(): MarkedPages {
  return new MarkedPages(0);
}

/**
 * The referenced blobs past which a prune's mark stops with VaultIndexTooLargeError (index-memory.ts): the blobs a
 * prune of the vault's memory (Vault.memoryLimitMb) may hold, no limit without one. The index holds at least the
 * blobs the snapshots reference, so such a vault failed the index's load anyway, but only after a mark that had
 * itself run the process out of memory (audit aW2-1): now it fails while marking, before anything is swept or condemned.
 */
export function pruneMarkMemory(vault: Vault): MarkMemory | undefined {
  const memoryMb = vault.memoryLimitMb;
  if (memoryMb === undefined) return undefined;
  const blobLimit = indexBlobLimit(memoryMb, PRUNE_PEAK_BYTES_PER_BLOB);
  return { blobLimit, tooLarge: () => new VaultIndexTooLargeError(vault.location, blobLimit, memoryMb, PRUNE_PEAK_BYTES_PER_BLOB) };
}

/** How many referenced blobs a mark may hold, and the error past that. */
export type MarkMemory = { readonly blobLimit: number; readonly tooLarge: () => Error };

/**
 * Marks from every `snapshots/*` object. An unreadable snapshot object stops the prune: what it
 * references cannot be known, and deleting it would be a guess (verify names it; repair first).
 * The snapshot objects are always listed and read again; `pages` (one per process) spares reading
 * a manifest page twice. `ignored` snapshots mark nothing (a dry run's `assumeForgotten`). With a
 * `limit`, a mark that cannot walk every snapshot before it throws PruneMarkOutOfTimeError: a partial
 * mark would make referenced objects look like garbage, and the next call would mark from scratch again.
 * With `memory` (prune's: pruneMarkMemory), a mark that holds more blobs than a prune of the vault's memory may fails
 * with VaultIndexTooLargeError instead of running the process out of memory. Only prune passes it: repair-index's mark
 * (its own index ~44 bytes a blob) must not be held to prune's 300, or it leaves the live packs it exists to rescue
 * unread past prune's limit (review rK F1). `stops` too (PRUNE_MARK_STOPS): a snapshot or manifest object that cannot be read
 * is then said as what stops a prune (PruneManifestUnreadableError: this prune condemns nothing, prune again); without it,
 * as what the mark could not read and which snapshot needs it, for a caller that is no prune (repair index weighing
 * condemned packs said "prune stops … Then prune again": review r58H F6).
 */
export async function markVault(
  vault: Vault,
  pages: MarkedPages = keepingNothing(),
  ignored: ReadonlySet<string> = new Set(),
  limit?: MarkLimit,
  memory?: MarkMemory,
  stops?: typeof PRUNE_MARK_STOPS,
): Promise<VaultMark> {
  const began = limit?.now() ?? 0;
  const scan = await vault.scanSnapshots();
  const snapshots = scan.snapshots.filter((s) => !ignored.has(s.id));
  const unreadable = scan.unreadable;
  const gone = unreadable.filter((u) => !u.reason.startsWith('it was deleted'));
  if (gone.length > 0) {
    const what = `${gone.map((u) => `${u.key} cannot be read (${u.reason})`).join('; ')}; what it references is unknown`;
    // Said as what stops a prune, it is one every prune meets until it is resolved (stopsEveryPrune); else the caller is no prune.
    if (stops === undefined) throw new VaultError(`${vault.location}: ${what}. Run \`lifeboat vault verify\` and repair or delete it first.`);
    throw new PruneSnapshotUnreadableError(vault.location, gone.map((u) => u.key), `${vault.location}: ${stops}: ${what}. Run \`lifeboat vault verify\` and repair or delete it first.`);
  }
  const { manifests, blobs, marked } = await markSnapshots(vault, snapshots, pages, {
    ...(limit ? { outOfTime: limit.outOfTime } : {}),
    ...(memory ? { memory } : {}),
    unreadable: stops === undefined ? neededBy(vault) : pruneStops(vault, stops),
  });
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
export async function manifestsMarkedSince(vault: Vault, mark: VaultMark, pages: MarkedPages = keepingNothing()): Promise<Set<string>> {
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
      throw new PruneSnapshotUnreadableError(
        vault.location,
        [key],
        `${vault.location}: prune stops before deleting manifest objects: ${key}, which appeared after its mark, is corrupt (${err.detail}); what it references is unknown. Run \`lifeboat vault verify\` and repair or delete it first.`,
        { cause: err },
      );
    }
    if (mark.manifests.has(snapshot.manifest) || late.has(snapshot.manifest)) continue;
    late.add(snapshot.manifest);
    try {
      const root = await loadManifestRoot(vault.store, vault.keys, snapshot.manifest);
      const loadNode: NodeLoader = async (node) => {
        late.add(node.id);
        return pages.pages(vault, node);
      };
      for await (const ref of rootPages(root, loadNode)) late.add(ref.id);
    } catch (err) {
      if (err instanceof VaultCorruptionError || err instanceof VaultObjectNotFoundError) throw pruneStops(vault, 'prune stops before deleting manifest objects')(snapshot, err);
      throw err;
    }
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
 * is then incomplete (and `mark` with it), and must not condemn anything. Bounded by the vault's memory as markVault is.
 */
export async function markSnapshotsSince(vault: Vault, mark: VaultMark, pages: MarkedPages = keepingNothing(), outOfTime?: () => boolean, memory?: MarkMemory): Promise<VaultMark | null> {
  const ids: string[] = [];
  for await (const key of vault.store.list(SNAPSHOTS_PREFIX)) {
    const id = idFromKey(SNAPSHOTS_PREFIX, key);
    if (id !== null && !mark.snapshotIds?.has(id)) ids.push(id);
  }
  const loaded = await mapBounded(ids, MARK_SNAPSHOTS_AT_ONCE, async (id): Promise<Snapshot | null> => {
    try {
      return await vault.loadSnapshot(id);
    } catch (err) {
      if (err instanceof VaultObjectNotFoundError) return null;
      if (!(err instanceof VaultCorruptionError)) throw err;
      throw new PruneSnapshotUnreadableError(
        vault.location,
        [err.key],
        `${vault.location}: prune stops before condemning: ${err.key}, which appeared after its first mark, is corrupt (${err.detail}); what it references is unknown. Run \`lifeboat vault verify\` and repair or delete it first.`,
        { cause: err },
      );
    }
  });
  const added = loaded.filter((s): s is Snapshot => s !== null);
  const manifests = new Set(mark.manifests);
  const { marked } = await markSnapshots(vault, added, pages, { into: { manifests, blobs: mark.blobs }, ...(outOfTime ? { outOfTime } : {}), ...(memory ? { memory } : {}), unreadable: pruneStops(vault, 'prune stops before condemning') });
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
 * the result is then incomplete. With `memory`, a mark holding more than its `blobLimit` blobs throws its
 * `tooLarge()` (checked after each page, and before each, so that the other walks under way stop too). With `unreadable`,
 * a manifest object that is missing or corrupt throws what it makes of the error and the snapshot whose walk met it
 * (prune's: PruneManifestUnreadableError); without, the store's error itself (replication and scrub catch it).
 */
export async function markSnapshots(
  vault: Vault,
  snapshots: readonly Snapshot[],
  pages: MarkedPages = keepingNothing(),
  options: {
    readonly outOfTime?: () => boolean;
    readonly into?: { readonly manifests: Set<string>; readonly blobs: BlobIdSet };
    readonly memory?: MarkMemory;
    readonly unreadable?: UnreadableManifest;
  } = {},
): Promise<{ manifests: Set<string>; blobs: BlobIdSet; marked: number }> {
  const manifests = options.into?.manifests ?? new Set<string>();
  const blobs = options.into?.blobs ?? new BlobIdSet();
  const { outOfTime, memory, unreadable } = options;
  // Several snapshots are walked at once. A root, node or page is claimed (added to `manifests`) before it is
  // read, so each is read once; a snapshot that meets one another snapshot claimed skips it, and that other
  // walk adds what it references before the mark returns, so the sets hold the same ids in any interleaving.
  const due = function* (): Generator<Snapshot> {
    for (const snapshot of snapshots) {
      if (outOfTime?.()) return;
      yield snapshot;
    }
  };
  // The pages in flight are what a mark holds beside the blobs: every walk weighs its pages against one budget of
  // the vault's memory (mark-concurrency.ts), while the snapshots walked at once stay 8 whatever the memory.
  const limitBytes = markPageBudgetBytes(vault.memoryLimitMb);
  const pageBytes = limitBytes === undefined ? undefined : new ByteBudget(limitBytes);
  let marked = 0;
  await forEachBounded(due(), MARK_SNAPSHOTS_AT_ONCE, async (snapshot) => {
    try {
      await markSnapshot(vault, snapshot, pages, manifests, blobs, memory, pageBytes);
    } catch (err) {
      if (unreadable && (err instanceof VaultCorruptionError || err instanceof VaultObjectNotFoundError)) throw unreadable(snapshot, err);
      throw err;
    }
    marked++;
  });
  return { manifests, blobs, marked };
}

/** What a mark throws for a manifest object of `snapshot` that is missing or corrupt (markSnapshots' `unreadable`). */
export type UnreadableManifest = (snapshot: Snapshot, err: VaultCorruptionError | VaultObjectNotFoundError) => Error;

/** The words prune's mark begins its refusals with (markVault's `stops`). */
export const PRUNE_MARK_STOPS = 'prune stops';

/**
 * The UnreadableManifest of a mark that is no prune's: the object, what is wrong with it and the snapshot that needs it,
 * with the ways out, and nothing of a prune (the caller says what it does without the mark).
 */
function neededBy(vault: Vault): UnreadableManifest {
  return (snapshot, err) => {
    const problem = err instanceof VaultCorruptionError ? `is corrupt (${err.detail})` : 'does not exist';
    return new VaultError(
      `${vault.location}: ${err.key} ${problem}, and snapshot ${snapshot.id} needs it (a manifest object of its, which other snapshots may share), so what that snapshot references is unknown: ` +
        'copy the object again from the DR vault (the same name holds the same bytes there) or, if it is lost, forget the snapshot; `lifeboat vault verify` names every snapshot that needs it',
      { cause: err },
    );
  };
}

/** Prune's UnreadableManifest: the object, the snapshot that needs it and the ways out (PruneManifestUnreadableError), `stops` saying how far the prune got. */
function pruneStops(vault: Vault, stops: string): UnreadableManifest {
  return (snapshot, err) => {
    const problem = err instanceof VaultCorruptionError ? `is corrupt (${err.detail})` : 'does not exist';
    return new PruneManifestUnreadableError(vault.location, snapshot.id, err.key, problem, stops, { cause: err });
  };
}

async function markSnapshot(vault: Vault, snapshot: Snapshot, pages: MarkedPages, manifests: Set<string>, blobs: BlobIdSet, memory: MarkMemory | undefined, pageBytes: ByteBudget | undefined): Promise<void> {
  if (manifests.has(snapshot.manifest)) return;
  manifests.add(snapshot.manifest);
  const root = await loadManifestRoot(vault.store, vault.keys, snapshot.manifest);
  // A node met before (shared by two snapshots) had all its pages marked then (or is being marked by another walk).
  const loadNode: NodeLoader = async (node) => {
    if (manifests.has(node.id)) return undefined;
    manifests.add(node.id);
    return pages.pages(vault, node);
  };
  // Pages are read several at a time: one by one, the thousands of pages of a vault of millions of blobs in S3
  // (20–50 ms a GET) would take minutes of a prune's 15 minutes.
  const unmarked = async function* (): AsyncGenerator<PageRef> {
    for await (const ref of rootPages(root, loadNode)) {
      if (manifests.has(ref.id)) continue;
      manifests.add(ref.id);
      yield ref;
    }
  };
  const markPage = async (ref: PageRef): Promise<void> => {
    if (memory && blobs.size > memory.blobLimit) throw memory.tooLarge();
    const ids = await pages.blobs(vault, ref);
    for (let o = 0; o < ids.length; o += 32) blobs.add(ids, o);
    if (memory && blobs.size > memory.blobLimit) throw memory.tooLarge();
  };
  // A page's weight is held until its ids are in `blobs`. The ids of the pages in flight are not counted against the
  // blob limit before they are read: the weights over-count them 2–3 times for large files (4–6 of an S3 source), and
  // many are ids other snapshots already marked, so a vault well inside the limit would fail; what they add past the
  // limit is at most what the budget, inside the reserve the limit leaves out, already weighed for them at 384 bytes an id.
  const minChunk = vault.chunker.params.minSize;
  const factor = chunkIdFactor(snapshot.source);
  await forEachBounded(unmarked(), MARK_PAGES_PER_SNAPSHOT, (ref) => readWeighedPage(pageBytes, ref, minChunk, factor, () => markPage(ref)));
}
