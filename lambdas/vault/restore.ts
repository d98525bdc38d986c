import { constants as fsc } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { resolveInsideTarget } from '../restore/safe-target-path';
import { fetchBlobs, type FetchOptions } from './blob-fetcher';
import { type ManifestEntry } from './manifest-entry';
import { type Snapshot } from './snapshot-record';
import { type Vault } from './vault';
import { VaultError } from './vault-errors';

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

async function applyTimes(file: string, entry: ManifestEntry, link: boolean): Promise<void> {
  const ns = entry.meta['mtimeNs'];
  if (typeof ns !== 'string' || !/^-?\d+$/.test(ns)) return;
  const big = BigInt(ns);
  // Seconds as a double keep ~100 ns precision for present-day times, which is what utimes can take.
  const seconds = Number(big / 1_000_000_000n) + Number(big % 1_000_000_000n) / 1e9;
  if (link) await fs.lutimes(file, seconds, seconds);
  else await fs.utimes(file, seconds, seconds);
}
