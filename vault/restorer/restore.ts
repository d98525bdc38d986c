import { fetchBlobs, type FetchOptions } from './blob-fetcher';
import { type EntryAttributes, entryAttributes } from './entry-attributes';
import { entriesNotRestored, type NotRestored } from './not-restored';
import { type UnreadParent, unreadParentNote } from './unread-parent';
import { RestoreTarget, type RestoreTargetOptions } from './restore-target';
import { type OpenFile } from '../platform/file-calls';
import { ByteBudget } from '../workers/byte-budget';
import { forEachBounded } from '../workers/bounded-concurrency';
import { type Codec, codecFor, type PackRange, type RestoredRange, type WriteCheck } from '../workers/codec';
import { comparePaths, type ManifestEntry, underPrefix } from '../manifest/manifest-entry';
import { ambiguousEscapedPrefixHint, escapedNamesHint, escapedPath } from '../manifest/escaped-path';
import { shellWord } from '../shell-word';
import { entriesUnder } from './entries-under';
import { type FsPath, platformCalls } from '../platform/posix-calls';
import { DropBehind } from './drop-behind';
import { type Snapshot } from '../manifest/snapshot-record';
import { type Vault } from '../repository/vault';
import { VaultCorruptionError, VaultError, type VaultObjectNotFoundError } from '../vault-errors';
import { type BlobLocation, type VaultIndex } from '../blob-index/vault-index';
import { unindexedBlobDetail, UnindexedBlobError } from '../blob-index/unindexed-blob';
import { namingMissingIndexObjects } from './missing-index-objects';
import { packKey } from '../repository/vault-layout';
import { type RestoredContentTags } from './restored-content-tags';
import { type CheckedWrites, worstFinding, type WriteCheckFinding } from './checked-writes';
import { UnsafeEntryPathError } from './safe-target-path';
import { isS3KeyEntry } from '../manifest/refused-entry-path';
import { s3KeyOf } from '../manifest/s3-key-path';
import { ESCAPED_KEY_SEGMENT } from '../manifest/escaped-name';
import { markerOverNonDirectory, type S3KeyPlace, S3KeyPlaces } from './s3-key-places';
import { type FirstNameEntry, firstNamesInManifest, unlinkableFirstName } from './first-name-entry';
import { WrittenFiles, writtenFilesFull } from './written-files';
import { isNameTooLong, nameTooLong } from './name-too-long';
import { isVaultDamage, listsPart, readableEntries, type UnreadableManifestPart } from './readable-entries';
import { indexAfterSweep, isSweptPack, lostAfterReload } from './swept-pack-reload';
import { type BadCopyError, isBadCopy, readAnyCopy } from './blob-copies';
import { damagedPartKeys } from './damaged-part-keys';
import { escapedKeysOf, holdsEscapedKeys, includeWithEscapedKeys, isEscapedMarker, markersStoredApart } from './folder-marker-include';

export class EntryNotFoundError extends VaultError {
  override name = 'EntryNotFoundError';
}

/**
 * The content of one entry as a stream of buffers, one a blob (ranged reads, decrypted with
 * read-ahead). With `contentTags`, the content tag of each blob's authenticated plaintext is
 * recorded there as it is handed out, for a read-back of what is written from it (the restore
 * workflow's S3 targets).
 */
export async function* readEntryContent(vault: Vault, entry: ManifestEntry, options: FetchOptions & { readonly contentTags?: RestoredContentTags } = {}): AsyncGenerator<Buffer> {
  const index = await vault.index();
  const requests = entry.content.map((id) => ({ id, tag: null }));
  const tags = options.contentTags;
  let i = 0;
  for await (const { data } of fetchBlobs({ store: vault.store, keys: vault.keys, index, reloadFrom: vault }, requests, options)) {
    tags?.recordPlaintext(Buffer.from(entry.content[i] as string, 'hex'), data);
    i++;
    yield data;
  }
}

/**
 * Bytes `[start, end)` of an entry's content as a stream: the blobs overlapping the range are
 * fetched (and authenticated) whole, the ones at its edges cut. What a shard restoring one piece
 * of a large entry reads.
 */
export async function* readEntryRange(vault: Vault, entry: ManifestEntry, start: number, end: number, options: FetchOptions = {}): AsyncGenerator<Buffer> {
  if (start < 0 || end > entry.size || start >= end) throw new VaultError(`bytes ${start}–${end} are not a range of entry ${JSON.stringify(entry.path)}, which holds ${entry.size} bytes`);
  const index = await vault.index();
  const requests: Array<{ id: string; tag: { from: number; to: number } }> = [];
  for (const { hex, loc, position } of locatedBlobs(vault, index, entry)) {
    if (position >= end) break;
    if (position + loc.rawLength > start) requests.push({ id: hex, tag: { from: Math.max(0, start - position), to: Math.min(loc.rawLength, end - position) } });
  }
  for await (const { tag, data } of fetchBlobs({ store: vault.store, keys: vault.keys, index, reloadFrom: vault }, requests, options)) yield data.subarray(tag.from, tag.to);
}

/** Streams the entry at `entryPath` of a snapshot. */
export async function* readEntry(vault: Vault, snapshot: Snapshot, entryPath: string, options: FetchOptions = {}): AsyncGenerator<Buffer> {
  const entry = await (await vault.manifest(snapshot)).find(entryPath);
  if (!entry) throw new EntryNotFoundError(`snapshot ${snapshot.id.slice(0, 12)} has no entry ${JSON.stringify(entryPath)}`);
  yield* readEntryContent(vault, entry, options);
}

export type RestoreOptions = FetchOptions &
  RestoreTargetOptions & {
    /** Restore only this path and what lies below it ('' or absent: everything). */
    readonly include?: string;
    /** Decode in this thread even when the codec worker pool is available (tests of both paths). */
    readonly inline?: boolean;
    /**
     * The entry of this restore at a hard link's first name (first-name-entry.ts; restoreSnapshot: the manifest's, under
     * `include`; a workflow shard: among its own entries). A later name is linked only to a first name this restorer was
     * handed (and wrote) in this run, with the later name's own content; any other is written as a file of its own.
     * @default none: every later name is written as a file of its own
     */
    readonly firstNameEntry?: FirstNameEntry;
    /**
     * What the record of the files this restorer wrote, which later names are linked to, may take (written-files.ts).
     * @default WRITTEN_FILES_MAX_BYTES (512 MiB, about 35 million files)
     */
    readonly writtenFilesMaxBytes?: number;
    /**
     * Write every file's content with checked writes and record each file placed here
     * (checked-writes.ts): a restore that proves what it wrote (the workflow's shards) then needs
     * not read the files back.
     * @default unchecked writes (`lifeboat vault restore` proves nothing beyond the blobs' authentication)
     */
    readonly checkedWrites?: CheckedWrites;
    /**
     * Start each written file's writeback and drop its pages from the page cache once 64 MiB more
     * were written (drop-behind.ts), on a local file system where the platform calls are available.
     * The restorer's owner must then call `finish` when the restore ends.
     * @default false (restoreSnapshot, which finishes its restorer: true)
     */
    readonly dropBehind?: boolean;
  };

