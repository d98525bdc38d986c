import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { SeededRandom } from './seeded-random';
import { TextContent } from './text-content';

export type Ceiling = {
  readonly name: string;
  /** Decimal megabytes (10^6 bytes) of input per second, on one core. */
  readonly mbPerSecond: number;
  readonly note: string;
};

export type MachineCeilings = {
  readonly ceilings: readonly Ceiling[];
  /** zstd level 3 output size / input size on the bench's text-like data. */
  readonly textCompressionRatio: number;
};

const BLOCK = 1 << 20;
const SAMPLE_BYTES = 32 << 20;
const MIN_SECONDS = 0.75;

/**
 * What one core of this machine can do for the vault's per-byte work, measured in this process with
 * the same node:crypto and node:zlib a Lifeboat engine uses. Per 1 MiB block, like per chunk. These
 * bound the engine: 1 GiB through SHA-256 at N MB/s takes at least 1074/N s on one core (the
 * machine has two, so a parallel engine can at best halve that).
 */
export function measureCeilings(): MachineCeilings {
  const random = new SeededRandom('lifeboat-bench-ceilings');
  const noise = random.bytes('noise', SAMPLE_BYTES);
  const text = new TextContent(random.derive('text'));
  const textual = Buffer.concat([text.prose(SAMPLE_BYTES / 2), text.log(SAMPLE_BYTES / 2)]);
  const blocksOf = (buf: Buffer): Buffer[] => Array.from({ length: buf.length / BLOCK }, (_, i) => buf.subarray(i * BLOCK, (i + 1) * BLOCK));
  const noiseBlocks = blocksOf(noise);
  const textBlocks = blocksOf(textual);
  const key = randomBytes(32);
  const level = (n: number): zlib.ZstdOptions => ({ params: { [zlib.constants.ZSTD_c_compressionLevel]: n } });
  const compressed3 = textBlocks.map((b) => zlib.zstdCompressSync(b, level(3)));
  const compressedBytes = compressed3.reduce((s, b) => s + b.length, 0);

  const ceilings: Ceiling[] = [
    {
      name: 'SHA-256',
      mbPerSecond: throughput(noiseBlocks, (b) => createHash('sha256').update(b).digest()),
      note: 'hashing (blob ids are HMAC-SHA-256, the same cost)',
    },
    {
      name: 'AES-256-GCM',
      mbPerSecond: throughput(noiseBlocks, (b) => {
        const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
        cipher.update(b);
        cipher.final();
        cipher.getAuthTag();
      }),
      note: 'encrypt + tag, fresh nonce per block',
    },
    {
      name: 'zstd -1 compress',
      mbPerSecond: throughput(textBlocks, (b) => zlib.zstdCompressSync(b, level(1))),
      note: 'text-like data (restic "auto" uses zstd\'s fastest level)',
    },
    {
      name: 'zstd -3 compress',
      mbPerSecond: throughput(textBlocks, (b) => zlib.zstdCompressSync(b, level(3))),
      note: 'text-like data (node:zlib default level)',
    },
    {
      name: 'zstd decompress',
      // One output buffer of the block's size, as the vault's codec asks for (sealed-codec.ts,
      // decompressOptions): node:zlib's default 16 KiB chunks, concatenated after, halve the rate.
      mbPerSecond: throughput(compressed3, (b) => zlib.zstdDecompressSync(b, { chunkSize: BLOCK + 1 }), BLOCK),
      note: 'MB/s of output, into one block-sized buffer',
    },
  ];
  return { ceilings, textCompressionRatio: compressedBytes / textual.length };
}

/**
 * Runs `work` over the blocks round-robin for at least MIN_SECONDS after one warm-up pass (so JIT
 * and allocator start-up are not counted) and returns MB/s of `bytesPerBlock` (default: input size).
 */
function throughput(blocks: readonly Buffer[], work: (b: Buffer) => unknown, bytesPerBlock?: number): number {
  for (const b of blocks.slice(0, 4)) work(b);
  let bytes = 0;
  const started = process.hrtime.bigint();
  let seconds = 0;
  for (let i = 0; seconds < MIN_SECONDS; i++) {
    const block = blocks[i % blocks.length] as Buffer;
    work(block);
    bytes += bytesPerBlock ?? block.length;
    if (i % 8 === 7) seconds = Number(process.hrtime.bigint() - started) / 1e9;
  }
  seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return bytes / seconds / 1e6;
}
