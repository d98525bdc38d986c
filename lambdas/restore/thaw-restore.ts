import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type RetrievalTier } from '../../config/storage-tiers';
import { mapBounded, type VaultIndex, VaultObjectNotFoundError, type VaultStore } from '../../vault';
import { retrievalTierOf, THAW_WAIT_SECONDS, type ThawCounts, thawPacks } from '../thaw/pack-thaw';
import { ThawFailedError } from '../thaw/thaw-failed-error';
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
  /** Packs the restore may read, every copy's of a blob stored twice (`archived` and the other counts are of these). */
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
  const packs = new RestorePacks();
  for await (const entry of selectedEntries(vault, snapshot, restore)) {
    for (const id of entry.content) packs.addBlob(index, Buffer.from(id, 'hex'));
  }

  const counts = await thawPacks(store, [...packs.sole], retrievalTier);
  const spare = await thawSparePacks(store, packs, retrievalTier);
  return { packs: packs.sole.size + spare.present, ...sumCounts(counts, spare.counts), retrievalTier, waitSeconds };
}

/** HEADs (and RestoreObjects) in flight at once for the spare packs, as thawPacks has for the others. */
const SPARE_THAW_CONCURRENCY = 16;

/**
 * The packs a restore's blobs are in. A blob stored twice (FORMAT §5) is read from its first copy and, when that one
 * fails its check or its pack is gone, from the next: which one a shard ends up reading is known only then, so every
 * copy's pack is thawed (duplicates are rare: the extra thaws cost little).
 */
class RestorePacks {
  /** Packs holding the only copy of some blob: the restore cannot do without any of them. */
  readonly sole = new Set<string>();
  /** For blobs stored in more than one pack: their packs, one list per distinct set of packs. */
  readonly copies = new Map<string, readonly string[]>();

  addBlob(index: VaultIndex, blob: Uint8Array): void {
    // A blob the index lacks fails the shard that reads it, with the vault's own error; nothing to thaw for it here.
    if (!index.hasCopies(blob)) {
      const location = index.lookup(blob);
      if (location) this.sole.add(location.packId);
      return;
    }
    const packIds = [...new Set(index.locations(blob).map((l) => l.packId))];
    if (packIds.length === 1) this.sole.add(packIds[0] as string);
    else this.copies.set(packIds.join(','), packIds);
  }

  /** Packs that hold only blobs stored elsewhere too. */
  spare(): string[] {
    const spare = new Set<string>();
    for (const packIds of this.copies.values()) for (const packId of packIds) if (!this.sole.has(packId)) spare.add(packId);
    return [...spare];
  }
}

/**
 * Thaws the spare packs, one thawPacks each so that a missing one (a deleted or swept copy) is told from the others: it is
 * skipped while each blob it holds has another copy; a blob all of whose copies are missing fails the Thaw step with the
 * store's error for its first copy, as a missing pack of a blob stored once does.
 */
async function thawSparePacks(store: VaultStore, packs: RestorePacks, retrievalTier: ThawReport['retrievalTier']): Promise<{ counts: ThawCounts; present: number }> {
  const missing = new Map<string, unknown>();
  const found: ThawCounts[] = [];
  await mapBounded(packs.spare(), SPARE_THAW_CONCURRENCY, async (packId) => {
    try {
      found.push(await thawPacks(store, [packId], retrievalTier));
    } catch (err) {
      if (!isMissingPack(err)) throw err;
      missing.set(packId, err);
    }
  });
  for (const packIds of packs.copies.values()) {
    if (packIds.every((packId) => missing.has(packId))) throw missing.get(packIds[0] as string);
  }
  return { counts: found.reduce(sumCounts, { archived: 0, ready: 0, pending: 0, requested: 0 }), present: found.length };
}

/** The store's answer for an absent pack: at the HEAD, or at the RestoreObject when it went in between. */
function isMissingPack(err: unknown): boolean {
  return err instanceof VaultObjectNotFoundError || (err instanceof ThawFailedError && err.cause instanceof VaultObjectNotFoundError);
}

function sumCounts(a: ThawCounts, b: ThawCounts): ThawCounts {
  return { archived: a.archived + b.archived, ready: a.ready + b.ready, pending: a.pending + b.pending, requested: a.requested + b.requested };
}
