import { type BlockSource, bufferBlocks, fileBlocks, streamBlocks } from './block-source';
import { ByteBudget } from '../workers/byte-budget';
import { type Chunker } from '../chunker/chunker';
import { type ChunkRegion, type Codec } from '../workers/codec';
import { type EntryKind, type EntryMeta, type ManifestEntry } from '../manifest/manifest-entry';
import { type ManifestPart, type WriterStats } from '../manifest/manifest-format';
import { ManifestWriter } from './manifest-writer';
import { type ManifestReader } from '../manifest/manifest-reader';
import { PackSink } from './pack-sink';
import { type VaultIndex } from '../blob-index/vault-index';
import { type VaultKeys } from '../crypto/vault-keys';
import { type VaultStore } from '../backend/vault-store';
import { type FsPath } from '../platform/posix-calls';
import { type VaultCorruptionError, type VaultObjectNotFoundError } from '../vault-errors';
import { isUnreadableParent } from './unreadable-parent';

/** Content of a new entry: bytes, a stream of buffers, or a function producing either (called only when the content must be read). */
export type ContentSource = Buffer | AsyncIterable<Buffer> | Iterable<Buffer> | (() => Buffer | AsyncIterable<Buffer> | Iterable<Buffer>);

/** The size and blob ids an entry was recorded with. */
export type RecordedContent = { readonly size: number; readonly content: readonly string[] };

export type NewEntry = {
  readonly path: string;
  readonly kind: EntryKind;
  readonly meta: EntryMeta;
  readonly content?: ContentSource;
  /**
   * Content already in the vault, recorded as it is and not read: a hard link's later names reuse the
   * first name's, and a source that asked `canReuse` passes the parent entry it got (with `reused`).
   */
  readonly stored?: RecordedContent;
  /** `stored` is the parent snapshot's content, reused unread: counted in the stats' bytesReused. */
  readonly reused?: boolean;
  /** Equal to the parent snapshot's token for this path → the parent's content is reused unread. */
  readonly changeToken?: string;
  /**
   * Handed, once the writer has taken the entry, what it will be recorded with: a promise that
   * settles when every chunk has its id (rejects when the writer fails). A hard link's first name
   * passes it on to the later names.
   */
  readonly onContent?: (recorded: Promise<RecordedContent>) => void;
};

export type SnapshotWriterContext = {
  readonly store: VaultStore;
  readonly keys: VaultKeys;
  /** The vault's index as loaded at start; blobs this writer stores are added to it. */
  readonly index: VaultIndex;
  readonly chunker: Chunker;
  readonly packSize: number;
  readonly compressionLevel: number | null;
  /** Chunk memory, blob ids and sealing (codec.ts: on the codec worker threads, or in-thread); the writer does not know which. */
  readonly codec: Codec;
  /** Packs a prune condemned: their blobs are not reused (docs/FORMAT.md §11). */
  readonly condemnedPacks?: ReadonlySet<string>;
  /** `prune/policy`'s `updatedAt` as read before this writer started (null: none yet); absent: the pack sink reads it. */
  readonly prunePolicyAtStart?: string | null;
};

export type SnapshotWriterOptions = {
  /** The parent snapshot's manifest, for reuse by change token. */
  readonly parent?: ManifestReader | null;
  /**
   * Called once when a page of the parent's manifest cannot be read (damaged, or removed by a prune):
   * the writer then stops using the parent and reads every later entry, as a backup without one does.
   * @default ignore
   */
  readonly onParentUnreadable?: (err: VaultCorruptionError | VaultObjectNotFoundError) => void;
  /** Tags of every pack the writer stores: the writing plan's tier tag (docs/ARCHITECTURE.md, "Storage tiers"). @default none */
  readonly packTags?: Readonly<Record<string, string>>;
  /** Bytes of chunk data in flight (hashing, compressing, encrypting, waiting to be packed). @default 64 MiB */
  readonly memoryBudget?: number;
  /** Entries held in memory before a sorted run of pages is written. @default 100 000 */
  readonly runEntries?: number;
  /** Packs written between index objects, so that a crashed backup's uploads are reused by the next. @default 32 */
  readonly packsPerIndex?: number;
  /** Longest time a stored pack waits for the index object that lists it. @default 30 000 */
  readonly indexIntervalMs?: number;
};

