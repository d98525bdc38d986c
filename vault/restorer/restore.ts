import { fetchBlobs, type FetchOptions } from './blob-fetcher';
import { type EntryAttributes, RestoreTarget, type RestoreTargetOptions } from './restore-target';
import { ByteBudget } from '../workers/byte-budget';
import { forEachBounded } from '../workers/bounded-concurrency';
import { type Codec, codecFor, type PackRange } from '../workers/codec';
import { type ManifestEntry } from '../manifest/manifest-entry';
import { type Snapshot } from '../manifest/snapshot-record';
import { type Vault } from '../repository/vault';
import { VaultCorruptionError, VaultError, VaultObjectNotFoundError } from '../vault-errors';
import { type VaultIndex } from '../blob-index/vault-index';
import { packKey } from '../repository/vault-layout';

export class EntryNotFoundError extends VaultError {
  override name = 'EntryNotFoundError';
}

/** The content of one entry as a stream of buffers (ranged reads, decrypted with read-ahead). */
export async function* readEntryContent(vault: Vault, entry: ManifestEntry, options: FetchOptions = {}): AsyncGenerator<Buffer> {
  const index = await vault.index();
  const requests = entry.content.map((id) => ({ id, tag: null }));
  for await (const { data } of fetchBlobs({ store: vault.store, keys: vault.keys, index }, requests, options)) yield data;
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
  };

export type RestoreStats = { entries: number; files: number; dirs: number; symlinks: number; bytes: number };

/** A file whose content could not be restored (a damaged or missing pack); it was not created. */
export type DamagedEntry = { readonly path: string; readonly error: VaultError };

/**
 * Some files could not be restored because their data in the vault is damaged or missing. Every
 * other entry was restored; these files do not exist under their names (no partial file is left).
 */
export class RestoreIncompleteError extends VaultError {
  override name = 'RestoreIncompleteError';
  constructor(
    readonly damaged: readonly DamagedEntry[],
    readonly stats: RestoreStats,
  ) {
    const list = damaged
      .slice(0, 20)
      .map((d) => `\n  ${d.path}: ${d.error.message}`)
      .join('');
    super(
      `${damaged.length} file(s) could not be restored because their data in the vault is damaged or missing (the other ${stats.entries - damaged.length} entries were restored; run \`lifeboat vault verify --read-data\` for the whole picture):${list}${damaged.length > 20 ? `\n  … and ${damaged.length - 20} more` : ''}`,
    );
  }
}

/** Bytes of packs being read, opened and written at once. */
const RESTORE_BYTES_IN_FLIGHT = 64 * 1024 * 1024;
/** Entries being restored at once (each file open for writing holds one). */
const RESTORE_ENTRIES_IN_FLIGHT = 64;

/**
 * Restores entries of one snapshot into a directory: the one restorer of the vault, used by
 * `lifeboat vault restore` (restoreSnapshot) and by the restore workflow (restoreEntry, one shard's
 * entries at a time). The file-system rules are RestoreTarget's: paths stay inside the target,
 * nothing is written through a symlink, each file is written to a temporary name and renamed only
 * after all its blobs were opened (authenticated) and written. The bytes are the Codec's: a file's
 * blobs are grouped into runs of one pack (one read each) and restored at their positions, on the
 * codec worker threads when they are up.
 */
export class DirectoryRestorer {
  readonly target: RestoreTarget;
  private readonly codec: Codec;
  private readonly bytes = new ByteBudget(RESTORE_BYTES_IN_FLIGHT);
  private readonly maxRead: number;

  constructor(
    private readonly vault: Vault,
    private readonly index: VaultIndex,
    targetDir: string,
    options: RestoreOptions = {},
  ) {
    this.target = new RestoreTarget(targetDir, options);
    this.codec = codecFor(vault.store, vault.keys, options);
    this.maxRead = options.maxReadBytes ?? 16 * 1024 * 1024;
  }

  static async open(vault: Vault, targetDir: string, options: RestoreOptions = {}): Promise<DirectoryRestorer> {
    return new DirectoryRestorer(vault, await vault.index(), targetDir, options);
  }

  /**
   * Restores one entry. A directory is created (its mode and mtime come with finishDirectories); a
   * file or `object`/`page` entry becomes a regular file; a symlink is created. Resolves with the
   * content bytes written.
   */
  async restoreEntry(entry: ManifestEntry): Promise<number> {
    const attributes = entryAttributes(entry);
    if (entry.kind === 'dir') {
      await this.target.makeDirectory(entry.path);
      return 0;
    }
    if (entry.kind === 'symlink') {
      const linkTarget = entry.meta['target'];
      if (typeof linkTarget !== 'string') throw new VaultError(`symlink entry ${JSON.stringify(entry.path)} has no target in its metadata`);
      await this.target.makeSymlink(entry.path, linkTarget, attributes);
      return 0;
    }
    const ranges = rangesOf(this.vault, this.index, entry, this.maxRead);
    let written = 0;
    await this.target.writeFile(entry.path, attributes, async (fh) => {
      const tasks: Array<Promise<number>> = [];
      for (const range of ranges) {
        await this.bytes.acquire(range.length);
        const task = this.codec.restoreRange(range, fh).finally(() => this.bytes.release(range.length));
        task.catch(() => undefined); // settled below, all of them, before the descriptor is closed
        tasks.push(task);
      }
      // Every write must be over before the descriptor is closed (a closed number may be reused).
      const results = await Promise.allSettled(tasks);
      for (const r of results) {
        if (r.status === 'rejected') throw r.reason;
        written += r.value;
      }
    });
    return written;
  }

