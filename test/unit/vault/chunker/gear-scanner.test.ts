import fc from 'fast-check';
import { deriveGearTable } from '../../../../vault/chunker/chunker';
import { GEAR_SCAN_WINDOW_BYTES } from '../../../../vault/chunker/gear-scan-module';
import { GearScanner } from '../../../../vault/chunker/gear-scanner';
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
});
