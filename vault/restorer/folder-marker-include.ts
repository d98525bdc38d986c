import { comparePaths, type ManifestEntry, underPrefix } from '../manifest/manifest-entry';
import { ESCAPED_KEY_SEGMENT } from '../manifest/escaped-name';
import { type ManifestReader } from '../manifest/manifest-reader';
import { s3KeyAsEntryPath, s3KeyOf } from '../manifest/s3-key-path';
import { type Vault } from '../repository/vault';
import { readableEntries, type UnreadableManifestPart } from './readable-entries';

/**
 * Whether a restore of `include` from an S3 snapshot reads the escaped prefix for the folder markers under it: a key
 * ending in `/` is no path, so a backup stores every marker escaped, apart from the include's own entries. Not for an
 * include inside the escaped prefix or holding it, whose pass over the manifest meets the escaped entries itself. The
 * include check and the marker pass both ask this (review r61E F1: the check took `%lifeboat-escaped-key/xyz` through
 * the marker `%lifeboat-escaped-key/xyz/`, the pass never looked for it, and the restore brought back nothing, exit 0).
 */
export function markersStoredApart(include: string): boolean {
  return include !== '' && !underPrefix(include, ESCAPED_KEY_SEGMENT) && !underPrefix(ESCAPED_KEY_SEGMENT, include);
}

/** Whether `entry` is a folder marker stored under the escaped prefix (one the restore makes after every other entry). */
export function isEscapedMarker(entry: ManifestEntry): boolean {
  if (entry.kind !== 'object' || !underPrefix(entry.path, ESCAPED_KEY_SEGMENT)) return false;
  const placed = s3KeyAsEntryPath(entry);
  return 'path' in placed && placed.folder === true;
}

/** Whether `entry` is the folder marker of `include` (`<include>/`) or of a folder below it: one its restore makes. */
export function isFolderMarkerOf(entry: ManifestEntry, include: string): boolean {
  return isEscapedMarker(entry) && s3KeyOf(entry).startsWith(`${include}/`);
}

/**
 * Whether an S3 snapshot holds a folder marker of `include` or of a folder below it, when no key is stored under it as
 * a path: a folder that exists only as its marker (`photos/sub/`, the S3 console's "Create folder"), or only through a
 * deeper one (`photos/sub/deeper/`, review r61E F3), is selected as the workflow's `--prefix photos/sub` selects it.
 * Markers are stored by the base64url of their keys, so the whole escaped prefix is read (the restore's marker pass reads
 * it too). A part of it that cannot be read and may hold such a marker counts as one: the restore then lists that part.
 */
export async function holdsFolderMarkers(vault: Vault, manifest: ManifestReader, include: string): Promise<boolean> {
  if (!markersStoredApart(include)) return false;
  const unreadable: UnreadableManifestPart[] = [];
  for await (const entry of readableEntries(vault, manifest, ESCAPED_KEY_SEGMENT, unreadable)) if (isFolderMarkerOf(entry, include)) return true;
  // Keys sharing their first 3n bytes share the first 4n characters of their base64url: the stored paths of the markers
  // under `include` all start with this stem, so a damaged part whose range misses it holds none of them.
  const bytes = Buffer.from(`${include}/`, 'utf8');
  const stem = `${ESCAPED_KEY_SEGMENT}/${bytes.subarray(0, bytes.length - (bytes.length % 3)).toString('base64url')}`;
  return unreadable.some((part) => comparePaths(part.last, stem) >= 0 && (comparePaths(part.first, stem) <= 0 || part.first.startsWith(stem)));
}
