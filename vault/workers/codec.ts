import { type FileHandle, open as openFile } from 'node:fs/promises';
import { CodecPool, CodecTaskError, type SlabRegion, type SlabPool } from './codec-pool';
import { type FileContentCheck, type RestoreBlob } from './codec-messages';
import { type FsPath } from '../platform/posix-calls';
import { type RestoredContentTags } from '../restorer/restored-content-tags';
import { CONTENT_TAG_BYTES, hasContentTag, sampledForIdCheck } from '../crypto/content-tag';
import { writeAt } from './sparse-write';
import { decodeBlob } from '../pack/pack-reader';
import { seal } from '../crypto/sealed-codec';
import { VaultCorruptionError, VaultObjectNotFoundError } from '../vault-errors';
import { computeBlobId, type VaultKeys } from '../crypto/vault-keys';
import { type VaultStore } from '../backend/vault-store';
import { releaseBuffer } from '../platform/release-buffer';

/** A run of contiguous blobs of one pack, `[offset, offset + length)`, whose plaintexts go to one file from `position`. */
export type PackRange = { readonly packKey: string; readonly offset: number; readonly length: number; readonly position: number; readonly blobs: readonly RestoreBlob[] };

/**
 * Memory that content is read into and cut into chunks in, handed out by a Codec: a range of a slab
 * shared with the codec workers (pooled), or a plain buffer (in-thread). Opaque to its user but for
 * `bytes`; its chunks are hashed and sealed where they lie.
 */
export type ChunkRegion = { readonly bytes: Buffer };

/**
 * The per-byte work of the vault behind one interface, for backup and restore alike. Two
 * implementations produce the same bytes: PooledCodec on the codec worker threads (codec-pool.ts;
 * zero copies: chunks are hashed and sealed in the shared memory the content was read into, a local
 * pack is read by the worker itself, a remote range lands in shared memory), and InThreadCodec
 * (HMAC on WebCrypto and zlib on libuv's thread pool, AES-GCM in the thread) when worker threads are off or unavailable.
 *
 * Backup: `alloc` a region, fill it, `blobId` each chunk of it, `seal` the new ones. A region is
 * held from `alloc` to `release`; `retain` holds it once more, for a chunk whose work outlives the
 * caller's use of the region (each retain is paired with a release). Callers must not wait for an
 * `alloc` while they hold a region (release it first): memory is bounded, and every wait must end
 * when the work in flight ends.
 *
 * Restore: `restoreRange`. A damaged range throws VaultCorruptionError naming the pack; a missing
 * pack VaultObjectNotFoundError.
 */
export interface Codec {
  /** `length` bytes of chunk memory; waits while the codec's memory is all in use. */
  alloc(length: number): Promise<ChunkRegion>;
  retain(region: ChunkRegion): void;
  release(region: ChunkRegion): void;
  /** The blob id (HMAC-SHA-256 under the vault's id key) of bytes `[start, start + length)` of the region. */
  blobId(region: ChunkRegion, start: number, length: number): Promise<Buffer>;
  /** The stored form (envelope, docs/FORMAT.md §3, context the blob id) of bytes `[start, start + length)` of the region. */
  seal(region: ChunkRegion, start: number, length: number, id: Buffer, compressionLevel: number | null): Promise<Buffer>;
  /**
   * Writes the range's plaintexts to `fh`, all-zero blocks left as holes when `sparse` (sparse-write.ts);
   * resolves with the bytes written to the file. With `tags`, records each blob's content tag there.
   */
  restoreRange(range: PackRange, fh: FileHandle, sparse: boolean, tags?: RestoredContentTags): Promise<number>;
  /**
   * Reads a restored file from its start, cut at the blobs' plaintext lengths, and compares each
   * piece with its blob: whether the file is exactly that content, or how it is not. A piece is
   * compared by its content tag when `tags` holds every blob of the file (they were decoded by this
   * process), else by its blob id (HMAC-SHA-256, ten times the CPU).
   */
  checkFileContent(file: FsPath, blobs: readonly FileBlob[], tags?: RestoredContentTags): Promise<FileContentCheck>;
}

