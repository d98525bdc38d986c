import { ESCAPED_NAME_SEGMENT_PREFIX, RESERVED_NAME_PREFIX, storedName } from '../../vault';

/**
 * A file-system filter's path with each name escaped as a backup stores it (storedName, docs/FORMAT.md §7 "Names"),
 * or undefined when that changes nothing, as for nearly every path. A name that starts with `%lifeboat-escaped-` is
 * stored as `%lifeboat-escaped-name-<base64url of its bytes>`, so the path as typed matches no stored path: the plan
 * tries this form when the typed one selects nothing (audit a58A F2). A name that is not UTF-8 cannot be typed into
 * the request's JSON at all; its escaped form, given as such, is a stored path and matches as it is.
 */
export function escapedFilterPrefix(prefix: string): string | undefined {
  if (!prefix.includes(RESERVED_NAME_PREFIX)) return undefined;
  const escaped = prefix
    .split('/')
    .map((name) => storedName(Buffer.from(name, 'utf8')))
    .join('/');
  return escaped === prefix ? undefined : escaped;
}

/** What the "matches no entry" refusal of a file-system filter adds: the escaped form names are stored in, and the one tried. */
export function escapedNamesHint(tried: string | undefined): string {
  return (
    `; a name that is not UTF-8, or that starts with ${RESERVED_NAME_PREFIX}, is stored escaped, as ${ESCAPED_NAME_SEGMENT_PREFIX}<base64url of its bytes>: give that segment as the backup stores it` +
    (tried === undefined ? '' : ` (the path with its names escaped so, ${JSON.stringify(tried)}, was tried too and matches nothing either)`)
  );
}
