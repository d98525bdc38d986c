import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type RetrievalTier } from '../../config/storage-tiers';
import { mapBounded, packKey, type VaultStore } from '../../vault';
import { classifyError, TransientError } from '../runtime/errors';
import { getRestorePlan } from './restore-plan-document';
import { type RestoreIo } from './restore-io';
import { ThawFailedError } from './restore-errors';
import { selectedEntries } from './restore-selection';

/** Days a thawed copy stays readable: a restore (its shards and its verification) of even a large backup ends well within them. */
export const THAW_DAYS = 3;
/** HEADs (and RestoreObjects) in flight at once. */
const THAW_CONCURRENCY = 16;
/**
 * Seconds between two looks at the thaws, by retrieval tier: S3 documents Expedited as 1-5 minutes, Standard as 3-5 hours
 * (Deep Archive: within 12 hours), Bulk as 5-12 hours (Deep Archive: within 48 hours). Each look costs one HEAD per pack
 * not yet readable.
 */
export const THAW_WAIT_SECONDS: Record<RetrievalTier, number> = { Expedited: 60, Standard: 900, Bulk: 1800 };
/** Overrides THAW_WAIT_SECONDS (the local executor sets it: the local cloud's thaws take seconds). */
export const THAW_WAIT_SECONDS_ENV = 'LIFEBOAT_THAW_WAIT_SECONDS';

export type ThawRestoreDeps = Pick<RestoreIo, 'openVault' | 'planS3' | 'planBucket'> & {
  /** The environment's plans: the restored source's plan says the retrieval tier. */
  readonly plans: readonly ProtectionPlanConfig[];
  /** @default THAW_WAIT_SECONDS of the tier */
  readonly waitSeconds?: number;
};

/** What the Thaw step returns: the restore goes on when `pending` is 0, else it waits `waitSeconds` and looks again. */
export type ThawReport = {
  /** Packs the restore reads. */
  readonly packs: number;
  /** Of those, in an archive class (GLACIER, DEEP_ARCHIVE). */
  readonly archived: number;
  /** Archived packs with a thawed copy now. */
  readonly ready: number;
  /** Archived packs whose thaw runs (started by this call or before). */
  readonly pending: number;
  /** RestoreObject requests this call made. */
  readonly requested: number;
  readonly retrievalTier: RetrievalTier;
  readonly waitSeconds: number;
};

/**
 * The restore's Thaw step (docs/ARCHITECTURE.md, "Storage tiers"): the packs the restore will read (the selected
 * entries' blobs, located in the vault's index as the shards locate them) are HEADed; each one in an archive class
 * without a thawed copy gets a RestoreObject (the restored source's plan's retrieval tier, THAW_DAYS days; Standard
 * instead of Expedited for Deep Archive, which has no Expedited). Packs tiered by any plan are met, not only by the
 * restored one's: packs are shared. Runs again after each Wait of the loop until nothing is pending; already thawed
 * packs then cost one HEAD each. A RestoreObject S3 refuses (other than "already in progress" and transient errors,
 * which Step Functions retries) fails the restore with ThawFailedError naming the pack.
 */
export async function thawRestore(input: { planKey: string }, deps: ThawRestoreDeps): Promise<ThawReport> {
  const plan = await getRestorePlan(deps.planS3, deps.planBucket, input.planKey);
  const restore = plan.restore;
  const planOfSource = deps.plans.find((p) => p.sources.some((s) => s.name === restore.source.name));
  const retrievalTier = planOfSource?.storage?.archive?.retrievalTier ?? deps.plans.find((p) => p.storage?.archive)?.storage?.archive?.retrievalTier ?? 'Standard';
  const waitSeconds = deps.waitSeconds ?? THAW_WAIT_SECONDS[retrievalTier];
  const vault = await deps.openVault(restore.vault);
  const store = vault.store;
  if (!store.storageState || !store.requestThaw) return { packs: 0, archived: 0, ready: 0, pending: 0, requested: 0, retrievalTier, waitSeconds };

  const snapshot = await vault.loadSnapshot(restore.snapshotId);
  const index = await vault.index();
  const packIds = new Set<string>();
  for await (const entry of selectedEntries(vault, snapshot, restore)) {
    for (const id of entry.content) {
      const location = index.lookup(Buffer.from(id, 'hex'));
      // A blob the index lacks fails the shard that reads it, with the vault's own error; nothing to thaw for it here.
      if (location) packIds.add(location.packId);
    }
  }

  const counts = await thawPacks(store, [...packIds], retrievalTier);
  return { packs: packIds.size, ...counts, retrievalTier, waitSeconds };
}

/** The counts of ThawReport for these packs: HEAD each, RestoreObject each archived one not thawed nor thawing. */
export async function thawPacks(store: VaultStore, packIds: readonly string[], retrievalTier: RetrievalTier): Promise<Pick<ThawReport, 'archived' | 'ready' | 'pending' | 'requested'>> {
  const counts = { archived: 0, ready: 0, pending: 0, requested: 0 };
  await mapBounded(packIds, THAW_CONCURRENCY, async (packId) => {
    const key = packKey(packId);
    const state = await store.storageState?.(key);
    if (!state?.archived) return;
    counts.archived++;
    if (state.thaw === 'ready') counts.ready++;
    else if (state.thaw === 'in-progress') counts.pending++;
    else {
      const outcome = await requestThaw(store, key, state.storageClass === 'DEEP_ARCHIVE' && retrievalTier === 'Expedited' ? 'Standard' : retrievalTier);
      if (outcome === 'ready') counts.ready++;
      else counts.pending++;
      if (outcome === 'started') counts.requested++;
    }
  });
  return counts;
}

async function requestThaw(store: VaultStore, key: string, tier: RetrievalTier): Promise<'started' | 'in-progress' | 'ready'> {
  try {
    return await (store.requestThaw as NonNullable<VaultStore['requestThaw']>).call(store, key, { days: THAW_DAYS, tier });
  } catch (err) {
    const classified = classifyError(err);
    if (classified instanceof TransientError) throw classified;
    throw new ThawFailedError(store.location, key, tier, err);
  }
}
