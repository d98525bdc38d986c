import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { DEFAULT_COMPRESSION_LEVEL, openSync, sealSync } from '../crypto/sealed-codec';
import { releaseBuffer } from '../platform/release-buffer';

/**
 * A codec worker's first seals and opens, done on made-up data before any task arrives. The first
 * zstd, AES-GCM and HMAC calls of a thread run on memory touched for the first time (allocator
 * arenas, zstd's context), and on this kind of VM a fresh page is a fault in the host too
 * (docs/BENCHMARKS.md). The thread the CLI prestarts for `vault backup` and `vault restore` sits idle
 * for ~0.1 s while the main thread loads its modules and opens the vault: done then, on the other
 * core, the warm-up takes those first touches off the backup's critical path. Measured on the bench's
 * 1 % incremental (the worker is its critical path): 0.62–0.89 s (median 0.65) against 0.64–0.93 s
 * (median 0.69), ten runs each alternated; a full backup within the noise.
 */
export const WARM_UP_BLOCK_BYTES = 2 * 1024 * 1024;
const WARM_UP_ROUNDS = 3;

/** Seals, opens and hashes a made-up block a few times, freeing every output at once; returns the bytes sealed. Throws if a round trip differs. */
export function warmUpCodec(): number {
  const block = Buffer.allocUnsafe(WARM_UP_BLOCK_BYTES);
  // Text-like bytes, so that zstd compresses them (random bytes would skip it).
  for (let i = 0; i < block.length; i++) block[i] = 97 + ((i * 7 + (i >> 9)) % 23);
  const key = createSecretKey(randomBytes(32));
  const context = randomBytes(32);
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    createHmac('sha256', key).update(block).digest();
    const { stored } = sealSync(key, context, block, DEFAULT_COMPRESSION_LEVEL);
    const opened = openSync(key, context, stored, { maxPlaintext: block.length, expectedLength: block.length });
    const same = opened.equals(block);
    releaseBuffer(opened);
    releaseBuffer(stored);
    if (!same) throw new Error('codec warm-up: a sealed block did not open to the same bytes');
  }
  return WARM_UP_ROUNDS * block.length;
}
