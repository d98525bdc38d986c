import { type StorageTiersConfig } from '../../config/storage-tiers';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { MONTH_DAYS } from './runs-per-month';
import { PACK_BYTES } from './workload-model';

/**
 * Where a plan's packs are stored in the month estimated, when the plan has `storage` (docs/COSTS.md, "Storage tiers"):
 * each committed backup's stored bytes are the packs it wrote, which age from its start; the plan's lifecycle rule keeps
 * them in Standard until `transition.afterDays`, then in the transition class, then from `archive.afterDays` in the
 * archive class. They are priced at their age in the middle of the month (now + 15 days). Intelligent-Tiering moves a
 * pack that nobody reads on by itself: Frequent Access for its first 30 days there, Infrequent Access until 90, then
 * Archive Instant Access (S3's automatic tiers; no charge for those moves, a monitoring fee per object).
 */

export const INTELLIGENT_TIERING_INFREQUENT_AFTER_DAYS = 30;
export const INTELLIGENT_TIERING_ARCHIVE_INSTANT_AFTER_DAYS = 90;

/** The classes a pack is priced in (Intelligent-Tiering by access tier). */
export const PRICED_STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'INTELLIGENT_TIERING_FREQUENT',
  'INTELLIGENT_TIERING_INFREQUENT',
  'INTELLIGENT_TIERING_ARCHIVE_INSTANT',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
] as const;
export type PricedStorageClass = (typeof PRICED_STORAGE_CLASSES)[number];
/** The classes a lifecycle transition moves packs into. */
export type TransitionTarget = 'STANDARD_IA' | 'INTELLIGENT_TIERING' | 'GLACIER_IR' | 'GLACIER' | 'DEEP_ARCHIVE';

export type TierMeasures = {
  /** The plan's stored bytes by class, in each vault (the DR vault has the same rules; its packs age from the same backups). */
  byClass: { storageClass: PricedStorageClass; storedBytes: number; replicatedBytes: number }[];
  /** Packs that cross an `afterDays` within the month, in both vaults: one lifecycle transition request each. */
  transitions: { storageClass: TransitionTarget; packs: number }[];
  /** Packs in Intelligent-Tiering in the middle of the month, in both vaults (its monitoring fee is per object). */
  intelligentTieringPacks: number;
};

const DAY_MS = 86_400_000;

/** The class a pack of this age (days since it was written) is in under `storage`. */
export function pricedClassAt(storage: StorageTiersConfig, ageDays: number): PricedStorageClass {
  const { transition, archive } = storage;
  if (archive && ageDays >= archive.afterDays) return archive.storageClass;
  if (!transition || ageDays < transition.afterDays) return 'STANDARD';
  if (transition.storageClass !== 'INTELLIGENT_TIERING') return transition.storageClass;
  const inClass = ageDays - transition.afterDays;
  if (inClass >= INTELLIGENT_TIERING_ARCHIVE_INSTANT_AFTER_DAYS) return 'INTELLIGENT_TIERING_ARCHIVE_INSTANT';
  if (inClass >= INTELLIGENT_TIERING_INFREQUENT_AFTER_DAYS) return 'INTELLIGENT_TIERING_INFREQUENT';
  return 'INTELLIGENT_TIERING_FREQUENT';
}

/** The tier measures of a plan's backups (any order; only COMMITTED ones, forgotten included, as its stored bytes) for the month from `now`. */
export function tierMeasures(backups: readonly BackupRecord[], storage: StorageTiersConfig, now: Date): TierMeasures {
  const byClass = new Map<PricedStorageClass, { storedBytes: number; replicatedBytes: number }>();
  const transitions = new Map<TransitionTarget, number>();
  let intelligentTieringPacks = 0;
  const steps = [storage.transition, storage.archive].filter((step) => step !== undefined);
  for (const b of backups) {
    if (b.status !== 'COMMITTED') continue;
    const bytes = b.totals?.bytesStored ?? 0;
    const copies = b.copies?.dr === 'COMMITTED' ? 2 : 1;
    const ageNow = (now.getTime() - Date.parse(b.startedAt)) / DAY_MS;
    const storageClass = pricedClassAt(storage, ageNow + MONTH_DAYS / 2);
    const sums = byClass.get(storageClass) ?? { storedBytes: 0, replicatedBytes: 0 };
    sums.storedBytes += bytes;
    if (copies === 2) sums.replicatedBytes += bytes;
    byClass.set(storageClass, sums);
    const packs = Math.ceil(bytes / PACK_BYTES);
    if (storageClass.startsWith('INTELLIGENT_TIERING')) intelligentTieringPacks += packs * copies;
    for (const step of steps) {
      if (ageNow < step.afterDays && step.afterDays <= ageNow + MONTH_DAYS) transitions.set(step.storageClass, (transitions.get(step.storageClass) ?? 0) + packs * copies);
    }
  }
  return {
    byClass: PRICED_STORAGE_CLASSES.flatMap((storageClass) => {
      const sums = byClass.get(storageClass);
      return sums ? [{ storageClass, ...sums }] : [];
    }),
    transitions: [...transitions].map(([storageClass, packs]) => ({ storageClass, packs })),
    intelligentTieringPacks,
  };
}

/** The same at another size of protected data (`--protected-bytes`): every byte and pack figure × k. */
export function scaledTierMeasures(t: TierMeasures, k: number): TierMeasures {
  return {
    byClass: t.byClass.map((c) => ({ ...c, storedBytes: c.storedBytes * k, replicatedBytes: c.replicatedBytes * k })),
    transitions: t.transitions.map((c) => ({ ...c, packs: c.packs * k })),
    intelligentTieringPacks: t.intelligentTieringPacks * k,
  };
}
