import { createHash, randomBytes } from 'node:crypto';

/** Words (32 bits) a digest takes: 96 bits, no collision to fear at any restore's size (a billion digests: about 1e-11). */
const WORDS = 3;
/** The most of its slots a table fills before it grows (linear probing stays short below it). */
const LOAD_MAX = 0.8;
/** Slots of a new table. */
const FIRST_SLOTS = 1024;

/**
 * A set of 96-bit digests (the first 12 bytes of a hash) held in one typed array, with open addressing and linear probing:
 * 12 bytes a slot, 15 to 23 bytes a digest as it grows by half at LOAD_MAX, outside the JavaScript heap. A Set of their
 * strings cost about 117 bytes a digest on the heap (review r59C F6: 30 million files neared the heap's limit). It never
 * holds more than `maxSlots` slots: full, `add` refuses the digest (returns false), and the caller says what that costs.
 */
export class DigestTable {
  /**
   * A secret of this table alone, put before what it digests (digestOf): whoever chose the names digested (a backed-up
   * tree, a bucket's keys) cannot search for two whose digests meet (96 bits unkeyed is a birthday search of 2^48).
   */
  private readonly salt = randomBytes(32);
  private slots: Uint32Array;
  private capacity: number;
  private held = 0;

  constructor(private readonly maxSlots: number) {
    this.capacity = Math.max(1, Math.min(FIRST_SLOTS, maxSlots));
    this.slots = new Uint32Array(this.capacity * WORDS);
  }

  /** Digests held. */
  get size(): number {
    return this.held;
  }

  /** Bytes of its array. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Holds `digest` (at least 12 bytes); false when it was not held and the table is full at `maxSlots`. */
  add(digest: Uint8Array): boolean {
    const key = keyOf(digest);
    if (this.find(key) >= 0) return true;
    if (this.held + 1 > this.capacity * LOAD_MAX && !this.grow()) return false;
    this.put(this.slots, this.capacity, key);
    this.held++;
    return true;
  }

  /** The digest this table keeps for `parts` (joined by NUL, which no path holds): salted SHA-256. */
  digestOf(...parts: readonly string[]): Buffer {
    const hash = createHash('sha256').update(this.salt);
    parts.forEach((part, i) => hash.update(i === 0 ? part : `\0${part}`));
    return hash.digest();
  }

  has(digest: Uint8Array): boolean {
    return this.find(keyOf(digest)) >= 0;
  }

  /** The slot holding `key`, or -1. */
  private find(key: Key): number {
    const { slots, capacity } = this;
    for (let slot = home(key, capacity); ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const at = slot * WORDS;
      if (slots[at] === key[0] && slots[at + 1] === key[1] && slots[at + 2] === key[2]) return slot;
      // No key is all zeros (keyOf): an empty slot ends the probe.
      if (slots[at + 2] === 0) return -1;
    }
  }

  private put(slots: Uint32Array, capacity: number, key: Key): void {
    let slot = home(key, capacity);
    while (slots[slot * WORDS + 2] !== 0) slot = slot + 1 === capacity ? 0 : slot + 1;
    slots.set(key, slot * WORDS);
  }

  /** Half as many slots again, up to maxSlots; false when at maxSlots already. */
  private grow(): boolean {
    const capacity = Math.min(this.maxSlots, Math.ceil(this.capacity * 1.5));
    if (capacity <= this.capacity) return false;
    const slots = new Uint32Array(capacity * WORDS);
    for (let at = 0; at < this.slots.length; at += WORDS) {
      if (this.slots[at + 2] !== 0) this.put(slots, capacity, [this.slots[at] as number, this.slots[at + 1] as number, this.slots[at + 2] as number]);
    }
    this.slots = slots;
    this.capacity = capacity;
    return true;
  }
}

type Key = [number, number, number];

/** The digest's first 96 bits; the last word's low bit set, so that no key is all zeros (an empty slot). */
function keyOf(digest: Uint8Array): Key {
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  return [view.getUint32(0, true), view.getUint32(4, true), (view.getUint32(8, true) | 1) >>> 0];
}

/** Where a key's probe starts: its first word scaled to the capacity (the digest's bits are uniform). */
function home(key: Key, capacity: number): number {
  return Math.floor((key[0] / 2 ** 32) * capacity);
}