export type RestoreStats = {
  entries: number;
  /** Regular files (and `object`/`page` entries) written, hard links included. */
  files: number;
  dirs: number;
  symlinks: number;
  /** FIFOs and device nodes made. */
  specials: number;
  /** Files made as another name of a file restored before (hard links). */
  links: number;
  bytes: number;
  /** What was not recreated as recorded (sockets, devices when not root, some extended attributes), by path; counted with entriesNotRestored (an item may stand for many entries). */
  notRestored: NotRestored[];
  /** Parents of the include made on the way to it whose entry is on an unreadable page (restoreSnapshot only): not the restore's entries, said apart. */
  unreadParents?: UnreadParent[];
  /**
   * What could not be set on the parents of the include made on the way to it (their extended attributes, ACLs, owner),
   * by path (restoreSnapshot only): not the restore's entries, so not in `notRestored` nor its count, said apart (review
   * r59A F5: it was said nowhere).
   */
  parentsLack?: NotRestored[];
};

/**
 * A file whose content could not be restored (a damaged or missing pack); it was not created. With `through`: the entries
 * from `path` to `through` (`entries` of them, by the reference that names the part) that a damaged or missing part of the
 * manifest (a page, a node) lists: none of them was restored. `partlyOutside`: the `--include` path, when the part's range
 * reaches past it: `entries` then counts every entry the part lists, some possibly outside the include, and which ones
 * cannot be known while the part is unreadable, so the include lost up to that many (review r58K F6: they were counted as
 * the include's). Absent, every entry the part lists is the restore's.
 */
/**
 * `markersOnly`: a part the pass read (its entries restored) that its folder markers' second read could not: only those
 * markers were not made, how many of its `entries` cannot be told (review r60I F3: counted whole, restored entries twice).
 */
export type DamagedEntry = {
  readonly path: string;
  readonly error: VaultError;
  readonly through?: string;
  readonly entries?: number;
  readonly partlyOutside?: string;
  readonly markersOnly?: true;
  /** Of an S3 backup: the keys of `path` and `through`, which lines name (review r60I F4: `%lifeboat-escaped-key/bTMv to …`). */
  readonly keys?: { readonly first: string; readonly last?: string };
};

/**
 * Some files could not be restored because their data in the vault is damaged or missing, or some entries because the part
 * of the manifest that lists them is. Every other entry was restored; these files do not exist under their names (no
 * partial file is left).
 */
export class RestoreIncompleteError extends VaultError {
  override name = 'RestoreIncompleteError';
  constructor(
    readonly damaged: readonly DamagedEntry[],
    readonly stats: RestoreStats,
  ) {
    const list = damaged
      .slice(0, 20)
      .map((d) => `\n  ${damagedWhere(d)}: ${d.error.message}`)
      .join('');
    // Not the include's entries (f59E): neither counted nor in the list, but said.
    const parents = (stats.unreadParents ?? []).map((p) => `\n  note: ${unreadParentNote(p.path, p.error.message)}`).join('');
    let files = 0;
    let unlisted = 0;
    let markersAmong = 0;
    let outside: string | undefined;
    for (const d of damaged) {
      if (d.through === undefined) files++;
      else if (d.markersOnly === true) markersAmong += d.entries ?? 0;
      else unlisted += d.entries ?? 0;
      outside ??= d.partlyOutside;
    }
    const unlistedWhat =
      outside === undefined
        ? `${unlisted} entries could not be restored because the part of the snapshot's manifest that lists them is damaged or missing`
        : `up to ${unlisted} entries could not be restored because the part of the snapshot's manifest that lists them is damaged or missing, some of them possibly outside ${JSON.stringify(outside)} (which cannot be told while the part is unreadable)`;
    // Not "its other entries were restored": under an include of keys the part lists keys outside it too, never restored.
    const markersWhat = `some folder markers (empty folders) were not made: the part of the snapshot's manifest that lists them, among ${markersAmong} entries, could not be read when the markers were, after the other entries`;
    const what = [
      ...(files > 0 || (unlisted === 0 && markersAmong === 0) ? [`${files} file(s) could not be restored because their data in the vault is damaged or missing`] : []),
      ...(unlisted > 0 ? [unlistedWhat] : []),
      ...(markersAmong > 0 ? [markersWhat] : []),
    ].join(', and ');
    // The entries listed as not restored (an S3 key no file path can be) are not counted restored (review r60A F2).
    const others = stats.entries - files;
    const notAsRecorded = entriesNotRestored(stats.notRestored);
    const restoredAll = notAsRecorded === 0 ? `the other ${others} entries were restored` : `${Math.max(0, others - notAsRecorded)} of the other ${others} entries were restored, ${notAsRecorded} listed as not restored as recorded`;
    const restored = markersAmong > 0 ? `${restoredAll}, but for those folder markers` : restoredAll;
    super(
      `${what} (${restored}; run \`lifeboat vault verify --read-data\` for the whole picture):${list}${damaged.length > 20 ? `\n  … and ${damaged.length - 20} more` : ''}${parents}`,
    );
  }
}

/** What a damage line names: a file, or a part of the manifest from its first path to its last; of an S3 backup, by keys. */
function damagedWhere(d: DamagedEntry): string {
  const part = d.through !== undefined && d.through !== d.path;
  if (d.keys !== undefined) return part ? damagedPartKeys(d.keys.first, d.keys.last ?? d.keys.first, partEntries(d)) : `S3 key ${JSON.stringify(d.keys.first)}`;
  return part ? `${d.path} to ${d.through} (${partEntries(d)})` : d.path;
}

/** How many entries a damaged part of the manifest cost the restore: all it lists, or up to that many when it reaches past the include. */
function partEntries(d: DamagedEntry): string {
  if (d.markersOnly === true) return `its folder markers, among ${d.entries ?? '?'} entries`;
  const count = `${d.entries ?? '?'} entries`;
  return d.partlyOutside === undefined ? count : `up to ${count}, some possibly outside ${JSON.stringify(d.partlyOutside)}`;
}

/** Bytes of packs being read, opened and written at once. */
const RESTORE_BYTES_IN_FLIGHT = 64 * 1024 * 1024;
/** Entries being restored at once (each file open for writing holds one). */
const RESTORE_ENTRIES_IN_FLIGHT = 64;

/** How restoreEntry restored an entry: the kind of thing made (null: nothing, see notRestored) and the content bytes written. */
export type RestoredEntry = { readonly made: 'file' | 'link' | 'dir' | 'symlink' | 'special' | null; readonly bytes: number };

