import { createHash } from 'node:crypto';

/** A CPU-bound shard: `rounds` chained SHA-256 digests of a 64 KiB block. No I/O, so only cores limit it. */
export function handler(event: { shard: number; rounds: number }): { shard: number; digest: string } {
  let block = Buffer.alloc(64 * 1024, event.shard);
  for (let i = 0; i < event.rounds; i++) {
    const digest = createHash('sha256').update(block).digest();
    digest.copy(block, 0);
    if (i % 1024 === 0) block = Buffer.from(block);
  }
  return { shard: event.shard, digest: createHash('sha256').update(block).digest('hex') };
}
