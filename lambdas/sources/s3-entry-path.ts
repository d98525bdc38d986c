import { checkEntryPath, ESCAPED_KEY_SEGMENT, s3KeyOf } from '../../vault';

/**
 * Manifest paths of S3 objects. The contract is "path = the object key, exactly". The vault,
 * however, refuses paths that could not be restored safely into a directory: empty segments
 * ('a//b', a trailing '/' of a folder marker), '.' and '..' segments, a leading '/', NUL. Such keys
 * are legal in S3, so they get an escaped path under a reserved first segment, and every object
 * entry also carries its exact key in `meta.key`. Restore takes `meta.key` (falling back to the path).
 *
 * The mapping is injective: a key that itself starts with the reserved segment is escaped too, so
 * no plain key can collide with an escaped one. The reserved prefix and the escape (base64url of the
 * exact bytes) are the vault's one rule for names a path cannot hold (vault/manifest/escaped-name.ts),
 * which file names that are not UTF-8 follow too.
 */
export { ESCAPED_KEY_SEGMENT };

function isPlainPath(key: string): boolean {
  try {
    checkEntryPath(key);
  } catch {
    return false;
  }
  return !(key === ESCAPED_KEY_SEGMENT || key.startsWith(`${ESCAPED_KEY_SEGMENT}/`));
}

/** The manifest path of an object key: the key itself when the vault accepts it, else the escaped form. */
export function s3EntryPath(key: string): string {
  if (isPlainPath(key)) return key;
  // base64url has no '/', so the escaped path has exactly two valid segments whatever the key.
  return `${ESCAPED_KEY_SEGMENT}/${Buffer.from(key, 'utf8').toString('base64url') || '-'}`;
}

/** The object key of a manifest path (inverse of s3EntryPath): the vault's s3KeyOf of an entry without `meta.key`. */
export function s3KeyOfEntryPath(entryPath: string): string {
  return s3KeyOf({ path: entryPath, meta: {} });
}
