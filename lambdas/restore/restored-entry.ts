import { type DirectoryEntry } from '../sources/directory-source';
import { type ManifestEntry, s3KeyOf } from '../../vault';
import { s3HeadersOfMeta } from '../sources/s3-object-headers';
import { type S3ObjectAttributes } from './s3-object-writer';

/**
 * How manifest entries (shared contract with the backup side) map to what the writers take.
 * S3 objects: meta { key?, contentType?, headers? (Content-Encoding, Cache-Control …), metadata, tags, etag, size, lastModified }.
 * Files: meta { mode, mtimeNs, uid, gid, xattrs?, target/targetBytes (symlinks), type/rdev (special), hardlink? }
 * as vault/archiver/file-system-entry.ts writes it (docs/FORMAT.md §7); the vault's restorer reads it.
 * directoryEntry is the workflow's verification view of it (kind, mode, size, link target).
 */
/**
 * Where an S3 entry is restored: its key, verbatim, under the target's prefix. Keys the vault cannot hold as a path
 * ('a//b', '../x', 'folder/') are stored under an escaped path with the exact key in meta.key (s3KeyOf reads either).
 */
export function s3TargetKey(target: { readonly prefix: string }, entry: ManifestEntry): string {
  return `${target.prefix}${s3KeyOf(entry)}`;
}

export function s3Attributes(entry: ManifestEntry): S3ObjectAttributes {
  const meta = entry.meta;
  return {
    ...(typeof meta['contentType'] === 'string' ? { contentType: meta['contentType'] } : {}),
    // None recorded (a backup made before they were) restores the object without them, as such a backup always did.
    headers: s3HeadersOfMeta(meta) ?? {},
    metadata: stringRecord(meta['metadata']),
    tags: stringRecord(meta['tags']),
  };
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function directoryEntry(entry: ManifestEntry): DirectoryEntry {
  const mode = typeof entry.meta['mode'] === 'number' ? entry.meta['mode'] & 0o7777 : entry.kind === 'dir' ? 0o755 : 0o644;
  const ns = entry.meta['mtimeNs'];
  // Milliseconds with a fraction: utimes takes seconds as a double, which keeps about a microsecond today.
  const mtimeMs = typeof ns === 'string' && /^-?\d+$/.test(ns) ? Number(BigInt(ns) / 1000n) / 1000 : Date.now();
  const type = entry.kind === 'dir' ? 'directory' : entry.kind === 'symlink' ? 'symlink' : 'file';
  const target = entry.meta['target'];
  return { path: entry.path, type, size: entry.size, mode, mtimeMs, ...(type === 'symlink' && typeof target === 'string' ? { linkTarget: target } : {}) };
}
