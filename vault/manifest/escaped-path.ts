import { isUtf8 } from 'node:buffer';
import { ESCAPED_NAME_SEGMENT_PREFIX, escapedNameBytes, RESERVED_NAME_PREFIX, storedName } from './escaped-name';

/**
 * A directory snapshot's path with each name escaped as a backup stores it (storedName, docs/FORMAT.md §7 "Names"), or
 * undefined when that changes nothing, as for nearly every path. A name that starts with `%lifeboat-escaped-` is stored
 * as `%lifeboat-escaped-name-<base64url of its bytes>`, so the path as typed matches no stored path: a filter (the
 * restore workflow's prefix, `vault restore --include`) tries this form when the typed one selects nothing (audit
 * a58A F2, review r59D F5). A name that is not UTF-8 cannot be typed as it is; its escaped form, given as such, is a
 * stored path and matches as it is.
 */
export function escapedPath(path: string): string | undefined {
  if (!path.includes(RESERVED_NAME_PREFIX)) return undefined;
  const escaped = path
    .split('/')
    .map((name) => storedName(Buffer.from(name, 'utf8')))
    .join('/');
  return escaped === path ? undefined : escaped;
}

/** What the "matches no entry" refusal of a directory path adds: the escaped form names are stored in, and the one tried. */
export function escapedNamesHint(tried: string | undefined): string {
  return (
    `; a name that is not UTF-8, or that starts with ${RESERVED_NAME_PREFIX}, is stored escaped, as ${ESCAPED_NAME_SEGMENT_PREFIX}<base64url of its bytes>: give that segment as the backup stores it` +
    (tried === undefined ? '' : ` (the path with its names escaped so, ${JSON.stringify(tried)}, was tried too and matches nothing either)`)
  );
}

/**
 * What the refusal of a directory path says when the path as typed and its escaped form (escapedPath) both select
 * entries: the typed path is then a stored path (a name stored escaped: not UTF-8, or starting with %lifeboat-escaped-)
 * and also, read as names on disk, a directory literally so named, stored as `escaped`. Until review r59D F4 the
 * workflow's plan took the first silently, and until review r59L F2 `vault restore --include` did. Says how to pick
 * each: `escaped` for the second; for the first, the names on disk (which the filter escapes itself, and which then
 * match only it) when they are UTF-8, else the directory above it. `option` is the caller's flag (`--prefix`, `--include`).
 */
export function ambiguousEscapedPrefixHint(typed: string, escaped: string, option: string): string {
  const onDisk = namesOnDisk(typed);
  const parent = typed.includes('/') ? typed.slice(0, typed.lastIndexOf('/')) : '';
  const first =
    onDisk !== undefined
      ? `give the names as they are on disk, ${JSON.stringify(onDisk)}`
      : `restore the directory above it, ${parent === '' ? `the whole snapshot (no ${option})` : JSON.stringify(parent)}, as a name that is not UTF-8 has no other spelling`;
  return (
    `it selects entries in two ways: as the backup stores names, the path stored as ${JSON.stringify(typed)} (a name that is not UTF-8, or that starts with ${RESERVED_NAME_PREFIX}, stored escaped), ` +
    `and, read as names on disk, the path ${JSON.stringify(typed)} itself, which the backup stores as ${JSON.stringify(escaped)}. ` +
    `To restore the second, give ${JSON.stringify(escaped)}; to restore the first, ${first}`
  );
}

/** The path a stored path stands for on disk, each escaped segment decoded; undefined when a name is not UTF-8. */
function namesOnDisk(stored: string): string | undefined {
  const names: string[] = [];
  for (const segment of stored.split('/')) {
    let bytes: Buffer | null;
    try {
      bytes = escapedNameBytes(segment);
    } catch {
      // Not an escape Lifeboat writes: no stored path holds it, and it stands for itself.
      bytes = null;
    }
    if (bytes === null) names.push(segment);
    else if (isUtf8(bytes)) names.push(bytes.toString('utf8'));
    else return undefined;
  }
  return names.join('/');
}
