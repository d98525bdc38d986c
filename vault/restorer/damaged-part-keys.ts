import { comparePaths, underPrefix } from '../manifest/manifest-entry';
import { ESCAPED_KEY_SEGMENT } from '../manifest/escaped-name';

/** What the keys a backup stores under the escaped prefix are, for a line a person reads. */
const ESCAPED_KEYS = 'S3 keys stored escaped (folder markers and keys no file path can be)';

/**
 * The S3 keys a damaged part of the manifest lists, from its first and last stored paths (`first`/`last`) and their keys
 * (`firstKey`/`lastKey`). The manifest orders by stored path, and a key no file path can be (a folder marker `photos/`,
 * `a//b`, `..`) is stored as `%lifeboat-escaped-key/<base64url>`: those sort together at `%`, among themselves by their
 * base64url, not by key. So "keys X to Y" is a range of keys only when neither end is stored escaped and the escaped
 * ones do not lie between them (review r60M F3: a part from the escaped `фото/` to the plain `9/` read as a key range
 * that left out keys it lists and named keys it does not); otherwise the line says which keys stored escaped it holds.
 */
export function damagedPartKeys(first: string, last: string, firstKey: string, lastKey: string): string {
  const firstEscaped = underPrefix(first, ESCAPED_KEY_SEGMENT);
  const lastEscaped = underPrefix(last, ESCAPED_KEY_SEGMENT);
  const [x, y] = [JSON.stringify(firstKey), JSON.stringify(lastKey)];
  if (firstEscaped && lastEscaped) return `${ESCAPED_KEYS}, the first ${x}, the last ${y}`;
  if (firstEscaped) return `${ESCAPED_KEYS}, the first ${x}, and plain S3 keys up to ${y}`;
  if (lastEscaped) return `plain S3 keys from ${x}, and ${ESCAPED_KEYS}, the last ${y}`;
  // Plain ends on either side of the escaped ones: the part lists every key stored escaped as well.
  if (comparePaths(first, ESCAPED_KEY_SEGMENT) < 0 && comparePaths(last, ESCAPED_KEY_SEGMENT) > 0) return `plain S3 keys ${x} to ${y}, and all ${ESCAPED_KEYS}`;
  return `S3 keys ${x} to ${y}`;
}
