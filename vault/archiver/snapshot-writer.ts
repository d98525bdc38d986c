import * as fs from 'node:fs/promises';
import { ByteBudget } from '../workers/byte-budget';
import { type Chunker } from '../chunker/chunker';
import { type CodecPool, type Slab, type SlabRegion, SlabPool } from '../workers/codec-pool';
import { type IndexedPack } from '../blob-index/index-object';
import { comparePaths, type EntryKind, type EntryMeta, type ManifestEntry } from '../manifest/manifest-entry';
import { type ManifestPart, type PageRef, type WriterStats } from '../manifest/manifest-format';
import { DuplicateEntryError, PageRunWriter } from '../manifest/manifest-pages';
import { type ManifestReader } from '../manifest/manifest-reader';
import { PACK_ENTRY_BYTES, PACK_TRAILER_BYTES } from '../pack/pack-format';
import { PackWriter } from '../pack/pack-writer';
import { ENVELOPE_OVERHEAD, seal } from '../crypto/sealed-codec';
import { writeIndexObject } from '../blob-index/index-writer';
import { computeBlobId, type VaultKeys } from '../crypto/vault-keys';
import { type VaultIndex } from '../blob-index/vault-index';
import { type VaultStore } from '../backend/vault-store';

/** Content of a new entry: bytes, a stream of buffers, or a function producing either (called only when the content must be read). */
export type ContentSource = Buffer | AsyncIterable<Buffer> | Iterable<Buffer> | (() => Buffer | AsyncIterable<Buffer> | Iterable<Buffer>);

export type NewEntry = {
  readonly path: string;
  readonly kind: EntryKind;
  readonly meta: EntryMeta;
  readonly content?: ContentSource;
  /** Equal to the parent snapshot's token for this path → the parent's content is reused unread. */
  readonly changeToken?: string;
};

export type SnapshotWriterContext = {
  readonly store: VaultStore;
  readonly keys: VaultKeys;
  /** The vault's index as loaded at start; blobs this writer stores are added to it. */
  readonly index: VaultIndex;
  readonly chunker: Chunker;
  readonly packSize: number;
  readonly compressionLevel: number | null;
  /** Worker threads for hashing, compression and encryption; null/absent = in-thread (libuv thread pool). */
  readonly codecs?: CodecPool | null;
};

/** Files are read, and streamed content is gathered, in blocks of this size (whole when smaller). */
export const FILE_READ_BLOCK = 8 * 1024 * 1024;

export type SnapshotWriterOptions = {
  /** The parent snapshot's manifest, for reuse by change token. */
  readonly parent?: ManifestReader | null;
  /** Bytes of chunk data in flight (hashing, compressing, encrypting, waiting to be packed). @default 64 MiB */
  readonly memoryBudget?: number;
  /** Entries held in memory before a sorted run of pages is written. @default 100 000 */
  readonly runEntries?: number;
  /** Packs written between index objects, so that a crashed backup's uploads are reused by the next. @default 32 */
  readonly packsPerIndex?: number;
  /** Process chunks in this thread even when a worker pool is available (tests of both paths). */
  readonly inline?: boolean;
};

type SealedBlob = { id: Buffer; stored: Buffer; rawLength: number; budget: number };
type SharedCodec = { pool: CodecPool; k: number; slabs: SlabPool };

/** Packs uploading at once per writer; with the open one, a writer holds at most about (1 + this) × packSize of packs. */
const PACK_UPLOADS = 2;

/** The length of a pack object with `blobs` blobs of `bytes` bytes in all: blobs, header envelope (44 bytes a blob, not compressed), trailer. */
function packObjectLength(bytes: number, blobs: number): number {
  return bytes + ENVELOPE_OVERHEAD + blobs * PACK_ENTRY_BYTES + PACK_TRAILER_BYTES;
}

/**
 * Writes the data and manifest part of one snapshot (or one shard of it).
 *
 * Pipeline per chunk, on every core: the main thread chunks; HMAC id, zstd and AES-GCM run on the
 * codec worker threads (codec-pool.ts) over shared memory the files were read into — or, without
 * workers, on the libuv thread pool (WebCrypto and zlib async). Chunks are numbered and appended to packs in that
 * order, so a file's blobs lie contiguously in packs and restore reads them in long ranges. A pack
 * is closed before the next blob would make its object reach the vault's packSize (header
 * included), so pack objects stay under packSize (with the default 16 MiB: under S3VaultStore's
 * multipart threshold, one PutObject per pack). A byte budget bounds the data in flight. Writers
 * in different processes share nothing: packs have random names, index and manifest objects are
 * content-addressed.
 *
 * `add` may be called concurrently; entries may arrive in any order (they are sorted into runs).
 */
