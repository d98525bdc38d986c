import { lstat } from 'node:fs/promises';
import * as path from 'node:path';
import { type FsPath } from '../platform/posix-calls';
import { type NotRestored } from './not-restored';
import { resolveInsideTarget } from './safe-target-path';
import { parentOf, pathKey, relativeDisplay } from './target-path';

/**
 * A name the target's file system refuses as too long (ENAMETOOLONG): more than 255 bytes on most
 * file systems (fewer on some: eCryptfs allows 143), or a path of more than 4,095. A backup of a
 * CIFS share or of S3 keys (up to 1,024 bytes) can hold such a name, and it is no reason to stop a
 * restore: the entry is listed as not restored and the restore goes on (audit a58B F9). The
 * restore's own temporary names are never the cause: they keep at most 100 bytes of the name, 127
 * in all (target-path.ts tempPathFor).
 */
export function isNameTooLong(err: unknown): err is NodeJS.ErrnoException {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === 'ENAMETOOLONG';
}

/**
 * What a restore could not make of an entry (`entryPath`, at `absolute` under `root`) when the file system refused a name
 * on its way as too long (`err`, from a call on that way). `saidOnce`: the name refused is a directory above the entry,
 * which every entry below it meets: the same `what` for all of them, said once with their number
 * (NotRestoredLog.addSaidOnce), not once for each of a million files; `below` is that directory as the manifest spells it.
 */
export function nameTooLong(
  root: string,
  entry: { readonly path: string; readonly absolute: FsPath },
  err: NodeJS.ErrnoException,
): { readonly what: string; readonly saidOnce: false } | { readonly what: string; readonly saidOnce: true; readonly below: string } {
  const absolute = entry.absolute;
  // A symlink's target longer than a path may be (4,095 bytes) is refused like a name (review r58K F7): Node gives the
  // target as the error's path and the new name as its dest.
  const linkTarget = (err as { path?: unknown }).path;
  if (err.syscall === 'symlink' && (typeof linkTarget === 'string' || Buffer.isBuffer(linkTarget)) && Buffer.byteLength(linkTarget) > MAX_PATH_BYTES) {
    return {
      what: `${REFUSES_ITS}symlink target as too long (ENAMETOOLONG; the target is ${Buffer.byteLength(linkTarget)} bytes: most file systems allow 4,095)`,
      saidOnce: false,
    };
  }
  const refused = refusedPath(err);
  // The entry's own name, or its temporary name beside it (a path too long as a whole fails there first).
  if (refused === undefined || pathKey(refused) === pathKey(absolute) || pathKey(parentOf(refused)) === pathKey(parentOf(absolute))) {
    return {
      what: `${REFUSES_ITS}name as too long (ENAMETOOLONG; the name is ${nameBytes(absolute)} bytes, the path in the target ${Buffer.byteLength(absolute)}: most file systems allow names of 255 bytes and paths of 4,095)`,
      saidOnce: false,
    };
  }
  const shown = relativeDisplay(root, refused);
  return {
    what: `${DIRECTORY_ABOVE}${JSON.stringify(shown)}${ABOVE_IT_NOT_MADE}the target's file system refusing its name (or path) as too long (ENAMETOOLONG)`,
    saidOnce: true,
    below: storedPrefix(entry.path, shown),
  };
}

/**
 * The directory above `entryPath` that `shown` (its display form, relativeDisplay) names, as the manifest spells it: as
 * many names of `entryPath` as `shown` has. The display form itself is no stored path: a name that is not UTF-8 shows
 * with replacement characters, one stored escaped (`%lifeboat-escaped-name-…`) as it is on disk (review r59J F1).
 */
function storedPrefix(entryPath: string, shown: string): string {
  return entryPath.split('/').slice(0, shown.split('/').length).join('/');
}

/**
 * The error of the first name on the way to `entryPath` under `root` (the entry's own name last) whose lookup the
 * target's file system refuses as too long, its path that name's, so that nameTooLong says it as a restorer would; or
 * undefined when it refuses none of those the target holds (a name not there, or any other failure, ends the look).
 * For an entry restored in pieces, written into a piece file of a short name beside its own: the name it cannot take is
 * found before its pieces are written, not by the last rename (review r59E F2, split-file-pieces.ts).
 */
export async function firstNameRefused(root: string, entryPath: string): Promise<NodeJS.ErrnoException | undefined> {
  const names = entryPath.split('/');
  for (let i = 1; i <= names.length; i++) {
    const refused = await lstat(resolveInsideTarget(root, names.slice(0, i).join('/'))).then(
      () => undefined,
      (err: unknown) => (isNameTooLong(err) ? err : null),
    );
    if (refused !== undefined) return refused ?? undefined;
  }
  return undefined;
}

/** The openings of nameTooLong's lines, which tooLongNotMade reads back. */
const REFUSES_ITS = "not restored: the target's file system refuses its ";
const DIRECTORY_ABOVE = 'not restored: the directory ';
const ABOVE_IT_NOT_MADE = ' above it could not be made, ';
/** A directory's line, said once for every entry below it (its count appended: NotRestoredLog): the directory as JSON. */
const DIRECTORY_LINE = /^not restored: the directory ("(?:[^"\\]|\\.)*") above it could not be made, /u;

/**
 * What a restorer's line, when it is one of nameTooLong's, says was not made: the entry it names (`below` undefined), or
 * everything at and below the directory `below` (a path as the manifest spells it), whose name was refused. Undefined for
 * any other line. An entry absent from the target, or one that cannot be looked up (ENAMETOOLONG), is not made only when
 * such a line says so (review r59E F1, F3): restored-entry-check.ts. The directory is the line's `below`; a line of an
 * older restorer has none, and names it only for display (a name not UTF-8 as replacement characters: review r59J F1):
 * then the names of the entry it was said for (`path`, the first below it) that the displayed directory has.
 */
export function tooLongNotMade(item: NotRestored): { readonly below?: string } | undefined {
  if (item.what.startsWith(REFUSES_ITS)) return {};
  const directory = DIRECTORY_LINE.exec(item.what)?.[1];
  if (directory === undefined) return undefined;
  if (item.below !== undefined) return { below: item.below };
  const shown: unknown = JSON.parse(directory);
  return typeof shown === 'string' ? { below: storedPrefix(item.path, shown) } : undefined;
}

/** The longest path (and symlink target) Linux takes: PATH_MAX, 4,096 bytes with its closing NUL. */
const MAX_PATH_BYTES = 4095;

/** The path of the call that failed: a rename's or a link's new name, else its one path (Node sets `path` and `dest` as given: strings or Buffers). */
function refusedPath(err: NodeJS.ErrnoException): FsPath | undefined {
  const { dest, path: at } = err as { dest?: unknown; path?: unknown };
  const refused = dest ?? at;
  return typeof refused === 'string' || Buffer.isBuffer(refused) ? refused : undefined;
}

/** The bytes of the last name of `p`. */
function nameBytes(p: FsPath): number {
  if (typeof p === 'string') return Buffer.byteLength(path.basename(p));
  return p.length - (p.lastIndexOf(0x2f) + 1);
}
