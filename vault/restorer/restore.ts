import { constants as fsc } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { resolveInsideTarget } from './safe-target-path';
import { fetchBlobs, type FetchOptions } from './blob-fetcher';
import { ByteBudget } from '../workers/byte-budget';
import { CodecPool, CodecTaskError, SlabPool } from '../workers/codec-pool';
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

export type RestoreOptions = FetchOptions & {
  /** Restore only this path and what lies below it ('' or absent: everything). */
  readonly include?: string;
  /** Apply modes and mtimes (default true). */
  readonly metadata?: boolean;
  /** Decode in this thread even when the codec worker pool is available (tests of both paths). */
  readonly inline?: boolean;
};

export type RestoreStats = { entries: number; files: number; dirs: number; symlinks: number; bytes: number };

type OpenFile = { entry: ManifestEntry; file: string; fh: fs.FileHandle | null; remaining: number; position: number };

/**
 * Restores a snapshot (or the subset under `include`) into `targetDir`. Files, `object` and `page`
 * entries become regular files; directories and symlinks are recreated; modes and mtimes applied.
 * Every path is checked to stay inside the target (`..`, absolute paths and NUL are refused), files
 * are opened with O_NOFOLLOW, and symlinks are created only after all files so that no write can
 * pass through a restored link.
 */
export async function restoreSnapshot(vault: Vault, snapshot: Snapshot, targetDir: string, options: RestoreOptions = {}): Promise<RestoreStats> {
  const pool = options.inline ? null : CodecPool.shared();
  const k = pool ? pool.keySet(vault.keys) : null;
  if (pool && k !== null) return restoreWithWorkers(vault, snapshot, targetDir, options, pool, k);
  return restoreInThread(vault, snapshot, targetDir, options);
}

/** Bytes of packs being read, opened and written at once by the workers. */
const RESTORE_BYTES_IN_FLIGHT = 64 * 1024 * 1024;
/** Files open for writing at once. */
const RESTORE_FILES_IN_FLIGHT = 64;

type RestoreBatch = { packId: string; offset: number; end: number; position: number; blobs: Array<{ id: Buffer; at: number; stored: number; raw: number }> };

/**
 * restoreSnapshot on the codec workers: the main thread walks the manifest, creates directories and
 * opens each file; a worker reads each run of contiguous blobs from the pack (directly from the
 * file when the store is a local directory), opens them and writes the plaintexts at their
 * positions in the file. Files are restored concurrently, in manifest order of their start.
 */