export class SnapshotWriter {
  private readonly budget: ByteBudget;
  /** The open pack (one PackWriter per pack, so that a pack can be closed before a blob overflows it). */
  private packs: PackWriter;
  private pack = { bytes: 0, blobs: 0 };
  /** Closed packs still uploading (at most PACK_UPLOADS). */
  private readonly packUploads = new Set<Promise<void>>();
  private readonly inFlight = new Set<string>();
  private readonly ready = new Map<number, SealedBlob | null>();
  private nextSeq = 0;
  private appendedSeq = 0;
  private draining: Promise<void> | null = null;
  private readonly pendingWork = new Set<Promise<unknown>>();
  private failure: unknown = null;
  private unindexed: IndexedPack[] = [];
  private readonly indexWrites: Array<Promise<string>> = [];
  private entries: ManifestEntry[] = [];
  private readonly runs: PageRef[][] = [];
  private runWrite: Promise<void> = Promise.resolve();
  private finished = false;
  private readonly shared: SharedCodec | null;
  readonly stats: WriterStats = { entries: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0, bytesReused: 0 };

  constructor(
    private readonly ctx: SnapshotWriterContext,
    private readonly options: SnapshotWriterOptions = {},
  ) {
    this.budget = new ByteBudget(options.memoryBudget ?? 64 * 1024 * 1024);
    this.packs = this.newPack();
    const k = ctx.codecs && !options.inline ? ctx.codecs.keySet(ctx.keys) : null;
    this.shared = ctx.codecs && k !== null ? { pool: ctx.codecs, k, slabs: new SlabPool(ctx.codecs) } : null;
  }

  /** True when chunks are processed by worker threads. */
  get usesWorkers(): boolean {
    return this.shared !== null;
  }

  /** True when the parent snapshot has this path with the same kind and change token, and all its blobs are still indexed. */
  async canReuse(path: string, kind: EntryKind, changeToken: string | undefined): Promise<ManifestEntry | null> {
    if (!this.options.parent || changeToken === undefined) return null;
    const prev = await this.options.parent.find(path);
    if (!prev || prev.kind !== kind || prev.changeToken !== changeToken) return null;
    for (const id of prev.content) if (!this.ctx.index.has(Buffer.from(id, 'hex'))) return null;
    return prev;
  }

  /** Checks an entry before it is added; true when the parent's blobs were reused and the entry is recorded already. */
  private async startEntry(entry: Omit<NewEntry, 'content'>): Promise<boolean> {
    this.throwIfFailed();
    if (this.finished) throw new Error('SnapshotWriter.add after finish');
    checkEntryPath(entry.path);
    const reused = await this.canReuse(entry.path, entry.kind, entry.changeToken);
    if (!reused) return false;
    this.stats.bytesReused += reused.size;
    this.record({ path: entry.path, kind: entry.kind, meta: entry.meta, size: reused.size, content: reused.content, ...token(entry) });
    return true;
  }

  /** Adds an entry. Returns once its content has been read and chunked (storing continues in the background). */
  async add(entry: NewEntry): Promise<void> {
    if (await this.startEntry(entry)) return;
    if (entry.content === undefined) {
      this.record({ path: entry.path, kind: entry.kind, meta: entry.meta, size: 0, content: [], ...token(entry) });
      return;
    }
    const source = typeof entry.content === 'function' ? entry.content() : entry.content;
    if (this.shared && !Buffer.isBuffer(source)) {
      await this.addStreamShared(entry, source);
      return;
    }
    const ids: Array<Promise<string>> = [];
    let size = 0;
    const chunks = Buffer.isBuffer(source) ? this.ctx.chunker.split(source) : this.ctx.chunker.chunkStream(source);
    for await (const chunk of chunks) {
      this.throwIfFailed();
      size += chunk.length;
      await this.budget.acquire(chunk.length);
      let id: Promise<string>;
      if (this.shared) {
        // Content from elsewhere (S3 objects, item pages) is copied once into memory the workers share.
        const region = await this.shared.slabs.alloc(chunk.length);
        chunk.copy(region.bytes);
        id = this.processShared(region.slab, region.offset, chunk.length, this.nextSeq++);
        this.shared.slabs.release(region.slab);
      } else id = this.processChunk(chunk, this.nextSeq++);
      // The failure is reported through Promise.all below; this only keeps it from being "unhandled" meanwhile.
      id.catch(() => undefined);
      ids.push(id);
    }
    this.finishEntry(entry, size, ids);
  }

