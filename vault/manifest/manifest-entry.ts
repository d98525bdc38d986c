import * as z from 'zod/mini';
import { countSchema, hexIdSchema } from '../repository/vault-schema';

/**
 * One entry of a snapshot's manifest (docs/FORMAT.md §7). A manifest lists the entries of a
 * *source*: files, directories, symlinks and special files (FIFOs, sockets, devices: no content) of a
 * file system; `object` entries for S3 objects (metadata record + content); `page` entries for
 * batches of records such as DynamoDB items.
 */
export const ENTRY_KINDS = ['file', 'dir', 'symlink', 'special', 'object', 'page'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type EntryMeta = { readonly [key: string]: JsonValue };

export type ManifestEntry = {
  /** '/'-separated, relative, unique within a snapshot. */
  readonly path: string;
  readonly kind: EntryKind;
  /** Source-specific metadata: mode/mtime/uid/gid/xattrs for files, target for symlinks, type/rdev for special files, etag/headers/tags for objects. */
  readonly meta: EntryMeta;
  /** Content length in bytes (sum of the raw lengths of `content`). */
  readonly size: number;
  /** Blob ids (64 hex) whose plaintexts, concatenated, are the content. */
  readonly content: readonly string[];
  /** Opaque token of the source's version of this entry (size/mtime/inode, ETag/size): equal tokens let the next backup reuse `content` unread. */
  readonly changeToken?: string;
};

const jsonValue: z.ZodMiniType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

export const manifestEntrySchema = z.object({
  path: z.string().check(z.minLength(1)),
  kind: z.enum(ENTRY_KINDS),
  meta: z.record(z.string(), jsonValue),
  size: countSchema,
  content: z.array(hexIdSchema),
  changeToken: z.optional(z.string()),
});

/**
 * The order of entries in a manifest: UTF-8 byte order of the path with '/' sorting before every
 * other character (as if it were 0x00). That is exactly the pre-order of a depth-first walk with
 * siblings sorted by name, so a directory's subtree is contiguous and follows the directory.
 * Implemented on UTF-16 code units with the usual fix-up so that it equals code-point order.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return weight(x) - weight(y);
  }
  return a.length - b.length;
}

function weight(c: number): number {
  if (c === 0x2f) return -1;
  if (c >= 0xd800 && c <= 0xdfff) return c + 0x2000; // surrogates encode code points above U+FFFF
  if (c >= 0xe000) return c - 0x800;
  return c;
}

/** True when `path` is `prefix` itself or lies below it (`prefix/...`); '' matches everything. */
export function underPrefix(path: string, prefix: string): boolean {
  if (prefix === '') return true;
  if (prefix.endsWith('/')) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * A path a person gives within a directory snapshot, written as its entry paths are: relative to the
 * directory that was backed up, so a leading `/` or `./` goes (`.` alone is the whole snapshot, ''),
 * and a trailing `/` too (a shell's completion adds it to a directory, whose own entry, with its
 * mode and times, belongs to what the path names). Null for a path with a `..` part, which names
 * nothing in a snapshot. S3 key prefixes are not paths: they stay as given.
 */
export function snapshotPathOf(raw: string): string | null {
  const path = raw.replace(/^(?:\.?\/)+/, '').replace(/\/+$/, '');
  if (path === '.') return '';
  return path.split('/').some((part) => part === '..') ? null : path;
}
