import { loadPage } from '../manifest/manifest-pages';
import { type NodeRef, type PageRef } from '../manifest/manifest-format';
import { loadManifestNode, loadManifestRoot } from '../manifest/manifest-root';
import { type Snapshot } from '../manifest/snapshot-record';
import { type Vault } from '../repository/vault';
import { VaultError } from '../vault-errors';
import { forEachBounded } from '../workers/bounded-concurrency';
import { ByteBudget } from '../workers/byte-budget';
import { chunkIdFactor, MARK_PAGES_PER_SNAPSHOT, markPageBudgetBytes, MARK_SNAPSHOTS_AT_ONCE, readWeighedPage } from './mark-concurrency';

/**
 * The ids of those of `snapshots` whose manifest (root, nodes or pages) reaches an object `vault` cannot read (a
 * VaultError reading it), each manifest object read once however many of them share it. A mark (markSnapshots) that
 * fails says neither which object nor whose: it claims each object before reading it, so a mark of fewer snapshots
 * reads again everything they share, and one damaged page shared through dedup by N snapshots cost ~2N such marks to
 * find them by bisection (review rU F1). This walk keeps instead, per root, node and page, whether all it reaches
 * reads. Other errors (a view's stop, a store's outage) are thrown. The snapshots left out are walked once more, so
 * that a read error that does not recur leaves none out.
 *
 * It holds the ids of the manifest objects it has read (as many as the mark's own set of them, and no blob ids) and
 * the pages in flight, weighed against the same budget of the vault's memory as the mark's (markPageBudgetBytes).
 */
export async function snapshotsReachingUnreadable(vault: Vault, snapshots: readonly Snapshot[]): Promise<Set<string>> {
  const limitBytes = markPageBudgetBytes(vault.memoryLimitMb);
  const walk = new ReadabilityWalk(vault, limitBytes === undefined ? undefined : new ByteBudget(limitBytes));
  const leftOut = await unreadableIn(walk, snapshots);
  if (leftOut.size === 0) return leftOut;
  // A failure is kept for every snapshot reaching that object, so a one-off error on a page N snapshots share left out
  // all N (review rW F1). Those are walked once more, failures forgotten and what read kept: a second read of each
  // object that failed and of what the first walk left unread below it; only what fails again leaves a snapshot out.
  walk.forgetFailures();
  return unreadableIn(walk, snapshots.filter((s) => leftOut.has(s.id)));
}

/** The ids of those of `snapshots` whose walk reaches an object that does not read. */
async function unreadableIn(walk: ReadabilityWalk, snapshots: readonly Snapshot[]): Promise<Set<string>> {
  const unreadable = new Set<string>();
  await forEachBounded(snapshots, MARK_SNAPSHOTS_AT_ONCE, async (snapshot) => {
    if (!(await walk.snapshotReads(snapshot))) unreadable.add(snapshot.id);
  });
  return unreadable;
}

/** Whether each manifest object, and all it reaches, reads: kept by id, so that a shared one is read once. */
class ReadabilityWalk {
  private readonly reads = new Set<string>();
  private readonly fails = new Set<string>();
  /** Objects being read by one walk, which the others wait for rather than read again. */
  private readonly underWay = new Map<string, Promise<boolean>>();

  constructor(
    private readonly vault: Vault,
    private readonly pageBytes: ByteBudget | undefined,
  ) {}

  /** Called between walks only (none under way): the objects that failed are read again when next reached. */
  forgetFailures(): void {
    this.fails.clear();
  }

  snapshotReads(snapshot: Snapshot): Promise<boolean> {
    return this.once(snapshot.manifest, () => this.rootReads(snapshot));
  }

  private async once(id: string, check: () => Promise<boolean>): Promise<boolean> {
    if (this.reads.has(id)) return true;
    if (this.fails.has(id)) return false;
    const known = this.underWay.get(id);
    if (known) return known;
    const checked = check().then((reads) => {
      (reads ? this.reads : this.fails).add(id);
      return reads;
    });
    this.underWay.set(id, checked);
    try {
      return await checked;
    } finally {
      this.underWay.delete(id);
    }
  }

  private async rootReads(snapshot: Snapshot): Promise<boolean> {
    const { store, keys } = this.vault;
    const root = await unlessUnreadable(() => loadManifestRoot(store, keys, snapshot.manifest));
    if (root === undefined) return false;
    const factor = chunkIdFactor(snapshot.source);
    if (root.v === 1) return this.pagesRead(root.pages, factor);
    // One node's page references held at a time, as the mark does (rootPages).
    for (const node of root.nodes) if (!(await this.once(node.id, () => this.nodeReads(node, factor)))) return false;
    return true;
  }

  private async nodeReads(ref: NodeRef, factor: 1 | 2): Promise<boolean> {
    const pages = await unlessUnreadable(() => loadManifestNode(this.vault.store, this.vault.keys, ref));
    return pages !== undefined && this.pagesRead(pages, factor);
  }

  private async pagesRead(refs: readonly PageRef[], factor: 1 | 2): Promise<boolean> {
    let allRead = true;
    // Once one fails, whoever reaches these fails: the rest are left for another snapshot that reaches them.
    const due = function* (): Generator<PageRef> {
      for (const ref of refs) {
        if (!allRead) return;
        yield ref;
      }
    };
    await forEachBounded(due(), MARK_PAGES_PER_SNAPSHOT, async (ref) => {
      if (!(await this.once(ref.id, () => this.pageReads(ref, factor)))) allRead = false;
    });
    return allRead;
  }

  private async pageReads(ref: PageRef, factor: 1 | 2): Promise<boolean> {
    // Weighed as the mark weighs the page: it is read whole here too.
    const page = await readWeighedPage(this.pageBytes, ref, this.vault.chunker.params.minSize, factor, () => unlessUnreadable(() => loadPage(this.vault.store, this.vault.keys, ref)));
    return page !== undefined;
  }
}

/** What `load` gives, or undefined when a VaultError says the object cannot be read. */
async function unlessUnreadable<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof VaultError) return undefined;
    throw err;
  }
}
