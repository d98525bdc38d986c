import { randomBytes } from 'node:crypto';
import { type IndexedPack } from '../blob-index/index-object';
import { encodePackHeader, PACK_TRAILER_BYTES, type PackEntry } from './pack-format';
import { objectContext, seal } from '../crypto/sealed-codec';
import { type VaultKeys } from '../crypto/vault-keys';
import { packKey } from '../repository/vault-layout';
import { type ObjectWriter, type VaultStore } from '../backend/vault-store';
import { releaseBuffer } from '../platform/release-buffer';

export type PackWriterOptions = {
  /** A pack is closed once its blobs reach this many bytes (default 16 MiB). */
  readonly targetSize: number;
  /** Packs uploading at once; bounds memory to about (1 + maxUploads) × targetSize. */
  readonly maxUploads: number;
  /** Called after a pack is stored, in no particular order; the index is written from these. */
  readonly onPackStored: (pack: IndexedPack) => void;
  /** Tags of every pack object (the writing plan's tier tag, which the vault's lifecycle rules select by). @default none */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * The blobs are the writer's alone once added (a backup's freshly sealed blobs). With a store that
   * writes objects piece by piece (createObjectWriter: a directory), each blob is written into its
   * pack's object as it is added, and freed once written: no pack is held in memory, and a codec
   * worker gets the memory of its last blobs back for its next ones (docs/BENCHMARKS.md). Otherwise,
   * once their pack is stored (or joined into one body, for a store without putParts), each blob that
   * owns its whole ArrayBuffer is freed at once (release-buffer.ts)
   * instead of when the garbage collector gets to it. A backup's packs are its largest short-lived
   * buffers (about 1 GiB through the main thread per GiB stored), and dead ones were held until V8
   * noticed the external memory. Not for blobs that are views of bytes someone else reads (repack). @default false
   */
  readonly releaseBlobs?: boolean;
};

/**
 * Groups encrypted blobs into pack objects. Pack ids are 32 random bytes, so writers in different
 * processes never collide and need no coordination.
 */
export class PackWriter {
  private blobs: Buffer[] = [];
  private entries: PackEntry[] = [];
  private size = 0;
  /** The open pack's object, when its blobs are written as they come (see PackWriterOptions.releaseBlobs). */
  private stream: { readonly packId: string; readonly writer: ObjectWriter } | null = null;
  private readonly uploads = new Set<Promise<void>>();
  private failure: unknown = null;
  /** The store's object writer when the open pack's blobs are written as they come (see PackWriterOptions.releaseBlobs). */
  private readonly objectWriter: VaultStore['createObjectWriter'];

  constructor(
    private readonly store: VaultStore,
    private readonly keys: VaultKeys,
    private readonly options: PackWriterOptions,
  ) {
    this.objectWriter = options.releaseBlobs ? store.createObjectWriter?.bind(store) : undefined;
  }

  /** Appends an encrypted blob; may wait for an upload slot when the pack fills. */
  async add(id: Buffer, stored: Buffer, rawLength: number): Promise<void> {
    this.throwIfFailed();
    const length = stored.length; // read first: a streamed blob is freed once written
    if (this.objectWriter) await this.writeToStream(this.objectWriter, stored);
    else this.blobs.push(stored);
    this.entries.push({ id, offset: this.size, storedLength: length, rawLength });
    this.size += length;
    if (this.size >= this.options.targetSize) await this.closePack();
  }

  private async writeToStream(createObjectWriter: NonNullable<VaultStore['createObjectWriter']>, stored: Buffer): Promise<void> {
    try {
      if (!this.stream) {
        const packId = randomBytes(32).toString('hex');
        const put = this.options.tags ? { tags: this.options.tags } : undefined;
        this.stream = { packId, writer: await createObjectWriter(packKey(packId), put) };
      }
      await this.stream.writer.write(stored);
    } catch (err) {
      // The pack cannot be finished: its object is dropped, and the writer fails from here on.
      const stream = this.stream;
      this.stream = null;
      await stream?.writer.abort().catch(() => undefined);
      this.failure ??= err;
      throw err;
    }
    if (stored.byteOffset === 0 && stored.byteLength === stored.buffer.byteLength) releaseBuffer(stored);
  }

  /** Closes the open pack and waits for every upload. */
  async flush(): Promise<void> {
    if (this.entries.length > 0) await this.closePack();
    while (this.uploads.size > 0) await Promise.race(this.uploads);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  private async closePack(): Promise<void> {
    const blobs = this.blobs;
    const entries = this.entries;
    const bodyLength = this.size;
    const stream = this.stream;
    this.blobs = [];
    this.entries = [];
    this.size = 0;
    this.stream = null;
    try {
      while (this.uploads.size >= this.options.maxUploads) await Promise.race(this.uploads);
      this.throwIfFailed();
    } catch (err) {
      await stream?.writer.abort().catch(() => undefined);
      throw err;
    }
    const upload = (stream ? this.finishStream(stream, entries, bodyLength) : this.upload(blobs, entries, bodyLength)).catch((err: unknown) => {
      this.failure ??= err;
    });
    const tracked = upload.finally(() => this.uploads.delete(tracked));
    this.uploads.add(tracked);
  }

  /** The header envelope and trailer that end a pack of these entries (docs/FORMAT.md). */
  private async packEnd(entries: PackEntry[]): Promise<{ header: Buffer; trailer: Buffer }> {
    const { stored: header } = await seal(this.keys, objectContext('pack-header'), encodePackHeader(entries), { compressionLevel: null });
    const trailer = Buffer.allocUnsafe(PACK_TRAILER_BYTES);
    trailer.writeUInt32LE(header.length, 0);
    return { header, trailer };
  }

  /** Ends a streamed pack: header and trailer written, the object committed; dropped when that fails. */
  private async finishStream(stream: { readonly packId: string; readonly writer: ObjectWriter }, entries: PackEntry[], bodyLength: number): Promise<void> {
    let length: number;
    try {
      const { header, trailer } = await this.packEnd(entries);
      await stream.writer.write(header);
      await stream.writer.write(trailer);
      await stream.writer.commit();
      length = bodyLength + header.length + PACK_TRAILER_BYTES;
    } catch (err) {
      await stream.writer.abort().catch(() => undefined);
      throw err;
    }
    this.options.onPackStored({ packId: stream.packId, length, entries });
  }

  private async upload(blobs: Buffer[], entries: PackEntry[], bodyLength: number): Promise<void> {
    const { header, trailer } = await this.packEnd(entries);
    const length = bodyLength + header.length + PACK_TRAILER_BYTES;
    const packId = randomBytes(32).toString('hex');
    // A store that takes parts writes the blobs where they are; otherwise the pack is joined once.
    const put = this.options.tags ? { tags: this.options.tags } : undefined;
    if (this.store.putParts) {
      await this.store.putParts(packKey(packId), [...blobs, header, trailer], put);
      this.release(blobs);
    } else {
      const body = Buffer.concat([...blobs, header, trailer], length);
      // Joined: the blobs are not needed while the pack uploads.
      this.release(blobs);
      await this.store.put(packKey(packId), body, put);
    }
    this.options.onPackStored({ packId, length, entries });
  }

  private release(blobs: readonly Buffer[]): void {
    if (!this.options.releaseBlobs) return;
    for (const b of blobs) if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) releaseBuffer(b);
  }
}
