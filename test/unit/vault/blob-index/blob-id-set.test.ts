import { createHash } from 'node:crypto';
import { BlobIdSet } from '../../../../vault/blob-index/blob-id-set';

const id = (n: number): Buffer => createHash('sha256').update(`id ${n}`).digest();

describe('BlobIdSet', () => {
  it('gives each id one ordinal in insertion order, across growth, and finds ids at an offset inside a larger buffer', () => {
    const set = new BlobIdSet(16);
    for (let n = 0; n < 5000; n++) expect(set.add(id(n))).toBe(n);
    // Adding again is idempotent: the first ordinal comes back and the size stays.
    for (let n = 0; n < 5000; n += 7) expect(set.add(id(n))).toBe(n);
    expect(set.size).toBe(5000);
    const records = Buffer.concat([Buffer.alloc(5), id(4321), id(99_999)]);
    expect(set.ordinalOf(records, 5)).toBe(4321);
    expect(set.has(records, 37)).toBe(false);
    expect(set.ordinalOf(id(5000))).toBe(-1);
    expect([...set.hexIds()].slice(0, 2)).toEqual([id(0).toString('hex'), id(1).toString('hex')]);
  });

  it('keeps ids that share their first and last bytes apart (made-up or hostile ids are not all one id)', () => {
    const set = new BlobIdSet();
    const alike = (n: number): Buffer => {
      const b = Buffer.alloc(32, 0xab);
      b.writeUInt32LE(n, 12);
      return b;
    };
    for (let n = 0; n < 2000; n++) set.add(alike(n));
    expect(set.size).toBe(2000);
    for (let n = 0; n < 2000; n++) expect(set.ordinalOf(alike(n))).toBe(n);
    expect(set.has(alike(2000))).toBe(false);
  });

  it('takes ids as hex and refuses what is not a blob id, naming it', () => {
    const set = new BlobIdSet();
    const hex = id(1).toString('hex');
    expect(set.addHex(hex)).toBe(0);
    expect(set.hasHex(hex)).toBe(true);
    expect(set.has(id(1))).toBe(true);
    expect(() => set.addHex('abc')).toThrow(/not a blob id \(64 hex digits\): "abc"/);
    expect(() => set.hasHex('zz'.repeat(32))).toThrow(/not a blob id/);
  });
});
