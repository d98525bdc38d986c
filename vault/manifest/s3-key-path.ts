import { ESCAPED_KEY_SEGMENT, storedName } from './escaped-name';
import { type ManifestEntry } from './manifest-entry';

/**
 * The object key of an S3 snapshot's entry: `meta.key`, which every backup records, else the key its path stands for
 * (the backup's s3EntryPath: the key itself, or `%lifeboat-escaped-key/<base64url of the key>`, `-` for the empty key).
 */
export function s3KeyOf(entry: Pick<ManifestEntry, 'path' | 'meta'>): string {
  const key = entry.meta['key'];
  if (typeof key === 'string') return key;
  if (!entry.path.startsWith(`${ESCAPED_KEY_SEGMENT}/`)) return entry.path;
  const encoded = entry.path.slice(ESCAPED_KEY_SEGMENT.length + 1);
  return encoded === '-' ? '' : Buffer.from(encoded, 'base64url').toString('utf8');
}

/**
 * Why an S3 key cannot be a file path under a directory, or null when it can: S3 allows any key, and a key that is not a
 * plain relative path would leave the target or land on another key's file (`a//b` and `a/b`, `a/./b`), so it is never
 * normalized into one.
 */
export function keyNotAFilePath(key: string): string | null {
  if (key === '') return 'it is empty';
  if (key.includes('\0')) return 'it contains a NUL byte';
  if (key.startsWith('/')) return 'it begins with "/" (an absolute path)';
  const segments = key.split('/');
  if (segments.some((s) => s === '..')) return 'it contains a ".." segment';
  if (segments.some((s) => s === '.')) return 'it contains a "." segment';
  if (segments.some((s) => s === '')) return 'it contains an empty segment ("//", or a "/" at its end)';
  return null;
}

/**
 * Where a directory restore writes an S3 snapshot's object (isS3KeyEntry): at its key taken literally, as the manifest
 * path that stands for exactly those names (a segment that begins with the reserved `%lifeboat-escaped-` is given in its
 * escaped form, which the restorer decodes back to the very same name: no escaped name in a key is decoded, review r59B
 * F2: `reports/%lifeboat-escaped-name-q3 summary.csv` stopped the restore as a crafted path); or, for a key that cannot
 * be a file path (keyNotAFilePath), why it is not written: the restore lists it as not restored and goes on.
 *
 * A key ending in one `/` whose other segments are safe is a folder marker (what the S3 console's "Create folder" makes,
 * `photos/`): `folder`, a directory the restore makes, when it is empty (review r59I F2: every marker was listed as not
 * restored, so a healthy bucket's restore always ended with exit 3, and an empty folder was not made); one that holds
 * bytes is not written, as a directory cannot hold them.
 */
export function s3KeyAsEntryPath(entry: Pick<ManifestEntry, 'path' | 'meta' | 'size'>): { readonly path: string; readonly folder?: true } | { readonly notWritten: string } {
  const key = s3KeyOf(entry);
  const folder = key.endsWith('/') && !key.endsWith('//') && key.length > 1;
  const asPath = folder ? key.slice(0, -1) : key;
  const why = keyNotAFilePath(asPath);
  if (why !== null) return { notWritten: `not written: the S3 key ${JSON.stringify(key)} cannot be a file path (${why}); restore this backup into a bucket to get the object back` };
  if (folder && entry.size > 0) {
    return { notWritten: `not written: the S3 key ${JSON.stringify(key)} ends in "/" (a folder) but holds ${entry.size} bytes, which a directory cannot hold; restore this backup into a bucket to get the object back` };
  }
  const path = asPath.split('/').map((name) => storedName(Buffer.from(name, 'utf8'))).join('/');
  return folder ? { path, folder: true } : { path };
}
