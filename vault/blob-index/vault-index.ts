import { BlobIdSet } from './blob-id-set';

/**
 * The in-memory blob → (pack, offset, lengths) lookup of an open vault.
 *
 * Memory, by design: blobs live in flat typed arrays, not in a Map of objects: the ids in a
 * BlobIdSet (32 bytes of id + an open-addressing slot table of Int32 at load ≤ 1/2, 8–16 bytes),
 * and by the set's ordinal 4 × 4 bytes (pack ordinal, offset, stored length, raw length)
 * = 56–64 bytes per blob in steady state, ≈ 60 MB per million blobs (≈ 1 TB of data at 1 MiB
 * chunks); while an array doubles, both copies exist briefly, so the peak is ≤ 2× that.
 * Packs cost one string (~100 bytes) each. A blob stored more than once (two writers, parallel shards) keeps its
 * other copies in a side table (`copies`): 20 bytes of typed arrays plus one Map entry a copy, nothing for the common
 * blob that is stored once; its Maps are split by ordinal range (OtherCopies), so any number of blobs may have copies.
 */
export type BlobLocation = {
  readonly packId: string;
  readonly offset: number;
  readonly storedLength: number;
  readonly rawLength: number;
};

const ID_BYTES = 32;

export class VaultIndex {
  private readonly ids: BlobIdSet;
  private packOrd: Uint32Array;
  private offsets: Uint32Array;
  private stored: Uint32Array;
  private raw: Uint32Array;
  private readonly packIds: string[] = [];
  private readonly packLengths: number[] = [];
  private readonly packOrdinals = new Map<string, number>();
  private readonly copies: OtherCopies;
  /**
   * Index objects the load skipped because they failed their integrity check (Vault.index(), a
   * reader's load): a blob this index lacks may be listed in one of them, so an error about a blob in
   * no index names them (unindexedBlobDetail).
   */
  damagedObjects: readonly string[] = [];

  /** `copiesPerMap`: the blobs with other copies one Map of the side table holds at most (OtherCopies; a test sets it low). */
  constructor(initialCapacity = 1024, copiesPerMap = COPIES_PER_MAP) {
    const cap = Math.max(16, initialCapacity);
    this.copies = new OtherCopies(copiesPerMap);
    this.ids = new BlobIdSet(cap);
    this.packOrd = new Uint32Array(cap);
    this.offsets = new Uint32Array(cap);
    this.stored = new Uint32Array(cap);
    this.raw = new Uint32Array(cap);
  }

  get size(): number {
    return this.ids.size;
  }

  get packCount(): number {
    return this.packIds.length;
  }

  /** Registers a pack (idempotent) and returns its ordinal. */
  addPack(packId: string, packLength: number): number {
    const known = this.packOrdinals.get(packId);
    if (known !== undefined) return known;
    const ord = this.packIds.length;
    this.packIds.push(packId);
    this.packLengths.push(packLength);
    this.packOrdinals.set(packId, ord);
    return ord;
  }

  packs(): Array<{ packId: string; length: number }> {
    return this.packIds.map((packId, i) => ({ packId, length: this.packLengths[i] ?? 0 }));
  }

  hasPack(packId: string): boolean {
    return this.packOrdinals.has(packId);
  }

  /**
   * Adds a blob. A blob already known (stored twice by concurrent writers) keeps every location: `lookup` gives the one
   * first by pack id and offset, whatever order the index objects were loaded in (they load in parallel), so every
   * reader of the vault reads the same copy first; `locations` gives the others for a reader whose first copy fails.
   */
  add(id: Uint8Array, packId: string, packLength: number, offset: number, storedLength: number, rawLength: number): void {
    if (id.length !== ID_BYTES) throw new RangeError(`blob id must be ${ID_BYTES} bytes`);
    const known = this.ids.size;
    const i = this.ids.add(id);
    const ord = this.addPack(packId, packLength);
    if (i < known) {
      this.addCopy(i, ord, offset, storedLength, rawLength);
      return;
    }
    if (i === this.packOrd.length) this.grow();
    this.packOrd[i] = ord;
    this.offsets[i] = offset;
    this.stored[i] = storedLength;
    this.raw[i] = rawLength;
  }

  has(id: Uint8Array): boolean {
    return this.ids.has(id);
  }

  /** Where the blob is read first: of its copies, the one first by pack id and offset. */
  lookup(id: Uint8Array): BlobLocation | undefined {
    const i = this.ids.ordinalOf(id);
    if (i < 0) return undefined;
    return this.location(this.packOrd[i] as number, this.offsets[i] as number, this.stored[i] as number, this.raw[i] as number);
  }

  /** Every indexed copy of the blob, `lookup`'s first and the others by pack id and offset; empty when no index lists it. */
  locations(id: Uint8Array): BlobLocation[] {
    const i = this.ids.ordinalOf(id);
    if (i < 0) return [];
    const all = [this.location(this.packOrd[i] as number, this.offsets[i] as number, this.stored[i] as number, this.raw[i] as number)];
    for (let c = this.copies.first(i); c !== NONE; c = this.copies.next[c] as number) {
      all.push(this.location(this.copies.packOrd[c] as number, this.copies.offsets[c] as number, this.copies.stored[c] as number, this.copies.raw[c] as number));
    }
    return all.sort(byPackAndOffset);
  }

