import { z } from 'zod';

/**
 * A plan's storage tiers (docs/ARCHITECTURE.md, "Storage tiers"): the storage class the packs its
 * backups write move to after some days, through S3 lifecycle rules on the vault buckets. Only packs
 * (`data/`) move; index, manifest, snapshot, key and config objects stay in S3 Standard so listing,
 * planning and opening a vault stay fast and cheap.
 *
 * S3's rules for lifecycle transitions from Standard (the S3 API reference, "Transition"; the user
 * guide's "Constraints and considerations for transitions"), checked here so synth fails, not the deploy:
 * - STANDARD_IA: at least 30 days after creation;
 * - INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE: any day count (we ask for 1 or more);
 * - an object in STANDARD_IA stays there 30 days before it may move on, so an archive after a
 *   STANDARD_IA transition comes at least 30 days after it; after the other transitions, any later day.
 * S3 Glacier Deep Archive has no Expedited retrieval.
 */

/** Classes a pack may move to and still be read at once (no thaw). */
export const TRANSITION_STORAGE_CLASSES = ['STANDARD_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR'] as const;
/** Archive classes: a pack there must be thawed (RestoreObject) before it can be read. */
export const ARCHIVE_STORAGE_CLASSES = ['GLACIER', 'DEEP_ARCHIVE'] as const;
export const RETRIEVAL_TIERS = ['Expedited', 'Standard', 'Bulk'] as const;

export type ArchiveStorageClass = (typeof ARCHIVE_STORAGE_CLASSES)[number];
export type RetrievalTier = (typeof RETRIEVAL_TIERS)[number];

/** The days S3 requires an object to stay in S3 Standard-IA, both before it moves there from Standard and before it moves on. */
export const STANDARD_IA_MINIMUM_DAYS = 30;

const afterDays = z.number().int('must be a whole number of days').min(1, 'must be at least 1 day').max(36_500, 'must be at most 36500 days');

export const storageTiersSchema = z
  .strictObject({
    /** Packs move to this class after `afterDays` days (still read at once). */
    transition: z
      .strictObject({ storageClass: z.enum(TRANSITION_STORAGE_CLASSES), afterDays })
      .superRefine((t, ctx) => {
        if (t.storageClass === 'STANDARD_IA' && t.afterDays < STANDARD_IA_MINIMUM_DAYS) {
          ctx.addIssue({ code: 'custom', path: ['afterDays'], message: `must be at least ${STANDARD_IA_MINIMUM_DAYS} for STANDARD_IA: S3 moves objects from Standard to Standard-IA only after 30 days` });
        }
      })
      .optional(),
    /** Packs move to an archive class after `afterDays` days: a restore that needs them thaws them first (hours). */
    archive: z
      .strictObject({
        storageClass: z.enum(ARCHIVE_STORAGE_CLASSES),
        afterDays,
        /** The RestoreObject tier of a thaw. @default 'Standard' */
        retrievalTier: z.enum(RETRIEVAL_TIERS).default('Standard'),
      })
      .superRefine((a, ctx) => {
        if (a.storageClass === 'DEEP_ARCHIVE' && a.retrievalTier === 'Expedited') {
          ctx.addIssue({ code: 'custom', path: ['retrievalTier'], message: 'S3 Glacier Deep Archive has no Expedited retrieval: use Standard (within 12 hours) or Bulk (within 48 hours)' });
        }
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (!s.transition || !s.archive) return;
    const gap = s.transition.storageClass === 'STANDARD_IA' ? STANDARD_IA_MINIMUM_DAYS : 1;
    if (s.archive.afterDays < s.transition.afterDays + gap) {
      ctx.addIssue({
        code: 'custom',
        path: ['archive', 'afterDays'],
        message:
          gap === 1
            ? `must exceed transition.afterDays (${s.transition.afterDays}): packs are archived after they moved to ${s.transition.storageClass}`
            : `must be at least transition.afterDays + 30 (${s.transition.afterDays + gap}): S3 keeps objects 30 days in STANDARD_IA before moving them on`,
      });
    }
  });
export type StorageTiersConfig = z.infer<typeof storageTiersSchema>;
/** As written in a config or in props (the retrieval tier may be left out). */
export type StorageTiersInput = z.input<typeof storageTiersSchema>;

/** Whether a storage class needs a thaw before a GET (S3 answers 403 InvalidObjectState otherwise). */
export function isArchiveStorageClass(storageClass: string | undefined): storageClass is ArchiveStorageClass {
  return storageClass === 'GLACIER' || storageClass === 'DEEP_ARCHIVE';
}

/**
 * The object tag every pack carries: the name of the plan whose backup wrote it. The vault's lifecycle
 * rules select a plan's packs by it (with the `data/` prefix), so tiers are per plan although packs are shared.
 */
export const PACK_TIER_TAG = 'lifeboat-tier';

/** The tags of a pack written by a plan's backup. */
export function packTierTags(planName: string): Readonly<Record<string, string>> {
  return { [PACK_TIER_TAG]: planName };
}
