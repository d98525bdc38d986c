import { comparePaths, type ManifestEntry, underPrefix } from '../manifest/manifest-entry';
import { ESCAPED_KEY_SEGMENT } from '../manifest/escaped-name';
import { type ManifestReader } from '../manifest/manifest-reader';
import { s3KeyAsEntryPath, s3KeyOf } from '../manifest/s3-key-path';
import { type Vault } from '../repository/vault';
import { listsPart, readableEntries, readableRun, type UnreadableManifestPart } from './readable-entries';

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

/**
 * The stored-path stem of every key starting with `prefix` (an include's keys and its own): base64url turns each 3 bytes
 * into 4 characters, its i-th character from bits 6i to 6i+5 alone, so the first ⌊4n/3⌋ characters of the base64url of
 * `prefix`'s n UTF-8 bytes are those of any key that starts with those bytes (review r61J F3: the check, the pass and the
 * marker pass each read the whole escaped prefix for a one-key include).
 */
export function escapedKeyStem(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  return `${ESCAPED_KEY_SEGMENT}/${bytes.toString('base64url').slice(0, Math.floor((bytes.length * 4) / 3))}`;
}

/** Whether an unreadable part of the escaped prefix may list a path starting with `stem`: its range reaches the stem's. */
function mayListStem(part: UnreadableManifestPart, stem: string): boolean {
  return comparePaths(part.last, stem) >= 0 && (comparePaths(part.first, stem) <= 0 || part.first.startsWith(stem));
}

/**
 * The entries stored escaped whose keys start with `prefix` and `selects` takes, in manifest order. Only the run of stored
 * paths starting with the prefix's stem (escapedKeyStem) is read; a part of it that cannot be read is added to
 * `unreadable` when its range reaches that run. `vault ls --prefix` and an include's reads share it (review r61J F1).
 */
export async function* escapedKeysUnder(
  vault: Vault,
  manifest: ManifestReader,
  prefix: string,
  selects: (key: string) => boolean,
  unreadable: UnreadableManifestPart[],
): AsyncGenerator<ManifestEntry> {
  const stem = escapedKeyStem(prefix);
  const parts: UnreadableManifestPart[] = [];
  try {
    for await (const entry of readableRun(vault, manifest, { from: stem, holds: (path) => path.startsWith(stem) }, parts)) if (selects(s3KeyOf(entry))) yield entry;
  } finally {
    for (const part of parts) if (mayListStem(part, stem)) unreadable.push(part);
  }
}

/** The entries stored escaped whose keys `include` selects (the key itself, keys under `<include>/`), in manifest order. */
export function escapedKeysOf(vault: Vault, manifest: ManifestReader, include: string, unreadable: UnreadableManifestPart[]): AsyncGenerator<ManifestEntry> {
  return escapedKeysUnder(vault, manifest, include, (key) => key === include || key.startsWith(`${include}/`), unreadable);
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
    unreadable.push(...own, ...apart.filter((part) => !listsPart(own, part)));
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
