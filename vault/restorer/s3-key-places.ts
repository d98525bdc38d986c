import { DigestTable } from './digest-table';
import { type ManifestEntry } from '../manifest/manifest-entry';
import { s3KeyAsEntryPath, s3KeyOf } from '../manifest/s3-key-path';

/** Where a directory restore puts an S3 object: a file, a folder (a folder marker), or nothing, and why (listed as not restored). */
export type S3KeyPlace = { readonly path: string; readonly folder?: true } | { readonly notWritten: string };

/** What the record of places may take: 512 MiB of slots, about 35 million files and folders (as written-files.ts). */
export const S3_KEY_PLACES_MAX_BYTES = 512 * 1024 * 1024;

/** Bytes a slot takes (digest-table.ts: 96 bits). */
const SLOT_BYTES = 12;

/**
 * Where a directory restore of an S3 backup has put its keys so far: each key's file, and the folders above keys and of
 * folder markers (`photos/`). S3 allows the keys `a` and `a/b` in one bucket, a directory cannot hold both: the second to
 * claim the name is refused here, before it touches the target, and listed as not restored (review r59I F1: it stopped the
 * restore with "a directory is already there", or, with --overwrite, could remove the file `a` this restore had written).
 *
 * Claims are taken in the order the restore hands entries over (manifest order), synchronously, before any write: entries
 * restored side by side cannot race for a name, and what this restore wrote is never replaced by its own later entry. What
 * was in the target before the restore is not known here, and meets the target's rules as any entry does (the user's data).
 * Which of two keys wins: a key's file is given up for the folder when the very next entry is a key under it (`a`, then
 * `a/b`: manifest order puts a path's children right after it), so one key is listed, not the many under it; otherwise
 * the first in manifest order. A folder marker (`a/`, empty) never takes a name from a key's file: it is stored escaped,
 * so it sorts before `a` or after it by the key's first byte, and claimed first it had the object `a` listed and its bytes
 * not written (review r59N F1). Markers are claimed after every other entry (placeMarker): a name no file took gets its
 * empty directory, one a file took lists the marker (it holds no bytes: nothing of the bucket is lost); so does a name a
 * file already in the target holds, even one a failed write left free here (the restore checks the target: review r60I F1).
 *
 * Kept as 96-bit digests salted by the table (digest-table.ts, as written-files.ts: some 20 bytes a name outside the heap;
 * the random salt keeps a crafted bucket from choosing keys whose digests meet). Once full, names are no longer recorded: a
 * later conflict is then met in the target, as before this record. A key's folders are claimed from its parent up to the
 * first one already claimed (all above that one were claimed with it): a key whose parent is claimed costs three digests
 * (its own two, the parent's folder); each folder new to the restore costs two (as folder and as file), once, so the work
 * is bounded by the keys plus the distinct folders, not keys times depth (review r59N F2: 51 ms a key at depth 500; review
 * r60A F5: "a digest or two" held only under a claimed folder).
 */
export class S3KeyPlaces {
  private readonly table: DigestTable;
  /** Entries whose key's path is the folder of the next entry's key (lookingAhead). */
  private readonly foldersOfNext = new WeakSet<ManifestEntry>();
  /** Where lookingAhead found each S3 object's key goes, which place and placeMarker then take rather than work out again. */
  private readonly placedAhead = new WeakMap<ManifestEntry, S3KeyPlace>();
  /**
   * Files claimed whose write failed (their data damaged): their names are free for a folder, and no line says this restore
   * wrote them (review r60A F2: the marker `a/` was listed "where this restore wrote the file of the key "a"", `a` damaged).
   * As few as the damaged files, which the restore holds anyway.
   */
  private readonly unwritten = new Set<string>();

  constructor(maxBytes = S3_KEY_PLACES_MAX_BYTES) {
    this.table = new DigestTable(Math.max(1, Math.floor(maxBytes / SLOT_BYTES)));
  }

  /** `entries` passed on one behind, noting each S3 object whose key's file would be the folder of the next one's. */
  async *lookingAhead(entries: AsyncIterable<ManifestEntry>): AsyncGenerator<ManifestEntry> {
    let held: { entry: ManifestEntry; path: string | null } | undefined;
    for await (const entry of entries) {
      const path = entry.kind === 'object' ? this.fileOf(entry) : null;
      if (held) {
        if (held.path !== null && path !== null && path.startsWith(`${held.path}/`)) this.foldersOfNext.add(held.entry);
        yield held.entry;
      }
      held = { entry, path };
    }
    if (held) yield held.entry;
  }

  /**
   * Where the S3 object `entry` goes in the target; claimed at once (call in manifest order, before writing it). A folder
   * marker is not claimed here: it is handed back as a folder, to be placed by placeMarker once every other entry was.
   */
  place(entry: ManifestEntry): S3KeyPlace {
    if (entry.kind !== 'object') return this.placeOther(entry);
    const placed = this.placeOf(entry);
    if ('notWritten' in placed || placed.folder === true) return placed;
    const key = s3KeyOf(entry);
    if (this.foldersOfNext.has(entry)) return { notWritten: alsoAFolder(theKey(key), key) };
    const why = this.claim(theKey(key), key, placed.path, 'file');
    return why === null ? placed : { notWritten: why };
  }

  /**
   * An entry of an S3 backup that is no object (a crafted manifest: a bucket holds objects only) goes at its path, claimed
   * as any key is: an object of the same name did replace the file this restore wrote from it (review r59N F6).
   */
  private placeOther(entry: ManifestEntry): S3KeyPlace {
    const who = `the ${entry.kind} entry ${JSON.stringify(entry.path)} (an S3 backup holds objects only)`;
    const why = this.claim(who, entry.path, entry.path, entry.kind === 'dir' ? 'folder' : 'file');
    return why === null ? { path: entry.path } : { notWritten: why };
  }

