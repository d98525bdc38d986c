import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type RetrievalTier } from '../../config/storage-tiers';
import { retrievalTierOf, THAW_WAIT_SECONDS, type ThawCounts, thawPacks } from '../thaw/pack-thaw';
import { getRestorePlan } from './restore-plan-document';
import { type RestoreIo } from './restore-io';
import { selectedEntries } from './restore-selection';
import { vaultForBlobs } from './vault-for-blobs';
import { loadRestoreSnapshot } from './restore-snapshot';

export type ThawRestoreDeps = Pick<RestoreIo, 'openVault' | 'planS3' | 'planBucket'> & {
  /** The environment's plans: the restored source's plan says the retrieval tier. */
  readonly plans: readonly ProtectionPlanConfig[];
  /** @default THAW_WAIT_SECONDS of the tier */
  readonly waitSeconds?: number;
};

/** What the Thaw step returns: the restore goes on when `pending` is 0, else it waits `waitSeconds` and looks again. */
export type ThawReport = ThawCounts & {
  /** Packs the restore reads (`archived` and the other counts are of these). */
  readonly packs: number;
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
  const retrievalTier = retrievalTierOf(deps.plans, planOfSource?.name);
  const waitSeconds = deps.waitSeconds ?? THAW_WAIT_SECONDS[retrievalTier];
  const vault = await deps.openVault(restore.vault);
  const store = vault.store;
  if (!store.storageState || !store.requestThaw) return { packs: 0, archived: 0, ready: 0, pending: 0, requested: 0, retrievalTier, waitSeconds };

  const snapshot = await loadRestoreSnapshot(vault, restore);
  // An index too large for the function: the restore's own blobs located (the manifest walked twice then).
  const located = await vaultForBlobs(
    vault,
    async function* () {
      for await (const entry of selectedEntries(vault, snapshot, restore)) yield* entry.content;
    },
    restore.restoreId,
  );
  const index = await located.index();
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
