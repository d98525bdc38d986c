import { DigestTable } from './digest-table';

/** What the record of written files may take by default: 512 MiB, about 35 million files (FORMAT §7, "Hard links"). */
export const WRITTEN_FILES_MAX_BYTES = 512 * 1024 * 1024;

/** Bytes a slot of the record takes (digest-table.ts: 96 bits). */
const SLOT_BYTES = 12;

/**
 * The regular files a restorer placed in this run, each by a digest of its path and recorded content: what a hard link's
 * later name may be linked to (FORMAT §7, "part of the same restore (and was written)"). Kept positively, not inferred from
 * manifest order (review r58K F1: a first name on a page whose read failed once, and read again by a lookup, was never
 * handed to the restorer, and the link went to the target's own file there), and answered without reading the manifest again
 * (r58K F2: a lookup per link read one page each when first names were scattered).
 *
 * Memory: a manifest marks no file as having later names (only the later names name their first), so every written file is
 * kept; knowing the first names beforehand would take a second read of every manifest page. Each is 12 bytes of a typed
 * array (digest-table.ts), 15 to 23 bytes a file outside the JavaScript heap, where a Set of strings took 117 on it (review
 * r59C F6: a restore of some 30 million files neared the heap's limit late). Bounded by `maxBytes`: a file written once the
 * record is full is not kept (`full`), and a later name of it is written as a file of its own, which the restorer reports.
 * A digest stands for the path and the content ids together, so a name is linked only to a file written with the link's own
 * content (96 bits: no collision to fear at any restore's size), salted by the table (digest-table.ts) so that whoever
 * wrote the backed-up names cannot craft two whose digests meet.
 */
export class WrittenFiles {
  private readonly table: DigestTable;
  private notKept = 0;

  constructor(maxBytes = WRITTEN_FILES_MAX_BYTES) {
    this.table = new DigestTable(Math.max(1, Math.floor(maxBytes / SLOT_BYTES)));
  }

  /** `path` now holds a file this restorer wrote (or linked) with this content. */
  add(path: string, size: number, content: readonly string[]): void {
    if (!this.table.add(this.table.digestOf(path, String(size), ...content))) this.notKept++;
  }

  /** Whether this restorer placed a file at `path` holding exactly this content in this run (and kept it: see `full`). */
  holds(path: string, size: number, content: readonly string[]): boolean {
    return this.table.has(this.table.digestOf(path, String(size), ...content));
  }

  /** Files kept (all those written, unless `full`). */
  get kept(): number {
    return this.table.size;
  }

  /** Bytes the record takes now (its table's array). */
  get bytes(): number {
    return this.table.bytes;
  }

  /** Whether some file written was not kept: the record was full (a name not held may have been written after). */
  get full(): boolean {
    return this.notKept > 0;
  }
}

/** Why a later name was not linked when the record was full: its first name may have been written after (restore.ts). */
export function writtenFilesFull(first: string, kept: number): string {
  return `hard link not made to its first name ${JSON.stringify(first)}: this restore's record of the files it wrote was full at ${kept} files, and that name may have been written after (FORMAT §7, "Hard links"); its recorded content was written to it as a file of its own`;
}
