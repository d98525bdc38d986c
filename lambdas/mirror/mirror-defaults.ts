/** Entries per mirrored source a check compares when its input says nothing (lib/lifeboat-defaults.ts has the schedule's). */
export const DEFAULT_MIRROR_SAMPLES = 1000;

/** S3 Replication Time Control replicates 99.99 % of objects within 15 minutes: a younger difference is still in flight. */
export const DEFAULT_MIRROR_GRACE_SECONDS = 15 * 60;
