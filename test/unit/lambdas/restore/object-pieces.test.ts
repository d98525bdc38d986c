import { DEFAULT_PART_SIZE, MAX_UPLOAD_PARTS, partSizeFor, piecesOf } from '../../../../lambdas/restore/object-pieces';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const TB = 1e12;

describe('partSizeFor', () => {
  it('is 8 MiB up to 10,000 of them, then grows in whole MiB so that no object needs more than 10,000 parts', () => {
    expect(partSizeFor(1)).toBe(DEFAULT_PART_SIZE);
    expect(partSizeFor(MAX_UPLOAD_PARTS * DEFAULT_PART_SIZE)).toBe(DEFAULT_PART_SIZE);
    expect(partSizeFor(MAX_UPLOAD_PARTS * DEFAULT_PART_SIZE + 1)).toBe(9 * MIB);
    for (const size of [100 * GIB, 5 * TB]) {
      const part = partSizeFor(size);
      expect(part % MIB).toBe(0);
      expect(Math.ceil(size / part)).toBeLessThanOrEqual(MAX_UPLOAD_PARTS);
    }
  });
});

describe('piecesOf', () => {
  it('leaves an entry within the budget whole', () => {
    expect(piecesOf(GIB, GIB)).toEqual([]);
    expect(piecesOf(0, GIB)).toEqual([]);
  });

  it('cuts a larger entry into pieces of whole parts that cover it exactly, numbering the parts from 1 across the pieces', () => {
    const size = 2.5 * GIB + 123;
    const pieces = piecesOf(size, GIB);
    expect(pieces.map((p) => [p.start, p.end, p.firstPart])).toEqual([
      [0, GIB, 1],
      [GIB, 2 * GIB, 129],
      [2 * GIB, size, 257],
    ]);
    expect(pieces.every((p) => p.partSize === 8 * MIB && p.pieces === 3)).toBe(true);
  });

  it('keeps a 5 TB object within S3’s 10,000 parts, its pieces contiguous', () => {
    const pieces = piecesOf(5 * TB, GIB);
    const last = pieces[pieces.length - 1];
    expect(last?.end).toBe(5 * TB);
    for (let i = 1; i < pieces.length; i++) expect(pieces[i]?.start).toBe(pieces[i - 1]?.end);
    const partSize = pieces[0]?.partSize as number;
    expect((last?.firstPart as number) + Math.ceil(((last?.end as number) - (last?.start as number)) / partSize) - 1).toBeLessThanOrEqual(MAX_UPLOAD_PARTS);
  });

  it('gives a budget smaller than one part one part a piece', () => {
    expect(piecesOf(20 * MIB, MIB).map((p) => [p.start, p.end, p.firstPart])).toEqual([
      [0, 8 * MIB, 1],
      [8 * MIB, 16 * MIB, 2],
      [16 * MIB, 20 * MIB, 3],
    ]);
  });
});