/** A blob of a file's content: its id and plaintext length. */
export type FileBlob = { readonly id: Buffer; readonly length: number };

/** The codec for a vault: pooled when the shared pool is up (and `inline` not asked), else in-thread. */
export function codecFor(store: VaultStore, keys: VaultKeys, options: { inline?: boolean } = {}): Codec {
  const pool = options.inline ? null : CodecPool.shared();
  return pool ? new PooledCodec(store, pool, pool.keySet(keys)) : new InThreadCodec(store, keys);
}

/** The regions a PooledCodec hands out are slab ranges; anything else is a caller's mistake. */
function isSlabRegion(region: ChunkRegion): region is SlabRegion {
  return 'slab' in region;
}

export class PooledCodec implements Codec {
  private readonly localPath: ((key: string) => string) | null;

  constructor(
    private readonly store: VaultStore,
    private readonly pool: CodecPool,
    private readonly k: number,
  ) {
    const local = store.localPath;
    this.localPath = local ? (key: string): string => local.call(store, key) : null;
  }

  /** The pool's slabs, shared by every codec of the process (see CodecPool.slabs). */
  private get slabs(): SlabPool {
    return this.pool.slabs;
  }

  alloc(length: number): Promise<ChunkRegion> {
    return this.slabs.alloc(length);
  }

  retain(region: ChunkRegion): void {
    this.slabs.retain(slabRegion(region).slab);
  }

  release(region: ChunkRegion): void {
    this.slabs.release(slabRegion(region).slab);
  }

  blobId(region: ChunkRegion, start: number, length: number): Promise<Buffer> {
    const { slab, offset } = slabRegion(region);
    return this.pool.hash(this.k, slab.id, offset + start, length);
  }

  seal(region: ChunkRegion, start: number, length: number, id: Buffer, compressionLevel: number | null): Promise<Buffer> {
    const { slab, offset } = slabRegion(region);
    return this.pool.seal(this.k, slab.id, offset + start, length, id, compressionLevel);
  }

  /** In a worker: it opens and reads the file itself, so the bytes cross no thread and take no slab. */
  checkFileContent(file: FsPath, blobs: readonly FileBlob[], tags?: RestoredContentTags): Promise<FileContentCheck> {
    const ids = blobs.map((b) => b.id);
    const recorded = tags?.tagsOf(ids);
    return this.pool.fileBlobIds(
      this.k,
      file,
      blobs.map((b) => b.length),
      ids,
      tags && recorded ? { key: tags.key, tags: recorded, residue: tags.idResidue } : undefined,
    );
  }

  async restoreRange(range: PackRange, fh: FileHandle, sparse: boolean, tags?: RestoredContentTags): Promise<number> {
    const restored = await this.restoreInWorker(range, fh, sparse, tags?.key);
    if (tags) {
      if (!restored.tags) throw new Error('a codec worker restored a range without the content tags asked for');
      for (const [i, blob] of range.blobs.entries()) tags.record(blob.id, restored.tags, i * CONTENT_TAG_BYTES);
    }
    return restored.bytes;
  }

  private async restoreInWorker(range: PackRange, fh: FileHandle, sparse: boolean, tagKey: Uint8Array | undefined): Promise<{ bytes: number; tags?: Uint8Array }> {
    const { packKey, offset, length } = range;
    try {
      if (this.localPath) return await this.pool.restore(this.k, { file: this.localPath(packKey) }, offset, length, range.blobs, fh.fd, range.position, sparse, tagKey);
      const bytes = await this.store.get(packKey, { offset, length });
      if (bytes.length !== length) throw new VaultCorruptionError(this.store.location, packKey, `pack is shorter than the index says (wanted bytes ${offset}–${offset + length})`);
      const region = await this.slabs.alloc(length);
      try {
        bytes.copy(region.bytes);
        return await this.pool.restore(this.k, { slab: region.slab.id }, region.offset, length, range.blobs, fh.fd, range.position, sparse, tagKey);
      } finally {
        this.slabs.release(region.slab);
      }
    } catch (err) {
      if (err instanceof CodecTaskError) {
        if (err.corrupt) throw new VaultCorruptionError(this.store.location, packKey, err.message);
        if (err.message.startsWith('ENOENT')) throw new VaultObjectNotFoundError(this.store.location, packKey);
      }
      throw err;
    }
  }
}

