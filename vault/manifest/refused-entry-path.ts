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

/**
 * Why no restore writes `entry`: its own path (refusedEntryPath), or the first name its `hardlink` records, which the
 * restorer refuses alike whether or not the restore covers that name (RestoreTarget.firstNameOf). Null when neither.
 */
export function refusedEntry(entry: Pick<ManifestEntry, 'path' | 'meta'>): string | null {
  const own = refusedEntryPath(entry.path);
  if (own !== null) return own;
  const first = entry.meta['hardlink'];
  if (typeof first !== 'string') return null;
  const refused = refusedEntryPath(first);
  if (refused === null) return null;
  return `it is another name (a hard link) of ${JSON.stringify(first)}, ${refused.startsWith('it ') ? `which ${refused.slice(3)}` : `which is refused: ${refused}`}`;
}