  /** Gives the restored directories among `entries` their mode and mtime, deepest first. */
  async finishDirectories(entries: Iterable<ManifestEntry>): Promise<void> {
    const dirs: Array<{ path: string; attributes: EntryAttributes }> = [];
    for (const e of entries) if (e.kind === 'dir') dirs.push({ path: e.path, attributes: entryAttributes(e) });
    await this.target.finishDirectories(dirs);
  }
}

/**
 * Restores a snapshot (or the subset under `include`) into `targetDir`. Files, `object` and `page`
 * entries become regular files; directories and symlinks are recreated; modes and mtimes applied.
 *
 * A file whose data is damaged or missing in the vault is not created, the restore goes on with the
 * other entries, and at the end RestoreIncompleteError names every such file (docs/FORMAT.md §7).
 * Any other failure (the target, the manifest) stops the restore at once.
 */
export async function restoreSnapshot(vault: Vault, snapshot: Snapshot, targetDir: string, options: RestoreOptions = {}): Promise<RestoreStats> {
  const restorer = await DirectoryRestorer.open(vault, targetDir, options);
  const manifest = await vault.manifest(snapshot);
  const stats: RestoreStats = { entries: 0, files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  const dirs: ManifestEntry[] = [];
  const symlinks: ManifestEntry[] = [];
  const damaged: DamagedEntry[] = [];
  await restorer.target.makeDirectory('');
  await forEachBounded(manifest.entries(options.include ?? ''), RESTORE_ENTRIES_IN_FLIGHT, async (entry) => {
    stats.entries++;
    if (entry.kind === 'symlink') {
      // Links last: then no entry of this restore can even be looked up through one it created.
      symlinks.push(entry);
      return;
    }
    if (entry.kind === 'dir') dirs.push(entry);
    let written: number;
    try {
      // Awaited first, added after: `stats.bytes += await …` would read the sum before the await and lose the other entries' bytes.
      written = await restorer.restoreEntry(entry);
    } catch (err) {
      if (err instanceof VaultCorruptionError || err instanceof VaultObjectNotFoundError) {
        damaged.push({ path: entry.path, error: err });
        return;
      }
      throw err;
    }
    stats.bytes += written;
    if (entry.kind === 'dir') stats.dirs++;
    else stats.files++;
  });
  for (const entry of symlinks) {
    await restorer.restoreEntry(entry);
    stats.symlinks++;
  }
  await restorer.finishDirectories(dirs);
  if (damaged.length > 0) throw new RestoreIncompleteError(damaged.sort((a, b) => (a.path < b.path ? -1 : 1)), stats);
  return stats;
}

/** The file's blobs as runs of contiguous blobs of one pack (one read each), with their positions in the file. */
function rangesOf(vault: Vault, index: VaultIndex, entry: ManifestEntry, maxRead: number): PackRange[] {
  const ranges: Array<{ packId: string; offset: number; end: number; position: number; blobs: Array<{ id: Buffer; at: number; stored: number; raw: number }> }> = [];
  let position = 0;
  for (const hex of entry.content) {
    const id = Buffer.from(hex, 'hex');
    const loc = index.lookup(id);
    if (!loc) throw new VaultCorruptionError(vault.location, `blob ${hex}`, 'it is referenced by the manifest but is in no index');
    const cur = ranges[ranges.length - 1];
    if (cur && cur.packId === loc.packId && loc.offset === cur.end && cur.end - cur.offset + loc.storedLength <= maxRead) {
      cur.blobs.push({ id, at: loc.offset - cur.offset, stored: loc.storedLength, raw: loc.rawLength });
      cur.end += loc.storedLength;
    } else {
      ranges.push({ packId: loc.packId, offset: loc.offset, end: loc.offset + loc.storedLength, position, blobs: [{ id, at: 0, stored: loc.storedLength, raw: loc.rawLength }] });
    }
    position += loc.rawLength;
  }
  return ranges.map((r) => ({ packKey: packKey(r.packId), offset: r.offset, length: r.end - r.offset, position: r.position, blobs: r.blobs }));
}

/** Mode and mtime of an entry as recorded by the backup (either may be absent). */
export function entryAttributes(entry: ManifestEntry): EntryAttributes {
  const mode = entry.meta['mode'];
  const ns = entry.meta['mtimeNs'];
  let mtimeSeconds: number | null = null;
  if (typeof ns === 'string' && /^-?\d+$/.test(ns)) {
    const big = BigInt(ns);
    // Seconds as a double keep ~100 ns precision for present-day times, which is what utimes can take.
    mtimeSeconds = Number(big / 1_000_000_000n) + Number(big % 1_000_000_000n) / 1e9;
  }
  return { mode: typeof mode === 'number' ? mode & 0o7777 : null, mtimeSeconds };
}