  /**
   * Adds a regular file read from disk: the same entry as `add` with the file's bytes as content,
   * but read (in FILE_READ_BLOCK blocks, up to `size`, its size when stat'ed) straight into the
   * memory the codec workers share, so the data is never copied between threads.
   */
  async addFile(entry: Omit<NewEntry, 'content'>, file: string, size: number): Promise<void> {
    if (await this.startEntry(entry)) return;
    if (!this.shared) {
      const content = size <= FILE_READ_BLOCK ? await readWhole(file, size) : (): AsyncIterable<Buffer> => readBlocks(file);
      await this.add({ ...entry, content });
      return;
    }
    const { slabs } = this.shared;
    const ids: Array<Promise<string>> = [];
    let total = 0;
    const fh = await fs.open(file, 'r');
    try {
      let carry = null as Buffer | null;
      let position = 0;
      for (let eof = false; !eof; ) {
        const carried: number = carry === null ? 0 : carry.length;
        const want = Math.min(FILE_READ_BLOCK, Math.max(size - position, 0));
        if (carried + want === 0) break;
        const region = await slabs.alloc(carried + want);
        try {
          if (carry) carry.copy(region.bytes, 0);
          let got = 0;
          while (got < want) {
            const { bytesRead } = await fh.read(region.bytes, carried + got, want - got, position + got);
            if (bytesRead === 0) break;
            got += bytesRead;
          }
          position += got;
          eof = got < want || position >= size;
          const end: number = carried + got;
          const start = await this.cutRegion(region, end, eof, ids);
          total += start;
          // The unchunked tail moves to the next block; copied out so no region is held while allocating.
          carry = start < end ? Buffer.from(region.bytes.subarray(start, end)) : null;
        } finally {
          slabs.release(region.slab);
        }
      }
    } finally {
      await fh.close();
    }
    this.finishEntry(entry, total, ids);
  }

  /**
   * Cuts the first `end` bytes of a shared region into chunks and hands each to the workers (ids
   * pushed in order). Returns where the unchunked tail starts: without `final`, the last cut waits
   * for more data.
   */
  private async cutRegion(region: SlabRegion, end: number, final: boolean, ids: Array<Promise<string>>): Promise<number> {
    let start = 0;
    while (start < end) {
      const n = this.ctx.chunker.cut(region.bytes, start, end, final);
      if (n < 0) break;
      this.throwIfFailed();
      await this.budget.acquire(n);
      const id = this.processShared(region.slab, region.offset + start, n, this.nextSeq++);
      // The failure is reported through Promise.all in finishEntry; this only keeps it from being "unhandled" meanwhile.
      id.catch(() => undefined);
      ids.push(id);
      start += n;
    }
    return start;
  }

  /**
   * `add` for streamed content with codec workers: the pieces (an S3 body arrives in 16–64 KiB
   * pieces) are gathered as they come, then copied once, FILE_READ_BLOCK at a time, straight into
   * the memory the workers share and cut there, as addFile does with a file's blocks. Chunk
   * boundaries are those of chunker.chunkStream (a cut never depends on where blocks end), but no
   * batch is concatenated on the way and no chunk is copied a second time.
   */
  private async addStreamShared(entry: Omit<NewEntry, 'content'>, source: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
    const { slabs } = this.shared as SharedCodec;
    const ids: Array<Promise<string>> = [];
    let total = 0;
    let carry: Buffer | null = null;
    let pieces: Buffer[] = [];
    let gathered = 0;
    const cutGathered = async (final: boolean): Promise<void> => {
      const carried = carry === null ? 0 : carry.length;
      const end = carried + gathered;
      if (end === 0) return;
      // Nothing is held while allocating: the carry was copied out of its region, the pieces are the source's.
      const region = await slabs.alloc(end);
      try {
        let at = 0;
        if (carry) at += carry.copy(region.bytes, 0);
        for (const piece of pieces) at += piece.copy(region.bytes, at);
        pieces = [];
        gathered = 0;
        carry = null;
        const start = await this.cutRegion(region, end, final, ids);
        total += start;
        // The unchunked tail waits for more data, copied out so no region is held while the source is read.
        carry = start < end ? Buffer.from(region.bytes.subarray(start, end)) : null;
      } finally {
        slabs.release(region.slab);
      }
    };
    for await (const piece of source) {
      if (piece.length === 0) continue;
      this.throwIfFailed();
      pieces.push(piece);
      gathered += piece.length;
      if (gathered >= FILE_READ_BLOCK) await cutGathered(false);
    }
    await cutGathered(true);
    this.finishEntry(entry, total, ids);
  }

