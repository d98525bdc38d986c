import { type Vault, VaultIndexTooLargeError } from '../../vault';

/**
 * The vault a restore step reads some blobs from: the vault itself when its whole index fits the
 * function's memory (loaded once, kept for the container's next invocations); else a view whose index
 * keeps only these blobs (Vault.scopedTo), so that a vault too large to load whole still restores —
 * every index object is still read, but the memory is bounded by the step's blobs, not the vault's
 * (docs/SCALE.md, "Index per shard"). `blobIds` is asked for only in that case.
 */
export async function vaultForBlobs(vault: Vault, blobIds: () => AsyncIterable<string> | Iterable<string>): Promise<Vault> {
  try {
    await vault.index();
    return vault;
  } catch (err) {
    if (!(err instanceof VaultIndexTooLargeError)) throw err;
  }
  const ids = new Set<string>();
  for await (const id of blobIds()) ids.add(id);
  return vault.scopedTo(ids);
}
