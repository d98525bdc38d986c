import { type ByteBudget } from '../workers/byte-budget';
import { type IndexedPack } from '../blob-index/index-object';
import { PACK_ENTRY_BYTES, PACK_TRAILER_BYTES } from '../pack/pack-format';
import { PackWriter } from '../pack/pack-writer';
import { ENVELOPE_OVERHEAD } from '../crypto/sealed-codec';
import { writeIndexObject } from '../blob-index/index-writer';
import { type VaultIndex } from '../blob-index/vault-index';
import { type VaultKeys } from '../crypto/vault-keys';
import { type VaultStore } from '../backend/vault-store';
import { readPrunePolicy } from '../prune/prune-state';
import { listStoredPacks } from '../prune/stored-packs';
import { BackupPackPrunedError } from '../prune/prune-errors';
import { packKey } from '../repository/vault-layout';

/** A chunk in its stored form (envelope), on its way into a pack. */
export type SealedBlob = { readonly id: Buffer; readonly stored: Buffer; readonly rawLength: number };

export type PackSinkContext = {
  readonly store: VaultStore;
  readonly keys: VaultKeys;
  /** The vault's index; every blob this sink stores is added to it once its pack is stored. */
  readonly index: VaultIndex;
  readonly packSize: number;
  /** Each chunk's bytes (its raw length) are released from this budget once the chunk is in a pack, or known to need none. */
  readonly budget: ByteBudget;
  /** Called with the first error of a background step (a pack append, upload or index write); `finish` throws it too. */
  readonly onError: (err: unknown) => void;
  /** Packs written between index objects, so that a crashed backup's uploads are reused by the next. */
  readonly packsPerIndex: number;
  /** At most this long between a pack's upload and the index object that lists it, however slowly packs come. */
  readonly indexIntervalMs: number;
  /** Packs a prune condemned: a blob found only there counts as absent and is stored again (docs/FORMAT.md §11). */
  readonly condemnedPacks?: ReadonlySet<string>;
  /** Tags of every pack this sink stores (PackWriterOptions.tags). @default none */
  readonly packTags?: Readonly<Record<string, string>>;
  /**
   * `prune/policy`'s `updatedAt` as the writer read it before this sink stored anything (null: none
   * yet), so that the sink need not read it again. @default read when the sink starts
   */
  readonly prunePolicyAtStart?: string | null;
};

/** Packs uploading at once per sink; with the open one, a sink holds at most about (1 + this) × packSize of packs. */
const PACK_UPLOADS = 2;

/** The length of a pack object with `blobs` blobs of `bytes` bytes in all: blobs, header envelope (44 bytes a blob, not compressed), trailer. */
function packObjectLength(bytes: number, blobs: number): number {
  return bytes + ENVELOPE_OVERHEAD + blobs * PACK_ENTRY_BYTES + PACK_TRAILER_BYTES;
}

/**
 * Where a snapshot writer's sealed blobs go: into packs, in chunk order, and from packs into the
 * index. Chunks are numbered by the writer; the sink appends their blobs strictly in that order
 * (a chunk sealed early waits for the ones before it), so a file's blobs lie contiguously in packs
 * and restore reads them in long ranges. A pack is closed before the next blob would make its
 * object reach packSize (header included), so pack objects stay under packSize (with the default
 * 16 MiB: under S3VaultStore's multipart threshold, one PutObject per pack); a blob of packSize or
 * more is a pack of its own. When a pack is stored its blobs enter the vault's index, and an index
 * object is written every `packsPerIndex` packs or `indexIntervalMs` after the oldest pack not yet
 * in one, whichever comes first: a backup that is killed leaves at most that much of its uploads
 * unindexed, and the next backup dedups against everything else it uploaded (as restic's periodic
 * index saves do). What is left is reported by `verify` as unreferenced and reclaimed by prune.
 *
 * The sink is also the writer's dedup memory for blobs between "sealing" and "indexed": `claim`.
 *
 * A prune that runs while the sink works sees its stored packs that no index object lists yet as a
 * killed backup's, condemns them, and with a grace shorter than this backup deletes them. An index
 * object listing such a pack would leave records that a later backup deduplicates against
 * (docs/FORMAT.md §11), so before each index object the sink reads `prune/policy` again: when a prune
 * has started since the sink did, it lists the packs' `data/<2 hex>/` folders (a listing, which the
 * backup's role may do, not a read of each pack) and stops with BackupPackPrunedError if one is gone,
 * after listing the others.
 */
