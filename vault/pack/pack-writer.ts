import { randomBytes } from 'node:crypto';
import { type IndexedPack } from '../blob-index/index-object';
import { encodePackHeader, PACK_TRAILER_BYTES, type PackEntry } from './pack-format';
import { objectContext, seal } from '../crypto/sealed-codec';
import { type VaultKeys } from '../crypto/vault-keys';
import { packKey } from '../repository/vault-layout';
import { type VaultStore } from '../backend/vault-store';
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
   * The blobs are the writer's alone once added (a backup's freshly sealed blobs): once their pack
   * is stored (or joined into one body, for a store without putParts), each blob that owns its whole
   * ArrayBuffer is freed at once (release-buffer.ts)
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
  private readonly uploads = new Set<Promise<void>>();
  private failure: unknown = null;

  constructor(
    private readonly store: VaultStore,
    private readonly keys: VaultKeys,
    private readonly options: PackWriterOptions,
  ) {}

  /** Appends an encrypted blob; may wait for an upload slot when the pack fills. */
  async add(id: Buffer, stored: Buffer, rawLength: number): Promise<void> {
    this.throwIfFailed();
    this.entries.push({ id, offset: this.size, storedLength: stored.length, rawLength });
    this.blobs.push(stored);
    this.size += stored.length;
    if (this.size >= this.options.targetSize) await this.closePack();
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
    this.blobs = [];
    this.entries = [];
    this.size = 0;
    while (this.uploads.size >= this.options.maxUploads) await Promise.race(this.uploads);
    this.throwIfFailed();
    const upload = this.upload(blobs, entries, bodyLength).catch((err: unknown) => {
      this.failure ??= err;
    });
    const tracked = upload.finally(() => this.uploads.delete(tracked));
    this.uploads.add(tracked);
  }

  private async upload(blobs: Buffer[], entries: PackEntry[], bodyLength: number): Promise<void> {
    const { stored: header } = await seal(this.keys, objectContext('pack-header'), encodePackHeader(entries), { compressionLevel: null });
    const trailer = Buffer.allocUnsafe(PACK_TRAILER_BYTES);
    trailer.writeUInt32LE(header.length, 0);
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
