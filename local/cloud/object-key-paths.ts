import { dirname, join } from 'node:path';

/**
 * Where the local S3 keeps an object's files: the one place an S3 key becomes a file path
 * (docs/LOCAL-CLOUD.md, "Object keys on disk"). In S3 a key is an opaque string, so
 * `a/../b`, `./c`, `a//d` and `/lead` are keys of their own; s3rver's filesystem store splits a
 * key on `/` and joins the pieces into a path, which resolves `..` (out of the bucket, even out of
 * the data directory), drops `.` and merges empty segments.
 *
 * Layout under the bucket's directory, as s3rver has it: each segment of the key but the last is a
 * directory, and the last is the start of the object's files, `<last>._S3rver_<resource>`
 * (`object`, `object.md5`, `metadata.json`, `tagging.xml`). A file name always ends in s3rver's
 * suffix, so the last segment is safe as it is, whatever it holds (`..` becomes `.._S3rver_object`).
 * A directory segment is written as it is too (so data written before this encoding still reads
 * back), unless it is `.`, `..` or empty, or holds s3rver's suffix marker (where it could collide
 * with an object's files or with s3rver's own `._S3rver_uploads` directory): then it is written as
 * ESCAPED_DIRECTORY followed by its UTF-8 bytes percent-encoded (all but letters, digits, `-`, `_`
 * and `~`), which no verbatim segment can be, so the mapping stays one to one.
 *
 * A segment whose name would be longer than a file name may be (255 bytes: a 1,024-byte key without
 * `/` is valid in S3) is cut into pieces, each but the last a directory named CHAINED_PIECE followed
 * by the piece as it is, the last written as a short segment would be (a directory name, or the
 * start of the object's file names). The names say it all, so listings read the key back from them
 * alone, and no other segment can be written so (a verbatim directory never holds the marker, an
 * escaped one starts otherwise). Segments that fit are written as before, so data written by an
 * earlier version reads back as it was.
 */
const S3RVER_MARKER = '._S3rver_';
const ESCAPED_DIRECTORY = `${S3RVER_MARKER}dir_`;
const CHAINED_PIECE = `${S3RVER_MARKER}long_`;
export const OBJECT_FILE_SUFFIX = `${S3RVER_MARKER}object`;
/** Linux's NAME_MAX: the longest file name, in bytes. */
const MAX_NAME_BYTES = 255;
/** The longest last segment written as it is: s3rver's longest suffix of an object's files (`metadata.json`) must fit after it. */
const MAX_LAST_SEGMENT_BYTES = MAX_NAME_BYTES - Buffer.byteLength(`${S3RVER_MARKER}metadata.json`);

/** The name on disk of a directory segment of a key. */
export function directoryName(segment: string): string {
  const verbatim = segment !== '' && segment !== '.' && segment !== '..' && !segment.includes(S3RVER_MARKER);
  return verbatim ? segment : ESCAPED_DIRECTORY + percentEncode(segment);
}

/**
 * The key segment a directory of a bucket stands for; undefined for a directory that holds no
 * object keys (s3rver's own, such as a bucket's `._S3rver_uploads`) or that holds a piece of a long
 * segment (chainedPieceOf).
 */
export function segmentOfDirectory(name: string): string | undefined {
  if (name.startsWith(ESCAPED_DIRECTORY)) return percentDecode(name.slice(ESCAPED_DIRECTORY.length));
  return name.includes(S3RVER_MARKER) ? undefined : name;
}

/** The piece of a long segment a directory holds, which the names below it continue; undefined for every other directory. */
export function chainedPieceOf(name: string): string | undefined {
  return name.startsWith(CHAINED_PIECE) ? name.slice(CHAINED_PIECE.length) : undefined;
}

/** The last key segment whose object content a file holds; undefined for every other file. */
export function segmentOfObjectFile(name: string): string | undefined {
  return name.endsWith(OBJECT_FILE_SUFFIX) ? name.slice(0, -OBJECT_FILE_SUFFIX.length) : undefined;
}

/**
 * The file of one of an object's resources (`object`, `metadata.json`, …), under `bucketDir`; the key
 * `''` names the bucket's own resources (`._S3rver_uploads`, `._S3rver_cors.xml`), as in s3rver.
 */
export function keyResourcePath(bucketDir: string, key: string, resource: string): string {
  const segments = key.split('/');
  const last = segments.pop() ?? '';
  const { pieces, rest } = chained(last, (tail) => Buffer.byteLength(tail) <= MAX_LAST_SEGMENT_BYTES);
  return join(bucketDir, ...segments.flatMap(directoryNames), ...pieces, `${rest}${S3RVER_MARKER}${resource}`);
}

/** The directory a key's files are in (the bucket's own for a short key without `/`). */
export function keyDirectory(bucketDir: string, key: string): string {
  return dirname(keyResourcePath(bucketDir, key, 'object'));
}

/** The directories a segment is written as: its name, or for a long one the names of its pieces. */
function directoryNames(segment: string): string[] {
  const { pieces, rest } = chained(segment, (tail) => Buffer.byteLength(directoryName(tail)) <= MAX_NAME_BYTES);
  return [...pieces, directoryName(rest)];
}

/**
 * Cuts pieces off the front of `segment`, whole characters each and as long as a name allows, until
 * what is left `fits`; each piece becomes the name of a directory.
 */
function chained(segment: string, fits: (rest: string) => boolean): { pieces: string[]; rest: string } {
  const pieces: string[] = [];
  let rest = segment;
  while (!fits(rest)) {
    let piece = '';
    let bytes = Buffer.byteLength(CHAINED_PIECE);
    for (const char of rest) {
      const size = Buffer.byteLength(char);
      if (bytes + size > MAX_NAME_BYTES) break;
      piece += char;
      bytes += size;
    }
    pieces.push(CHAINED_PIECE + piece);
    rest = rest.slice(piece.length);
  }
  return { pieces, rest };
}

const UNRESERVED = /^[A-Za-z0-9_~-]$/;

function percentEncode(segment: string): string {
  let encoded = '';
  for (const byte of Buffer.from(segment, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

function percentDecode(encoded: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '%') {
      bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
