import fc from 'fast-check';
import { deriveGearTable } from '../../../../vault/chunker/chunker';
import { GEAR_SCAN_WINDOW_BYTES } from '../../../../vault/chunker/gear-scan-module';
import { GearScanner, scannableSharedMemory } from '../../../../vault/chunker/gear-scanner';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';

/** The definition, byte by byte in JavaScript: h starts at 0 at hashStart and rolls through every byte. */
function referenceFind(b: Uint8Array, gear: Int32Array, hashStart: number, from: number, to: number, mask: number): number {
  let h = 0;
  for (let i = hashStart; i < to; i++) {
    h = ((h << 1) + (gear[b[i] as number] as number)) | 0;
    if (i >= from && (h & mask) === 0) return i;
  }
  return -1;
}

const topMask = (bits: number): number => (~0 << (32 - bits)) | 0;

describe('GearScanner (the chunker scan in WebAssembly)', () => {
  const gear = deriveGearTable(Buffer.alloc(32, 9));
  const scanner = new GearScanner(gear);
  const data = pseudoRandomBytes(3 * GEAR_SCAN_WINDOW_BYTES + 12_345, 11);

  it('finds the same boundary as the byte-by-byte definition, for any start, range and mask', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 1, max: 20 }), (hashStart, lead, length, bits) => {
        const from = hashStart + lead;
        const to = Math.min(data.length, from + length);
        const mask = topMask(bits);
        expect(scanner.find(data, hashStart, from, to, mask)).toBe(referenceFind(data, gear, hashStart, from, to, mask));
      }),
      { numRuns: 300 },
    );
  });

  it('carries the hash across its windows: a boundary found far past the first window is the same', () => {
    // 24 bits of mask: about one match in 16 MiB, so the search runs through several windows.
    const mask = topMask(24);
    const expected = referenceFind(data, gear, 5, 5, data.length, mask);
    expect(scanner.find(data, 5, 5, data.length, mask)).toBe(expected);
    // Starting inside the second window, with the hash begun in the first.
    const from = GEAR_SCAN_WINDOW_BYTES + 17;
    expect(scanner.find(data, from - 20, from, data.length, topMask(22))).toBe(referenceFind(data, gear, from - 20, from, data.length, topMask(22)));
  });

  it('keeps scanners of different vaults apart: they share one WebAssembly instance, each with its own gear table', () => {
    const otherGear = deriveGearTable(Buffer.alloc(32, 10));
    const other = new GearScanner(otherGear);
    const mask = topMask(16);
    for (let round = 0; round < 3; round++) {
      const from = 1000 + round * 70_000;
      expect(scanner.find(data, from, from, from + 500_000, mask)).toBe(referenceFind(data, gear, from, from, from + 500_000, mask));
      expect(other.find(data, from, from, from + 500_000, mask)).toBe(referenceFind(data, otherGear, from, from, from + 500_000, mask));
    }
    // Different tables give different boundaries here, so a table left behind by the other scanner would show.
    expect(referenceFind(data, gear, 1000, 1000, 501_000, mask)).not.toBe(referenceFind(data, otherGear, 1000, 1000, 501_000, mask));
  });

  it('finds nothing in an empty range, and reads from shared memory as from a buffer', () => {
    expect(scanner.find(data, 10, 100, 100, 0)).toBe(-1);
    const shared = new Uint8Array(new SharedArrayBuffer(300_000));
    shared.set(data.subarray(0, 300_000));
    expect(scanner.find(shared, 0, 1000, 300_000, topMask(14))).toBe(referenceFind(data, gear, 0, 1000, 300_000, topMask(14)));
  });

  describe('in place, in a scannable shared memory (the codec pool\'s slabs)', () => {
    const length = 2 * GEAR_SCAN_WINDOW_BYTES + 777;
    const memory = scannableSharedMemory(length);
    if (!memory) throw new Error('this Node has no shared WebAssembly memory: the slabs would be scanned by copy');
    const whole = Buffer.from(memory.sab);
    whole.set(data.subarray(0, length), memory.base);
    const slice = (start: number, end: number): Buffer => whole.subarray(memory.base + start, memory.base + end);

    it('hands out a SharedArrayBuffer with room for the bytes after its base, scanned where they lie', () => {
      expect(memory.sab).toBeInstanceOf(SharedArrayBuffer);
      expect(memory.sab.byteLength - memory.base).toBeGreaterThanOrEqual(length);
      scanner.find(slice(0, 100_000), 0, 0, 100_000, topMask(20));
      // The in-place module reads its table from this memory, so a scan here put the scanner's table before the base.
      expect(Buffer.from(memory.sab, 0, 1024).equals(Buffer.from(Int32Array.from(gear).buffer))).toBe(true);
    });

    it('finds the same boundary as the byte-by-byte definition in regions anywhere after the base', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 400_000 }), fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 1, max: 20 }), (start, hashStart, lead, length, bits) => {
          const region = slice(start, start + 900_000);
          const from = hashStart + lead;
          const to = Math.min(region.length, from + length);
          const mask = topMask(bits);
          expect(scanner.find(region, hashStart, from, to, mask)).toBe(referenceFind(region, gear, hashStart, from, to, mask));
        }),
        { numRuns: 200 },
      );
    });

    it('scans past a window\'s length in one go, and keeps two vaults\' tables apart in the same memory', () => {
      const region = slice(3, length);
      expect(scanner.find(region, 0, 0, region.length, topMask(24))).toBe(referenceFind(region, gear, 0, 0, region.length, topMask(24)));
      const otherGear = deriveGearTable(Buffer.alloc(32, 10));
      const other = new GearScanner(otherGear);
      for (let round = 0; round < 3; round++) {
        expect(scanner.find(region, 0, 1000, 600_000, topMask(16))).toBe(referenceFind(region, gear, 0, 1000, 600_000, topMask(16)));
        expect(other.find(region, 0, 1000, 600_000, topMask(16))).toBe(referenceFind(region, otherGear, 0, 1000, 600_000, topMask(16)));
      }
      // The tables live before the base: the data after it is what was put there.
      expect(slice(0, length).equals(data.subarray(0, length))).toBe(true);
    });

    // Last: it puts data where this memory's table is, which the contract forbids of the memory's users.
    it('scans a view that begins before the base by copy, and writes no table over its bytes', () => {
      const view = whole.subarray(0, memory.base + 300_000);
      view.set(data.subarray(500_000, 500_000 + memory.base), 0);
      const before = Buffer.from(view);
      const thirdGear = deriveGearTable(Buffer.alloc(32, 12));
      expect(new GearScanner(thirdGear).find(view, 0, 10, view.length, topMask(14))).toBe(referenceFind(before, thirdGear, 0, 10, before.length, topMask(14)));
      expect(view.equals(before)).toBe(true);
    });
  });
});
