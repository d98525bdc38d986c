import { type BlobLocation } from '../blob-index/vault-index';
import { VaultCorruptionError, type VaultObjectNotFoundError } from '../vault-errors';
import { isSweptPack } from './swept-pack-reload';

/**
 * A read that failed on the copy it read: the copy is damaged (authentication failed, the pack is shorter than its index
 * says) or its pack is gone. Another copy of the same blob (VaultIndex.locations) may still read: a blob counts as lost
 * only when every copy is (vault verify, lost-entries.ts), so a reader tries them all before reporting it.
 */
export type BadCopyError = VaultCorruptionError | VaultObjectNotFoundError;

export function isBadCopy(err: unknown): err is BadCopyError {
  return err instanceof VaultCorruptionError || isSweptPack(err);
}

/** What reading a blob from its copies gave: the first copy that read, or the first copy's error when none did. */
export type CopyRead<R> = { readonly read: R } | { readonly lost: BadCopyError };

/**
 * Reads a blob from each of its copies in turn until one reads. Errors that are not about the copy (the target, the
 * network after the store's retries) are thrown at once: another copy would meet them too.
 */
export async function readAnyCopy<R>(copies: readonly BlobLocation[], read: (copy: BlobLocation) => Promise<R>): Promise<CopyRead<R>> {
  let first: BadCopyError | undefined;
  for (const copy of copies) {
    try {
      return { read: await read(copy) };
    } catch (err) {
      if (!isBadCopy(err)) throw err;
      first ??= err;
    }
  }
  if (!first) throw new RangeError('readAnyCopy needs at least one copy of the blob');
  return { lost: first };
}
