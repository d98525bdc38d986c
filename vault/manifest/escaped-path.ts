import { ESCAPED_NAME_SEGMENT_PREFIX, RESERVED_NAME_PREFIX, storedName } from './escaped-name';

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
