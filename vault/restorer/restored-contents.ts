import { createHash } from 'node:crypto';
import { type FileHandle } from 'node:fs/promises';
import { type ManifestEntry } from '../manifest/manifest-entry';
import { releaseBuffer } from '../platform/release-buffer';
import { type ByteBudget } from '../workers/byte-budget';
import { writeAt } from '../workers/sparse-write';
import { VaultError } from '../vault-errors';

/**
 * Files of a restore that hold the same content as a file the restore wrote before (the same blob
 * ids in the same order: copies of a file, vendored libraries, a dataset kept twice). restic's
 * restorer decodes a blob once for every file that needs it; the vault's restorer goes file by file,
 * so without this it would read, decrypt and decompress such content once per copy. Instead a later
 * file with the content of an earlier one is copied from that file once it is in place (a file copy
 * costs the two memory copies of a read and a write; decoding costs AES-GCM and zstd on top, and the
 * pack reads). Files below COPY_MIN_BYTES are decoded: their decoding is cheap, and a copy costs an
 * open, a stat and a close more.
 *
 * Memory is bounded: the most recent REMEMBERED_CONTENTS contents are remembered (a digest each).
 */
export const COPY_MIN_BYTES = 128 * 1024;
const REMEMBERED_CONTENTS = 4096;
/** Bytes a copy reads and writes at a time. */
const COPY_BLOCK = 1024 * 1024;

/** A file of this restore with some content: its entry path, and whether it was put in place. */
export type RestoredContent = { readonly path: string; readonly placed: Promise<boolean> };

export class RestoredContents {
  private readonly byContent = new Map<string, RestoredContent>();

  /** The content's key: a digest of its size and blob ids; null when the entry is too small to be worth a copy. */
  keyOf(entry: ManifestEntry): string | null {
    if (entry.size < COPY_MIN_BYTES || entry.content.length === 0) return null;
    const hash = createHash('sha256').update(`${entry.size}`);
    for (const id of entry.content) hash.update(id);
    return hash.digest('hex');
  }

  /** The earlier file with this content, when one is remembered. */
  find(key: string): RestoredContent | undefined {
    return this.byContent.get(key);
  }

  /** Remembers the file being written with this content (forgetting the oldest past the bound). */
  remember(key: string, path: string, written: Promise<unknown>): void {
    this.byContent.set(key, {
      path,
      placed: written.then(
        () => true,
        () => false,
      ),
    });
    if (this.byContent.size > REMEMBERED_CONTENTS) {
      const oldest = this.byContent.keys().next();
      if (!oldest.done) this.byContent.delete(oldest.value);
    }
  }
}

/**
 * Copies `size` bytes from `source` (a file this restore put in place) into `into` at the same
 * offsets, skipping zero blocks when `sparse` as a decoding restore does; resolves with the bytes
 * written. The copy buffer is taken from `budget`, the restore's bound on bytes in flight.
 */
export async function copyRestoredContent(source: FileHandle, sourcePath: string, into: FileHandle, size: number, sparse: boolean, budget: ByteBudget): Promise<number> {
  const blockBytes = Math.min(COPY_BLOCK, size);
  await budget.acquire(blockBytes);
  const block = Buffer.allocUnsafeSlow(blockBytes);
  try {
    let written = 0;
    for (let at = 0; at < size; at += blockBytes) {
      const length = Math.min(blockBytes, size - at);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await source.read(block, got, length - got, at + got);
        if (bytesRead === 0) throw new VaultError(`${JSON.stringify(sourcePath)}, restored earlier with the same content, became shorter during the restore (restore into a directory only the restore writes to)`);
        got += bytesRead;
      }
      written += await writeAt(into, block.subarray(0, length), at, sparse);
    }
    return written;
  } finally {
    releaseBuffer(block);
    budget.release(blockBytes);
  }
}
