import { type CheckedWrites, DirectoryRestorer, entryAttributes, firstNamesAmong, type ManifestEntry, type NotRestored, RestoreTarget, type Vault } from '../../vault';

/**
 * How the restore workflow writes file-system entries: through the vault's one directory restorer
 * (vault/restorer/restore.ts, the same code as `lifeboat vault restore`), so both follow the same
 * rules — paths stay inside the target, nothing is written through a symlink (a link where a
 * directory goes is refused, or replaced with `overwrite`), every file is written to a temporary
 * name and renamed once all its blobs were authenticated and written; names that are not UTF-8,
 * special files, hard links (within a shard), extended attributes, sparse files and nanosecond
 * mtimes come back as `vault restore` brings them back.
 *
 * Differences, on purpose: the workflow restores other people's files, so setuid/setgid bits are
 * dropped unless `keepSetIdBits` is asked for, and owners are not set (the files belong to the
 * restoring function's user, as before; docs/RUNBOOKS.md). A hard link whose first name lies in
 * another shard (or is not among the shard's entries) is written as a file of its own.
 */
export type DirectoryRestoreOptions = {
  /** Replace symlinks (or files) found where a directory is restored, instead of refusing. */
  readonly overwrite?: boolean;
  /** Keep setuid/setgid bits. @default false */
  readonly keepSetIdBits?: boolean;
  /** Write files with checked writes and record them here, for the shard's check (restored-entry-check.ts). @default unchecked writes */
  readonly checkedWrites?: CheckedWrites;
  /**
   * The entries this run restores (a shard's), which its hard links' first names are looked up among (firstNamesAmong): a
   * later name is linked only to a first name this restorer wrote. @default none: every later name is written as a file
   */
  readonly entries?: readonly ManifestEntry[];
};

/**
 * A restorer for entries of a file-system snapshot under `targetRoot`; `restores` says which paths this run restores (a
 * shard's range): a hard link's first name outside it is another shard's, and the link is written as a file without a word.
 */
export function openDirectoryRestorer(vault: Vault, targetRoot: string, restores: (entryPath: string) => boolean, options: DirectoryRestoreOptions = {}): Promise<DirectoryRestorer> {
  return DirectoryRestorer.open(vault, targetRoot, {
    overwrite: options.overwrite ?? false,
    keepSetIdBits: options.keepSetIdBits ?? false,
    owner: 'never',
    ...(options.entries ? { firstNameEntry: firstNamesAmong(options.entries, restores) } : {}),
    ...(options.checkedWrites ? { checkedWrites: options.checkedWrites } : {}),
  });
}

/**
 * Gives restored directories their attributes (mode, mtime to the nanosecond, extended attributes),
 * deepest first, after every child has been written (writing a child changes its directory's
 * mtime). Entries that are not directories are ignored. Resolves with what could not be applied.
 */
export async function finishDirectories(targetRoot: string, entries: Iterable<ManifestEntry>, options: DirectoryRestoreOptions = {}): Promise<NotRestored[]> {
  const target = new RestoreTarget(targetRoot, { keepSetIdBits: options.keepSetIdBits ?? false, owner: 'never' });
  const dirs = [...entries].filter((e) => e.kind === 'dir').map((e) => ({ path: e.path, attributes: entryAttributes(e) }));
  await target.finishDirectories(dirs);
  return target.notRestored.list();
}
