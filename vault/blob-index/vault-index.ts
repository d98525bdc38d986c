import { BlobIdSet } from './blob-id-set';

/**
 * The in-memory blob → (pack, offset, lengths) lookup of an open vault.
 *
 * Memory, by design: blobs live in flat typed arrays, not in a Map of objects: the ids in a
 * BlobIdSet (32 bytes of id + an open-addressing slot table of Int32 at load ≤ 1/2, 8–16 bytes),
 * and by the set's ordinal 4 × 4 bytes (pack ordinal, offset, stored length, raw length)
 * = 56–64 bytes per blob in steady state, ≈ 60 MB per million blobs (≈ 1 TB of data at 1 MiB
 * chunks); while an array doubles, both copies exist briefly, so the peak is ≤ 2× that.
 * Packs cost one string (~100 bytes) each.
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
  /**
   * Index objects the load skipped because they failed their integrity check (Vault.index(), a
   * reader's load): a blob this index lacks may be listed in one of them, so an error about a blob in
   * no index names them (unindexedBlobDetail).
   */
  damagedObjects: readonly string[] = [];

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity);
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

  /** Adds a blob; a blob already known (stored twice by concurrent writers) keeps its first location. */
  add(id: Uint8Array, packId: string, packLength: number, offset: number, storedLength: number, rawLength: number): void {
    if (id.length !== ID_BYTES) throw new RangeError(`blob id must be ${ID_BYTES} bytes`);
    const known = this.ids.size;
    const i = this.ids.add(id);
    if (i < known) return;
    if (i === this.packOrd.length) this.grow();
    this.packOrd[i] = this.addPack(packId, packLength);
    this.offsets[i] = offset;
    this.stored[i] = storedLength;
    this.raw[i] = rawLength;
  }

  has(id: Uint8Array): boolean {
    return this.ids.has(id);
  }

  lookup(id: Uint8Array): BlobLocation | undefined {
    const i = this.ids.ordinalOf(id);
    if (i < 0) return undefined;
    return {
      packId: this.packIds[this.packOrd[i] as number] as string,
      offset: this.offsets[i] as number,
      storedLength: this.stored[i] as number,
      rawLength: this.raw[i] as number,
    };
  }

  private grow(): void {
    const cap = this.packOrd.length * 2;
    this.packOrd = growU32(this.packOrd, cap);
    this.offsets = growU32(this.offsets, cap);
    this.stored = growU32(this.stored, cap);
    this.raw = growU32(this.raw, cap);
  }
}

function growU32(a: Uint32Array, cap: number): Uint32Array {
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}