  /** Whether the blob is indexed in more than one place (a reader then has another copy to try). */
  hasCopies(id: Uint8Array): boolean {
    const i = this.ids.ordinalOf(id);
    return i >= 0 && this.copies.has(i);
  }

  /** Locations held, the blobs' first ones and their other copies: what the index's memory grows with. */
  get locationCount(): number {
    return this.ids.size + this.copies.count;
  }

  private location(packOrd: number, offset: number, storedLength: number, rawLength: number): BlobLocation {
    return { packId: this.packIds[packOrd] as string, offset, storedLength, rawLength };
  }

  /**
   * Records another copy of blob `i`. The copy first by (pack id, offset) takes the blob's main slot and the one it
   * replaces moves to the side table, so the result does not depend on the order of the adds. A location already held
   * (two index objects listing one pack, as a repair or an interrupted prune leaves) is not a second copy.
   */
  private addCopy(i: number, packOrd: number, offset: number, storedLength: number, rawLength: number): void {
    const mainOrd = this.packOrd[i] as number;
    const mainOffset = this.offsets[i] as number;
    if (mainOrd === packOrd && mainOffset === offset) return;
    for (let c = this.copies.first(i); c !== NONE; c = this.copies.next[c] as number) {
      if (this.copies.packOrd[c] === packOrd && this.copies.offsets[c] === offset) return;
    }
    const incoming = this.location(packOrd, offset, storedLength, rawLength);
    const main = this.location(mainOrd, mainOffset, this.stored[i] as number, this.raw[i] as number);
    if (byPackAndOffset(incoming, main) < 0) {
      this.copies.push(i, mainOrd, mainOffset, this.stored[i] as number, this.raw[i] as number);
      this.packOrd[i] = packOrd;
      this.offsets[i] = offset;
      this.stored[i] = storedLength;
      this.raw[i] = rawLength;
    } else {
      this.copies.push(i, packOrd, offset, storedLength, rawLength);
    }
  }

  private grow(): void {
    const cap = this.packOrd.length * 2;
    this.packOrd = growU32(this.packOrd, cap);
    this.offsets = growU32(this.offsets, cap);
    this.stored = growU32(this.stored, cap);
    this.raw = growU32(this.raw, cap);
  }
}

const NONE = 0xffffffff;

function byPackAndOffset(a: BlobLocation, b: BlobLocation): number {
  if (a.packId !== b.packId) return a.packId < b.packId ? -1 : 1;
  return a.offset - b.offset;
}

/**
 * A V8 Map holds at most 2^24 entries (Node 24: the next `set` throws RangeError: Map maximum size exceeded); half of it
 * leaves room should a V8 lower it, and costs one more Map per 8M blobs.
 */
const COPIES_PER_MAP = 2 ** 23;

/**
 * The blobs' locations beyond their first (VaultIndex.add): a list per blob, chained through `next`, in typed arrays.
 * The head of each blob's list is found by its ordinal in one of several Maps, each for a range of `perMap` ordinals:
 * one Map failed a vault with more than 2^24 blobs stored twice (two first backups of one large source by concurrent
 * writers), which the index's memory limit lets through (80 B a location) and the CLI does not limit. Ranges, not a hash:
 * a range of `perMap` ordinals cannot put more than `perMap` blobs in its Map, however the copies fall. A Map entry per
 * blob with copies, as one Map cost; a typed array by ordinal would cost every blob stored once 4 bytes.
 */
class OtherCopies {
  /** By ordinal range (ordinal / perMap): the blob's (ordinal's) first other copy. */
  private readonly heads: Map<number, number>[] = [];
  next: Uint32Array = new Uint32Array(0);
  packOrd: Uint32Array = new Uint32Array(0);
  offsets: Uint32Array = new Uint32Array(0);
  stored: Uint32Array = new Uint32Array(0);
  raw: Uint32Array = new Uint32Array(0);
  count = 0;

  constructor(private readonly perMap: number) {
    if (!Number.isInteger(perMap) || perMap < 1) throw new RangeError(`copiesPerMap must be a positive integer, not ${perMap}`);
  }

  /** The blob's first other copy, or NONE. */
  first(blob: number): number {
    return this.heads[Math.floor(blob / this.perMap)]?.get(blob) ?? NONE;
  }

  has(blob: number): boolean {
    return this.heads[Math.floor(blob / this.perMap)]?.has(blob) ?? false;
  }

  push(blob: number, packOrd: number, offset: number, storedLength: number, rawLength: number): void {
    if (this.count === this.next.length) {
      const cap = Math.max(16, this.count * 2);
      this.next = growU32(this.next, cap);
      this.packOrd = growU32(this.packOrd, cap);
      this.offsets = growU32(this.offsets, cap);
      this.stored = growU32(this.stored, cap);
      this.raw = growU32(this.raw, cap);
    }
    const range = Math.floor(blob / this.perMap);
    const heads = this.heads[range] ?? (this.heads[range] = new Map());
    const c = this.count++;
    this.next[c] = heads.get(blob) ?? NONE;
    this.packOrd[c] = packOrd;
    this.offsets[c] = offset;
    this.stored[c] = storedLength;
    this.raw[c] = rawLength;
    heads.set(blob, c);
  }
}

function growU32(a: Uint32Array, cap: number): Uint32Array {
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}
