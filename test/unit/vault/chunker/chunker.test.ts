import fc from 'fast-check';
import { Chunker, DEFAULT_CHUNKER_PARAMS, deriveGearTable } from '../../../../vault/chunker/chunker';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';
import { createHash } from 'node:crypto';

const params = { minSize: 2048, avgSize: 8192, maxSize: 65536 };
const chunker = new Chunker(params, deriveGearTable(Buffer.alloc(32, 7)));
const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('Chunker (FastCDC)', () => {
  it('cuts within min/max, covers the input exactly, and is deterministic', () => {
    const data = pseudoRandomBytes(2 * 1024 * 1024, 1);
    const chunks = [...chunker.split(data)];
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    chunks.slice(0, -1).forEach((c) => {
      expect(c.length).toBeGreaterThanOrEqual(params.minSize);
      expect(c.length).toBeLessThanOrEqual(params.maxSize);
    });
    const mean = data.length / chunks.length;
    expect(mean).toBeGreaterThan(params.avgSize / 2);
    expect(mean).toBeLessThan(params.avgSize * 3);
    expect([...chunker.split(data)].map((c) => c.length)).toEqual(chunks.map((c) => c.length));
  });

  it('forces a cut at maxSize on data without boundaries', () => {
    const chunks = [...chunker.split(Buffer.alloc(200_000))];
    expect(chunks.slice(0, -1).every((c) => c.length === params.maxSize)).toBe(true);
  });

  // An insertion changes the chunk it lands in; a new cut point inside it can split that chunk in
  // two, and when the old cut that ended it now falls within minSize of the new cut it is skipped,
  // which changes the next chunk too: at most three fresh chunks, every later one reused. (The
  // bound was two until fast-check found the split case: at 18322, 5 bytes inserted.)
  it('reuses all but at most three chunks after an insertion near the start', () => {
    const data = pseudoRandomBytes(4 * 1024 * 1024, 2);
    const before = new Set([...chunker.split(data)].map(digest));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.uint8Array({ minLength: 1, maxLength: 300 }), (at, inserted) => {
        const changed = Buffer.concat([data.subarray(0, at), Buffer.from(inserted), data.subarray(at)]);
        const after = [...chunker.split(changed)].map(digest);
        const fresh = after.filter((d) => !before.has(d)).length;
        expect(fresh).toBeLessThanOrEqual(3);
      }),
      // A fixed seed keeps CI deterministic; the counterexample above is run first as an example.
      { numRuns: 25, seed: 20261130, examples: [[18322, Uint8Array.from([140, 182, 67, 2, 198])]] },
    );
  });

  it('gives the same chunks however the stream is split into buffers', async () => {
    const data = pseudoRandomBytes(300_000, 3);
    const whole = [...chunker.split(data)].map(digest);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 100_000 }), { maxLength: 12 }), async (cuts) => {
        const pieces: Buffer[] = [];
        let o = 0;
        for (const n of cuts) {
          if (o >= data.length) break;
          pieces.push(data.subarray(o, Math.min(data.length, o + n)));
          o += n;
        }
        if (o < data.length) pieces.push(data.subarray(o));
        const streamed: string[] = [];
        for await (const c of chunker.chunkStream(pieces)) streamed.push(digest(c));
        expect(streamed).toEqual(whole);
      }),
      { numRuns: 30 },
    );
  });

  it('gives the same chunks at the default sizes when a long stream arrives in small pieces (as S3 bodies do)', async () => {
    // Long enough that several 4 MiB gathering batches and several cuts per batch occur.
    const big = new Chunker(DEFAULT_CHUNKER_PARAMS, deriveGearTable(Buffer.alloc(32, 9)));
    const data = pseudoRandomBytes(20 * 1024 * 1024, 4);
    const whole = [...big.split(data)].map(digest);
    expect(whole.length).toBeGreaterThan(8);
    for (const pieceSize of [16 * 1024, 65_537, 3 * 1024 * 1024 + 5]) {
      const pieces: Buffer[] = [];
      for (let o = 0; o < data.length; o += pieceSize) pieces.push(data.subarray(o, Math.min(data.length, o + pieceSize)));
      const streamed: string[] = [];
      for await (const c of big.chunkStream(pieces)) streamed.push(digest(c));
      expect(streamed).toEqual(whole);
    }
  });

  // Boundaries are part of the vault format (docs/FORMAT.md §6): a vault written before a change to
  // the chunker must deduplicate against what is written after it. These lengths were cut by the
  // JavaScript scan that preceded the WebAssembly one (2026-12-02); no implementation may move them.
  describe('boundaries of a fixed key and fixed data', () => {
    const key = createHash('sha256').update('golden key').digest();
    /** SHA-256 of a counter, with a 4 KiB run of zeros in place of every 97th digest. */
    function fixedData(size: number): Buffer {
      const b = Buffer.alloc(size);
      for (let o = 0, i = 0; o < size; ) {
        const d = createHash('sha256').update(`lifeboat-golden-${i++}`).digest();
        if (i % 97 === 0) {
          o += 4096;
          continue;
        }
        d.copy(b, o);
        o += 32;
      }
      return b;
    }
    const data = fixedData(24 * 1024 * 1024);

    it('at the default sizes', () => {
      expect([...new Chunker(DEFAULT_CHUNKER_PARAMS, deriveGearTable(key)).split(data)].map((c) => c.length)).toEqual([
        1607973, 1125571, 1704937, 1499695, 1789749, 1865836, 1060333, 910226, 3118739, 1146447, 1812263, 581235, 1261742, 1525616, 1526355, 2366568, 262539,
      ]);
    });

    it('at small sizes (313 chunks of 4 MiB)', () => {
      const lengths = [...new Chunker(params, deriveGearTable(key)).split(data.subarray(0, 4 << 20))].map((c) => c.length);
      expect(lengths.length).toBe(313);
      expect(createHash('sha256').update(JSON.stringify(lengths)).digest('hex')).toBe('3db5beb1425cbfae261ade2593f1af6b3f78f9b4f89e6af0381bdb105018ec2c');
    });
  });

  it('derives a different gear table (and so different boundaries) per key', () => {
    const other = new Chunker(params, deriveGearTable(Buffer.alloc(32, 8)));
    const data = pseudoRandomBytes(500_000, 4);
    expect([...other.split(data)].map((c) => c.length)).not.toEqual([...chunker.split(data)].map((c) => c.length));
  });
});
