import { createHmac } from 'node:crypto';
import { GearScanner } from './gear-scanner';

/**
 * Content-defined chunking, FastCDC style (Xia et al., 2016): a gear rolling hash
 * `h = (h << 1) + gear[byte]` scanned from `minSize` after the chunk start, with "normalized
 * chunking": a harder mask (avg·4 odds) before `avgSize`, an easier one (avg/4 odds) after it,
 * and a forced cut at `maxSize`. A boundary depends only on the ≤32 bytes before it, so an
 * insertion shifts no boundary beyond the chunk it lands in (and possibly the next).
 *
 * The defaults 512 KiB / 1 MiB / 8 MiB give a mean of about 1.2 MiB on random data. The mask
 * bits are taken from the *top* of the 32-bit hash, because bit k of a gear hash depends on the
 * last k+1 bytes only: high bits give the widest window.
 */
export type ChunkerParams = {
  readonly minSize: number;
  readonly avgSize: number;
  readonly maxSize: number;
};

export const DEFAULT_CHUNKER_PARAMS: ChunkerParams = { minSize: 512 * 1024, avgSize: 1024 * 1024, maxSize: 8 * 1024 * 1024 };

/** Validates parameters: powers of two are required for avgSize because the masks are bit masks. */
export function checkChunkerParams(p: ChunkerParams): void {
  const pow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
  if (!pow2(p.avgSize) || p.avgSize < 64) throw new RangeError(`chunker avgSize must be a power of two ≥ 64, got ${p.avgSize}`);
  if (!(Number.isInteger(p.minSize) && p.minSize >= 0 && p.minSize < p.avgSize && p.avgSize < p.maxSize)) {
    throw new RangeError(`chunker sizes must satisfy 0 ≤ min < avg < max, got ${p.minSize}/${p.avgSize}/${p.maxSize}`);
  }
  if (p.maxSize > 64 * 1024 * 1024) throw new RangeError(`chunker maxSize is at most 64 MiB, got ${p.maxSize}`);
}

/** A top-bits mask with `bits` ones (bits ≤ 32), as a signed 32-bit integer like the hash. */
function topMask(bits: number): number {
  const b = Math.max(1, Math.min(31, bits));
  return (~0 << (32 - b)) | 0;
}

/**
 * The gear table: 256 pseudo-random 32-bit values derived from the vault's id key, so that chunk
 * boundaries (and thus chunk sizes) do not reveal which well-known files a vault holds.
 * Derivation (docs/FORMAT.md §6): HMAC-SHA-256(idKey, "lifeboat/v1/gear/" + i) for i = 0..31,
 * concatenated (1024 bytes), read as 256 little-endian int32.
 */
export function deriveGearTable(idKey: Uint8Array): Int32Array {
  const bytes = Buffer.allocUnsafe(1024);
  for (let i = 0; i < 32; i++) createHmac('sha256', idKey).update(`lifeboat/v1/gear/${i}`).digest().copy(bytes, i * 32);
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) table[i] = bytes.readInt32LE(i * 4);
  return table;
}

/** Gathered before cutting a stream; above minSize so most batches end in one or more complete chunks. */
const STREAM_BATCH_BYTES = 4 * 1024 * 1024;

export class Chunker {
  private readonly maskHard: number;
  private readonly maskEasy: number;
  private readonly scanner: GearScanner;

  constructor(
    readonly params: ChunkerParams,
    gear: Int32Array,
  ) {
    checkChunkerParams(params);
    this.scanner = new GearScanner(gear);
    const bits = Math.round(Math.log2(params.avgSize));
    this.maskHard = topMask(bits + 2);
    this.maskEasy = topMask(bits - 2);
  }

  /**
   * The length of the chunk starting at `start` within `buf[start, end)`, or -1 when no boundary
   * is found before `end` and `end - start < maxSize` and more data may follow (`final` false).
   * The hash starts at 0 at `start + minSize`: a boundary is the first byte from there where the
   * hash has the hard mask's bits clear before `avgSize`, the easy mask's from `avgSize` on.
   */
  cut(buf: Uint8Array, start: number, end: number, final: boolean): number {
    const { minSize, avgSize, maxSize } = this.params;
    const available = end - start;
    if (available <= minSize) return final ? available : available >= maxSize ? maxSize : -1;
    const limit = start + Math.min(available, maxSize);
    const normal = start + Math.min(available, avgSize);
    const hashStart = start + minSize;
    const found = this.scanner.find(buf, hashStart, hashStart, normal, this.maskHard);
    if (found >= 0) return found + 1 - start;
    // Continue the same rolling hash with the easier mask.
    const found2 = this.scanner.find(buf, hashStart, normal, limit, this.maskEasy);
    if (found2 >= 0) return found2 + 1 - start;
    if (limit - start >= maxSize || final) return limit - start;
    return -1;
  }

  /** Splits a whole buffer into chunk views (no copies). */
  *split(buf: Buffer): Generator<Buffer> {
    let start = 0;
    while (start < buf.length) {
      const n = this.cut(buf, start, buf.length, true);
      yield buf.subarray(start, start + n);
      start += n;
    }
  }

  /**
   * Chunks a stream. Emitted chunks are views into the buffers being cut where possible. Small
   * incoming pieces (an S3 body arrives in 16–64 KiB pieces) are gathered into batches of at least
   * STREAM_BATCH_BYTES first: cutting each piece as it came would re-concatenate and re-scan the
   * pending tail for every piece, quadratic in the chunk size.
   */
  async *chunkStream(source: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
    let pending: Buffer | null = null;
    let gathered: Buffer[] = [];
    let gatheredBytes = 0;
    const cutAvailable = function* (this: Chunker, final: boolean): Generator<Buffer> {
      const buf: Buffer = gathered.length === 0 && pending ? pending : Buffer.concat(pending ? [pending, ...gathered] : gathered);
      gathered = [];
      gatheredBytes = 0;
      pending = null;
      let start = 0;
      while (start < buf.length) {
        const n = this.cut(buf, start, buf.length, final);
        if (n < 0) break;
        yield buf.subarray(start, start + n);
        start += n;
      }
      if (start < buf.length) {
        // The tail waits for more data; copy it when it is a small part of a big buffer so the big one can be freed.
        const tail = buf.subarray(start);
        pending = tail.length * 4 < buf.length ? Buffer.from(tail) : tail;
      }
    }.bind(this);
    for await (const piece of source) {
      if (piece.length === 0) continue;
      gathered.push(piece);
      gatheredBytes += piece.length;
      if (gatheredBytes >= STREAM_BATCH_BYTES) yield* cutAvailable(false);
    }
    if (gatheredBytes > 0 || pending) yield* cutAvailable(true);
  }
}
