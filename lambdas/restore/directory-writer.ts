import { type DirectoryEntry } from '../sources/directory-source';
import { DirectoryRestorer, RestoreTarget, type ManifestEntry, type Vault } from '../../vault';

/**
 * How the restore workflow writes file-system entries: through the vault's one directory restorer
 * (vault/restorer/restore.ts, the same code as `lifeboat vault restore`), so both follow the same
 * rules — paths stay inside the target, nothing is written through a symlink (a link where a
 * directory goes is refused, or replaced with `overwrite`), every file is written to a temporary
 * name and renamed once all its blobs were authenticated and written.
 *
 * One difference, on purpose: the workflow restores other people's files, so setuid/setgid bits are
 * dropped unless `keepSetIdBits` is asked for; the CLI, run by the data's owner, keeps every bit.
 */
export type DirectoryRestoreOptions = {
  /** Replace symlinks (or files) found where a directory is restored, instead of refusing. */
  readonly overwrite?: boolean;
  /** Keep setuid/setgid bits. @default false */
  readonly keepSetIdBits?: boolean;
};

/** Restores one entry of a file-system snapshot under `targetRoot`; resolves with the content bytes written. */
export async function restoreDirectoryEntry(vault: Vault, entry: ManifestEntry, targetRoot: string, options: DirectoryRestoreOptions = {}): Promise<number> {
  const restorer = await DirectoryRestorer.open(vault, targetRoot, { overwrite: options.overwrite ?? false, keepSetIdBits: options.keepSetIdBits ?? false });
  return restorer.restoreEntry(entry);
}

/**
 * Gives restored directories their exact mode and mtime, deepest first, after every child has been
 * written (writing a child changes its directory's mtime). Entries that are not directories are ignored.
 */
export async function finishDirectories(targetRoot: string, entries: Iterable<DirectoryEntry>, options: DirectoryRestoreOptions = {}): Promise<void> {
  const target = new RestoreTarget(targetRoot, { keepSetIdBits: options.keepSetIdBits ?? false });
  const dirs = [...entries].filter((e) => e.type === 'directory').map((e) => ({ path: e.path, attributes: { mode: e.mode, mtimeSeconds: e.mtimeMs / 1000 } }));
  await target.finishDirectories(dirs);
}
