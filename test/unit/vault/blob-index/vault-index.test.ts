import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { decodeIndexObject, encodeIndexObject, type IndexedPack } from '../../../../vault/blob-index/index-object';
import { VaultIndex } from '../../../../vault/blob-index/vault-index';
import { VaultCorruptionError } from '../../../../vault/vault-errors';

const where = { location: '/v', key: 'index/x' };
const packArb = fc.record({
  packId: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
  length: fc.nat(),
  entries: fc.array(
    fc.record({
      id: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b)),
      offset: fc.nat(),
      storedLength: fc.nat(),
      rawLength: fc.nat(),
    }),
    { maxLength: 20 },
  ),
});

describe('index objects and the blob table', () => {
  it('round-trips index objects through encode/decode into the table', () => {
    fc.assert(
      fc.property(fc.array(packArb, { maxLength: 8 }), (packs: IndexedPack[]) => {
        const table = new VaultIndex(1);
        const n = decodeIndexObject(encodeIndexObject(packs), where, (packId, len, id, offset, stored, raw) => table.add(id, packId, len, offset, stored, raw));
        expect(n).toBe(packs.reduce((s, p) => s + p.entries.length, 0));
        // Every copy of a blob, once per place (pack, offset): lookup gives the first by pack id and offset.
        const copies = new Map<string, Map<string, { packId: string; offset: number; storedLength: number; rawLength: number }>>();
        for (const p of packs) {
          for (const e of p.entries) {
            const hex = e.id.toString('hex');
            const places = copies.get(hex) ?? new Map();
            copies.set(hex, places);
            if (!places.has(`${p.packId}@${e.offset}`)) places.set(`${p.packId}@${e.offset}`, { packId: p.packId, offset: e.offset, storedLength: e.storedLength, rawLength: e.rawLength });
          }
        }
        for (const [id, places] of copies) {
          const sorted = [...places.values()].sort((a, b) => (a.packId !== b.packId ? (a.packId < b.packId ? -1 : 1) : a.offset - b.offset));
          expect(table.lookup(Buffer.from(id, 'hex'))).toEqual(sorted[0]);
          expect(table.locations(Buffer.from(id, 'hex'))).toEqual(sorted);
          expect(table.hasCopies(Buffer.from(id, 'hex'))).toBe(sorted.length > 1);
        }
        expect(table.size).toBe(copies.size);
        expect(table.has(randomBytes(32))).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('locates a blob stored in two packs in the same copy whichever index object loaded first, and keeps the other (audit b6-2)', () => {
    const id = randomBytes(32);
    const copyA = { packId: 'a'.repeat(64), offset: 40, storedLength: 10, rawLength: 20 };
    const copyB = { packId: 'b'.repeat(64), offset: 0, storedLength: 10, rawLength: 20 };
    for (const order of [[copyA, copyB], [copyB, copyA]]) {
      const table = new VaultIndex();
      for (const c of order) table.add(id, c.packId, 100, c.offset, c.storedLength, c.rawLength);
      expect(table.lookup(id)).toEqual(copyA);
      expect(table.locations(id)).toEqual([copyA, copyB]);
      expect({ size: table.size, locations: table.locationCount }).toEqual({ size: 1, locations: 2 });
    }
    // One pack listed by two index objects (a repair, an interrupted prune) is one copy, not two.
    const table = new VaultIndex();
    table.add(id, copyA.packId, 100, copyA.offset, copyA.storedLength, copyA.rawLength);
    table.add(id, copyA.packId, 100, copyA.offset, copyA.storedLength, copyA.rawLength);
    expect(table.hasCopies(id)).toBe(false);
    expect(table.locations(id)).toEqual([copyA]);
  });

  // Review R4-3: one Map of other copies died (RangeError: Map maximum size exceeded) past 2^24 blobs stored twice, a vault
  // the memory limit lets through. Here Maps hold at most CAP entries, as V8's hold 2^24, and the table CAP blobs a Map.
  it('keeps the copies of more blobs stored twice than one Map may hold', () => {
    const CAP = 64;
    const table = new VaultIndex(16, CAP);
    const ids = Array.from({ length: 3 * CAP + 5 }, () => randomBytes(32));
    const [a, b, c] = ['a', 'b', 'c'].map((x) => x.repeat(64)) as [string, string, string];
    const set = Map.prototype.set;
    Map.prototype.set = function cappedSet<K, V>(this: Map<K, V>, key: K, value: V): Map<K, V> {
      if (this.size >= CAP && !this.has(key)) throw new RangeError('Map maximum size exceeded');
      return set.call(this, key, value) as Map<K, V>;
    };
    try {
      // The second copy sorts first: it takes the main slot and the first moves to the side table; every 7th has a third.
      ids.forEach((id, i) => {
        table.add(id, b, 100, i, 10, 20);
        table.add(id, a, 100, i, 10, 20);
        if (i % 7 === 0) table.add(id, c, 100, i, 10, 20);
      });
    } finally {
      Map.prototype.set = set;
    }
    ids.forEach((id, i) => {
      const at = (packId: string) => ({ packId, offset: i, storedLength: 10, rawLength: 20 });
      expect(table.lookup(id)).toEqual(at(a));
      expect(table.locations(id)).toEqual(i % 7 === 0 ? [at(a), at(b), at(c)] : [at(a), at(b)]);
      expect(table.hasCopies(id)).toBe(true);
    });
    expect(table.locationCount).toBe(2 * ids.length + Math.ceil(ids.length / 7));
  });

  it('finds every one of 100 000 blobs after growing', () => {
    const table = new VaultIndex(16);
    const ids = Array.from({ length: 100_000 }, () => randomBytes(32));
    ids.forEach((id, i) => table.add(id, 'a'.repeat(64), 1, i, 10, 20));
    expect(table.size).toBe(ids.length);
    expect(ids.every((id, i) => table.lookup(id)?.offset === i)).toBe(true);
  });

  it('rejects truncated or padded index plaintexts as corruption', () => {
    const body = encodeIndexObject([{ packId: 'b'.repeat(64), length: 9, entries: [{ id: randomBytes(32), offset: 0, storedLength: 1, rawLength: 1 }] }]);
    expect(() => decodeIndexObject(body.subarray(0, body.length - 1), where, () => undefined)).toThrow(VaultCorruptionError);
    expect(() => decodeIndexObject(Buffer.concat([body, Buffer.from([0])]), where, () => undefined)).toThrow(VaultCorruptionError);
    expect(() => decodeIndexObject(Buffer.from('nope'), where, () => undefined)).toThrow(/index\/x/);
  });
});