/**
 * Restores entries of one snapshot into a directory: the one restorer of the vault, used by
 * `lifeboat vault restore` (restoreSnapshot) and by the restore workflow (restoreEntry, one shard's
 * entries at a time). The file-system rules are RestoreTarget's: paths stay inside the target,
 * nothing is written through a symlink, each file is written to a temporary name and renamed only
 * after all its blobs were opened (authenticated) and written. The bytes are the Codec's: a file's
 * blobs are grouped into runs of one pack (one read each) and restored at their positions, on the
 * codec worker threads when they are up.
 *
 * Entries must be handed to restoreEntry in manifest order (they may run side by side): a hard
 * link's first name precedes it, and the link waits for that file to be in place.
 */
export class DirectoryRestorer {
  readonly target: RestoreTarget;
  private readonly codec: Codec;
  private readonly bytes = new ByteBudget(RESTORE_BYTES_IN_FLIGHT);
  private readonly maxRead: number;
  private readonly firstNameEntry: FirstNameEntry;
  private readonly checkedWrites: CheckedWrites | undefined;
  /** Files being written, by path: settles true once in place (and in filesWritten), false when not written (damaged). */
  private readonly filesInFlight = new Map<string, Promise<boolean>>();
  /** Files this restorer placed in this run, with their content: the only first names a later name is linked to. */
  private readonly filesWritten: WrittenFiles;
  private readonly dropBehindAsked: boolean;
  /** Made with the first file written, once the target's file system is known; null: not on this target. */
  private dropBehind: DropBehind | null | undefined;

  constructor(
    private readonly vault: Vault,
    /** Locates the blobs: the vault's index when the restorer opened, replaced by a reload when a read finds a pack swept (restoreRange). */
    private index: VaultIndex,
    targetDir: string,
    options: RestoreOptions = {},
  ) {
    this.target = new RestoreTarget(targetDir, options);
    this.codec = codecFor(vault.store, vault.keys, options);
    this.maxRead = options.maxReadBytes ?? 16 * 1024 * 1024;
    this.firstNameEntry = options.firstNameEntry ?? (() => Promise.resolve(undefined));
    this.filesWritten = new WrittenFiles(options.writtenFilesMaxBytes);
    this.checkedWrites = options.checkedWrites;
    this.dropBehindAsked = options.dropBehind ?? false;
  }

  static async open(vault: Vault, targetDir: string, options: RestoreOptions = {}): Promise<DirectoryRestorer> {
    return new DirectoryRestorer(vault, await vault.index(), targetDir, options);
  }

  /** Ends what outlives the files (drop-behind's descriptors): call once the restore is over, whether it succeeded or not. */
  finish(): void {
    this.dropBehind?.finish();
  }

  /** What this restorer could not recreate as recorded so far. */
  notRestored(): NotRestored[] {
    return this.target.notRestored.list();
  }

  /**
   * Restores one entry. A directory is created (its attributes come with finishDirectories); a
   * file or `object`/`page` entry becomes a regular file (a hard link to its first name when that
   * name is part of this restore); a symlink or special file is made (a socket, or a device when not
   * root, is listed in notRestored instead). `s3Key`: the S3 key the entry is, which a line about it names (review r59N F4).
   */
  restoreEntry(entry: ManifestEntry, s3Key?: string): Promise<RestoredEntry> {
    // Registered before the first await: a later hard link started right after must find it.
    if (entry.kind !== 'file') return this.unlessNameTooLong(entry, this.restoreOther(entry), s3Key);
    const done = this.unlessNameTooLong(entry, this.restoreFile(entry), s3Key);
    // Recorded before `placed` settles: a link awaiting it finds the file written. An entry handed again (a shard's EEXIST
    // retry) replaces its failed attempt here, and the attempt that fails leaves no mark on the one that succeeds.
    const placed = done.then(
      (restored) => {
        if (restored.made !== null) this.filesWritten.add(entry.path, entry.size, entry.content);
        return restored.made !== null;
      },
      () => false,
    );
    this.filesInFlight.set(entry.path, placed);
    void placed.then(() => {
      if (this.filesInFlight.get(entry.path) === placed) this.filesInFlight.delete(entry.path);
    });
    return done;
  }

  /**
   * What `restoring` made, or nothing when the target's file system refused a name on the entry's way as too long: the
   * entry is then listed in notRestored (name-too-long.ts), and the restore goes on with the others.
   */
  private async unlessNameTooLong(entry: ManifestEntry, restoring: Promise<RestoredEntry>, s3Key?: string): Promise<RestoredEntry> {
    try {
      return await restoring;
    } catch (err) {
      if (!isNameTooLong(err)) throw err;
      const said = nameTooLong(this.target.root, { path: entry.path, absolute: this.target.pathOf(entry.path) }, err);
      if (said.saidOnce) this.target.notRestored.addSaidOnce(entry.path, said.what, said.below, s3Key);
      else this.target.notRestored.add(entry.path, said.what, s3Key);
      return { made: null, bytes: 0 };
    }
  }

  private async restoreOther(entry: ManifestEntry): Promise<RestoredEntry> {
    const attributes = entryAttributes(entry);
    switch (entry.kind) {
      case 'dir':
        await this.target.makeDirectory(entry.path);
        return { made: 'dir', bytes: 0 };
      case 'symlink':
        await this.target.makeSymlink(entry.path, symlinkTarget(entry), attributes);
        return { made: 'symlink', bytes: 0 };
      case 'special':
        return { made: (await this.restoreSpecial(entry)) ? 'special' : null, bytes: 0 };
      default:
        return { made: 'file', bytes: await this.writeContent(entry, attributes) };
    }
  }

  private async restoreFile(entry: ManifestEntry): Promise<RestoredEntry> {
    const first = entry.meta['hardlink'];
    const attributes = entryAttributes(entry);
    if (typeof first === 'string' && (await this.linkToFirst(entry, first, attributes))) return { made: 'link', bytes: 0 };
    return { made: 'file', bytes: await this.writeContent(entry, attributes) };
  }

