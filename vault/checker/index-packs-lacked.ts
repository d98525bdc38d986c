import { decodeIndexPacks } from '../blob-index/index-object';

/**
 * Of the packs an index object's plaintext lists, the ids (hex) `lacks` says are absent, each once, in the order listed.
 * Only the pack records are walked (decodeIndexPacks), never a blob's: a scrub reading its slice asks this of every index
 * object it verifies (ScrubReadVault.lacksPack), and keeps only what it returns.
 */
export function packsLackedBy(plain: Buffer, where: { location: string; key: string }, lacks: (packId: string) => boolean): string[] {
  const lacked = new Set<string>();
  decodeIndexPacks(plain, where, (packId) => {
    if (lacks(packId)) lacked.add(packId);
  });
  return [...lacked];
}
