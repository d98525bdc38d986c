/** Entries per mirrored source a check compares when its input says nothing (lib/lifeboat-defaults.ts has the schedule's). */
export const DEFAULT_MIRROR_SAMPLES = 1000;

/** S3 Replication Time Control replicates 99.99 % of objects within 15 minutes: a younger difference is still in flight. */
export const DEFAULT_MIRROR_GRACE_SECONDS = 15 * 60;

/** The longest grace a check's input may set: a day, in whole seconds (lambdas/handlers/mirror-check.ts refuses more). */
export const MAX_MIRROR_GRACE_SECONDS = 86_400;

/** Files per mirrored file-system source a sampling reads (each one whole, to hash it): 100 keeps a run well inside a minute. */
export const DEFAULT_FILE_MIRROR_SAMPLES = 100;