  /**
   * Makes `entry` a hard link to `first` when this restorer wrote that file, with the link's recorded content, in this run
   * (FORMAT §7: "part of the same restore (and was written)"); false: write the content instead. Being covered by the restore
   * is not proof of that (audit a58B F1: with `--overwrite`, a crafted `hardlink` naming a path the snapshot does not hold made
   * the link another name of the user's own file there), nor is the manifest holding it (review r58K F1: a first name whose
   * page failed to read once was never handed to the restorer), so only filesWritten is: no manifest read for a link whose
   * first name was written (r58K F2). For any other, the restore's own entry there is looked up (firstNameEntry) only to say
   * why in notRestored when the restore covers the first name without holding such a file there. RestoreTarget.makeHardLink
   * links, besides, only to a regular file reached without a symlink.
   */
  private async linkToFirst(entry: ManifestEntry, first: string, attributes: EntryAttributes): Promise<boolean> {
    const entryPath = entry.path;
    // A first name out of the target is refused whether or not this restore covers it: the entry is crafted or damaged either way.
    this.target.firstNameOf(entryPath, first);
    // A group's first name comes before its later names in the manifest (hard-link-groups.ts), so it was met already: one sorting
    // after this name was not restored yet, and what the target holds at it now is not this file.
    if (comparePaths(first, entryPath) >= 0) return false;
    const pending = this.filesInFlight.get(first);
    if (pending) await pending;
    if (!this.filesWritten.holds(first, entry.size, entry.content)) {
      const recorded = await this.firstNameEntry(first);
      const unlinkable = recorded === undefined ? undefined : unlinkableFirstName(entry, first, recorded);
      if (unlinkable !== undefined) this.target.notRestored.add(entryPath, unlinkable);
      // Its first name may have been written after the record filled (review r59C F6: bounded, not kept whole): said, since
      // the two names are now two files.
      else if (recorded && this.filesWritten.full) this.target.notRestored.add(entryPath, writtenFilesFull(first, this.filesWritten.kept));
      return false;
    }
    // Linked, the name lacks what its file lacks (its extended attributes, without the platform calls): the target says so for it too.
    return this.target.makeHardLink(entryPath, first, attributes);
  }

  private async restoreSpecial(entry: ManifestEntry): Promise<boolean> {
    const type = entry.meta['type'];
    if (type === 'socket') {
      this.target.notRestored.add(entry.path, 'socket not recreated: a socket belongs to the process listening on it (it is made again when that program starts)');
      return false;
    }
    if (type !== 'fifo' && type !== 'char' && type !== 'block') {
      this.target.notRestored.add(entry.path, `special file of unknown type ${JSON.stringify(type)} not recreated`);
      return false;
    }
    const rdev = entry.meta['rdev'];
    const device = typeof rdev === 'string' && /^\d+$/.test(rdev) ? BigInt(rdev) : 0n;
    return this.target.makeSpecial(entry.path, type, device, entryAttributes(entry));
  }

  /**
   * Writes the content of an entry as a regular file; resolves with its length. An entry whose recorded size is not what its
   * blobs hold by the index is damaged (VaultCorruptionError, before anything is written for it): written, it would come back
   * shorter or longer than the file that was backed up, and reported restored.
   */
  private async writeContent(entry: ManifestEntry, attributes: EntryAttributes): Promise<number> {
    const index = this.index;
    const ranges = rangesOf(this.vault, index, entry, this.maxRead);
    let length = 0;
    for (const range of ranges) for (const blob of range.blobs) length += blob.raw;
    if (length !== entry.size) throw entrySizeMismatch(this.vault, entry, length);
    const sparse = this.target.writesHoles;
    const checked = this.checkedWrites;
    let found: WriteCheckFinding = 'equal';
    await this.target.writeFile(
      entry.path,
      attributes,
      length,
      async (fh) => {
        const written = await this.writeRanges(ranges, index, fh, sparse, checked);
        this.droppingBehind()?.written(fh.fd, length);
        // The ranges' positions must cover the file once, in order: then no later write touched a range already compared.
        found = coversOnce(ranges, length) ? written.found : worstFinding([written.found, 'incomplete']);
        return written.bytes;
      },
      checked ? async (fh) => checked.recordPlaced(entry.path, await fh.stat({ bigint: true }), length, found) : undefined,
    );
    return length;
  }

  /** This restore's drop-behind, decided with its first file: asked for, on a local file system (the calling-thread calls), with the platform calls. */
  private droppingBehind(): DropBehind | null {
    if (this.dropBehind === undefined) {
      const calls = this.dropBehindAsked && this.target.fileCallsName === 'calling-thread' ? platformCalls() : null;
      this.dropBehind = calls ? new DropBehind(calls) : null;
    }
    return this.dropBehind;
  }

