import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type RetrievalTier } from '../../config/storage-tiers';
import { mapBounded, packKey, type VaultStore } from '../../vault';
import { classifyError, InvalidEnvironmentError, TransientError } from '../runtime/errors';
import { ThawFailedError, type ThawNeededBy } from './thaw-failed-error';

/**
 * Thawing archived packs (docs/ARCHITECTURE.md, "Storage tiers"): the one code path of the restore's Thaw step and of
 * the replication that meets archived packs in the primary vault. Both run in a Step Functions loop that waits between
 * two looks, so no Lambda runs while S3 thaws.
 */

/** Days a thawed copy stays readable: a restore (its shards and its verification) of even a large backup, or a replication pass, ends well within them. */
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

/** What a look at the thaws found, counted over the packs it was given. */
export type ThawCounts = {
  /** In an archive class (GLACIER, DEEP_ARCHIVE). */
  readonly archived: number;
  /** Archived packs with a thawed copy now. */
  readonly ready: number;
  /** Archived packs whose thaw runs (started by this call or before). */
  readonly pending: number;
  /** RestoreObject requests this call made. */
  readonly requested: number;
};

/**
 * The retrieval tier of the thaws a reader of `planName`'s backups asks for: that plan's archive tier's, else the first
 * archiving plan's (packs are shared, so any plan's tier may have archived them), else S3's default, Standard.
 */
export function retrievalTierOf(plans: readonly ProtectionPlanConfig[], planName: string | undefined): RetrievalTier {
  const own = plans.find((p) => p.name === planName)?.storage?.archive?.retrievalTier;
  return own ?? plans.find((p) => p.storage?.archive)?.storage?.archive?.retrievalTier ?? 'Standard';
}

/** The function's LIFEBOAT_THAW_WAIT_SECONDS (undefined when unset): whole seconds, 1 or more. */
export function thawWaitSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const override = env[THAW_WAIT_SECONDS_ENV];
  if (override === undefined || override === '') return undefined;
  const seconds = Number(override);
  if (!(Number.isInteger(seconds) && seconds >= 1)) throw new InvalidEnvironmentError(THAW_WAIT_SECONDS_ENV, 'must be a whole number of seconds, 1 or more');
  return seconds;
}

/**
 * HEADs each pack (`storageState`) and asks for a thaw (RestoreObject, THAW_DAYS days) of each archived one with no
 * thawed copy and no thaw running; Deep Archive is asked for Standard instead of Expedited, which it does not have. S3's
 * "already in progress" counts as pending, a thawed copy as ready; throttling and 5xx are TransientError (the task's
 * Retry); any other refusal is ThawFailedError naming the pack. A store without storage classes has nothing archived.
 */
export async function thawPacks(store: VaultStore, packIds: readonly string[], retrievalTier: RetrievalTier, neededBy: ThawNeededBy = 'restore'): Promise<ThawCounts> {
  const counts = { archived: 0, ready: 0, pending: 0, requested: 0 };
  await mapBounded(packIds, THAW_CONCURRENCY, async (packId) => {
    const key = packKey(packId);
    const state = await store.storageState?.(key);
    if (!state?.archived) return;
    counts.archived++;
    if (state.thaw === 'ready') counts.ready++;
    else if (state.thaw === 'in-progress') counts.pending++;
    else {
      const outcome = await requestThaw(store, key, state.storageClass === 'DEEP_ARCHIVE' && retrievalTier === 'Expedited' ? 'Standard' : retrievalTier, neededBy);
      if (outcome === 'ready') counts.ready++;
      else counts.pending++;
      if (outcome === 'started') counts.requested++;
    }
  });
  return counts;
}

async function requestThaw(store: VaultStore, key: string, tier: RetrievalTier, neededBy: ThawNeededBy): Promise<'started' | 'in-progress' | 'ready'> {
  const request = store.requestThaw;
  // storageState without requestThaw would be a store that reports archives it cannot thaw: a refusal like S3's.
  if (!request) throw new ThawFailedError(store.location, key, tier, new Error('this vault store cannot thaw objects'), neededBy);
  try {
    return await request.call(store, key, { days: THAW_DAYS, tier });
  } catch (err) {
    const classified = classifyError(err);
    if (classified instanceof TransientError) throw classified;
    throw new ThawFailedError(store.location, key, tier, err, neededBy);
  }
}
