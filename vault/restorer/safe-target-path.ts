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

/**
 * The absolute path under `targetDir` where a backed-up entry goes. Entry paths come from backups of
 * S3 keys and file systems, so they may be hostile (`../`, absolute, NUL): anything that does not
 * stay strictly inside the target is refused rather than normalized into somewhere unexpected.
 * A segment holding an escaped file name (one that is not UTF-8, vault/manifest/escaped-name.ts)
 * becomes the name's exact bytes: the result is then a Buffer (a string whenever it is valid UTF-8).
 */
export function resolveInsideTarget(targetDir: string, entryPath: string): FsPath {
  if (entryPath.includes('\0')) throw new UnsafeEntryPathError(entryPath, 'it contains a NUL byte');
  if (path.isAbsolute(entryPath)) throw new UnsafeEntryPathError(entryPath, 'it is an absolute path');
  const segments = entryPath.split('/');
  if (segments.some((s) => s === '..')) throw new UnsafeEntryPathError(entryPath, 'it contains a ".." segment');
  const root = path.resolve(targetDir);
  const resolved = path.resolve(root, ...segments.filter((s) => s !== '' && s !== '.'));
  if (resolved !== root && !resolved.startsWith(root + path.sep)) throw new UnsafeEntryPathError(entryPath, `it resolves outside ${root}`);
  if (!hasEscapedName(entryPath)) return resolved;
  const parts: Buffer[] = [Buffer.from(root, 'utf8')];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
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
