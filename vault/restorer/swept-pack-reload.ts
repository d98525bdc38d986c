import { type VaultIndex } from '../blob-index/vault-index';
import { type Vault } from '../repository/vault';
import { DATA_PREFIX } from '../repository/vault-layout';
import { VaultObjectNotFoundError } from '../vault-errors';

/** What a reader needs of its vault to load the index again: a Vault, or a view of one (Vault.scopedTo). */
export type ReloadableIndex = Pick<Vault, 'index' | 'reloadIndex' | 'forgetIndex'>;

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
 * The vault's index loaded anew, for a read that `stale` sent to a pack that is gone (isSweptPack). Reads of a
 * restore run side by side and meet the same sweep together: they share one reload per stale index, and a read
 * whose index was already replaced since (another read reloaded it) takes the current one without loading again.
 * A reload that fails is forgotten, by this module and by the vault, so that the next use (a retry of the step,
 * lambdas/restore/vault-for-blobs.ts) loads the index again rather than meeting the same failed load. An index
 * that showed damage (lostAfterReload) is not loaded again: it is returned as it is, and the read fails as it did.
 */
export function indexAfterSweep(vault: ReloadableIndex, stale: VaultIndex): Promise<VaultIndex> {
  if (damageSeen.has(stale)) return Promise.resolve(stale);
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
 * Records that `reloaded`, the index indexAfterSweep gave a read whose pack was gone, places a blob of that read in no
 * other pack: the pack is lost, not swept. Reads through this index that find a pack gone then fail at once instead
 * of loading the whole index again each (a restore goes on past damaged files and would reload once per file); a
 * sweep met after it is then reported as the damage it cannot be told from.
 */
export function lostAfterReload(reloaded: VaultIndex): void {
  damageSeen.add(reloaded);
}