/**
 * Writes the data and manifest part of one snapshot (or one shard of it).
 *
 * One pipeline for every entry, whatever its content (a file, a buffer, a stream):
 * blocks → chunk memory → chunker → codec → pack sink → manifest writer.
 * The main thread reads each block once into memory the codec hands out and cuts it into chunks
 * (chunker); the codec computes each chunk's id and, for a chunk not stored yet, its sealed form
 * (HMAC id, zstd, AES-GCM: on the codec worker threads over that very memory, or on libuv's thread
 * pool — codec.ts; the writer cannot tell). Chunks are numbered, and the pack sink (pack-sink.ts)
 * appends their blobs to packs in that order, uploads the packs and indexes them; each entry, once
 * its chunk ids are known, goes to the manifest writer (manifest-writer.ts) as sorted runs of pages.
 * A byte budget bounds the chunk data in flight. Writers in different processes share nothing:
 * packs have random names, index and manifest objects are content-addressed.
 *
 * `add` may be called concurrently; entries may arrive in any order (they are sorted into runs).
 */
export class SnapshotWriter {
  private readonly budget: ByteBudget;
  /** The codec this writer's chunks go through (public for tests that run both). */
  readonly codec: Codec;
  private readonly sink: PackSink;
  private readonly manifest: ManifestWriter;
  private nextSeq = 0;
  private readonly pendingWork = new Set<Promise<unknown>>();
  private failure: unknown = null;
  private finished = false;
  /** Set once a page of the parent could not be read: the parent is no longer used. */
  private parentDropped = false;
  private readonly counts = { entries: 0, bytesScanned: 0, bytesNew: 0, blobsNew: 0, bytesReused: 0 };

  constructor(
    private readonly ctx: SnapshotWriterContext,
    private readonly options: SnapshotWriterOptions = {},
  ) {
    this.budget = new ByteBudget(options.memoryBudget ?? 64 * 1024 * 1024);
    this.codec = ctx.codec;
    const onError = (err: unknown): void => {
      this.failure ??= err;
    };
    this.sink = new PackSink({ store: ctx.store, keys: ctx.keys, index: ctx.index, packSize: ctx.packSize, budget: this.budget, onError, packsPerIndex: options.packsPerIndex ?? 32, indexIntervalMs: options.indexIntervalMs ?? 30_000, ...(ctx.condemnedPacks ? { condemnedPacks: ctx.condemnedPacks } : {}), ...(ctx.prunePolicyAtStart !== undefined ? { prunePolicyAtStart: ctx.prunePolicyAtStart } : {}), ...(options.packTags ? { packTags: options.packTags } : {}) });
    this.manifest = new ManifestWriter({ store: ctx.store, keys: ctx.keys, runEntries: options.runEntries ?? 100_000, onError });
  }

  /** What this writer has scanned, reused and stored so far. */
  get stats(): WriterStats {
    const { entries, bytesScanned, bytesNew, blobsNew, bytesReused } = this.counts;
    return { entries, bytesScanned, bytesNew, bytesStored: this.sink.bytesStored, blobsNew, bytesReused };
  }

  /** True when the parent snapshot has this path with the same kind and change token, and all its blobs are still indexed. */
  async canReuse(path: string, kind: EntryKind, changeToken: string | undefined): Promise<ManifestEntry | null> {
    if (!this.options.parent || this.parentDropped || changeToken === undefined) return null;
    let prev: ManifestEntry | undefined;
    try {
      prev = await this.options.parent.find(path);
    } catch (err) {
      // The parent only spares reads: a damaged or vanished page costs reading the files, not the backup.
      if (!isUnreadableParent(err)) throw err;
      if (!this.parentDropped) this.options.onParentUnreadable?.(err);
      this.parentDropped = true;
      return null;
    }
    if (!prev || prev.kind !== kind || prev.changeToken !== changeToken) return null;
    for (const id of prev.content) if (!this.sink.has(Buffer.from(id, 'hex'))) return null;
    return prev;
  }