  private finishEntry(entry: Omit<NewEntry, 'content'>, size: number, ids: Array<Promise<string>>): void {
    this.stats.bytesScanned += size;
    const done = Promise.all(ids).then((content) => {
      this.record({ path: entry.path, kind: entry.kind, meta: entry.meta, size, content, ...token(entry) });
    });
    this.track(done);
  }

  /** Waits for every blob, pack, index object and manifest page; returns the part for commit. */
  async finish(): Promise<ManifestPart> {
    this.finished = true;
    while (this.pendingWork.size > 0) await Promise.allSettled([...this.pendingWork]);
    this.throwIfFailed();
    if (this.draining) await this.draining;
    await this.closePack();
    while (this.packUploads.size > 0) await Promise.race(this.packUploads);
    this.throwIfFailed();
    this.flushIndex();
    const indexes = await Promise.all(this.indexWrites);
    this.flushRun();
    await this.runWrite;
    this.throwIfFailed();
    return { v: 1, runs: this.runs, indexes, stats: { ...this.stats } };
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  private track(p: Promise<unknown>): void {
    const tracked: Promise<unknown> = p
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.pendingWork.delete(tracked));
    this.pendingWork.add(tracked);
  }

  /** Resolves with the chunk's id as soon as it is known; compression, encryption and packing continue tracked. */
  private async processChunk(chunk: Buffer, seq: number): Promise<string> {
    let id: Buffer;
    try {
      id = await computeBlobId(this.ctx.keys, chunk);
    } catch (err) {
      this.complete(seq, null, chunk.length);
      throw err;
    }
    const hex = id.toString('hex');
    if (this.ctx.index.has(id) || this.inFlight.has(hex)) {
      this.complete(seq, null, chunk.length);
      return hex;
    }
    this.inFlight.add(hex);
    this.stats.blobsNew++;
    this.stats.bytesNew += chunk.length;
    this.track(
      seal(this.ctx.keys, id, chunk, { compressionLevel: this.ctx.compressionLevel }).then(
        ({ stored }) => this.complete(seq, { id, stored, rawLength: chunk.length, budget: chunk.length }, chunk.length),
        (err: unknown) => {
          this.complete(seq, null, chunk.length);
          throw err;
        },
      ),
    );
    return hex;
  }

  /** processChunk for bytes in a shared slab: id and envelope are computed by a codec worker. */
  private async processShared(slab: Slab, offset: number, length: number, seq: number): Promise<string> {
    const { pool, k, slabs } = this.shared as SharedCodec;
    slabs.retain(slab);
    let id: Buffer;
    try {
      id = await pool.hash(k, slab.id, offset, length);
    } catch (err) {
      slabs.release(slab);
      this.complete(seq, null, length);
      throw err;
    }
    const hex = id.toString('hex');
    if (this.ctx.index.has(id) || this.inFlight.has(hex)) {
      slabs.release(slab);
      this.complete(seq, null, length);
      return hex;
    }
    this.inFlight.add(hex);
    this.stats.blobsNew++;
    this.stats.bytesNew += length;
    this.track(
      pool.seal(k, slab.id, offset, length, id, this.ctx.compressionLevel).then(
        (stored) => {
          slabs.release(slab);
          this.complete(seq, { id, stored, rawLength: length, budget: length }, length);
        },
        (err: unknown) => {
          slabs.release(slab);
          this.complete(seq, null, length);
          throw err;
        },
      ),
    );
    return hex;
  }

  /** Marks chunk `seq` processed; blobs are appended to packs strictly in sequence order. */
  private complete(seq: number, blob: SealedBlob | null, budget: number): void {
    if (!blob) this.budget.release(budget);
    this.ready.set(seq, blob);
    this.kickDrain();
  }

  /** Starts the (single) drain loop when the next blob in sequence is ready; re-checks when a loop ends. */
  private kickDrain(): void {
    if (this.draining || !this.ready.has(this.appendedSeq)) return;
    const draining = this.drain().finally(() => {
      this.draining = null;
      this.kickDrain();
    });
    this.draining = draining;
    this.track(draining);
  }

  private async drain(): Promise<void> {
    while (this.ready.has(this.appendedSeq)) {
      const blob = this.ready.get(this.appendedSeq) ?? null;
      this.ready.delete(this.appendedSeq);
      this.appendedSeq++;
      if (!blob) continue;
      this.stats.bytesStored += blob.stored.length;
      try {
        await this.appendToPack(blob);
      } finally {
        this.budget.release(blob.budget);
      }
    }
  }

