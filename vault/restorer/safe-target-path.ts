import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import { escapedNameBytes, hasEscapedName } from '../manifest/escaped-name';
import { type FsPath } from '../platform/posix-calls';

/** An entry of a backup cannot be restored where asked, because its path would escape the target. */
export class UnsafeEntryPathError extends Error {
  override readonly name = 'UnsafeEntryPathError';
  constructor(
    readonly entryPath: string,
    readonly reason: string,
    consequence = 'Nothing was written for it.',
  ) {
    super(`Refusing to restore entry ${JSON.stringify(entryPath)}: ${reason}. ${consequence}`);
  }
}

/** The whole paths that name the target itself (a directory snapshot's root; refused for anything but a directory, RestoreTarget). */
const TARGET_ITSELF = new Set(['', '.', './']);

/**
 * The absolute path under `targetDir` where a backed-up entry goes. Entry paths come from backups of
 * S3 keys and file systems, so they may be hostile (`../`, absolute, NUL): anything that does not
 * stay strictly inside the target is refused rather than normalized into somewhere unexpected.
 * So is an empty or `.` segment (`a//b`, `a/./b`, `a/`), which a manifest path never has
 * (docs/FORMAT.md §7): normalized, `a/./b`, `a//b` and `a/b` were three entries restored onto one
 * file, each replacing the one before, and the restore counted three files (audit a58B F6).
 * A segment holding an escaped file name (one that is not UTF-8, vault/manifest/escaped-name.ts)
 * becomes the name's exact bytes: the result is then a Buffer (a string whenever it is valid UTF-8).
 */
export function resolveInsideTarget(targetDir: string, entryPath: string): FsPath {
  if (entryPath.includes('\0')) throw new UnsafeEntryPathError(entryPath, 'it contains a NUL byte');
  if (path.isAbsolute(entryPath)) throw new UnsafeEntryPathError(entryPath, 'it is an absolute path');
  const root = path.resolve(targetDir);
  if (TARGET_ITSELF.has(entryPath)) return root;
  const segments = entryPath.split('/');
  if (segments.some((s) => s === '..')) throw new UnsafeEntryPathError(entryPath, 'it contains a ".." segment');
  if (segments.some((s) => s === '.')) throw new UnsafeEntryPathError(entryPath, 'it contains a "." segment, which no manifest path has (it would restore onto another entry\'s name)');
  if (segments.some((s) => s === '')) throw new UnsafeEntryPathError(entryPath, 'it contains an empty segment (a "/" at its start or end, or two in a row), which no manifest path has (it would restore onto another entry\'s name)');
  const resolved = path.resolve(root, ...segments);
  if (resolved !== root && !resolved.startsWith(root + path.sep)) throw new UnsafeEntryPathError(entryPath, `it resolves outside ${root}`);
  if (!hasEscapedName(entryPath)) return resolved;
  const parts: Buffer[] = [Buffer.from(root, 'utf8')];
  for (const segment of segments) {
    let bytes: Buffer | null;
    try {
      bytes = escapedNameBytes(segment);
    } catch (err) {
      throw new UnsafeEntryPathError(entryPath, (err as Error).message);
    }
    parts.push(SEPARATOR, bytes ?? Buffer.from(segment, 'utf8'));
  }
  const bytes = Buffer.concat(parts);
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes;
}

const SEPARATOR = Buffer.from('/');
