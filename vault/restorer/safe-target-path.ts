import * as path from 'node:path';

/** An entry of a backup cannot be restored where asked, because its path would escape the target. */
export class UnsafeEntryPathError extends Error {
  override readonly name = 'UnsafeEntryPathError';
  constructor(
    readonly entryPath: string,
    reason: string,
  ) {
    super(`Refusing to restore entry ${JSON.stringify(entryPath)}: ${reason}. Nothing was written for it.`);
  }
}

/**
 * The absolute path under `targetDir` where a backed-up entry goes. Entry paths come from backups of
 * S3 keys and file systems, so they may be hostile (`../`, absolute, NUL): anything that does not
 * stay strictly inside the target is refused rather than normalized into somewhere unexpected.
 */
export function resolveInsideTarget(targetDir: string, entryPath: string): string {
  if (entryPath.includes('\0')) throw new UnsafeEntryPathError(entryPath, 'it contains a NUL byte');
  if (path.isAbsolute(entryPath)) throw new UnsafeEntryPathError(entryPath, 'it is an absolute path');
  const segments = entryPath.split('/');
  if (segments.some((s) => s === '..')) throw new UnsafeEntryPathError(entryPath, 'it contains a ".." segment');
  const root = path.resolve(targetDir);
  const resolved = path.resolve(root, ...segments.filter((s) => s !== '' && s !== '.'));
  if (resolved !== root && !resolved.startsWith(root + path.sep)) throw new UnsafeEntryPathError(entryPath, `it resolves outside ${root}`);
  return resolved;
}
