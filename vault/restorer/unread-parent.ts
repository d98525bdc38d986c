import { type VaultCorruptionError, type VaultObjectNotFoundError } from '../vault-errors';

/**
 * A parent directory of the `--include` path that the restore made on the way to it, and whose entry is on a damaged or
 * missing manifest page: it keeps mode 0700 and the restore's time, its recorded attributes unknown. Not one of the
 * include's entries, so said apart from them: counted among the damaged, it made "1 entries could not be restored" of an
 * include restored whole (f59E).
 */
export type UnreadParent = { readonly path: string; readonly error: VaultCorruptionError | VaultObjectNotFoundError };

/** The note said of an unread parent (`path` as the caller prints names); `message` is its page's error. */
export function unreadParentNote(path: string, message: string): string {
  return `parent ${path} of the include is listed on a damaged or missing manifest page (${message}): made with mode 0700 and the restore's time, its recorded attributes not set; run \`lifeboat vault verify\` for the whole picture`;
}
