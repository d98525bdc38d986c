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
        const firstSeen = new Map<string, { packId: string; offset: number; storedLength: number; rawLength: number }>();
        for (const p of packs) for (const e of p.entries) if (!firstSeen.has(e.id.toString('hex'))) firstSeen.set(e.id.toString('hex'), { packId: p.packId, offset: e.offset, storedLength: e.storedLength, rawLength: e.rawLength });
        for (const [id, loc] of firstSeen) expect(table.lookup(Buffer.from(id, 'hex'))).toEqual(loc);
        expect(table.size).toBe(firstSeen.size);
        expect(table.has(randomBytes(32))).toBe(false);
      }),
      { numRuns: 100 },
    );
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
