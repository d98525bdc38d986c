/**
 * The in-memory blob → (pack, offset, lengths) lookup of an open vault.
 *
 * Memory, by design: blobs live in flat typed arrays, not in a Map of objects:
 *   32 bytes of id + 4 × 4 bytes (pack ordinal, offset, stored length, raw length)
 *   + an open-addressing slot table of Int32 at load ≤ 1/2 (8–16 bytes per blob)
 * = 56–64 bytes per blob in steady state, ≈ 60 MB per million blobs (≈ 1 TB of data at 1 MiB
 * chunks); while an array doubles, both copies exist briefly, so the peak is ≤ 2× that.
 * Packs cost one string (~100 bytes) each. Blob ids are HMAC outputs, hence uniformly
 * distributed: their first 4 bytes serve directly as the hash.
 */
export type BlobLocation = {
  readonly packId: string;
  readonly offset: number;
  readonly storedLength: number;
  readonly rawLength: number;
};

const ID_BYTES = 32;

export class VaultIndex {
  private ids: Buffer;
  private packOrd: Uint32Array;
  private offsets: Uint32Array;
  private stored: Uint32Array;
  private raw: Uint32Array;
  private slots: Int32Array;
  private count = 0;
  private readonly packIds: string[] = [];
  private readonly packLengths: number[] = [];
  private readonly packOrdinals = new Map<string, number>();

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity);
    this.ids = Buffer.alloc(cap * ID_BYTES);
    this.packOrd = new Uint32Array(cap);
    this.offsets = new Uint32Array(cap);
    this.stored = new Uint32Array(cap);
    this.raw = new Uint32Array(cap);
    this.slots = new Int32Array(nextPow2(cap * 2)).fill(-1);
  }

  get size(): number {
    return this.count;
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
    if (this.find(id) >= 0) return;
    if (this.count === this.packOrd.length) this.grow();
    const i = this.count++;
    this.ids.set(id, i * ID_BYTES);
    this.packOrd[i] = this.addPack(packId, packLength);
    this.offsets[i] = offset;
    this.stored[i] = storedLength;
    this.raw[i] = rawLength;
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.insertSlot(i);
  }

  has(id: Uint8Array): boolean {
    return this.find(id) >= 0;
  }

  lookup(id: Uint8Array): BlobLocation | undefined {
    const i = this.find(id);
    if (i < 0) return undefined;
    return {
      packId: this.packIds[this.packOrd[i] as number] as string,
      offset: this.offsets[i] as number,
      storedLength: this.stored[i] as number,
      rawLength: this.raw[i] as number,
    };
  }

  private find(id: Uint8Array): number {
    const mask = this.slots.length - 1;
    let s = hashOf(id) & mask;
    for (;;) {
      const i = this.slots[s] as number;
      if (i < 0) return -1;
      if (this.idEquals(i, id)) return i;
      s = (s + 1) & mask;
    }
  }

  private idEquals(i: number, id: Uint8Array): boolean {
    return this.ids.compare(id, 0, ID_BYTES, i * ID_BYTES, i * ID_BYTES + ID_BYTES) === 0;
  }

  private insertSlot(i: number): void {
    const mask = this.slots.length - 1;
    let s = this.ids.readUInt32LE(i * ID_BYTES) & mask;
    while ((this.slots[s] as number) >= 0) s = (s + 1) & mask;
    this.slots[s] = i;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size).fill(-1);
    for (let i = 0; i < this.count; i++) this.insertSlot(i);
  }

  private grow(): void {
    const cap = this.packOrd.length * 2;
    const ids = Buffer.alloc(cap * ID_BYTES);
    this.ids.copy(ids);
    this.ids = ids;
    this.packOrd = growU32(this.packOrd, cap);
    this.offsets = growU32(this.offsets, cap);
    this.stored = growU32(this.stored, cap);
    this.raw = growU32(this.raw, cap);
  }
}

function hashOf(id: Uint8Array): number {
  return ((id[0] as number) | ((id[1] as number) << 8) | ((id[2] as number) << 16) | ((id[3] as number) << 24)) >>> 0;
}

function growU32(a: Uint32Array, cap: number): Uint32Array {
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
