const ID_BYTES = 32;

/**
 * A set of 32-byte blob ids in flat memory, each with an ordinal (its insertion number, 0…size−1)
 * that callers use to index typed arrays of their own per blob.
 *
 * Memory: 32 bytes of id plus an open-addressing slot table of Int32 at load ≤ 1/2 (8–16 bytes),
 * 40–48 bytes an id; a Set of hex strings takes about 120. Prune holds every referenced id of a
 * vault at once (vault-mark.ts), so this is most of what bounds the vault it can prune.
 */
export class BlobIdSet {
  private ids: Buffer;
  private slots: Int32Array;
  private count = 0;
  private readonly scratch = Buffer.alloc(ID_BYTES);

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity);
    this.ids = Buffer.alloc(cap * ID_BYTES);
    this.slots = new Int32Array(nextPow2(cap * 2)).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  /** Adds the id at `offset` of `source` (idempotent); returns its ordinal. */
  add(source: Uint8Array, offset = 0): number {
    const mask = this.slots.length - 1;
    let s = hashAt(source, offset) & mask;
    for (;;) {
      const i = this.slots[s] as number;
      if (i < 0) break;
      if (this.equalsAt(i, source, offset)) return i;
      s = (s + 1) & mask;
    }
    if (this.count * ID_BYTES === this.ids.length) this.grow();
    const i = this.count++;
    this.ids.set(source.subarray(offset, offset + ID_BYTES), i * ID_BYTES);
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.slots[s] = i;
    return i;
  }

  /** The ordinal of the id at `offset` of `source`, or −1. */
  ordinalOf(source: Uint8Array, offset = 0): number {
    const mask = this.slots.length - 1;
    let s = hashAt(source, offset) & mask;
    for (;;) {
      const i = this.slots[s] as number;
      if (i < 0) return -1;
      if (this.equalsAt(i, source, offset)) return i;
      s = (s + 1) & mask;
    }
  }

  has(source: Uint8Array, offset = 0): boolean {
    return this.ordinalOf(source, offset) >= 0;
  }

  addHex(hex: string): number {
    return this.add(this.fromHex(hex));
  }

  hasHex(hex: string): boolean {
    return this.has(this.fromHex(hex));
  }

  /** The ids in insertion order, as hex (for reports and tests: it allocates a string each). */
  *hexIds(): Generator<string> {
    for (let i = 0; i < this.count; i++) yield this.ids.toString('hex', i * ID_BYTES, (i + 1) * ID_BYTES);
  }

  private fromHex(hex: string): Buffer {
    if (hex.length !== ID_BYTES * 2 || this.scratch.write(hex, 0, ID_BYTES, 'hex') !== ID_BYTES) throw new RangeError(`not a blob id (64 hex digits): ${JSON.stringify(hex)}`);
    return this.scratch;
  }

  private equalsAt(i: number, source: Uint8Array, offset: number): boolean {
    const ids = this.ids;
    const o = i * ID_BYTES;
    for (let k = 0; k < ID_BYTES; k++) if (ids[o + k] !== source[offset + k]) return false;
    return true;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let i = 0; i < this.count; i++) {
      let s = hashAt(this.ids, i * ID_BYTES) & mask;
      while ((this.slots[s] as number) >= 0) s = (s + 1) & mask;
      this.slots[s] = i;
    }
  }

  private grow(): void {
    const ids = Buffer.alloc(this.ids.length * 2);
    this.ids.copy(ids);
    this.ids = ids;
  }
}

/**
 * Real ids are uniform, and their first word would do; the last word and a multiply are mixed in so
 * that ids sharing a prefix (made-up ones in tests, or a hostile index) do not pile into one run of slots.
 */
function hashAt(id: Uint8Array, o: number): number {
  const first = (id[o] as number) | ((id[o + 1] as number) << 8) | ((id[o + 2] as number) << 16) | ((id[o + 3] as number) << 24);
  const last = (id[o + 28] as number) | ((id[o + 29] as number) << 8) | ((id[o + 30] as number) << 16) | ((id[o + 31] as number) << 24);
  const h = Math.imul(first ^ Math.imul(last, 0x85ebca6b), 0x9e3779b1);
  // The product's high bits carry every input bit; the slot is taken from the low ones.
  return (h ^ (h >>> 15)) >>> 0;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