export class PackSink {
  /** The open pack (one PackWriter per pack, so that a pack can be closed before a blob overflows it). */
  private packs: PackWriter;
  private pack = { bytes: 0, blobs: 0 };
  /** Closed packs still uploading (at most PACK_UPLOADS). */
  private readonly packUploads = new Set<Promise<void>>();
  /** Ids (hex) claimed for storing whose packs are not stored yet. */
  private readonly inFlight = new Set<string>();
  /** Chunks done out of order, by number: their blob, or null (nothing to store). */
  private readonly ready = new Map<number, { blob: SealedBlob | null; budget: number }>();
  private appendedSeq = 0;
  private draining: Promise<void> | null = null;
  private unindexed: IndexedPack[] = [];
  private indexTimer: NodeJS.Timeout | null = null;
  private readonly indexWrites: Array<Promise<string | null>> = [];
  /** The policy's `updatedAt` when the sink started (undefined: it could not be read, so every index write checks its packs). */
  private readonly policyAtStart: Promise<string | null | undefined>;
  private failure: unknown = null;
  /** Bytes of blobs (stored form) appended to packs. */
  bytesStored = 0;

  constructor(private readonly ctx: PackSinkContext) {
    this.packs = this.newPack();
    // Read before any pack is stored (by the writer, or here): a prune that starts after this read writes a newer policy.
    this.policyAtStart =
      ctx.prunePolicyAtStart !== undefined
        ? Promise.resolve(ctx.prunePolicyAtStart)
        : readPrunePolicy(ctx.store, ctx.keys).then(
            (p) => p?.updatedAt ?? null,
            () => undefined,
          );
  }

  /** Blobs of condemned packs this sink stored again (the index keeps their first, condemned, location). */
  private readonly storedAgain = new Set<string>();

  /**
   * True when some copy of the blob is indexed in a pack no prune condemned (or this sink stored it again).
   * Every copy counts, not only `lookup`'s first: after a repack the condemned source pack sorts before its
   * live copy about half the time, and judging by it alone stored the blob again on every backup until a
   * prune folded the duplicate, one needless pack a day (kept `days` each on a locked vault).
   */
  has(id: Buffer): boolean {
    const condemned = this.ctx.condemnedPacks;
    if (!condemned || condemned.size === 0) return this.ctx.index.has(id);
    const first = this.ctx.index.lookup(id);
    if (first === undefined) return false;
    if (!condemned.has(first.packId) || this.storedAgain.has(id.toString('hex'))) return true;
    // Only a blob whose first copy is condemned pays for listing its copies.
    return this.ctx.index.hasCopies(id) && this.ctx.index.locations(id).some((copy) => !condemned.has(copy.packId));
  }

  /** True when the blob is neither indexed nor claimed already: the caller stores it (and `put`s it). */
  claim(id: Buffer): boolean {
    const hex = id.toString('hex');
    if (this.has(id) || this.inFlight.has(hex)) return false;
    this.inFlight.add(hex);
    return true;
  }

  /**
   * Chunk `seq` is done: its blob to store, or null (a duplicate, or its sealing failed). Every
   * number from 0 must be put exactly once; `budget` bytes are released once the chunk is through.
   */
  put(seq: number, blob: SealedBlob | null, budget: number): void {
    if (!blob) this.ctx.budget.release(budget);
    this.ready.set(seq, { blob, budget });
    this.kickDrain();
  }

