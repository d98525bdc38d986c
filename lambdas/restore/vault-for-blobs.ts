import { type Vault, VaultIndexTooLargeError } from '../../vault';

/** The run each container's opened vault last loaded its index for (lambda-runtime.ts keeps the vault across invocations). */
const indexLoadedFor = new WeakMap<Vault, string>();

/**
 * The vault a restore step of run `run` (its restoreId) reads some blobs from: the vault itself when its
 * whole index fits the function's memory; else a view whose index keeps only these blobs (Vault.scopedTo),
 * so that a vault too large to load whole still restores — every index object is still read, but the
 * memory is bounded by the step's blobs, not the vault's (docs/SCALE.md, "Index per shard"). `blobIds` is
 * asked for only in that case.
 *
 * The index is loaded again for each run, once per container: a warm container's index may predate a
 * prune that repacked blobs and deleted their old packs since, and would send the reads to packs that are
 * gone. Within a run the loaded index is kept, though nothing holds a prune's sweep back for a restore (its
 * grace may be shorter than the run, `--grace 0` sweeps at once: docs/FORMAT.md §11, "Repack"): a read that
 * finds its pack gone reloads the index of the vault it reads through, this vault or the view made here, and
 * reads the blobs where they are now (vault/restorer/swept-pack-reload.ts). So a later step or a retry of the
 * run in this container meets the reloaded index, not the stale one; a reload that failed leaves no index
 * behind, and the next call loads it again; a view is made anew, with an index of its own, on every call.
 */
export async function vaultForBlobs(vault: Vault, blobIds: () => AsyncIterable<string> | Iterable<string>, run: string): Promise<Vault> {
  try {
    if (indexLoadedFor.get(vault) === run) await vault.index();
    else {
      await vault.reloadIndex();
      indexLoadedFor.set(vault, run);
    }
    return vault;
  } catch (err) {
    if (!(err instanceof VaultIndexTooLargeError)) throw err;
    indexLoadedFor.set(vault, run);
  }
  const ids = new Set<string>();
  for await (const id of blobIds()) ids.add(id);
  return vault.scopedTo(ids);
}