  /** Checks an entry before it is added; true when the parent's blobs were reused and the entry is recorded already. */
  private async startEntry(entry: Omit<NewEntry, 'content'>): Promise<boolean> {
    this.throwIfFailed();
    if (this.finished) throw new Error('SnapshotWriter.add after finish');
    checkEntryPath(entry.path);
    if (entry.stored) {
      if (entry.reused) this.counts.bytesReused += entry.stored.size;
      this.recordWith(entry, entry.stored);
      return true;
    }
    const reused = await this.canReuse(entry.path, entry.kind, entry.changeToken);
    if (!reused) return false;
    this.counts.bytesReused += reused.size;
    this.recordWith(entry, reused);
    return true;
  }

  /** Adds an entry. Returns once its content has been read and chunked (storing continues in the background). */
  async add(entry: NewEntry): Promise<void> {
    if (await this.startEntry(entry)) return;
    if (entry.content === undefined) {
      // A file or object with a change token and nothing to read was meant to reuse its parent's content. The parent
      // may have been dropped since the caller's own canReuse (a damaged page met by another entry in flight): recorded
      // empty, it would restore as 0 bytes and every later incremental would reuse that. Callers pass what canReuse
      // gave them as `stored`; one that does not is a bug that must fail the backup, not empty a file.
      if (entry.changeToken !== undefined && (entry.kind === 'file' || entry.kind === 'object')) {
        throw new Error(`SnapshotWriter.add: ${entry.kind} ${JSON.stringify(entry.path)} has neither content nor stored content, and its parent entry cannot be reused; pass what canReuse returned as \`stored\``);
      }
      this.recordWith(entry, { size: 0, content: [] });
      return;
    }
    const content = typeof entry.content === 'function' ? entry.content() : entry.content;
    await this.addBlocks(entry, Buffer.isBuffer(content) ? bufferBlocks(content) : streamBlocks(content));
  }

  /**
   * Adds a regular file read from disk: the same entry as `add` with the file's bytes as content,
   * read (in FILE_READ_BLOCK blocks, up to `size`, its size when stat'ed) straight into the codec's
   * chunk memory (shared with the codec workers when pooled), so the data is never copied between threads.
   * Resolves true when the file was read, false when its content was reused (the parent's, or `stored`).
   */
  async addFile(entry: Omit<NewEntry, 'content'>, file: FsPath, size: number): Promise<boolean> {
    if (await this.startEntry(entry)) return false;
    await this.addBlocks(entry, await fileBlocks(file, size));
    return true;
  }

  /**
   * Stores content without recording an entry, and resolves with what an entry holding it would be
   * recorded with (once every chunk has its id). For a piece of an object split by byte ranges
   * across shards (docs/ARCHITECTURE.md, "Objects split by byte ranges"): commit joins the pieces'
   * blob lists into one entry. Counted in bytesScanned and the stored totals, not in entries.
   */
  async storeContent(content: ContentSource): Promise<RecordedContent> {
    this.throwIfFailed();
    if (this.finished) throw new Error('SnapshotWriter.storeContent after finish');
    const source = typeof content === 'function' ? content() : content;
    const { size, ids } = await this.readBlocks(Buffer.isBuffer(source) ? bufferBlocks(source) : streamBlocks(source));
    this.counts.bytesScanned += size;
    const done = Promise.all(ids).then((blobs): RecordedContent => ({ size, content: blobs }));
    this.track(done);
    return done;
  }

  private async addBlocks(entry: Omit<NewEntry, 'content'>, source: BlockSource): Promise<void> {
    const { size, ids } = await this.readBlocks(source);
    this.finishEntry(entry, size, ids);
  }

