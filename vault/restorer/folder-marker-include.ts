import { comparePaths, type ManifestEntry, underPrefix } from '../manifest/manifest-entry';
import { ESCAPED_KEY_SEGMENT } from '../manifest/escaped-name';
import { type ManifestReader } from '../manifest/manifest-reader';
import { s3KeyAsEntryPath, s3KeyOf } from '../manifest/s3-key-path';
import { type Vault } from '../repository/vault';
import { readableEntries, type UnreadableManifestPart } from './readable-entries';

/**
 * The keys an include of an S3 snapshot selects that are stored apart from it: a key no file path can be (`photos/sub//x`,
 * `photos/sub/../y`, one with a NUL, a folder marker `photos/sub/`) is stored escaped, by the base64url of the key, so the
 * include's own entries never hold it. The include check, the restore's pass and its marker pass all ask these.
 */

/**
 * Whether a restore of `include` from an S3 snapshot reads the escaped prefix for the keys under it stored there. Not for
 * an include inside the escaped prefix or holding it, whose pass over the manifest meets the escaped entries itself
 * (review r61E F1: the check took `%lifeboat-escaped-key/xyz` through the marker `%lifeboat-escaped-key/xyz/`, the pass
 * never looked for it, and the restore brought back nothing, exit 0).
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

/** Whether `entry` is stored escaped and its key is `include` or under `<include>/`, as an include selects keys. */
export function isEscapedKeyOf(entry: Pick<ManifestEntry, 'path' | 'meta'>, include: string): boolean {
  if (!underPrefix(entry.path, ESCAPED_KEY_SEGMENT)) return false;
  const key = s3KeyOf(entry);
  return key === include || key.startsWith(`${include}/`);
}

/**
 * Whether an unreadable part of the escaped prefix may list keys of `include`. Keys sharing their first 3n bytes share the
 * first 4n characters of their base64url: the stored paths of the keys at or under `include` all start with this stem, so
 * a part whose range misses it holds none of them.
 */
function mayListKeysOf(part: UnreadableManifestPart, include: string): boolean {
  const bytes = Buffer.from(include, 'utf8');
  const stem = `${ESCAPED_KEY_SEGMENT}/${bytes.subarray(0, bytes.length - (bytes.length % 3)).toString('base64url')}`;
  return comparePaths(part.last, stem) >= 0 && (comparePaths(part.first, stem) <= 0 || part.first.startsWith(stem));
}

/**
 * The entries stored escaped whose keys `include` selects, in manifest order. The whole escaped prefix is read (stored by
 * base64url, they do not sort together); a part of it that cannot be read is added to `unreadable` when it may list one.
 */
export async function* escapedKeysOf(vault: Vault, manifest: ManifestReader, include: string, unreadable: UnreadableManifestPart[]): AsyncGenerator<ManifestEntry> {
  const parts: UnreadableManifestPart[] = [];
  try {
    for await (const entry of readableEntries(vault, manifest, ESCAPED_KEY_SEGMENT, parts)) if (isEscapedKeyOf(entry, include)) yield entry;
  } finally {
    for (const part of parts) if (mayListKeysOf(part, include)) unreadable.push(part);
  }
}

/**
 * The entries an include of keys (markersStoredApart) selects, in manifest order, as a restore of the whole snapshot meets
 * them: its own and those stored escaped (finding f61S: `--include photos/sub` met only its folder markers there, and
 * `photos/sub//x` was neither restored nor listed, exit 0, where the workflow's `--prefix photos/sub` selects it). The two
 * runs do not overlap, so one follows the other; a part that cannot be read is added to `unreadable` once, though a part
 * listing keys of both runs (a small manifest's one page) is met by each.
 */
export async function* includeWithEscapedKeys(vault: Vault, manifest: ManifestReader, include: string, unreadable: UnreadableManifestPart[]): AsyncGenerator<ManifestEntry> {
  const own: UnreadableManifestPart[] = [];
  const apart: UnreadableManifestPart[] = [];
  const runs = [(): AsyncGenerator<ManifestEntry> => readableEntries(vault, manifest, include, own), (): AsyncGenerator<ManifestEntry> => escapedKeysOf(vault, manifest, include, apart)];
  try {
    for (const run of comparePaths(include, ESCAPED_KEY_SEGMENT) < 0 ? runs : runs.reverse()) yield* run();
  } finally {
    unreadable.push(...own, ...apart.filter((part) => !own.some((seen) => seen.first === part.first && seen.last === part.last)));
  }
}

/**
 * Whether an S3 snapshot holds a key of `include` stored escaped, when no key is stored under it as a path: a folder that
 * exists only as its marker (`photos/sub/`, the S3 console's "Create folder"), or only through a deeper one
 * (`photos/sub/deeper/`, review r61E F3), or keys no file path can be (`photos/sub//x`, finding f61S) is selected as the
 * workflow's `--prefix photos/sub` selects it. A part of the escaped prefix that cannot be read and may hold such a key
 * counts as one: the restore then lists that part.
 */
export async function holdsEscapedKeys(vault: Vault, manifest: ManifestReader, include: string): Promise<boolean> {
  if (!markersStoredApart(include)) return false;
  const unreadable: UnreadableManifestPart[] = [];
  const keys = escapedKeysOf(vault, manifest, include, unreadable);
  const first = await keys.next();
  // Ends the read (its unreadable parts are then in): one key is enough.
  await keys.return(undefined);
  return first.done !== true || unreadable.length > 0;
}
