import { comparePaths, type NotRestored, tooLongNotMade } from '../../vault';

/**
 * The lines of the restorers that say an entry was not made as a name on its way, or its symlink target, was too long
 * (tooLongNotMade, name-too-long.ts): the entries they name, and the directories everything at and below which was not
 * made. The verify step builds the shards' once, before its walk of the directories (review r59J F4: it was built again
 * for every 1,000 directories, and each entry was compared with every directory line, some 77 s of a restore of 10,000
 * shards), and looks an entry up by its own path and each directory above it, not by a scan of the lines.
 *
 * `cut`: the ranges (first to last, in manifest order) of the shards whose check record listed only some of its lines
 * (SHARD_CHECK_LISTED): an entry in one of them refused as too long may be one of the lines left out. Another shard's
 * list is whole, so its entries need a line (review r59J F3: one flag for all shards let every refused directory of the
 * restore through unread once any shard's list was cut).
 */
export class TooLongNotMade {
  private readonly entries = new Set<string>();
  private readonly directories = new Set<string>();

  constructor(
    lines: Iterable<NotRestored>,
    private readonly cut: ReadonlyArray<{ readonly first: string; readonly last: string }> = [],
  ) {
    for (const line of lines) {
      const notMade = tooLongNotMade(line);
      if (notMade?.below !== undefined) this.directories.add(notMade.below);
      else if (notMade) this.entries.add(line.path);
    }
  }

  /** Whether a line says `entryPath` was not made: its own, or one for it or a directory above it. */
  says(entryPath: string): boolean {
    if (this.entries.has(entryPath) || this.directories.has(entryPath)) return true;
    for (let at = entryPath.indexOf('/'); at !== -1; at = entryPath.indexOf('/', at + 1)) if (this.directories.has(entryPath.slice(0, at))) return true;
    return false;
  }

  /** Whether the line for `entryPath` may be one a cut list left out: it lies in the range of a shard whose list was cut. */
  mayBeLeftOut(entryPath: string): boolean {
    return this.cut.some((range) => comparePaths(entryPath, range.first) >= 0 && comparePaths(entryPath, range.last) <= 0);
  }
}
