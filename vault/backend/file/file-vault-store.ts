import { randomBytes } from 'node:crypto';
import { type Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { VaultObjectNotFoundError } from '../../vault-errors';
import { type ByteRange, type DeleteOptions, type ListedObject, type ObjectWriter, type VaultStore } from '../vault-store';
import { mapBounded } from '../../workers/bounded-concurrency';
import { platformCalls, type PosixCalls } from '../../platform/posix-calls';
import { fileSize, TEMP_FILE_PREFIX } from './local-objects';

export type FileVaultStoreOptions = {
  /** fsync each object (and its directory entry) before it counts as written. @default true */
  readonly durable?: boolean;
  /**
   * Once a durable object of DROP_PAGES_MIN_BYTES or more is synced, its pages are dropped from the
   * page cache through these calls (POSIX_FADV_DONTNEED; the pages are clean after the fsync). A
   * backup writes each pack once and reads none back: kept, a gigabyte of packs would take a gigabyte
   * of cache pages and push out what the machine's programs keep cached, as a restore's drop-behind
   * avoids (vault/restorer/drop-behind.ts). A verify or repack right after reads the packs from the
   * disk instead. Null: pages stay. @default the platform calls where available (vault/platform/posix-calls.ts)
   */
  readonly pageCache?: Pick<PosixCalls, 'dropCleanPages'> | null;
};

/** Stats in flight in `listWithSizes`: enough to hide a network file system's round trips, few enough not to crowd a local disk. */
const STATS_IN_FLIGHT = 16;

/** Objects smaller than this keep their pages: few, and the call would not pay (index and manifest objects). */
export const DROP_PAGES_MIN_BYTES = 256 * 1024;

/**
 * A vault in a local directory (an on-prem disk, a mounted volume, the benchmark). Writes go to a
 * temporary file in the same directory and are renamed into place, so a reader never sees a partial
 * object and a crash leaves at worst a `.tmp-*` file that `list` ignores (and `vault prune` or `vault
 * forget --prune` removes once it is older than the prune's grace: vault/prune/temporary-files.ts).
 */
export class FileVaultStore implements VaultStore {
  readonly location: string;
  private readonly durable: boolean;
  private readonly pageCache: Pick<PosixCalls, 'dropCleanPages'> | null | undefined;
  private readonly madeDirs = new Set<string>();

  constructor(
    readonly root: string,
    options: FileVaultStoreOptions = {},
  ) {
    this.root = path.resolve(root);
    this.location = this.root;
    this.durable = options.durable ?? true;
    this.pageCache = options.pageCache;
  }

  /** After the fsync of a durable object of `bytes`: its clean pages leave the cache (see FileVaultStoreOptions.pageCache). */
  private dropSyncedPages(fd: number, bytes: number): void {
    if (bytes < DROP_PAGES_MIN_BYTES) return;
    try {
      // Loaded on the first large object only: a store that writes none never loads koffi.
      (this.pageCache === undefined ? platformCalls() : this.pageCache)?.dropCleanPages(fd);
    } catch {
      // A cache hint: the object is written and synced whether or not its pages stay.
    }
  }

  private file(key: string): string {
    if (key.length === 0 || key.startsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw new Error(`invalid vault object key ${JSON.stringify(key)}`);
    }
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.putParts(key, [body]);
  }

  /** Writes the parts with one gathered write (writev) into a temporary file, fsyncs it once, renames it into place. */
  async putParts(key: string, parts: readonly Uint8Array[]): Promise<void> {
    const target = this.file(key);
    const tmp = await this.writeTemp(path.dirname(target), parts);
    await fs.rename(tmp, target);
    await this.syncDirectory(path.dirname(target));
  }

  /**
   * When durable, fsyncs a directory after a rename into it: the rename is a change of the directory,
   * and until it is on disk a power loss can undo it even though the file's bytes were synced. Callers
   * rely on the order of their writes surviving a crash (a repair's new index objects before the old
   * ones go, docs/FORMAT.md "Repairing the index"). A file system that cannot sync a directory (EINVAL,
   * EISDIR, EBADF on some FUSE and network mounts) keeps the old behaviour: the rename is still atomic.
   */
  private async syncDirectory(dir: string): Promise<void> {
    if (!this.durable) return;
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(dir, 'r');
    } catch {
      return;
    }
    try {
      await fh.sync();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EBADF' && code !== 'ENOTSUP' && code !== 'EPERM') throw err;
    } finally {
      await fh.close();
    }
  }

  /**
   * Exclusive create: the object is written whole to a temporary file, which is then hard-linked to
   * its key. link(2) fails with EEXIST when the key exists, atomically, also between processes, so
   * exactly one of concurrent writers wins and readers never see a partial object. On a file system without hard links (FAT, some FUSE mounts)
   * it falls back to creating the key itself with O_CREAT|O_EXCL ('wx'): still exclusive, but a
   * reader may then see the object while it is being written.
   */
  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const target = this.file(key);
    const tmp = await this.writeTemp(path.dirname(target), [body]);
    try {
      await fs.link(tmp, target);
      await this.syncDirectory(path.dirname(target));
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      return this.createExclusive(target, body);
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  private async createExclusive(target: string, body: Uint8Array): Promise<boolean> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(target, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      await writeAll(fh, [body]);
      if (this.durable) await fh.sync();
    } catch (err) {
      await fh.close();
      await fs.rm(target, { force: true });
      throw err;
    }
    await fh.close();
    return true;
  }

  /**
   * The object is written to a `.tmp-*` file beside its key (which `list` ignores, as a crash may
   * leave it), and renamed into place by `commit`, after an fsync when durable.
   */
  async createObjectWriter(key: string): Promise<ObjectWriter> {
    const target = this.file(key);
    const { tmp, fh } = await this.openTemp(path.dirname(target));
    const durable = this.durable;
    let closed = false;
    let written = 0;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await fh.close();
    };
    return {
      write: async (bytes) => {
        await writeAll(fh, [bytes]);
        written += bytes.length;
      },
      commit: async () => {
        if (durable) {
          await fh.sync();
          this.dropSyncedPages(fh.fd, written);
        }
        await close();
        await fs.rename(tmp, target);
        await this.syncDirectory(path.dirname(target));
      },
      abort: async () => {
        await close().catch(() => undefined);
        await fs.rm(tmp, { force: true });
      },
    };
  }

  private async openTemp(dir: string): Promise<{ tmp: string; fh: fs.FileHandle }> {
    if (!this.madeDirs.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const tmp = path.join(dir, `${TEMP_FILE_PREFIX}${randomBytes(8).toString('hex')}`);
    return { tmp, fh: await fs.open(tmp, 'wx', 0o600) };
  }

  /** Writes the parts to a new `.tmp-*` file in `dir` (created when missing), fsynced when durable; returns its path. */
  private async writeTemp(dir: string, parts: readonly Uint8Array[]): Promise<string> {
    const { tmp, fh } = await this.openTemp(dir);
    try {
      await writeAll(fh, parts);
      if (this.durable) {
        await fh.sync();
        this.dropSyncedPages(
          fh.fd,
          parts.reduce((n, p) => n + p.length, 0),
        );
      }
    } catch (err) {
      await fh.close();
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    return tmp;
  }

  localPath(key: string): string {
    return this.file(key);
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    const file = this.file(key);
    try {
      if (!range) return await fs.readFile(file);
      const fh = await fs.open(file, 'r');
      try {
        const buf = Buffer.allocUnsafe(range.length);
        let done = 0;
        while (done < range.length) {
          const { bytesRead } = await fh.read(buf, done, range.length - done, range.offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === range.length ? buf : buf.subarray(0, done);
      } finally {
        await fh.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new VaultObjectNotFoundError(this.location, key);
      throw err;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      return (await fs.stat(this.file(key))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    for await (const { keyPrefix, files } of this.directories(prefix)) for (const name of files) yield `${keyPrefix}${name}`;
  }

  /**
   * The files of `list` with their sizes, a stat each: STATS_IN_FLIGHT at a time within a directory,
   * because on a network file system (EFS, NFS) each stat is a round trip. A file gone before its stat
   * is left out.
   */
  async *listWithSizes(prefix: string): AsyncIterable<ListedObject> {
    for await (const { dir, keyPrefix, files } of this.directories(prefix)) {
      const sizes = await mapBounded(files, STATS_IN_FLIGHT, (name) => fileSize(path.join(dir, name)));
      for (let i = 0; i < files.length; i++) {
        const size = sizes[i];
        if (size !== null && size !== undefined) yield { key: `${keyPrefix}${files[i] as string}`, size };
      }
    }
  }

  /** The directories under `prefix`, each with the names of its object files (`.tmp-*` files left out), parents before their subdirectories. */
  private async *directories(prefix: string): AsyncGenerator<{ dir: string; keyPrefix: string; files: string[] }> {
    const base = prefix === '' ? this.root : path.join(this.root, ...prefix.split('/').filter((s) => s !== ''));
    yield* this.walk(base, prefix === '' ? '' : prefix.endsWith('/') ? prefix : `${prefix}/`);
  }

  private async *walk(dir: string, keyPrefix: string): AsyncGenerator<{ dir: string; keyPrefix: string; files: string[] }> {
    let names: Dirent[];
    try {
      names = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const files: string[] = [];
    const subdirectories: string[] = [];
    for (const d of names) {
      if (d.name.startsWith(TEMP_FILE_PREFIX)) continue;
      if (d.isDirectory()) subdirectories.push(d.name);
      else if (d.isFile()) files.push(d.name);
    }
    if (files.length > 0) yield { dir, keyPrefix, files };
    for (const name of subdirectories) yield* this.walk(path.join(dir, name), `${keyPrefix}${name}/`);
  }

  /** A directory has no Object Lock, so nothing retains a file: `overRetention` changes nothing. */
  async delete(key: string, _options?: DeleteOptions): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
}

/** writev of every part, continuing after partial writes; at most 1024 buffers per call (IOV_MAX). */
async function writeAll(fh: fs.FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  let queue = parts.filter((p) => p.length > 0);
  while (queue.length > 0) {
    const batch = queue.slice(0, 1024);
    const want = batch.reduce((n, p) => n + p.length, 0);
    const { bytesWritten } = await fh.writev(batch as Uint8Array[]);
    if (bytesWritten === want) {
      queue = queue.slice(batch.length);
      continue;
    }
    // Partial write: drop what was written, keep the rest of the part it stopped in.
    let done = bytesWritten;
    let i = 0;
    while (done >= (queue[i] as Uint8Array).length) done -= (queue[i++] as Uint8Array).length;
    queue = [(queue[i] as Uint8Array).subarray(done), ...queue.slice(i + 1)];
  }
}
