/**
 * The order a damaged part's ends are in, said with them: the manifest's, which is not S3's. A `/` sorts before every
 * other character (comparePaths), where S3 lists keys in UTF-8 byte order (`p/2024-old` before `p/2024/a`), and a key
 * no file path can be (a folder marker `photos/`, `a//b`) is stored as `%lifeboat-escaped-key/<base64url>`: those sort
 * together, among themselves by their base64url, not by key.
 */
const MANIFEST_ORDER = 'in the manifest\'s order, not S3\'s: "/" sorts first, and keys stored escaped, as folder markers are, sort together by their base64url';

/**
 * The line naming a damaged part of an S3 backup's manifest, from the keys of its first and last stored paths and what
 * it cost (`entries`). It names the part's ends, never a range of S3 keys: in S3's order the keys between them are not
 * the part's (review r61E F2, F4: "S3 keys X to Y" of plain keys left out `p/2024-old` and named keys the part does
 * not hold, and "the first X, the last Y" of escaped keys did not say by what order). `--json` keeps the stored paths.
 */
export function damagedPartKeys(firstKey: string, lastKey: string, entries: string): string {
  return `the manifest's entries from S3 key ${JSON.stringify(firstKey)} to S3 key ${JSON.stringify(lastKey)} (${entries}; ${MANIFEST_ORDER})`;
}
