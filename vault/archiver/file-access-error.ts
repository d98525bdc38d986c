/**
 * Errors of reading one file that leave it out of a snapshot, reported, rather than fail the backup: the
 * vault CLI's walk (directory-source.ts) and the workflow's directory shards (lambdas/sources/directory-entries.ts)
 * classify alike, so a sharded backup holds what `backupDirectory` holds. ENOENT is a file deleted since the walk.
 */
export function isFileAccessError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EISDIR' || code === 'ELOOP' || code === 'EIO' || code === 'ENAMETOOLONG';
}
