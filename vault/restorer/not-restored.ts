/**
 * Something of a backup that a restore was not allowed (or not able) to recreate: a socket (it
 * belongs to the process listening on it), a device node when not root, an extended attribute of a
 * namespace the restorer may not write, an owner it was asked to set but may not. The restore goes
 * on and ends with the list; `lifeboat vault restore` exits 3 ("completed with entries not
 * restored"). Damaged data is another matter (RestoreIncompleteError, exit 1).
 */
export type NotRestored = { readonly path: string; readonly what: string };

/**
 * The list a restore builds. Losses that come from the platform calls being unavailable
 * (vault/platform/posix-calls.ts) are the same for every entry, so each such kind is one item,
 * naming the first entry and counting the others.
 */
export class NotRestoredLog {
  private readonly items: NotRestored[] = [];
  private readonly platformLosses = new Map<string, { first: string; count: number }>();

  add(path: string, what: string): void {
    this.items.push({ path, what });
  }

  /** `what` (e.g. "extended attributes not restored: koffi cannot be loaded") happened for `path`; said once for all entries, naming the first path. */
  addPlatformLoss(path: string, what: string): void {
    const loss = this.platformLosses.get(what);
    if (!loss) this.platformLosses.set(what, { first: path, count: 1 });
    else {
      loss.count++;
      // Entries are restored side by side: name the first in path order, whatever finished first.
      if (path < loss.first) loss.first = path;
    }
  }

  /** Everything recorded, entries sorted by path, then the platform losses. */
  list(): NotRestored[] {
    const items = [...this.items].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const [what, { first, count }] of this.platformLosses) items.push({ path: first, what: count > 1 ? `${what} (and for ${count - 1} more entries)` : what });
    return items;
  }

  get size(): number {
    return this.items.length + this.platformLosses.size;
  }
}
