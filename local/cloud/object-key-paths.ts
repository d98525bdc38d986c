import { join } from 'node:path';

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
 */
const S3RVER_MARKER = '._S3rver_';
const ESCAPED_DIRECTORY = `${S3RVER_MARKER}dir_`;
export const OBJECT_FILE_SUFFIX = `${S3RVER_MARKER}object`;

/** The name on disk of a directory segment of a key. */
export function directoryName(segment: string): string {
  const verbatim = segment !== '' && segment !== '.' && segment !== '..' && !segment.includes(S3RVER_MARKER);
  return verbatim ? segment : ESCAPED_DIRECTORY + percentEncode(segment);
}

/**
 * The key segment a directory of a bucket stands for; undefined for a directory that holds no
 * object keys (s3rver's own, such as a bucket's `._S3rver_uploads`).
 */
export function segmentOfDirectory(name: string): string | undefined {
  if (name.startsWith(ESCAPED_DIRECTORY)) return percentDecode(name.slice(ESCAPED_DIRECTORY.length));
  return name.includes(S3RVER_MARKER) ? undefined : name;
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
  return join(bucketDir, ...segments.map(directoryName), `${last}${S3RVER_MARKER}${resource}`);
}

/** The directory a key's files are in (the bucket's own for a key without `/`). */
export function keyDirectory(bucketDir: string, key: string): string {
  return join(bucketDir, ...key.split('/').slice(0, -1).map(directoryName));
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