  /** Restores the ranges (located by `index`) into `fh` at their positions; resolves with the bytes written (holes left out) and, with `check`, what the checked writes found. */
  private async writeRanges(ranges: readonly PackRange[], index: VaultIndex, fh: OpenFile, sparse: boolean, check?: WriteCheck): Promise<{ bytes: number; found: WriteCheckFinding }> {
    const tasks: Array<Promise<RestoredRange>> = [];
    for (const range of ranges) {
      await this.bytes.acquire(range.length);
      const task = this.restoreRange(range, index, fh, sparse, check).finally(() => this.bytes.release(range.length));
      task.catch(() => undefined); // settled below, all of them, before the descriptor is closed
      tasks.push(task);
    }
    // Every write must be over before the descriptor is closed (a closed number may be reused).
    const results = await Promise.allSettled(tasks);
    let bytes = 0;
    const findings: WriteCheckFinding[] = [];
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') throw r.reason;
      bytes += r.value.bytes;
      const checked = r.value.checked;
      if (!checked) continue;
      // Where the codec's checked blobs ended, against where the range's blobs end by the index: a codec writing (and reading back) elsewhere is found.
      findings.push(checked.end === rangeEnd(ranges[i] as PackRange) ? checked.found : 'incomplete');
    }
    return { bytes, found: worstFinding(findings) };
  }

  /**
   * Restores one range. When its copy of the blobs is damaged or its pack is gone, blobs stored more than once are
   * restored from their other copies (restoreFromCopies). When a blob has no copy that reads and its pack is gone, the
   * vault's index is loaded again (once for every read that met the same stale index: swept-pack-reload.ts) and the
   * range's blobs are restored from the packs it locates them in now, at the same positions: a prune may have repacked
   * them and swept the pack since the index was loaded (docs/FORMAT.md §11, "Repack"). A blob in no other pack fails as
   * before. Nothing of the range was written when its read failed.
   */
  private async restoreRange(range: PackRange, index: VaultIndex, fh: OpenFile, sparse: boolean, check?: WriteCheck): Promise<RestoredRange> {
    let err: BadCopyError;
    try {
      return await this.codec.restoreRange(range, fh, sparse, check);
    } catch (failure) {
      if (!isBadCopy(failure)) throw failure;
      err = failure;
    }
    const copies = await this.restoreFromCopies(range, index, fh, sparse, check);
    if ('read' in copies) return copies.read;
    err = copies.lost ?? err;
    if (!isSweptPack(err)) throw err;
    const relocation = await indexAfterSweep(
      this.vault,
      index,
      range.blobs.map((blob) => blob.id),
    );
    // Later files are located in the new index (an index stale since is not put back); an index of this range's
    // blobs only locates nothing else.
    if (relocation.whole && this.index === index) this.index = relocation.index;
    const moved = relocatedRanges(range, relocation.index, this.maxRead);
    if (!moved) {
      lostAfterReload(index, relocation);
      throw err;
    }
    const parts: RestoredRange[] = [];
    for (const part of moved) {
      const done = await this.codec.restoreRange(part, fh, sparse, check).catch(async (failure: unknown) => {
        if (!isBadCopy(failure)) throw failure;
        const other = await this.restoreFromCopies(part, relocation.index, fh, sparse, check);
        if ('lost' in other) throw other.lost ?? failure;
        return other.read;
      });
      parts.push(done);
    }
    return joinedRanges(parts, moved, check);
  }

  /**
   * A range whose read failed on a bad copy, restored blob by blob at the same positions, each from its copies (as
   * `index` lists them) in turn: which blob of the range was bad is not known (a short or missing pack fails them all).
   * `lost` is the error of the first blob no copy of which reads; undefined when no blob of the range is stored more
   * than once (nothing to try: the range's own error stands).
   */
  private async restoreFromCopies(range: PackRange, index: VaultIndex, fh: OpenFile, sparse: boolean, check?: WriteCheck): Promise<{ read: RestoredRange } | { lost: BadCopyError | undefined }> {
    if (!range.blobs.some((blob) => index.hasCopies(blob.id))) return { lost: undefined };
    const parts: RestoredRange[] = [];
    const singles: PackRange[] = [];
    let position = range.position;
    for (const blob of range.blobs) {
      const at = position;
      const copy = await readAnyCopy(index.locations(blob.id), async (loc) => {
        const single = { packKey: packKey(loc.packId), offset: loc.offset, length: loc.storedLength, position: at, blobs: [{ id: blob.id, at: 0, stored: loc.storedLength, raw: loc.rawLength }] };
        return { single, done: await this.codec.restoreRange(single, fh, sparse, check) };
      });
      if ('lost' in copy) return copy;
      parts.push(copy.read.done);
      singles.push(copy.read.single);
      position += blob.raw;
    }
    return { read: joinedRanges(parts, singles, check) };
  }

  /**
   * Writes the blobs of a file entry that start in `[start, end)` at their positions in the piece
   * file the restore shares (RestoreTarget.writeFilePiece); every blob of the entry belongs to
   * exactly one piece when the pieces cover it. Resolves with the bytes of content the piece holds. An entry whose recorded
   * size its blobs do not hold is refused as damaged by every piece, as writeContent refuses it.
   */
  async restorePiece(entry: ManifestEntry, start: number, end: number, restoreId: string): Promise<number> {
    const index = this.index;
    let held = 0;
    for (const { loc } of locatedBlobs(this.vault, index, entry)) held += loc.rawLength;
    if (held !== entry.size) throw entrySizeMismatch(this.vault, entry, held);
    const ranges = rangesOf(this.vault, index, entry, this.maxRead, { start, end });
    let length = 0;
    for (const range of ranges) for (const blob of range.blobs) length += blob.raw;
    const sparse = this.target.writesHoles;
    await this.target.writeFilePiece(entry.path, restoreId, async (fh) => (await this.writeRanges(ranges, index, fh, sparse)).bytes);
    return length;
  }

  /** Puts a file restored in pieces in place with its attributes (RestoreTarget.finishFilePieces); false when a previous call already did. */
  finishPieces(entry: ManifestEntry, restoreId: string): Promise<boolean> {
    return this.target.finishFilePieces(entry.path, restoreId, entry.size, entryAttributes(entry));
  }

  /** Gives the restored directories among `entries` their attributes, deepest first. */
  async finishDirectories(entries: Iterable<ManifestEntry>): Promise<void> {
    await this.target.finishDirectories(directoriesOf(entries));
  }

  /**
   * Gives the directories among `entries` that are not the restore's own (the parents a filtered restore made on the way
   * to its path) their attributes, after its own: what cannot be set on them is not in notRestored, but returned.
   */
  async finishParentDirectories(entries: Iterable<ManifestEntry>): Promise<NotRestored[]> {
    return this.target.finishParentDirectories(directoriesOf(entries));
  }
}

/** The directory entries among `entries`, with the attributes they are to get. */
function directoriesOf(entries: Iterable<ManifestEntry>): Array<{ path: string; attributes: EntryAttributes }> {
  const dirs: Array<{ path: string; attributes: EntryAttributes }> = [];
  for (const e of entries) if (e.kind === 'dir') dirs.push({ path: e.path, attributes: entryAttributes(e) });
  return dirs;
}

/** An entry whose recorded size its blobs do not hold (by the index's plaintext lengths): damaged, as a blob that fails its check is. */
function entrySizeMismatch(vault: Vault, entry: ManifestEntry, held: number): VaultCorruptionError {
  return new VaultCorruptionError(
    vault.location,
    `entry ${JSON.stringify(entry.path)}`,
    `it records ${entry.size} bytes, but its blobs hold ${held} by the vault's index, so its content is not what was backed up; nothing was written for it (\`lifeboat vault verify\` reports every such entry)`,
  );
}

/** A symlink entry's target: the exact bytes when they are not UTF-8 (`targetBytes`), else `target`. */
function symlinkTarget(entry: ManifestEntry): FsPath {
  const bytes = entry.meta['targetBytes'];
  if (typeof bytes === 'string') return Buffer.from(bytes, 'base64');
  const target = entry.meta['target'];
  if (typeof target !== 'string') throw new VaultError(`symlink entry ${JSON.stringify(entry.path)} has no target in its metadata`);
  return target;
}

/**
 * `include` names no entry of the snapshot, as given nor with its names escaped (`triedEscaped`, escapedPath): the
 * restore would bring back nothing, which is a mistyped or misplaced path far more often than a wish. Thrown before the
 * target is touched. Says how names are stored escaped (review r59D F5: it did not, as the workflow's refusal did).
 */
export class IncludeMatchesNothingError extends VaultError {
  override name = 'IncludeMatchesNothingError';
  constructor(
    readonly snapshotId: string,
    readonly include: string,
    triedEscaped?: string,
    sourceKind?: Snapshot['source']['kind'],
  ) {
    const short = snapshotId.slice(0, 12);
    super(
      sourceKind === 's3'
        ? s3IncludeMatchesNothing(short, include)
        : `snapshot ${short} has no entry at or under ${JSON.stringify(include)}, so nothing was restored; its paths are relative to the directory that was backed up (\`lifeboat vault ls ${short}\` lists them)${escapedNamesHint(triedEscaped)}`,
    );
  }
}

/**
 * The refusal of an include of an S3 snapshot, in keys, not file paths (review r61E F3: it told of the directory that
 * was backed up). An include inside the escaped prefix is a stored path, as `vault ls` shows it: a key that starts so is
 * stored escaped itself, so it is not found by its key (review r61E F1).
 */
function s3IncludeMatchesNothing(short: string, include: string): string {
  const ls = `\`lifeboat vault ls ${short}\``;
  if (!markersStoredApart(include)) {
    return `S3 snapshot ${short} has no entry stored at or under ${JSON.stringify(include)}, so nothing was restored; under ${ESCAPED_KEY_SEGMENT}/ --include takes the stored paths ${ls} shows (each with its key after it), not keys: a key starting with ${JSON.stringify(ESCAPED_KEY_SEGMENT)} is itself stored escaped, so give its stored path, or restore the whole snapshot`;
  }
  return `S3 snapshot ${short} has no key at or under ${JSON.stringify(include)} (the key itself or keys starting with ${JSON.stringify(`${include}/`)}), nor a folder marker there, so nothing was restored; --include takes a key prefix as the bucket names it, up to a "/" (${ls} lists the keys: a key stored escaped, a folder marker's always, shows its key after its stored path)`;
}