function slabRegion(region: ChunkRegion): SlabRegion {
  if (!isSlabRegion(region)) throw new TypeError('PooledCodec was given chunk memory it did not allocate (a plain buffer): regions belong to the codec that allocated them');
  return region;
}

export class InThreadCodec implements Codec {
  constructor(
    private readonly store: VaultStore,
    private readonly keys: VaultKeys,
  ) {}

  /** Plain memory: the garbage collector frees it, so retain and release have nothing to count. */
  alloc(length: number): Promise<ChunkRegion> {
    return Promise.resolve({ bytes: Buffer.allocUnsafe(length) });
  }

  retain(): void {}

  release(): void {}

  blobId(region: ChunkRegion, start: number, length: number): Promise<Buffer> {
    return computeBlobId(this.keys, region.bytes.subarray(start, start + length));
  }

  async seal(region: ChunkRegion, start: number, length: number, id: Buffer, compressionLevel: number | null): Promise<Buffer> {
    return (await seal(this.keys, id, region.bytes.subarray(start, start + length), { compressionLevel })).stored;
  }

  async restoreRange(range: PackRange, fh: FileHandle, sparse: boolean, tags?: RestoredContentTags): Promise<number> {
    const { packKey, offset, length } = range;
    const bytes = await this.store.get(packKey, { offset, length });
    if (bytes.length !== length) throw new VaultCorruptionError(this.store.location, packKey, `pack is shorter than the index says (wanted bytes ${offset}–${offset + length})`);
    const where = { location: this.store.location, key: packKey };
    // Every blob is opened (in parallel on the thread pool) before the first byte is written.
    const plains = await Promise.all(range.blobs.map((b) => decodeBlob(this.keys, b.id, bytes.subarray(b.at, b.at + b.stored), b.raw, where)));
    let position = range.position;
    let written = 0;
    for (const [i, plain] of plains.entries()) {
      const blob = range.blobs[i];
      if (tags && blob) tags.recordPlaintext(blob.id, plain);
      written += await writeAt(fh, plain, position, sparse);
      position += plain.length;
      // Written: freed now rather than by a collection (platform/release-buffer.ts).
      releaseBuffer(plain);
    }
    return written;
  }

  async checkFileContent(file: FsPath, blobs: readonly FileBlob[], tags?: RestoredContentTags): Promise<FileContentCheck> {
    const recorded = tags?.tagsOf(blobs.map((b) => b.id));
    const fh = await openFile(file, 'r');
    try {
      let position = 0;
      for (const [i, blob] of blobs.entries()) {
        const piece = Buffer.allocUnsafe(blob.length);
        let done = 0;
        while (done < blob.length) {
          const { bytesRead } = await fh.read(piece, done, blob.length - done, position + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        if (done !== blob.length) return 'shorter';
        const idEquals = async (): Promise<boolean> => (await computeBlobId(this.keys, piece)).equals(blob.id);
        if (!(tags && recorded)) {
          if (!(await idEquals())) return 'differs';
        } else {
          if (!hasContentTag(tags.keyObject, blob.id, piece, recorded, i)) return 'differs';
          if (sampledForIdCheck(blob.id, tags.idResidue) && !(await idEquals())) return 'misfiled';
        }
        position += blob.length;
      }
      return (await fh.read(Buffer.alloc(1), 0, 1, position)).bytesRead > 0 ? 'longer' : 'equal';
    } finally {
      await fh.close();
    }
  }
}