  /**
   * The one archiver pipeline, for files, buffers and streams alike: each block of the source is
   * copied once into chunk memory (shared with the codec workers, or plain memory in-thread), cut
   * there into chunks, and each chunk goes to the codec (id, then seal) and on to the packs in
   * order. The unchunked tail of a block is carried into the next block's memory: chunk boundaries
   * are those of chunker.chunkStream (a cut never depends on where blocks end).
   */
  private async readBlocks(source: BlockSource): Promise<{ size: number; ids: Array<Promise<string>> }> {
    const ids: Array<Promise<string>> = [];
    let total = 0;
    let carry: Buffer | null = null;
    try {
      for (;;) {
        this.throwIfFailed();
        const block = await source.next();
        const carried: number = carry === null ? 0 : carry.length;
        const length = block === null ? 0 : block.length;
        if (carried + length === 0) break;
        // Nothing is held while allocating: the carry was copied out of its region (see SlabPool).
        const region = await this.codec.alloc(carried + length);
        try {
          if (carry) carry.copy(region.bytes, 0);
          const got = block === null ? 0 : await block.fill(region.bytes, carried);
          const final = block === null || block.last || got < length;
          const end: number = carried + got;
          const start = await this.cutRegion(region, end, final, ids);
          total += start;
          carry = start < end ? Buffer.from(region.bytes.subarray(start, end)) : null;
          if (final) break;
        } finally {
          this.codec.release(region);
        }
      }
    } finally {
      await source.close();
    }
    return { size: total, ids };
  }

  /**
   * Cuts the first `end` bytes of a region into chunks and hands each to the codec (ids pushed in
   * order). Returns where the unchunked tail starts: without `final`, the last cut waits for more data.
   */
  private async cutRegion(region: ChunkRegion, end: number, final: boolean, ids: Array<Promise<string>>): Promise<number> {
    let start = 0;
    while (start < end) {
      const n = this.ctx.chunker.cut(region.bytes, start, end, final);
      if (n < 0) break;
      this.throwIfFailed();
      await this.budget.acquire(n);
      const id = this.processChunk(region, start, n, this.nextSeq++);
      // The failure is reported through Promise.all in finishEntry; this only keeps it from being "unhandled" meanwhile.
      id.catch(() => undefined);
      ids.push(id);
      start += n;
    }
    return start;
  }

  private finishEntry(entry: Omit<NewEntry, 'content'>, size: number, ids: Array<Promise<string>>): void {
    this.counts.bytesScanned += size;
    const done = Promise.all(ids).then((content) => {
      this.record({ path: entry.path, kind: entry.kind, meta: entry.meta, size, content, ...token(entry) });
      return { size, content };
    });
    entry.onContent?.(done);
    this.track(done);
  }

  /** Records an entry whose content is known already (reused, stored, or empty). */
  private recordWith(entry: Omit<NewEntry, 'content'>, recorded: RecordedContent): void {
    this.record({ path: entry.path, kind: entry.kind, meta: entry.meta, size: recorded.size, content: recorded.content, ...token(entry) });
    entry.onContent?.(Promise.resolve({ size: recorded.size, content: recorded.content }));
  }

  /** Waits for every blob, pack, index object and manifest page; returns the part for commit. */
  async finish(): Promise<ManifestPart> {
    this.finished = true;
    while (this.pendingWork.size > 0) await Promise.allSettled([...this.pendingWork]);
    this.throwIfFailed();
    const indexes = await this.sink.finish();
    const runs = await this.manifest.finish();
    this.throwIfFailed();
    return { v: 1, runs, indexes, stats: this.stats };
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

  /**
   * Chunk `seq`, bytes [start, start + length) of a region: resolves with its id as soon as the
   * codec has computed it; a new blob's sealing and packing continue tracked. The region is held
   * until the codec is done with the chunk.
   */
  private async processChunk(region: ChunkRegion, start: number, length: number, seq: number): Promise<string> {
    this.codec.retain(region);
    let id: Buffer;
    try {
      id = await this.codec.blobId(region, start, length);
    } catch (err) {
      this.codec.release(region);
      this.sink.put(seq, null, length);
      throw err;
    }
    if (!this.sink.claim(id)) {
      this.codec.release(region);
      this.sink.put(seq, null, length);
      return id.toString('hex');
    }
    this.counts.blobsNew++;
    this.counts.bytesNew += length;
    this.track(
      this.codec.seal(region, start, length, id, this.ctx.compressionLevel).then(
        (stored) => {
          this.codec.release(region);
          this.sink.put(seq, { id, stored, rawLength: length }, length);
        },
        (err: unknown) => {
          this.codec.release(region);
          this.sink.put(seq, null, length);
          throw err;
        },
      ),
    );
    return id.toString('hex');
  }

  private record(entry: ManifestEntry): void {
    this.counts.entries++;
    this.manifest.record(entry);
  }
}

function token(entry: Omit<NewEntry, 'content'>): { changeToken?: string } {
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