async function restoreWithWorkers(vault: Vault, snapshot: Snapshot, targetDir: string, options: RestoreOptions, pool: CodecPool, k: number): Promise<RestoreStats> {
  const target = path.resolve(targetDir);
  await fs.mkdir(target, { recursive: true });
  const index = await vault.index();
  const manifest = await vault.manifest(snapshot);
  const applyMeta = options.metadata ?? true;
  const maxRead = options.maxReadBytes ?? 16 * 1024 * 1024;
  const stats: RestoreStats = { entries: 0, files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  const dirs: Array<{ file: string; entry: ManifestEntry }> = [];
  const symlinks: Array<{ file: string; entry: ManifestEntry }> = [];
  const madeDirs = new Set<string>([target]);
  const bytesBudget = new ByteBudget(RESTORE_BYTES_IN_FLIGHT);
  const filesBudget = new ByteBudget(RESTORE_FILES_IN_FLIGHT);
  const store = vault.store;
  const localPath = store.localPath ? (key: string): string => (store.localPath as (key: string) => string).call(store, key) : null;
  let slabs: SlabPool | null = null;
  const pending = new Set<Promise<void>>();
  let failure: { err: unknown } | null = null;

  const ensureDir = async (dir: string): Promise<void> => {
    if (madeDirs.has(dir)) return;
    await fs.mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  };

  const runBatch = async (b: RestoreBatch, fd: number): Promise<number> => {
    const key = packKey(b.packId);
    const length = b.end - b.offset;
    try {
      if (localPath) return await pool.restore(k, { file: localPath(key) }, b.offset, length, b.blobs, fd, b.position);
      const bytes = await store.get(key, { offset: b.offset, length });
      if (bytes.length !== length) throw new VaultCorruptionError(store.location, key, `pack is shorter than the index says (wanted bytes ${b.offset}–${b.end})`);
      slabs ??= new SlabPool(pool);
      const region = await slabs.alloc(length);
      try {
        bytes.copy(region.bytes);
        return await pool.restore(k, { slab: region.slab.id }, region.offset, length, b.blobs, fd, b.position);
      } finally {
        slabs.release(region.slab);
      }
    } catch (err) {
      if (err instanceof CodecTaskError) {
        if (err.corrupt) throw new VaultCorruptionError(store.location, key, err.message);
        if (err.message.startsWith('ENOENT')) throw new VaultObjectNotFoundError(store.location, key);
      }
      throw err;
    }
  };

  const restoreFile = async (file: string, entry: ManifestEntry, batches: RestoreBatch[]): Promise<void> => {
    const fh = await openForWrite(file);
    try {
      const tasks: Array<Promise<number>> = [];
      for (const b of batches) {
        const length = b.end - b.offset;
        await bytesBudget.acquire(length);
        const task = runBatch(b, fh.fd).finally(() => bytesBudget.release(length));
        task.catch(() => undefined);
        tasks.push(task);
      }
      // Every write must be over before the descriptor is closed (a closed number may be reused).
      const results = await Promise.allSettled(tasks);
      for (const r of results) {
        if (r.status === 'rejected') throw r.reason;
        stats.bytes += r.value;
      }
      if (applyMeta) await applyHandleMeta(fh, entry);
    } finally {
      await fh.close();
    }
    stats.files++;
  };

  for await (const entry of manifest.entries(options.include ?? '')) {
    if (failure) break;
    stats.entries++;
    const file = resolveInsideTarget(target, entry.path);
    if (entry.kind === 'dir') {
      await ensureDir(file);
      dirs.push({ file, entry });
      stats.dirs++;
      continue;
    }
    await ensureDir(path.dirname(file));
    if (entry.kind === 'symlink') {
      symlinks.push({ file, entry });
      continue;
    }
    const batches = batchesOf(vault, index, entry, maxRead);
    await filesBudget.acquire(1);
    const p = restoreFile(file, entry, batches)
      .catch((err: unknown) => {
        failure ??= { err };
      })
      .finally(() => {
        filesBudget.release(1);
        pending.delete(p);
      });
    pending.add(p);
  }
  while (pending.size > 0) await Promise.all(pending);
  if (failure) throw (failure as { err: unknown }).err;
  await finishTree(symlinks, dirs, applyMeta, stats);
  return stats;
}

/** The file's blobs as runs of contiguous blobs of one pack (one read each), with their positions in the file. */
function batchesOf(vault: Vault, index: VaultIndex, entry: ManifestEntry, maxRead: number): RestoreBatch[] {
  const batches: RestoreBatch[] = [];
  let cur: RestoreBatch | null = null;
  let position = 0;
  for (const hex of entry.content) {
    const id = Buffer.from(hex, 'hex');
    const loc = index.lookup(id);
    if (!loc) throw new VaultCorruptionError(vault.location, `blob ${hex}`, 'it is referenced by the manifest but is in no index');
    if (cur && cur.packId === loc.packId && loc.offset === cur.end && cur.end - cur.offset + loc.storedLength <= maxRead) {
      cur.blobs.push({ id, at: loc.offset - cur.offset, stored: loc.storedLength, raw: loc.rawLength });
      cur.end += loc.storedLength;
    } else {
      cur = { packId: loc.packId, offset: loc.offset, end: loc.offset + loc.storedLength, position, blobs: [{ id, at: 0, stored: loc.storedLength, raw: loc.rawLength }] };
      batches.push(cur);
    }
    position += loc.rawLength;
  }
  return batches;
}

/** Symlinks after every file (no write can pass through a restored link), then directory metadata deepest first. */
async function finishTree(
  symlinks: Array<{ file: string; entry: ManifestEntry }>,
  dirs: Array<{ file: string; entry: ManifestEntry }>,
  applyMeta: boolean,
  stats: RestoreStats,
): Promise<void> {
  for (const { file, entry } of symlinks) {
    const linkTarget = entry.meta['target'];
    if (typeof linkTarget !== 'string') throw new VaultError(`symlink entry ${JSON.stringify(entry.path)} has no target in its metadata`);
    await fs.rm(file, { force: true });
    await fs.symlink(linkTarget, file);
    if (applyMeta) await applyTimes(file, entry, true);
    stats.symlinks++;
  }
  // Directories last and deepest first: writing their children changed their mtimes, and a read-only mode would have blocked them.
  if (applyMeta) {
    for (let i = dirs.length - 1; i >= 0; i--) {
      const { file, entry } = dirs[i] as { file: string; entry: ManifestEntry };
      await applyFileMeta(file, entry);
    }
  }
}

async function restoreInThread(vault: Vault, snapshot: Snapshot, targetDir: string, options: RestoreOptions): Promise<RestoreStats> {
  const target = path.resolve(targetDir);
  await fs.mkdir(target, { recursive: true });
  const index = await vault.index();
  const manifest = await vault.manifest(snapshot);
  const applyMeta = options.metadata ?? true;
  const stats: RestoreStats = { entries: 0, files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  const dirs: Array<{ file: string; entry: ManifestEntry }> = [];
  const symlinks: Array<{ file: string; entry: ManifestEntry }> = [];
  const madeDirs = new Set<string>([target]);

  const ensureDir = async (dir: string): Promise<void> => {
    if (madeDirs.has(dir)) return;
    await fs.mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  };

  const finishFile = async (f: OpenFile): Promise<void> => {
    if (f.fh) await f.fh.close();
    if (applyMeta) await applyFileMeta(f.file, f.entry);
    stats.files++;
  };

  // Walks the manifest, creating directories and empty files, and yields the blob requests of file contents.
  async function* requests(): AsyncGenerator<{ id: string; tag: OpenFile }> {
    for await (const entry of manifest.entries(options.include ?? '')) {
      stats.entries++;
      const file = resolveInsideTarget(target, entry.path);
      if (entry.kind === 'dir') {
        await ensureDir(file);
        dirs.push({ file, entry });
        stats.dirs++;
        continue;
      }
      await ensureDir(path.dirname(file));
      if (entry.kind === 'symlink') {
        symlinks.push({ file, entry });
        continue;
      }
      const open: OpenFile = { entry, file, fh: null, remaining: entry.content.length, position: 0 };
      if (entry.content.length === 0) {
        await (await openForWrite(file)).close();
        await finishFile(open);
        continue;
      }
      for (const id of entry.content) yield { id, tag: open };
    }
  }

  for await (const { tag: f, data } of fetchBlobs({ store: vault.store, keys: vault.keys, index }, requests(), options)) {
    f.fh ??= await openForWrite(f.file);
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await f.fh.write(data, written, data.length - written, f.position + written);
      written += bytesWritten;
    }
    f.position += data.length;
    stats.bytes += data.length;
    if (--f.remaining === 0) await finishFile(f);
  }

  await finishTree(symlinks, dirs, applyMeta, stats);
  return stats;
}

async function openForWrite(file: string): Promise<fs.FileHandle> {
  return fs.open(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | fsc.O_NOFOLLOW, 0o600);
}

async function applyFileMeta(file: string, entry: ManifestEntry): Promise<void> {
  const mode = entry.meta['mode'];
  if (typeof mode === 'number') await fs.chmod(file, mode & 0o7777);
  await applyTimes(file, entry, false);
}

async function applyHandleMeta(fh: fs.FileHandle, entry: ManifestEntry): Promise<void> {
  const mode = entry.meta['mode'];
  if (typeof mode === 'number') await fh.chmod(mode & 0o7777);
  const seconds = mtimeSeconds(entry);
  if (seconds !== null) await fh.utimes(seconds, seconds);
}

function mtimeSeconds(entry: ManifestEntry): number | null {
  const ns = entry.meta['mtimeNs'];
  if (typeof ns !== 'string' || !/^-?\d+$/.test(ns)) return null;
  const big = BigInt(ns);
  // Seconds as a double keep ~100 ns precision for present-day times, which is what utimes can take.
  return Number(big / 1_000_000_000n) + Number(big % 1_000_000_000n) / 1e9;
}

async function applyTimes(file: string, entry: ManifestEntry, link: boolean): Promise<void> {
  const ns = entry.meta['mtimeNs'];
  if (typeof ns !== 'string' || !/^-?\d+$/.test(ns)) return;
  const big = BigInt(ns);
  // Seconds as a double keep ~100 ns precision for present-day times, which is what utimes can take.
  const seconds = Number(big / 1_000_000_000n) + Number(big % 1_000_000_000n) / 1e9;
  if (link) await fs.lutimes(file, seconds, seconds);
  else await fs.utimes(file, seconds, seconds);
}