/**
 * `include` selects entries both as given (a stored path: a name stored escaped) and with its names escaped (a directory
 * literally so named on disk), or one form may where its page is damaged (review r60G F1): restoring either would be a guess at which one was meant, and the one not meant is
 * someone else's data. Thrown before the target is touched, naming both forms and how to give each; the workflow's
 * `--prefix` refuses the same path (review r59L F2: `vault restore --include` took the first silently).
 */
export class IncludeIsAmbiguousError extends VaultError {
  override name = 'IncludeIsAmbiguousError';
  constructor(
    readonly snapshotId: string,
    readonly include: string,
    readonly escaped: string,
    /** How to give each form (ambiguousEscapedPrefixHint, which reads the snapshot to check the spellings it suggests). */
    hint: string,
  ) {
    super(`--include ${shellWord(include)} of snapshot ${snapshotId.slice(0, 12)} is ambiguous, so nothing was restored and the target was not touched: ${hint}`);
  }
}

/**
 * Restores a snapshot (or the subset under `include`: IncludeMatchesNothingError when there is none) into `targetDir`. Files, `object` and `page`
 * entries become regular files; directories, symlinks, FIFOs and devices are recreated, hard links
 * linked; attributes applied. What may not be recreated is in the result's `notRestored`.
 *
 * A file whose data is damaged or missing in the vault is not created, nor are the entries of a
 * manifest page (or node) that is, the restore goes on with the other entries, and at the end
 * RestoreIncompleteError names every such file and page's range of paths (docs/FORMAT.md §7).
 * Any other failure (the target, the manifest's root) stops the restore at once.
 */
export async function restoreSnapshot(vault: Vault, snapshot: Snapshot, targetDir: string, options: RestoreOptions = {}): Promise<RestoreStats> {
  const include = await includeAsStored(vault, snapshot, options.include ?? '');
  const manifest = await vault.manifest(snapshot);
  const restorer = await DirectoryRestorer.open(vault, targetDir, { firstNameEntry: firstNamesInManifest(manifest, include), dropBehind: true, ...options });
  try {
    return await restoreEntries(restorer, vault, snapshot, include);
  } finally {
    restorer.finish();
  }
}

/**
 * The directory entries of the snapshot above `path`, outermost first (`a` and `a/b` for `a/b/c`
 * and for `a/b/`). A restore of `path` alone creates these directories in the target and gives them
 * the entries' attributes with its own directories (finishDirectories), so the restored subtree is
 * reached as it was, not through directories of mode 0700 dated by the restore.
 */
export async function ancestorDirectories(vault: Vault, snapshot: Snapshot, path: string, unreadable?: (path: string, error: VaultCorruptionError | VaultObjectNotFoundError) => void): Promise<ManifestEntry[]> {
  const manifest = await vault.manifest(snapshot);
  // The last name is the path's own: '' after a trailing `/`, whose path selects only what lies below its directory.
  const names = path.split('/').slice(0, -1).filter((name) => name !== '');
  const found: ManifestEntry[] = [];
  for (let depth = 1; depth <= names.length; depth++) {
    const at = names.slice(0, depth).join('/');
    let entry: ManifestEntry | undefined;
    try {
      entry = await manifest.find(at);
    } catch (err) {
      // With `unreadable`, a directory on a damaged page is told there and left out (it keeps what the restore made it).
      if (!unreadable || !isVaultDamage(err)) throw err;
      unreadable(at, err);
      continue;
    }
    if (entry?.kind === 'dir') found.push(entry);
  }
  return found;
}

/** What the ambiguity refusal of `--include` says of a manifest page it could not read: where it is named, and what still restores. */
const DAMAGED_PAGE_ADVICE = '`lifeboat vault verify` names it; a restore of the directory above both forms, or of the whole snapshot, brings back what the other pages hold and lists the page';

/**
 * `include` as the snapshot stores it: as given when an entry is at or under it, else with its names escaped as the
 * backup escaped them (a name starting with %lifeboat-escaped-, given as it is on disk: review r59D F5, as the
 * workflow's filter since audit a58A F2); IncludeMatchesNothingError when neither is, IncludeIsAmbiguousError when both
 * are. An S3 snapshot's keys are taken literally (as the workflow's prefix is): the key as given is the one meant.
 * An S3 folder that exists only as its marker (`photos/sub/`, stored escaped), a deeper one's, or keys no file path can be
 * (`photos/sub//x`, stored escaped too) is selected by its key too.
 * A form whose first page cannot be read may hold entries when that page's reference (its first and last path) reaches
 * where they sort: with the other form selecting entries too, which one is meant cannot be told, and the path is
 * refused as ambiguous as the workflow's `--prefix` is (review r60G F1: the form that was read was taken, and the
 * other's entries, on a page the restore then never read, were left out without a word). Where the reference shows the
 * form cannot be there, it selects nothing (review r60C F1: any damaged page refused even a file on a readable one);
 * a form on a damaged page that is taken is restored as far as it reads, with the damage listed (readableEntries).
 */
async function includeAsStored(vault: Vault, snapshot: Snapshot, include: string): Promise<string> {
  if (include === '') return include;
  const escaped = escapedPath(include);
  const manifest = await vault.manifest(snapshot);
  const asGiven = await entriesUnder(manifest, include);
  if (asGiven !== 'none' && (escaped === undefined || snapshot.source.kind === 's3')) return include;
  // The restore meets the keys stored escaped under it with its own entries (restoreEntries).
  if (snapshot.source.kind === 's3' && (await holdsEscapedKeys(vault, manifest, include))) return include;
  const asEscaped = escaped === undefined ? 'none' : await entriesUnder(manifest, escaped);
  if (asGiven !== 'none' && asEscaped !== 'none' && escaped !== undefined) {
    // A spelling on a page that cannot be read may select entries: it is not suggested as picking one form alone.
    const hint = await ambiguousEscapedPrefixHint(include, escaped, '--include', (path) => entriesUnder(manifest, path), DAMAGED_PAGE_ADVICE);
    throw new IncludeIsAmbiguousError(snapshot.id, include, escaped, hint);
  }
  if (asGiven !== 'none') return include;
  if (asEscaped !== 'none' && escaped !== undefined) return escaped;
  throw new IncludeMatchesNothingError(snapshot.id, include, escaped, snapshot.source.kind);
}

