import * as path from 'node:path';

/** A source path under the primary region's mount is not under the replica's mount path here. */
export class SourceOutsideMountError extends Error {
  override readonly name = 'SourceOutsideMountError';
}

/**
 * Where a file-system source's directory is in the replica mounted by the DR region's mirror check: the
 * same path relative to the mount. The replica's access point must have the same root directory as the
 * source's (docs/ARCHITECTURE.md, "Mirrors"); the config checks that sources lie under the primary mount.
 */
export function replicaDirectory(sourcePath: string, sourceMountPath: string, replicaMountPath: string): string {
  const rel = path.posix.relative(sourceMountPath, sourcePath);
  if (rel === '..' || rel.startsWith('../') || path.posix.isAbsolute(rel)) {
    throw new SourceOutsideMountError(`file-system source ${sourcePath} is not under the primary region's mount path ${sourceMountPath}: it cannot be found in the replica`);
  }
  return path.posix.join(replicaMountPath, rel);
}
