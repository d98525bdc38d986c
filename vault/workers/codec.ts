import { open as openFile } from 'node:fs/promises';
import { type OpenFile } from '../platform/file-calls';
import { CodecPool, CodecTaskError, type SlabRegion, type SlabPool } from './codec-pool';
import { type FileContentCheck, type RestoreBlob, type WriteCheckFinding } from './codec-messages';
import { type FsPath } from '../platform/posix-calls';
import { sampledForIdCheck } from '../crypto/content-tag';
import { writeAt, zerosFrom } from './sparse-write';
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
   * resolves with the bytes written to the file. With `check`, checked writes (vault/restorer/checked-writes.ts):
   * each blob is read back through `fh` (opened for reading too) right after it is written and
   * compared with its plaintext, the id of a blob sampled by `check.idResidue` re-derived; `checked`
   * says what that found and where the last blob checked ended.
   */
  restoreRange(range: PackRange, fh: OpenFile, sparse: boolean, check?: WriteCheck): Promise<RestoredRange>;
  /**
   * Reads a restored file from its start, cut at the blobs' plaintext lengths, and compares each
   * piece's blob id (HMAC-SHA-256) with its blob's: whether the file is exactly that content, or how it is not.
   */
  checkFileContent(file: FsPath, blobs: readonly FileBlob[]): Promise<FileContentCheck>;
}

/** Checked writes asked of Codec.restoreRange: the residue of the blobs whose id is also re-derived (sampledForIdCheck). */
export type WriteCheck = { readonly idResidue: number };

/** What Codec.restoreRange did: bytes written to the file (holes left out); with a WriteCheck, what the checked writes found and the position after the last blob checked. */
export type RestoredRange = { readonly bytes: number; readonly checked?: { readonly found: WriteCheckFinding; readonly end: number } };

/** A blob of a file's content: its id and plaintext length. */
export type FileBlob = { readonly id: Buffer; readonly length: number };

/**
 * The codec for a vault: pooled when the shared pool is up (and `inline` not asked), else in-thread.
 * `workers`: how many of the pool's threads must run (CodecPool.shared; all by default).
 */
export function codecFor(store: VaultStore, keys: VaultKeys, options: { inline?: boolean; workers?: number } = {}): Codec {
  const pool = options.inline ? null : CodecPool.shared(options.workers);
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
  checkFileContent(file: FsPath, blobs: readonly FileBlob[]): Promise<FileContentCheck> {
    return this.pool.fileBlobIds(
      this.k,
      file,
      blobs.map((b) => b.length),
      blobs.map((b) => b.id),
    );
  }

  async restoreRange(range: PackRange, fh: OpenFile, sparse: boolean, check?: WriteCheck): Promise<RestoredRange> {
    const { packKey, offset, length } = range;
    const residue = check?.idResidue;
    try {
      if (this.localPath) return await this.pool.restore(this.k, { file: this.localPath(packKey) }, offset, length, range.blobs, fh.fd, range.position, sparse, residue);
      const bytes = await this.store.get(packKey, { offset, length });
      if (bytes.length !== length) throw new VaultCorruptionError(this.store.location, packKey, `pack is shorter than the index says (wanted bytes ${offset}–${offset + length})`);
      const region = await this.slabs.alloc(length);
      try {
        bytes.copy(region.bytes);
        return await this.pool.restore(this.k, { slab: region.slab.id }, region.offset, length, range.blobs, fh.fd, range.position, sparse, residue);
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

  async restoreRange(range: PackRange, fh: OpenFile, sparse: boolean, check?: WriteCheck): Promise<RestoredRange> {
    const { packKey, offset, length } = range;
    const bytes = await this.store.get(packKey, { offset, length });
    if (bytes.length !== length) throw new VaultCorruptionError(this.store.location, packKey, `pack is shorter than the index says (wanted bytes ${offset}–${offset + length})`);
    const where = { location: this.store.location, key: packKey };
    // Every blob is opened (in parallel on the thread pool) before the first byte is written.
    const plains = await Promise.all(range.blobs.map((b) => decodeBlob(this.keys, b.id, bytes.subarray(b.at, b.at + b.stored), b.raw, where)));
    let position = range.position;
    let written = 0;
    let found: WriteCheckFinding = 'equal';
    for (const [i, plain] of plains.entries()) {
      const blob = range.blobs[i] as RestoreBlob;
      written += await writeAt(fh, plain, position, sparse);
      if (check && found === 'equal') found = await this.checkWritten(fh, position, plain, blob.id, check);
      position += plain.length;
      // Written: freed now rather than by a collection (platform/release-buffer.ts).
      releaseBuffer(plain);
    }
    return check ? { bytes: written, checked: { found, end: position } } : { bytes: written };
  }

  /** A checked write: what `fh` holds at `position` right after `plain` was written there, against it (codec-worker.ts's checkWritten, in the thread). */
  private async checkWritten(fh: OpenFile, position: number, plain: Buffer, id: Uint8Array, check: WriteCheck): Promise<WriteCheckFinding> {
    const back = Buffer.allocUnsafe(plain.length);
    const done = await readFully(fh, back, position);
    // Short only past the file's end, where a sparse write left zeros unwritten (the file's length is set at the end).
    if (!back.subarray(0, done).equals(plain.subarray(0, done)) || !zerosFrom(plain, done)) return 'differs';
    if (sampledForIdCheck(id, check.idResidue) && !(await computeBlobId(this.keys, plain)).equals(id)) return 'misfiled';
    return 'equal';
  }

  async checkFileContent(file: FsPath, blobs: readonly FileBlob[]): Promise<FileContentCheck> {
    const fh = await openFile(file, 'r');
    try {
      let position = 0;
      for (const blob of blobs) {
        const piece = Buffer.allocUnsafe(blob.length);
        if ((await readFully(fh, piece, position)) !== blob.length) return 'shorter';
        if (!(await computeBlobId(this.keys, piece)).equals(blob.id)) return 'differs';
        position += blob.length;
      }
      return (await fh.read(Buffer.alloc(1), 0, 1, position)).bytesRead > 0 ? 'longer' : 'equal';
    } finally {
      await fh.close();
    }
  }
}

/** Fills `into` from `position` of `fh`; the bytes read, fewer only at the end of the file. */
async function readFully(fh: Pick<OpenFile, 'read'>, into: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}
