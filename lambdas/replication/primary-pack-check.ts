import { DamagedBlobsError, type PackEntry, type VaultKeys, VaultCorruptionError, verifyPackBody } from '../../vault';
import { DamagedPrimaryPackError } from './replication-errors';

/** What a pack read for its copy is checked with: the vault's keys, and what the index objects record of it (when known). */
export type PackCopyCheck = {
  readonly keys: VaultKeys;
  /** The pack's length as its index object records it. */
  readonly indexedLength?: number;
  /**
   * The pack's blobs that the snapshots being copied reference, as the index object records them: only these are
   * authenticated. @default every blob the pack's own header lists
   */
  readonly needed?: readonly PackEntry[];
};

/**
 * Checks a pack that replication read whole, before it is written to the DR vault: its length against the index object's
 * record, and the AES-GCM tag (with the blob's id as additional data) of each blob the snapshots being copied use — the
 * scrub's 'authenticate' check (verifyPackBody, the body checkVaultObject reads; called with the bytes in hand so the pack
 * is not read twice). A flipped byte in such a blob, or a truncation, fails it. Without it a damaged pack was copied byte
 * for byte and the backup recorded copied, with a DR copy no restore could read (audit b5-1).
 *
 * Only the needed blobs (`needed`): a pack also holds blobs no snapshot being copied uses (a forgotten snapshot's, not
 * yet pruned), and one of those damaged made every pass fail, so no backup reached the DR vault, for a blob no restore
 * of them reads; the copy is as good as the primary's for every blob they use. Costs one AES pass over those blobs, on
 * the codec workers when the pool is up; no plaintext is kept, so memory stays the pack being copied (plus the pool's slabs).
 * Throws DamagedPrimaryPackError naming the pack; anything else (a worker that failed) as it was met.
 */
export async function checkPackBeforeCopy(location: string, key: string, body: Buffer, check: PackCopyCheck): Promise<void> {
  try {
    if (check.indexedLength !== undefined && body.length !== check.indexedLength) {
      throw new VaultCorruptionError(location, key, `pack is ${body.length} bytes, the index says ${check.indexedLength}`);
    }
    try {
      await verifyPackBody(location, key, check.keys, body, { check: 'authenticate', ...(check.needed ? { header: check.needed } : {}) });
    } catch (err) {
      // DamagedBlobsError counts the blobs checked as the pack's: with `needed` they are only those the snapshots use.
      if (!(check.needed && err instanceof DamagedBlobsError)) throw err;
      const named = err.damaged.slice(0, 3).map((b) => `blob ${b.id}: ${b.detail}`);
      const more = err.damaged.length > 3 ? `; and ${err.damaged.length - 3} more` : '';
      throw new VaultCorruptionError(location, key, `${err.damaged.length} of the ${err.checked} blobs in it that the snapshots being copied use are damaged: ${named.join('; ')}${more}`);
    }
  } catch (err) {
    if (err instanceof VaultCorruptionError) throw new DamagedPrimaryPackError(err);
    throw err;
  }
}
