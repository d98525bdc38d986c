import { indexBlobLimit } from '../blob-index/index-memory';
import { type VaultIndex } from '../blob-index/vault-index';
import { type Vault } from '../repository/vault';
import { DATA_PREFIX } from '../repository/vault-layout';
import { VaultObjectNotFoundError } from '../vault-errors';

/**
 * What a reader needs of its vault to load the index again: a Vault, or a view of one (Vault.scopedTo). Its memory
 * limit says whether a second whole index fits beside the one the reader holds; scopedTo is the way when it does not.
 */
export type ReloadableIndex = Pick<Vault, 'index' | 'reloadIndex' | 'forgetIndex' | 'memoryLimitMb' | 'scopedTo'>;

/**
 * Where a read whose pack was gone finds its blobs now: the vault's whole index loaded anew (later reads locate
 * their blobs in it), or, when the process cannot hold a second whole index beside the stale one, an index of only
 * that read's blobs (`whole` false: later reads keep locating in the stale index and meet the sweep themselves).
 */
export type Relocation = { readonly index: VaultIndex; readonly whole: boolean };

/**
 * A pack read that found no pack: its index may predate a prune that repacked the blobs and swept the pack since.
 * A restore's index is loaded once, and a restore may outlive prune's grace (docs/FORMAT.md §11, "Repack"); the
 * repack writes the new pack's index object before it condemns the old pack, so an index loaded now locates the
 * blobs in their new pack. Only data/ keys: a manifest or index object that is gone is not a sweep of a repack.
 */
export function isSweptPack(err: unknown): err is VaultObjectNotFoundError {
  return err instanceof VaultObjectNotFoundError && err.key.startsWith(DATA_PREFIX);
}

/** The reload started for each stale index: every read that found it stale shares that one load. */
const reloads = new WeakMap<VaultIndex, Promise<VaultIndex>>();
/** Indexes that, loaded after a read found a pack gone, still placed that read's blobs in no other pack (lostAfterReload). */
const damageSeen = new WeakSet<VaultIndex>();

/**
 * Whether loading a whole index beside `stale`, which the reader (and the closures of its other reads) keeps until it
 * ends, fits the memory the vault may give its index (Vault.memoryLimitMb, index-memory.ts). The vault's own check
 * counts only the index it loads; the new one is taken as large as the stale one (a repack moves blobs, it adds none).
 */
function secondIndexFits(vault: ReloadableIndex, stale: VaultIndex): boolean {
  return stale.locationCount * 2 <= indexBlobLimit(vault.memoryLimitMb);
}

/**
 * Where the blobs `blobIds` (of a read that `stale` sent to a pack that is gone: isSweptPack) are now. Reads of a
 * restore run side by side and meet the same sweep together: they share one reload of the whole index per stale
 * index, and a read whose index was already replaced since (another read reloaded it) takes the current one without
 * loading again. A reload that fails is forgotten, by this module and by the vault, so that the next use (a retry of
 * the step, lambdas/restore/vault-for-blobs.ts) loads the index again rather than meeting the same failed load. An
 * index that showed damage (lostAfterReload) is not loaded again: it is returned as it is, and the read fails as it did.
 *
 * When a second whole index does not fit beside the stale one (secondIndexFits), the read's blobs alone are located,
 * through a view of the vault that keeps only them (Vault.scopedTo, as a restore step does whose vault is too large to
 * load: lambdas/restore/vault-for-blobs.ts). Every index object is then read again for each such read, but only the
 * read's blobs are held, and the process does not run out of memory.
 */
export function indexAfterSweep(vault: ReloadableIndex, stale: VaultIndex, blobIds: Iterable<Uint8Array>): Promise<Relocation> {
  if (damageSeen.has(stale)) return Promise.resolve({ index: stale, whole: true });
  if (!secondIndexFits(vault, stale)) {
    const ids = [...blobIds].map((id) => Buffer.from(id).toString('hex'));
    return vault
      .scopedTo(ids)
      .index()
      .then((index) => ({ index, whole: false }));
  }
  return wholeIndexAfterSweep(vault, stale).then((index) => ({ index, whole: true }));
}

function wholeIndexAfterSweep(vault: ReloadableIndex, stale: VaultIndex): Promise<VaultIndex> {
  const started = reloads.get(stale);
  if (started) return started;
  const reload = (async (): Promise<VaultIndex> => {
    const current = await vault.index().catch(() => null);
    return current !== null && current !== stale ? current : vault.reloadIndex();
  })();
  reloads.set(stale, reload);
  reload.catch(() => {
    reloads.delete(stale);
    vault.forgetIndex();
  });
  return reload;
}

/**
 * Records that `relocation`, what indexAfterSweep gave a read of `stale` whose pack was gone, places a blob of that
 * read in no other pack: the pack is lost, not swept. Reads through that index (the reloaded one, or the stale one
 * when only the read's blobs were located) that find a pack gone then fail at once instead of loading the index
 * again each (a restore goes on past damaged files and would reload once per file); a sweep met after it is then
 * reported as the damage it cannot be told from.
 */
export function lostAfterReload(stale: VaultIndex, relocation: Relocation): void {
  damageSeen.add(relocation.whole ? relocation.index : stale);
}