/** restoreSnapshot's pass over the manifest with its restorer. */
async function restoreEntries(restorer: DirectoryRestorer, vault: Vault, snapshot: Snapshot, include: string): Promise<RestoreStats> {
  const manifest = await vault.manifest(snapshot);
  const stats: RestoreStats = { entries: 0, files: 0, dirs: 0, symlinks: 0, specials: 0, links: 0, bytes: 0, notRestored: [] };
  const dirs: ManifestEntry[] = [];
  const symlinks: ManifestEntry[] = [];
  const damaged: DamagedEntry[] = [];
  await restorer.target.makeDirectory('');
  const count = (r: RestoredEntry): void => {
    // Awaited first, counted after: `stats.bytes += await …` would read the sum before the await and lose the other entries' bytes.
    stats.bytes += r.bytes;
    if (r.made === 'dir') stats.dirs++;
    else if (r.made === 'symlink') stats.symlinks++;
    else if (r.made === 'special') stats.specials++;
    else if (r.made === 'file' || r.made === 'link') {
      stats.files++;
      if (r.made === 'link') stats.links++;
    }
  };
  // An S3 source's objects go at their keys taken literally (s3-key-places.ts), each claimed before anything is written.
  const s3Keys = snapshot.source.kind === 's3' ? new S3KeyPlaces() : null;
  // Folder markers, made after every other entry: an empty marker never takes a name from a key's file (review r59N F1).
  // A backup stores every marker escaped (s3EntryPath: a key ending in `/` is no path), so those are read again from that
  // prefix after the pass rather than held (review r60A F4: ~515 bytes each, 0.5 GB for a million console folders); only
  // a crafted one stored elsewhere is held.
  const markers: ManifestEntry[] = [];
  let escapedMarkers = false;
  /** What restoring `entry` made (null: nothing, damaged or in notRestored); `marker`: a folder marker's turn, after the pass. */
  const restore = async (entry: ManifestEntry, marker = false): Promise<RestoredEntry['made']> => {
    // A key no file path can be, or whose name another key's file or folder took, is listed by its key; the restore goes on.
    const placeOf = (keys: S3KeyPlaces): S3KeyPlace => (marker ? keys.placeMarker(entry) : keys.place(entry));
    // Every entry of an S3 backup claims its name, an object or not (review r59N F6: a crafted `file` entry was replaced).
    const placed: S3KeyPlace = s3Keys ? placeOf(s3Keys) : { path: entry.path };
    if ('notWritten' in placed) {
      restorer.target.notRestored.add(entry.path, placed.notWritten, isS3KeyEntry(entry, snapshot.source.kind) ? s3KeyOf(entry) : undefined);
      return null;
    }
    try {
      if (placed.folder === true && !marker) {
        if (underPrefix(entry.path, ESCAPED_KEY_SEGMENT)) escapedMarkers = true;
        else markers.push(entry);
        return null;
      }
      if (placed.folder === true) {
        // A file there (the user's, or one whose rewrite just failed on damage and freed the name) is kept: listed instead.
        const blocked = await restorer.target.nonDirectoryOn(placed.path);
        if (blocked !== null) {
          restorer.target.notRestored.add(entry.path, markerOverNonDirectory(s3KeyOf(entry), blocked), s3KeyOf(entry));
          return null;
        }
        // A folder marker records no directory attributes: its folder is made as those above keys are (review r59I F2).
        count(await restorer.restoreEntry({ ...entry, kind: 'dir', path: placed.path }, s3KeyOf(entry)));
        return null;
      }
      const s3Key = s3Keys && isS3KeyEntry(entry, snapshot.source.kind) ? s3KeyOf(entry) : undefined;
      const restored = await restorer.restoreEntry(placed.path === entry.path ? entry : { ...entry, path: placed.path }, s3Key);
      count(restored);
      return restored.made;
    } catch (err) {
      if (isVaultDamage(err)) {
        damaged.push({ path: entry.path, error: err, ...(s3Keys && isS3KeyEntry(entry, snapshot.source.kind) ? { keys: { first: s3KeyOf(entry) } } : {}) });
        // Not written: a folder marker after the pass may make its name a folder, and no line says it was written.
        s3Keys?.fileNotWritten(placed.path);
        return null;
      }
      // The restore stops here (the target is not what it may write into): say so, not only that this entry was skipped.
      if (err instanceof UnsafeEntryPathError) throw err.stoppingRestore();
      throw err;
    }
  };
  // A damaged or missing page is reported with the paths it lists, and the pass goes on with the next one (audit a58B F3): the
  // directories it lists, met again below it, are made on the way (mode 0700, dated by the restore), which hides nothing.
  const unreadable: UnreadableManifestPart[] = [];
  const markersUnread: UnreadableManifestPart[] = [];
  // An include of keys (`photos`) lies apart from the escaped prefix, where its keys no file path can be are stored
  // (`photos/sub//x`, a folder marker `photos/sub/`): the pass meets them there too, as a whole restore does (finding f61S:
  // only the markers were looked for, after the pass, and the other keys were left out without a word).
  const markersOfInclude = s3Keys !== null && markersStoredApart(include);
  const entries = markersOfInclude ? includeWithEscapedKeys(vault, manifest, include, unreadable) : readableEntries(vault, manifest, include, unreadable);
  await forEachBounded(s3Keys ? s3Keys.lookingAhead(entries) : entries, RESTORE_ENTRIES_IN_FLIGHT, async (entry) => {
    stats.entries++;
    if (entry.kind === 'symlink') {
      // Links last: then no entry of this restore can even be looked up through one it created.
      symlinks.push(entry);
      return;
    }
    // Only a directory made gets its attributes: one whose name is too long for the target was not.
    if ((await restore(entry)) === 'dir') dirs.push(entry);
  });
  if (escapedMarkers) {
    // The markers the pass met and left for now, read again: of an include of keys, those under it (review r60I F2:
    // `--include photos` never made the empty folder `photos/sub/`); otherwise of `include` or the escaped prefix,
    // whichever lies inside the other (the pass met markers, so one does).
    const again: UnreadableManifestPart[] = [];
    const reread = markersOfInclude ? escapedKeysOf(vault, manifest, include, again) : readableEntries(vault, manifest, include === '' ? ESCAPED_KEY_SEGMENT : include, again);
    for await (const entry of reread) if (isEscapedMarker(entry)) await restore(entry, true);
    // A part the pass read and this read cannot (a pack gone meanwhile) held markers: reported, not dropped in silence.
    for (const part of again) if (!listsPart(unreadable, part)) markersUnread.push(part);
  }
  for (const entry of markers) await restore(entry, true);
  // A symlink stops the restore as any entry does (a directory in its place): with the same words, not a bare refusal.
  for (const entry of symlinks) await restore(entry);
  // The include's parents this restore made on the way to it get their recorded attributes too, after everything below them was
  // written; parents that were in the target already (an overwrite in place) are left as their owner keeps them.
  // A part's count is of every entry it lists: exact for the include only when its whole range lies inside it (an include's
  // entries are contiguous in manifest order), else an upper bound.
  const inside = (part: UnreadableManifestPart): boolean => underPrefix(part.first, include) && underPrefix(part.last, include);
  // An S3 backup's lines name keys: a part's first and last path may be stored escaped (a folder marker's always is).
  const keysOf = (part: UnreadableManifestPart): Pick<DamagedEntry, 'keys'> => (s3Keys ? { keys: { first: s3KeyOf({ path: part.first, meta: {} }), last: s3KeyOf({ path: part.last, meta: {} }) } } : {});
  const partLine = (part: UnreadableManifestPart, what: Pick<DamagedEntry, 'partlyOutside' | 'markersOnly'>): DamagedEntry => ({ path: part.first, through: part.last, entries: part.count, error: part.error, ...what, ...keysOf(part) });
  for (const part of unreadable) damaged.push(partLine(part, inside(part) ? {} : { partlyOutside: include }));
  for (const part of markersUnread) damaged.push(partLine(part, { markersOnly: true }));
  const reported = (path: string): boolean => unreadable.some((part) => comparePaths(part.first, path) <= 0 && comparePaths(path, part.last) <= 0);
  const unreadParents: UnreadParent[] = [];
  const ancestors =
    include === ''
      ? []
      : (
          await ancestorDirectories(vault, snapshot, include, (path, error) => {
            // A parent this restore made whose entry is on a damaged page keeps mode 0700 and the restore's time: said, once,
            // apart from the include's entries (f59E: counted among them, an include restored whole failed with "1 entries").
            if (restorer.target.madeDirectory(path) && !reported(path)) unreadParents.push({ path, error });
          })
        ).filter((entry) => restorer.target.madeDirectory(entry.path));
  if (unreadParents.length > 0) stats.unreadParents = unreadParents;
  await restorer.finishDirectories(dirs);
  // Not the restore's entries: what cannot be set on them is not counted in notRestored (as the workflow's verify step
  // leaves them out since review r58D F4): one file without its extended attributes was counted with its parents (review r58I F4).
  const own = new Set(dirs.map((d) => d.path));
  const parentsLack = await restorer.finishParentDirectories(ancestors.filter((entry) => !own.has(entry.path)));
  if (parentsLack.length > 0) stats.parentsLack = parentsLack;
  // A blob in no index while index objects the snapshot lists are missing: the repair may find it in its pack, and is named.
  await namingMissingIndexObjects(vault, snapshot, damaged);
  stats.notRestored = restorer.notRestored();
  if (damaged.length > 0) throw new RestoreIncompleteError(damaged.sort((a, b) => comparePaths(a.path, b.path)), stats);
  return stats;
}

