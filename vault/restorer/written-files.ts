import { createHash } from 'node:crypto';

/**
 * The regular files a restorer placed in this run, each by a digest of its path and recorded content: what a hard link's
 * later name may be linked to (FORMAT §7, "part of the same restore (and was written)"). Kept positively, not inferred from
 * manifest order (review r58K F1: a first name on a page whose read failed once, and read again by a lookup, was never
 * handed to the restorer, and the link went to the target's own file there), and answered without reading the manifest again
 * (r58K F2: a lookup per link read one page each when first names were scattered).
 *
 * Memory: a manifest marks no file as having later names, so every written file is kept, as a 22-character digest in a Set:
 * about 100 bytes a file, some 100 MB for a million files written by one restorer (a workflow shard holds far fewer). A
 * digest stands for the path and the content ids together, so a name is linked only to a file written with the link's own
 * content (132 bits: no collision to fear at any restore's size).
 */
export class WrittenFiles {
  private readonly digests = new Set<string>();

  /** `path` now holds a file this restorer wrote (or linked) with this content. */
  add(path: string, size: number, content: readonly string[]): void {
    this.digests.add(digestOf(path, size, content));
  }

  /** Whether this restorer placed a file at `path` holding exactly this content in this run. */
  holds(path: string, size: number, content: readonly string[]): boolean {
    return this.digests.has(digestOf(path, size, content));
  }
}

function digestOf(path: string, size: number, content: readonly string[]): string {
  const hash = createHash('sha256').update(path).update('\0').update(String(size));
  for (const id of content) hash.update('\0').update(id);
  return hash.digest('base64').slice(0, 22);
}
