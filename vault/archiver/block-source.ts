import { constants as fsc } from 'node:fs';
import * as fs from 'node:fs/promises';
import { type FsPath } from '../platform/posix-calls';
import { NotRegularFileError } from './file-access-error';

/**
 * Files are read, and streamed content is gathered, in blocks of this size (whole when smaller):
 * half a codec slab (codec-pool.ts, SLAB_BYTES), so that a block and the tail carried before it fit one.
 */
export const FILE_READ_BLOCK = 4 * 1024 * 1024;

/**
 * The next piece of an entry's content, of a known length, not yet copied anywhere: the archiver
 * allocates exactly `length` bytes (in memory the codec workers share) and has the block fill them,
 * so content is copied once, from its source into that memory, whatever the source.
 */
export type Block = {
  readonly length: number;
  /** Writes the block into `into` at `at`; resolves with the bytes written (fewer: the source ended early, e.g. a file that shrank). */
  fill(into: Buffer, at: number): Promise<number>;
  /** No block follows. */
  readonly last: boolean;
};

/** An entry's content as blocks; `next` resolves null at the end. `close` releases what it holds (a file handle). */
export type BlockSource = { next(): Promise<Block | null>; close(): Promise<void> };

/**
 * Opens a file the walk found regular, for reading, as that: without following a symlink and without waiting
 * (O_NONBLOCK: opening a FIFO put there since the walk would wait for a writer forever), and refuses what is not a
 * regular file once open (NotRegularFileError, as for a symlink in its place). A regular file under a lease (Samba,
 * knfsd) answers a non-blocking open EWOULDBLOCK: that one is opened again, waiting for the lease's break as any open
 * does. Non-blocking has no effect on reads of a regular file.
 */
export async function openRegularFile(file: FsPath): Promise<fs.FileHandle> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new NotRegularFileError(String(file), 'symlink');
    if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') throw err;
    if (!(await fs.lstat(file)).isFile()) throw err;
    fh = await fs.open(file, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  }
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) throw new NotRegularFileError(String(file), stat.isFIFO() ? 'FIFO' : stat.isDirectory() ? 'directory' : 'device');
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** A whole regular file the walk met (openRegularFile's checks), read into memory: a small file of a directory shard. */
export async function readRegularFile(file: FsPath): Promise<Buffer> {
  const fh = await openRegularFile(file);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/** A regular file read up to `size` (its size when stat'ed; a file that grew since is read up to that size). */
export async function fileBlocks(file: FsPath, size: number): Promise<BlockSource> {
  const fh = await openRegularFile(file);
  let position = 0;
  return {
    next: () => {
      const length = Math.min(FILE_READ_BLOCK, Math.max(size - position, 0));
      if (length === 0) return Promise.resolve(null);
      const at = position;
      position += length;
      return Promise.resolve({
        length,
        last: position >= size,
        fill: async (into, offset) => {
          let got = 0;
          while (got < length) {
            const { bytesRead } = await fh.read(into, offset + got, length - got, at + got);
            if (bytesRead === 0) {
              position = size; // shrank: this is the end
              break;
            }
            got += bytesRead;
          }
          return got;
        },
      });
    },
    close: () => fh.close(),
  };
}

/** Bytes held in memory, in FILE_READ_BLOCK blocks. */
export function bufferBlocks(bytes: Buffer): BlockSource {
  let position = 0;
  return {
    next: () => {
      const length = Math.min(FILE_READ_BLOCK, bytes.length - position);
      if (length <= 0) return Promise.resolve(null);
      const piece = bytes.subarray(position, position + length);
      position += length;
      return Promise.resolve({ length, last: position >= bytes.length, fill: (into, at) => Promise.resolve(piece.copy(into, at)) });
    },
    close: () => Promise.resolve(),
  };
}

/**
 * A stream of buffers (an S3 body arrives in 16–64 KiB pieces), gathered until at least
 * FILE_READ_BLOCK bytes (or the end) so that the block has a known length before it is allocated.
 */
export function streamBlocks(source: AsyncIterable<Buffer> | Iterable<Buffer>): BlockSource {
  const iterator: AsyncIterator<Buffer> | Iterator<Buffer> = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  let ended = false;
  return {
    next: async () => {
      if (ended) return null;
      const pieces: Buffer[] = [];
      let length = 0;
      while (length < FILE_READ_BLOCK) {
        const r = await iterator.next();
        if (r.done) {
          ended = true;
          break;
        }
        if (r.value.length === 0) continue;
        pieces.push(r.value);
        length += r.value.length;
      }
      if (length === 0) return null;
      return {
        length,
        last: ended,
        fill: (into, at) => {
          let o = at;
          for (const p of pieces) o += p.copy(into, o);
          return Promise.resolve(o - at);
        },
      };
    },
    close: async () => {
      if (!ended) await iterator.return?.();
    },
  };
}

/** Streams a large file in FILE_READ_BLOCK blocks, keeping one read ahead (content for sinks that take streams). */
export async function* readBlocks(file: FsPath): AsyncGenerator<Buffer> {
  const fh = await openRegularFile(file);
  try {
    let position = 0;
    const readAt = async (pos: number): Promise<Buffer> => {
      const buf = Buffer.allocUnsafeSlow(FILE_READ_BLOCK);
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      return buf.subarray(0, bytesRead);
    };
    let next = readAt(position);
    for (;;) {
      const buf = await next;
      if (buf.length === 0) break;
      position += buf.length;
      next = readAt(position);
      yield buf;
    }
  } finally {
    await fh.close();
  }
}