  /** Appends what is left, uploads the last pack, writes the last index object; resolves with the ids of the index objects written. */
  async finish(): Promise<string[]> {
    while (this.draining) await this.draining;
    this.throwIfFailed();
    await this.closePack();
    while (this.packUploads.size > 0) await Promise.race(this.packUploads);
    this.throwIfFailed();
    this.flushIndex();
    return (await Promise.all(this.indexWrites)).filter((id): id is string => id !== null);
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    this.ctx.onError(err);
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  /** Starts the (single) drain loop when the next blob in sequence is ready; re-checks when a loop ends. */
  private kickDrain(): void {
    if (this.draining || !this.ready.has(this.appendedSeq)) return;
    const draining = this.drain()
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.draining = null;
        this.kickDrain();
      });
    this.draining = draining;
  }

  private async drain(): Promise<void> {
    for (let next = this.ready.get(this.appendedSeq); next !== undefined; next = this.ready.get(this.appendedSeq)) {
      this.ready.delete(this.appendedSeq);
      this.appendedSeq++;
      const { blob, budget } = next;
      if (!blob) continue;
      this.bytesStored += blob.stored.length;
      try {
        await this.appendToPack(blob);
      } finally {
        this.ctx.budget.release(budget);
      }
    }
  }

  private newPack(): PackWriter {
    // targetSize: the PackWriter closes a pack itself only when one blob alone reaches packSize; appendToPack closes the others.
    return new PackWriter(this.ctx.store, this.ctx.keys, { targetSize: this.ctx.packSize, maxUploads: 1, releaseBlobs: true, onPackStored: (p) => this.packStored(p), ...(this.ctx.packTags ? { tags: this.ctx.packTags } : {}) });
  }

  /** Appends a blob to the open pack, closing that pack first when the blob would make it reach packSize. */
  private async appendToPack(blob: SealedBlob): Promise<void> {
    const { bytes, blobs } = this.pack;
    const length = blob.stored.length; // read first: the pack writer may free the blob once it is written
    if (blobs > 0 && packObjectLength(bytes + length, blobs + 1) >= this.ctx.packSize) await this.closePack();
    await this.packs.add(blob.id, blob.stored, blob.rawLength);
    this.pack.bytes += length;
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
      .catch((err: unknown) => this.fail(err))
      .finally(() => this.packUploads.delete(upload));
    this.packUploads.add(upload);
  }

  private packStored(pack: IndexedPack): void {
    for (const e of pack.entries) {
      this.ctx.index.add(e.id, pack.packId, pack.length, e.offset, e.storedLength, e.rawLength);
      if (this.ctx.condemnedPacks?.size) this.storedAgain.add(e.id.toString('hex'));
      this.inFlight.delete(e.id.toString('hex'));
    }
    this.unindexed.push(pack);
    if (this.unindexed.length >= this.ctx.packsPerIndex) this.flushIndex();
    else if (!this.indexTimer) {
      this.indexTimer = setTimeout(() => this.flushIndex(), this.ctx.indexIntervalMs);
      // The backup's own work keeps the process alive; a pending index save must not.
      this.indexTimer.unref();
    }
  }

  private flushIndex(): void {
    if (this.indexTimer) clearTimeout(this.indexTimer);
    this.indexTimer = null;
    if (this.unindexed.length === 0) return;
    const packs = this.unindexed;
    this.unindexed = [];
    const write = this.stillStored(packs).then(async (stored) => {
      const id = stored.length > 0 ? await writeIndexObject(this.ctx.store, this.ctx.keys, stored) : null;
      if (stored.length < packs.length) {
        const kept = new Set(stored.map((p) => p.packId));
        throw new BackupPackPrunedError(this.ctx.store.location, packs.filter((p) => !kept.has(p.packId)).map((p) => p.packId));
      }
      return id;
    });
    write.catch((err: unknown) => this.fail(err));
    this.indexWrites.push(write);
  }

  /** The packs that are still stored: all of them unless a prune has started since the sink did. */
  private async stillStored(packs: IndexedPack[]): Promise<IndexedPack[]> {
    const before = await this.policyAtStart;
    const policy = await readPrunePolicy(this.ctx.store, this.ctx.keys);
    if (before !== undefined && (policy?.updatedAt ?? null) === before) return packs;
    const folders = new Map<string, Promise<ReadonlySet<string>>>();
    const present = await Promise.all(
      packs.map(async (p) => {
        const key = packKey(p.packId);
        const folder = key.slice(0, key.lastIndexOf('/') + 1);
        let ids = folders.get(folder);
        if (!ids) folders.set(folder, (ids = listStoredPacks(this.ctx.store, folder, { statFiles: false }).then((l) => l.ids)));
        return (await ids).has(p.packId);
      }),
    );
    return packs.filter((_, i) => present[i]);
  }
}
