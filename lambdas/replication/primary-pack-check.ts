import { type VaultKeys, VaultCorruptionError, verifyPackBody } from '../../vault';
import { DamagedPrimaryPackError } from './replication-errors';

/** What a pack read for its copy is checked with: the vault's keys, and the pack length its index object records (when known). */
export type PackCopyCheck = { readonly keys: VaultKeys; readonly indexedLength?: number };

/**
 * Checks a pack that replication read whole, before it is written to the DR vault: its length against the index object's
 * record, its header, and every blob's AES-GCM tag (with the blob's id as additional data) — the scrub's 'authenticate'
 * check (verifyPackBody, the body checkVaultObject reads; called with the bytes in hand so the pack is not read twice). A
 * flipped byte or a truncation anywhere in the pack fails it. Without it a damaged pack was copied byte for byte and the
 * backup recorded copied, with a DR copy no restore could read (audit b5-1). Costs one AES pass over the pack, on the
 * codec workers when the pool is up; no plaintext is kept, so memory stays the pack being copied (plus the pool's slabs).
 * Throws DamagedPrimaryPackError naming the pack; anything else (a worker that failed) as it was met.
 */
export async function checkPackBeforeCopy(location: string, key: string, body: Buffer, check: PackCopyCheck): Promise<void> {
  try {
    if (check.indexedLength !== undefined && body.length !== check.indexedLength) {
      throw new VaultCorruptionError(location, key, `pack is ${body.length} bytes, the index says ${check.indexedLength}`);
    }
    await verifyPackBody(location, key, check.keys, body, { check: 'authenticate' });
  } catch (err) {
    if (err instanceof VaultCorruptionError) throw new DamagedPrimaryPackError(err);
    throw err;
  }
}
