import { isUtf8 } from 'node:buffer';

/**
 * Names that a manifest path cannot hold as they are, stored in a reversible escaped form
 * (docs/FORMAT.md §7, "Names"). One rule for every source: names (or, for S3, keys) starting with the
 * reserved prefix `%lifeboat-escaped-` are never stored plainly, and an escaped form is that prefix,
 * a word saying what it escapes, and the base64url (no padding) of the exact bytes. So the mapping
 * is injective: no plain name can look like an escaped one.
 *
 * - S3 keys that are not valid paths: the whole key, as the path `%lifeboat-escaped-key/<base64url>`
 *   (lambdas/sources/s3-entry-path.ts).
 * - File names that are not valid UTF-8 (or that start with the reserved prefix): the one path
 *   segment `%lifeboat-escaped-name-<base64url of the name's bytes>`, so a directory with such a
 *   name still has its children below it.
 */
export const RESERVED_NAME_PREFIX = '%lifeboat-escaped-';
/** The path segment under which S3 keys that are not valid paths are stored. */
export const ESCAPED_KEY_SEGMENT = `${RESERVED_NAME_PREFIX}key`;
/** The start of a file-name segment holding the escaped bytes of a name. */
export const ESCAPED_NAME_SEGMENT_PREFIX = `${RESERVED_NAME_PREFIX}name-`;

/** A name read from a directory could not be a valid escaped segment (its bytes hold '/' or NUL, or it is empty, '.' or '..'). */
export class InvalidEscapedNameError extends Error {
  override readonly name = 'InvalidEscapedNameError';
  constructor(
    readonly segment: string,
    reason: string,
  ) {
    super(`the manifest path segment ${JSON.stringify(segment)} is not a valid escaped name: ${reason}; the manifest is damaged or was not written by Lifeboat`);
  }
}

/**
 * The manifest path segment of a file name read as bytes: the name itself when it is valid UTF-8
 * and does not start with the reserved prefix (nearly always), else its escaped form.
 */
export function storedName(raw: Buffer): string {
  if (isUtf8(raw)) {
    const name = raw.toString('utf8');
    if (!name.startsWith(RESERVED_NAME_PREFIX)) return name;
  }
  return ESCAPED_NAME_SEGMENT_PREFIX + raw.toString('base64url');
}

/** The exact bytes of the name a stored segment stands for, or null when the segment is the name itself (UTF-8). */
export function escapedNameBytes(segment: string): Buffer | null {
  if (!segment.startsWith(ESCAPED_NAME_SEGMENT_PREFIX)) return null;
  const encoded = segment.slice(ESCAPED_NAME_SEGMENT_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw new InvalidEscapedNameError(segment, 'it is not base64url');
  const bytes = Buffer.from(encoded, 'base64url');
  // A hostile manifest must not smuggle a separator or a '..' through an escape.
  if (bytes.includes(0x2f) || bytes.includes(0)) throw new InvalidEscapedNameError(segment, "its bytes hold '/' or NUL");
  if (bytes.length === 0 || (bytes.length <= 2 && bytes.every((b) => b === 0x2e))) throw new InvalidEscapedNameError(segment, "it is empty, '.' or '..'");
  // Only the form storedName writes is accepted, so one name has one segment (review r58K F3): an escape of a valid UTF-8
  // name without the reserved prefix would alias that name stored as it is (`a/%lifeboat-escaped-name-Yg` and `a/b`).
  const stored = storedName(bytes);
  if (stored !== segment) throw new InvalidEscapedNameError(segment, `Lifeboat stores the name it decodes to as ${JSON.stringify(stored)}`);
  return bytes;
}

/** True when some segment of `path` is an escaped name (cheap test first: most paths hold none). */
export function hasEscapedName(path: string): boolean {
  return path.includes(ESCAPED_NAME_SEGMENT_PREFIX);
}