  private newPack(): PackWriter {
    // targetSize: the PackWriter closes a pack itself only when one blob alone reaches packSize; appendToPack closes the others.
    return new PackWriter(this.ctx.store, this.ctx.keys, { targetSize: this.ctx.packSize, maxUploads: 1, onPackStored: (p) => this.packStored(p) });
  }

  /** Appends a blob to the open pack, closing that pack first when the blob would make it reach packSize. */
  private async appendToPack(blob: SealedBlob): Promise<void> {
    const { bytes, blobs } = this.pack;
    if (blobs > 0 && packObjectLength(bytes + blob.stored.length, blobs + 1) >= this.ctx.packSize) await this.closePack();
    await this.packs.add(blob.id, blob.stored, blob.rawLength);
    this.pack.bytes += blob.stored.length;
    this.pack.blobs++;
    // A blob of packSize or more is a pack of its own (the PackWriter has closed it already).
    if (this.pack.bytes >= this.ctx.packSize) await this.closePack();
  }

  /** Uploads the open pack in the background, waiting first while PACK_UPLOADS packs are uploading. */
  private async closePack(): Promise<void> {
    if (this.pack.blobs === 0) return;
    const full = this.packs;
    this.packs = this.newPack();
    this.pack = { bytes: 0, blobs: 0 };
    while (this.packUploads.size >= PACK_UPLOADS) await Promise.race(this.packUploads);
    const upload: Promise<void> = full
      .flush()
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.packUploads.delete(upload));
    this.packUploads.add(upload);
  }

  private packStored(pack: IndexedPack): void {
    for (const e of pack.entries) {
      this.ctx.index.add(e.id, pack.packId, pack.length, e.offset, e.storedLength, e.rawLength);
      this.inFlight.delete(e.id.toString('hex'));
    }
    this.unindexed.push(pack);
    if (this.unindexed.length >= (this.options.packsPerIndex ?? 32)) this.flushIndex();
  }

  private flushIndex(): void {
    if (this.unindexed.length === 0) return;
    const packs = this.unindexed;
    this.unindexed = [];
    const write = writeIndexObject(this.ctx.store, this.ctx.keys, packs);
    write.catch((err: unknown) => {
      this.failure ??= err;
    });
    this.indexWrites.push(write);
  }

  private record(entry: ManifestEntry): void {
    this.entries.push(entry);
    this.stats.entries++;
    if (this.entries.length >= (this.options.runEntries ?? 100_000)) this.flushRun();
  }

  /** Sorts the buffered entries and writes them as one run of pages (chained, so runs are written one at a time). */
  private flushRun(): void {
    if (this.entries.length === 0) return;
    const entries = this.entries.sort((a, b) => comparePaths(a.path, b.path));
    this.entries = [];
    this.runWrite = this.runWrite.then(async () => {
      const writer = new PageRunWriter(this.ctx.store, this.ctx.keys);
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i] as ManifestEntry;
        if (i > 0 && (entries[i - 1] as ManifestEntry).path === e.path) throw new DuplicateEntryError(e.path);
        await writer.add(e);
      }
      await writer.flush();
      this.runs.push(writer.pages);
    });
    this.track(this.runWrite);
  }
}

function token(entry: NewEntry): { changeToken?: string } {
  return entry.changeToken === undefined ? {} : { changeToken: entry.changeToken };
}

/** Entry paths are relative, '/'-separated, without empty, '.' or '..' segments or NUL: anything else could not be restored safely. */
export function checkEntryPath(path: string): void {
  const bad = (why: string): never => {
    throw new Error(`invalid entry path ${JSON.stringify(path)}: ${why}`);
  };
  if (path.length === 0) bad('it is empty');
  if (path.includes('\0')) bad('it contains a NUL byte');
  if (path.startsWith('/')) bad('it is absolute');
  for (const seg of path.split('/')) if (seg === '' || seg === '.' || seg === '..') bad(`it has a ${JSON.stringify(seg)} segment`);
}

/** Reads a file of the expected size in one call (a file that changed size since stat yields what is there now). */
async function readWhole(file: string, size: number): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(buf, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done < size ? buf.subarray(0, done) : buf;
  } finally {
    await fh.close();
  }
}

/** Streams a large file in FILE_READ_BLOCK blocks, keeping one read ahead. */
export async function* readBlocks(file: string): AsyncGenerator<Buffer> {
  const fh = await fs.open(file, 'r');
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
