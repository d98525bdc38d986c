import { InvalidInputError } from '../runtime/errors';

/**
 * A file-system source's path does not lead to a directory reached only through directories: it is missing, a file,
 * or it or a directory on the way to it is a symlink. A symlink there would have the backup read wherever it points,
 * outside the mount (under the local cloud: outside LIFEBOAT_FS_ROOT), for anyone who may write its parent directory.
 */
export class SourceRootNotDirectoryError extends InvalidInputError {
  constructor(
    readonly sourcePath: string,
    readonly problem: string,
    sourceName?: string,
    readonly kind: 'missing' | 'not-directory' | 'symlink' = 'symlink',
  ) {
    super(
      `${sourceName === undefined ? 'file-system source' : `source ${sourceName}`}: ${problem}: ` +
        (kind === 'symlink'
          ? `a file-system source is read only through directories under the mount, never through a symlink; point its path at the directory itself (${sourcePath})`
          : `a file-system source is a directory under the mount: create it, or correct the source's path (${sourcePath})`),
    );
  }
}
