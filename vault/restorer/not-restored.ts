/**
 * Something of a backup that a restore was not allowed (or not able) to recreate: a socket (it
 * belongs to the process listening on it), a device node when not root, an extended attribute of a
 * namespace the restorer may not write, an owner it was asked to set but may not. The restore goes
 * on and ends with the list; `lifeboat vault restore` exits 3 ("completed with entries not
 * restored"). Damaged data is another matter (RestoreIncompleteError, exit 1).
 *
 * `entries`: how many entries the item stands for, when more than one. A loss that comes from the
 * platform calls being unavailable is said once for every entry it struck (NotRestoredLog), so
 * what a restore lacks is counted by entriesNotRestored, never by the number of items: one line
 * for 5,000 files is 5,000 not restored (audit f58E). Absent: one.
 *
 * `below`: for a line said once for every entry below a directory that could not be made (name-too-long.ts), that
 * directory as the manifest spells it, which its line shows only for display (review r59J F1).
 *
 * `key`: the S3 key of an S3 backup's object restored into a directory, which the restore names instead of `path` (review
 * r59I F2: a key that is no file path has an opaque manifest path, `%lifeboat-escaped-key/…`, that tells the user nothing).
 * On a line said once for many such keys, the first one's; `keys` then names the first SAID_ONCE_KEYS of them, in path
 * order (review r60A F1: a folder too long for the target named one entry by its stored path, the other keys nowhere).
 */
export type NotRestored = {
  readonly path: string;
  readonly what: string;
  readonly entries?: number;
  readonly below?: string;
  readonly key?: string;
  readonly keys?: readonly string[];
};

/** How many of the keys a line said once for many names (`keys`): enough to find them, the count says the rest. */
export const SAID_ONCE_KEYS = 10;

/** How many entries (or attributes of entries) `items` say a restore lacks: one per item, all of them for an item said once for many. */
export function entriesNotRestored(items: Iterable<Pick<NotRestored, 'entries'>>): number {
  let count = 0;
  for (const item of items) count += item.entries ?? 1;
  return count;
}

/** `what` said once for `entries` entries, naming the first of them. */
function saidOnceFor(what: string, entries: number): string {
  return `${what} (and for ${entries - 1} more entries)`;
}

/**
 * Whether `item` is `what` said once for several entries: it counts every entry found to lack `what`, so such an entry
 * is not listed, nor counted, a second time (restored-entry-check.ts).
 */
export function countsEveryEntryLacking(item: NotRestored, what: string): boolean {
  return item.entries !== undefined && item.what === saidOnceFor(what, item.entries);
}

/**
 * The list a restore builds. Losses that come from the platform calls being unavailable
 * (vault/platform/posix-calls.ts) are the same for every entry, so each such kind is one item,
 * naming the first entry and counting the others (its `entries`); so is each directory above
 * entries that could not be made (name-too-long.ts).
 */
export class NotRestoredLog {
  private readonly items: NotRestored[] = [];
  /** By `what` and `below`: two directories whose names show alike (not UTF-8) are two lines. */
  private readonly saidOnce = new Map<string, { what: string; below?: string; first: string; count: number; keys: Array<{ path: string; key: string }> }>();

  add(path: string, what: string, key?: string): void {
    this.items.push(key === undefined ? { path, what } : { path, what, key });
  }

  /** `what` (e.g. "extended attributes not restored: koffi cannot be loaded") happened for `path`; said once for all entries, naming the first path. */
  addPlatformLoss(path: string, what: string): void {
    this.addSaidOnce(path, what);
  }

  /**
   * `what` happened for `path` as it does for other entries (the platform calls' losses, a directory above them that could
   * not be made): one item for all entries with the same `what`, naming the first path and counting them. `s3Key`: the
   * S3 key the entry is, kept among the first SAID_ONCE_KEYS keys in path order.
   */
  addSaidOnce(path: string, what: string, below?: string, s3Key?: string): void {
    const id = below === undefined ? what : `${what}\0${below}`;
    let loss = this.saidOnce.get(id);
    if (!loss) {
      loss = below === undefined ? { what, first: path, count: 0, keys: [] } : { what, below, first: path, count: 0, keys: [] };
      this.saidOnce.set(id, loss);
    }
    loss.count++;
    // Entries are restored side by side: name the first in path order, whatever finished first.
    if (path < loss.first) loss.first = path;
    if (s3Key !== undefined) keepFirst(loss.keys, { path, key: s3Key });
  }

  /** Everything recorded, entries sorted by path, then what was said once for many (the platform losses). */
  list(): NotRestored[] {
    const items = [...this.items].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const { what, below, first, count, keys } of this.saidOnce.values()) {
      const item: NotRestored = count > 1 ? { path: first, what: saidOnceFor(what, count), entries: count } : { path: first, what };
      // The first key is the first path's: keys are kept in path order, and every entry of an S3 backup's line has one.
      const [firstKey] = keys;
      const named = firstKey === undefined ? {} : keys.length === 1 ? { key: firstKey.key } : { key: firstKey.key, keys: keys.map((k) => k.key) };
      items.push({ ...item, ...(below === undefined ? {} : { below }), ...named });
    }
    return items;
  }

  /** Entries (or attributes of entries) not restored, each entry of a platform loss counted. */
  get size(): number {
    let count = this.items.length;
    for (const loss of this.saidOnce.values()) count += loss.count;
    return count;
  }
}

/** Adds `one` to `kept` (in path order), keeping the first SAID_ONCE_KEYS: a bounded list, however many entries a line stands for. */
function keepFirst(kept: Array<{ path: string; key: string }>, one: { path: string; key: string }): void {
  const last = kept.at(-1);
  if (kept.length === SAID_ONCE_KEYS && last !== undefined && one.path >= last.path) return;
  let at = kept.length;
  while (at > 0 && (kept[at - 1]?.path ?? '') > one.path) at--;
  kept.splice(at, 0, one);
  if (kept.length > SAID_ONCE_KEYS) kept.pop();
}
