import * as path from 'node:path';
import { escapedNameBytes, hasEscapedName } from './escaped-name';
import { type ManifestEntry } from './manifest-entry';

/** The whole paths that name the restore's target itself (a directory snapshot's root). */
export const TARGET_ITSELF: ReadonlySet<string> = new Set(['', '.', './']);

/**
 * Why no restore writes an entry at `entryPath` as a manifest records it, or null when a restore may: the rule the
 * restorer applies to every path before it touches the target (resolveInsideTarget), here so that `vault verify` applies
 * the very same one to every entry. Entry paths come from backups of S3 keys and file systems and a manifest may be
 * crafted, so a path that would not stay strictly inside the target (NUL, absolute, a `..` segment, an escaped name
 * whose bytes hold one) is refused rather than normalized into somewhere unexpected; so is an empty or `.` segment,
 * which a manifest path never has (docs/FORMAT.md §7): normalized, `a/./b`, `a//b` and `a/b` were three entries
 * restored onto one file (audit a58B F6). Lifeboat's own backups record none of these.
 */
export function refusedEntryPath(entryPath: string): string | null {
  if (entryPath.includes('\0')) return 'it contains a NUL byte';
  if (path.isAbsolute(entryPath)) return 'it is an absolute path';
  if (TARGET_ITSELF.has(entryPath)) return null;
  const segments = entryPath.split('/');
  if (segments.some((s) => s === '..')) return 'it contains a ".." segment';
  if (segments.some((s) => s === '.')) return 'it contains a "." segment, which no manifest path has (it would restore onto another entry\'s name)';
  if (segments.some((s) => s === '')) return 'it contains an empty segment (a "/" at its start or end, or two in a row), which no manifest path has (it would restore onto another entry\'s name)';
  if (!hasEscapedName(entryPath)) return null;
  for (const segment of segments) {
    try {
      escapedNameBytes(segment);
    } catch (err) {
      return (err as Error).message;
    }
  }
  return null;
}

/** Why an entry that is not a directory may not have a path naming the target itself (TARGET_ITSELF). */
export const NOT_A_DIRECTORY_AT_TARGET = 'it names the target directory itself, and it is not a directory';

/**
 * refusedEntryPath for an entry that is not a directory, which also may not name the target itself: its temporary file
 * would go beside the target, in its parent, and its rename would replace the target (RestoreTarget.pathOfNonDirectory).
 */
export function refusedNonDirectoryPath(entryPath: string): string | null {
  return TARGET_ITSELF.has(entryPath) ? NOT_A_DIRECTORY_AT_TARGET : refusedEntryPath(entryPath);
}

/**
 * Whether a directory restore takes `entry` as an S3 key rather than a path: an `object` entry of a snapshot of an S3
 * source (`source.kind` 's3'). It is written at its key taken literally (s3-key-path.ts: no escaped name is decoded), or,
 * when the key cannot be a file path, not written and listed as not restored: a legitimate key, no damage. The snapshot's
 * source decides, not the entry's `kind` alone, which a crafted manifest sets: an `object` entry `../escape.txt` of a
 * directory snapshot passed verify while its restore refused it (review r59B F1). Verify and the restorer both ask this.
 */
export function isS3KeyEntry(entry: Pick<ManifestEntry, 'kind'>, sourceKind: string): boolean {
  return sourceKind === 's3' && entry.kind === 'object';
}

/**
 * Why no restore writes `entry` of a snapshot of `sourceKind`, or null when one may (`vault verify` applies it to every
 * entry; the directory restorer applies the same rule as it resolves each entry, resolveInsideTarget and RestoreTarget):
 * - an S3 source's object (isS3KeyEntry) is a key, not a path: none is refused (a key no file path can be is listed as
 *   not restored by a directory restore, and restored verbatim into a bucket);
 * - every other entry, whatever its `kind` says, is restored at its path by the directory restorer: its rule
 *   (refusedEntryPath), a path naming the target itself only for a directory, and a file's `hardlink` first name, which
 *   the restorer refuses alike whether or not the restore covers that name (RestoreTarget.firstNameOf).
 */
export function refusedEntry(entry: Pick<ManifestEntry, 'path' | 'kind' | 'meta'>, sourceKind: string): string | null {
  if (isS3KeyEntry(entry, sourceKind)) return null;
  switch (entry.kind) {
    case 'dir':
      return refusedEntryPath(entry.path);
    case 'file': {
      const own = refusedNonDirectoryPath(entry.path);
      if (own !== null) return own;
      const first = entry.meta['hardlink'];
      if (typeof first !== 'string') return null;
      const refused = refusedNonDirectoryPath(first);
      if (refused === null) return null;
      return `it is another name (a hard link) of ${JSON.stringify(first)}, ${refused.startsWith('it ') ? `which ${refused.slice(3)}` : `which is refused: ${refused}`}`;
    }
    default:
      return refusedNonDirectoryPath(entry.path);
  }
}