  /** Where the folder marker `entry` (place handed it back as a folder) goes: called after every other entry was placed. */
  placeMarker(entry: ManifestEntry): S3KeyPlace {
    const placed = this.placeOf(entry);
    if ('notWritten' in placed) return placed;
    const key = s3KeyOf(entry);
    const why = this.claim(theKey(key), key.slice(0, -1), placed.path, 'folder', 'is a folder marker');
    return why === null ? placed : { notWritten: why };
  }

  /** The file claimed at `path` (a place's path) was not written after all: a folder marker or a key's folder may have its name. */
  fileNotWritten(path: string): void {
    this.unwritten.add(path);
  }

  /**
   * Claims `path` (the path in the target; `name`, as the key spells it) for what `who` names (`the S3 key "a"`), as a file or, for a folder marker or
   * a directory, a folder (`isFolder`: what it is, said when a file has its name); the folders above it too. Resolves null
   * when claimed, else why not (the name is another entry's, in the other kind).
   */
  private claim(who: string, name: string, path: string, as: 'file' | 'folder', isFolder = 'is a directory'): string | null {
    const asFile = this.digest('file', path);
    const asFolder = this.digest('folder', path);
    if (this.table.has(asFolder) && as === 'file') return alsoAFolder(who, name);
    // Lines quote names as the keys spell them (`name`), not as stored: a segment `%lifeboat-escaped-…` is stored escaped (review r60A F3).
    if (this.holdsFile(asFile, path)) return as === 'file' ? sameNameTwice(who, name) : alsoAFile(who, isFolder, name);
    // From the parent up to the first folder already claimed: those above it were claimed with it, none of them a file.
    const folders: Buffer[] = [];
    for (let end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1)) {
      const above = path.slice(0, end);
      const folder = this.digest('folder', above);
      if (this.table.has(folder)) break;
      if (this.holdsFile(this.digest('file', above), above)) {
        const spelled = sameNames(name, above);
        return alsoAFile(who, `needs the folder ${JSON.stringify(spelled)}`, spelled);
      }
      folders.push(folder);
    }
    for (const folder of folders) this.table.add(folder);
    this.table.add(as === 'file' ? asFile : asFolder);
    return null;
  }

  /** Whether this restore wrote, or is writing, a file at `path` (`digest`: its file digest). */
  private holdsFile(digest: Buffer, path: string): boolean {
    return this.table.has(digest) && !this.unwritten.has(path);
  }

  private digest(as: 'file' | 'folder', path: string): Buffer {
    return this.table.digestOf(as, path);
  }

  /** Where the S3 object `entry`'s key goes (s3KeyAsEntryPath), as lookingAhead found it when it passed the entry on. */
  private placeOf(entry: ManifestEntry): S3KeyPlace {
    return this.placedAhead.get(entry) ?? s3KeyAsEntryPath(entry);
  }

  /** The path of a file-like S3 object's key in the target, or null (a folder marker, or no file path); kept for placeOf. */
  private fileOf(entry: ManifestEntry): string | null {
    const placed = s3KeyAsEntryPath(entry);
    this.placedAhead.set(entry, placed);
    return 'path' in placed && placed.folder !== true ? placed.path : null;
  }
}

const INTO_A_BUCKET = 'restore this backup into a bucket to get it';

/**
 * Why the folder marker of `key` (`photos/`) was not made: `at` (its path in the target or one above it) is `is`
 * (a file…) in the target, which a marker never replaces: it holds no bytes, and the file may be the only good copy left
 * (review r60I F1: `a` damaged, its failed write freed the name and --overwrite replaced the intact `a` with the marker).
 */
export function markerOverNonDirectory(key: string, at: { readonly path: string; readonly is: string }): string {
  const spelled = sameNames(key, at.path);
  const there = at.is === 'not a directory' ? 'something that is not a directory' : at.is;
  return `not made: ${there} is there in the target at ${JSON.stringify(spelled)}, and the folder marker ${JSON.stringify(key)} holds no bytes, so it never replaces it; remove ${JSON.stringify(spelled)} and restore again to get the empty folder`;
}

/** How a line names an object: by its key. */
function theKey(key: string): string {
  return `the S3 key ${JSON.stringify(key)}`;
}

/** `who` names a folder (`name`: as the key spells it, not its stored path, review r59N F4) this restore made for other keys. */
function alsoAFolder(who: string, name: string): string {
  return `not written: ${who} is also the folder of other keys (${JSON.stringify(`${name}/…`)}): a directory cannot hold both; ${INTO_A_BUCKET}`;
}

/** `who` `what` (is a folder marker, needs the folder …) at `above` (as the key spells it), where this restore wrote another key's file. */
function alsoAFile(who: string, what: string, above: string): string {
  return `not written: ${who} ${what}, where this restore wrote the file of the key ${JSON.stringify(above)}: a directory cannot hold both; ${INTO_A_BUCKET}`;
}

/**
 * The folder `above` (a stored path above the one of `name`) as `name` spells it: as many of its names. A path stores a
 * key's names one for one (s3KeyAsEntryPath), so the key whose file is there is spelled so too.
 */
function sameNames(name: string, above: string): string {
  return name.split('/').slice(0, above.split('/').length).join('/');
}

/** Two entries of the backup at one path (`name`: as the key spells it; a crafted manifest: one bucket holds a key once). */
function sameNameTwice(who: string, path: string): string {
  return `not written: ${who} is at ${JSON.stringify(path)}, where this restore already wrote another entry of the backup; the later one does not replace it`;
}
