/**
 * Errors of reading one file that leave it out of a snapshot, reported, rather than fail the backup: the
 * vault CLI's walk (directory-source.ts) and the workflow's directory shards (lambdas/sources/directory-entries.ts)
 * classify alike, so a sharded backup holds what `backupDirectory` holds. ENOENT is a file deleted since the walk.
 */
export function isFileAccessError(err: unknown): boolean {
  if (err instanceof NotRegularFileError) return true;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  // ENXIO, ENODEV: a socket, or a device without its driver, put in a file's place (open(2) refuses them).
  return code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EISDIR' || code === 'ELOOP' || code === 'EIO' || code === 'ENAMETOOLONG' || code === 'ENXIO' || code === 'ENODEV';
}

/**
 * A file the walk found regular that is something else when opened for reading (replaced since: a symlink, a FIFO,
 * whose open would wait for a writer forever, a device, a directory): left out, reported, like a file deleted since.
 */
export class NotRegularFileError extends Error {
  override readonly name = 'NotRegularFileError';
  constructor(file: string, what: string) {
    super(`${file} is no longer a regular file (a ${what} since the walk)`);
  }
}