/**
 * The file's blobs as runs of contiguous blobs of one pack (one read each), with their positions in
 * the file; with `span`, only the blobs that start inside it (a piece's).
 */
function rangesOf(vault: Vault, index: VaultIndex, entry: ManifestEntry, maxRead: number, span?: { start: number; end: number }): PackRange[] {
  const located = locatedBlobs(vault, index, entry);
  return packRanges(span ? startingIn(located, span) : located, maxRead);
}

/** The located blobs that start inside `span`. */
function* startingIn<B extends { position: number }>(located: Iterable<B>, span: { start: number; end: number }): Generator<B> {
  for (const blob of located) if (blob.position >= span.start && blob.position < span.end) yield blob;
}

/**
 * A range's blobs as `index` locates them, at the same positions; null when one of them is in no pack but the
 * range's own (it is lost, not moved).
 */
function relocatedRanges(range: PackRange, index: VaultIndex, maxRead: number): PackRange[] | null {
  const located: Array<{ id: Uint8Array; loc: BlobLocation; position: number }> = [];
  let position = range.position;
  for (const blob of range.blobs) {
    const loc = index.locations(blob.id).find((copy) => packKey(copy.packId) !== range.packKey);
    if (!loc) return null;
    located.push({ id: blob.id, loc, position });
    position += blob.raw;
  }
  return packRanges(located, maxRead);
}

/** Located blobs, in file order, as runs of contiguous blobs of one pack of at most `maxRead` bytes (one read each). */
function packRanges(located: Iterable<{ id: Uint8Array; loc: BlobLocation; position: number }>, maxRead: number): PackRange[] {
  const ranges: Array<{ packId: string; offset: number; end: number; position: number; blobs: Array<{ id: Uint8Array; at: number; stored: number; raw: number }> }> = [];
  for (const { id, loc, position } of located) {
    const cur = ranges[ranges.length - 1];
    if (cur && cur.packId === loc.packId && loc.offset === cur.end && cur.end - cur.offset + loc.storedLength <= maxRead) {
      cur.blobs.push({ id, at: loc.offset - cur.offset, stored: loc.storedLength, raw: loc.rawLength });
      cur.end += loc.storedLength;
    } else {
      ranges.push({ packId: loc.packId, offset: loc.offset, end: loc.offset + loc.storedLength, position, blobs: [{ id, at: 0, stored: loc.storedLength, raw: loc.rawLength }] });
    }
  }
  return ranges.map((r) => ({ packKey: packKey(r.packId), offset: r.offset, length: r.end - r.offset, position: r.position, blobs: r.blobs }));
}

/** Whether the ranges' blobs lie one after another from position 0 to `length`, each byte once. */
function coversOnce(ranges: readonly PackRange[], length: number): boolean {
  let next = 0;
  for (const range of ranges) {
    if (range.position !== next) return false;
    next = rangeEnd(range);
  }
  return next === length;
}

/** The file position after a range's blobs, by the index's plaintext lengths. */
function rangeEnd(range: PackRange): number {
  return range.blobs.reduce((end, blob) => end + blob.raw, range.position);
}

/** What restoring `ranges` (one after another, in `parts`) did, as one RestoredRange: bytes summed, checked writes' worst finding and end. */
function joinedRanges(parts: readonly RestoredRange[], ranges: readonly PackRange[], check: WriteCheck | undefined): RestoredRange {
  let bytes = 0;
  const findings: WriteCheckFinding[] = [];
  let end = ranges[0]?.position ?? 0;
  for (const [i, done] of parts.entries()) {
    bytes += done.bytes;
    if (!done.checked) continue;
    findings.push(done.checked.end === rangeEnd(ranges[i] as PackRange) ? done.checked.found : 'incomplete');
    end = done.checked.end;
  }
  return check ? { bytes, checked: { found: worstFinding(findings), end } } : { bytes };
}

/** An entry's blobs in content order, each with its index location and its position in the content. */
function* locatedBlobs(vault: Vault, index: VaultIndex, entry: ManifestEntry): Generator<{ hex: string; id: Buffer; loc: BlobLocation; position: number }> {
  let position = 0;
  for (const hex of entry.content) {
    const id = Buffer.from(hex, 'hex');
    const loc = index.lookup(id);
    if (!loc) throw new UnindexedBlobError(vault.location, hex, unindexedBlobDetail(index));
    yield { hex, id, loc, position };
    position += loc.rawLength;
  }
}
