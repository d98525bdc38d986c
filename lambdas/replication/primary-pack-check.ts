import { DamagedBlobsError, type PackEntry, type VaultKeys, VaultCorruptionError, verifyPackBody } from '../../vault';
import { type DamagedIndexedBlob, DamagedPrimaryPackError } from './replication-errors';

/** What a pack read for its copy is checked with: the vault's keys, and what the primary's index objects record of it (when known). */
export type PackCopyCheck = {
  readonly keys: VaultKeys;
  /** The pack's length as its index object records it. */
  readonly indexedLength?: number;
  /**
   * The pack's blobs as the primary vault's index objects list them: only these are authenticated.
   * @default every blob the pack's own header lists
   */
  readonly indexed?: readonly PackEntry[];
  /**
   * Whether the snapshots being copied reference a blob (its id, hex): not what is checked, but which remedy a damaged
   * blob needs (DamagedPrimaryPackError). @default every blob is
   */
  readonly usedBySnapshots?: (blobId: string) => boolean;
};

/** Damaged blobs named in the message; the rest are counted. */
const DAMAGED_BLOBS_NAMED = 3;

/**
 * Checks a pack that replication read whole, before it is written to the DR vault: its length against the index object's
 * record, and the AES-GCM tag (with the blob's id as additional data) of each blob the primary's index lists in it — the
 * scrub's 'authenticate' check (verifyPackBody, the body checkVaultObject reads; called with the bytes in hand so the pack
 * is not read twice). A flipped byte in such a blob, or a truncation, fails it. Without it a damaged pack was copied byte
 * for byte and the backup recorded copied, with a DR copy no restore could read (audit b5-1).
 *
 * Every blob the index lists (`indexed`), not only those the snapshots being copied use: a backup deduplicates against
 * the index, so a listed blob no snapshot uses today (a forgotten snapshot's) may be reused by the next backup of the
 * same content, which then stores no pack, and the pass after it copies nothing and vouches for a snapshot the DR vault
 * cannot restore (review r9; 83f4bd82 checked only the used blobs). Blobs of the pack the index no longer lists (`vault
 * repair index --read-data` dropped them) are not checked: no backup can reuse them. Costs one AES pass over those blobs,
 * on the codec workers when the pool is up; no plaintext is kept, so memory stays the pack being copied (plus the pool's slabs).
 * Throws DamagedPrimaryPackError naming the pack and, for damaged blobs, whether the snapshots use them (the remedy
 * differs); anything else (a worker that failed) as it was met.
 */
export async function checkPackBeforeCopy(location: string, key: string, body: Buffer, check: PackCopyCheck): Promise<void> {
  try {
    if (check.indexedLength !== undefined && body.length !== check.indexedLength) {
      throw new VaultCorruptionError(location, key, `pack is ${body.length} bytes, the index says ${check.indexedLength}`);
    }
    await verifyPackBody(location, key, check.keys, body, { check: 'authenticate', ...(check.indexed ? { header: check.indexed } : {}) });
  } catch (err) {
    if (err instanceof DamagedBlobsError) throw damagedBlobsOf(location, key, err, check);
    if (err instanceof VaultCorruptionError) throw new DamagedPrimaryPackError(err);
    throw err;
  }
}

/** The DamagedPrimaryPackError of damaged blobs: which, and whether the snapshots being copied use each. */
function damagedBlobsOf(location: string, key: string, err: DamagedBlobsError, check: PackCopyCheck): DamagedPrimaryPackError {
  const used = check.usedBySnapshots ?? ((): boolean => true);
  const blobs: DamagedIndexedBlob[] = err.damaged.map((b) => ({ ...b, usedBySnapshots: used(b.id) }));
  const named = blobs.slice(0, DAMAGED_BLOBS_NAMED).map((b) => `blob ${b.id} (${b.usedBySnapshots ? 'used by the snapshots being copied' : 'used by no snapshot being copied'}): ${b.detail}`);
  const more = blobs.length > DAMAGED_BLOBS_NAMED ? `; and ${blobs.length - DAMAGED_BLOBS_NAMED} more (${blobs.slice(DAMAGED_BLOBS_NAMED).filter((b) => b.usedBySnapshots).length} of them used)` : '';
  // DamagedBlobsError counts the blobs checked as the pack's: with `indexed` they are those the index lists.
  const of = check.indexed ? `of the ${err.checked} blobs the index lists in it` : `of its ${err.checked} blobs`;
  return new DamagedPrimaryPackError(new VaultCorruptionError(location, key, `${blobs.length} ${of} are damaged: ${named.join('; ')}${more}`), blobs);
}
