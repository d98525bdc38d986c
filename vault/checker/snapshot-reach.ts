/**
 * Which snapshots reach an object whose problem verify reports under the object's own key (verify.ts):
 * a pack whose header cannot be read (the blobs the index lists in it go unchecked) and a manifest
 * root, node or page that cannot be read. The operator asks "which backups does this hurt?", and the
 * object's key alone does not say.
 *
 * Pages and nodes shared by snapshots are read once (verify walks each once), so what lies under each
 * is kept by its id and told again to every later snapshot that reaches it, as the entry findings are
 * (lost-entries.ts). Only objects with something under them are kept.
 */
export class SnapshotReach {
  /** Blob id (hex) → the keys of the unchecked packs that hold a copy of it. */
  private readonly uncheckedBlobs = new Map<string, string[]>();
  /** Page or node id → the keys of the reported objects under it (itself included when it is one). */
  private readonly under = new Map<string, Set<string>>();
  /** Reported object key → the snapshots that reach it. */
  private readonly reachedBy = new Map<string, Set<string>>();

  /** A pack whose blobs went unchecked: an entry that uses one of them reaches the pack. */
  uncheckedPack(key: string, blobIds: Iterable<Uint8Array>): void {
    for (const id of blobIds) {
      const hex = Buffer.from(id).toString('hex');
      this.uncheckedBlobs.set(hex, [...(this.uncheckedBlobs.get(hex) ?? []), key]);
    }
  }

  /** The unchecked packs (keys) among those that hold these blobs; empty when no pack went unchecked. */
  packsOf(blobs: readonly string[]): string[] {
    if (this.uncheckedBlobs.size === 0) return [];
    return blobs.flatMap((b) => this.uncheckedBlobs.get(b) ?? []);
  }

  /** Keeps `keys` as lying under the page or node `id` (a page is also kept under the node being walked). */
  keep(id: string, keys: Iterable<string>): void {
    let kept = this.under.get(id);
    for (const key of keys) {
      if (!kept) this.under.set(id, (kept = new Set()));
      kept.add(key);
    }
  }

  /** What lies under the page or node `id`, as kept by earlier walks. */
  keptUnder(id: string): ReadonlySet<string> {
    return this.under.get(id) ?? EMPTY;
  }

  /** The snapshot reaches these reported objects. */
  reach(snapshotId: string, keys: Iterable<string>): void {
    for (const key of keys) {
      let by = this.reachedBy.get(key);
      if (!by) this.reachedBy.set(key, (by = new Set()));
      by.add(snapshotId);
    }
  }

  /** The snapshots that reach a reported object, sorted. */
  snapshotsOf(key: string): string[] {
    return [...(this.reachedBy.get(key) ?? [])].sort();
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** Snapshot ids named in a message; past this many they are counted. */
const NAMED_SNAPSHOTS = 10;

/** `a, b and 3 more`: the first NAMED_SNAPSHOTS ids in full (they are what `lifeboat vault restore` and `forget` take), the rest counted. */
export function namedSnapshots(ids: readonly string[]): string {
  const shown = ids.slice(0, NAMED_SNAPSHOTS).join(', ');
  return ids.length > NAMED_SNAPSHOTS ? `${shown} and ${ids.length - NAMED_SNAPSHOTS} more` : shown;
}
