/**
 * The name of the bucket or table a failover restores a source into (docs/RUNBOOKS.md, "Failover"). One rule for the
 * failover itself (lambdas/failover/failover-targets.ts), which computes it during an outage, and for synth and the config
 * schema, which refuse names that could never fit: found only when the failover runs, such a name would stop the whole plan's
 * failover on the day the primary region is down, and only a redeploy with a renamed source (its identity in the catalog) helps.
 */

/** S3's limit on a bucket name. */
export const MAX_BUCKET_NAME = 63;

/** The suffix of the failover targets when the failover's input names none (lambdas/failover/failover-request.ts uses it). */
export const DEFAULT_FAILOVER_TARGET_SUFFIX = 'failover';

/** `<restoreTargetPrefix><source>-<suffix>`: fixed, so applications can be pointed at it in advance. */
export function failoverTargetName(restoreTargetPrefix: string, sourceName: string, suffix: string): string {
  return `${restoreTargetPrefix}${sourceName}-${suffix}`;
}

/**
 * Why the failover could not restore an S3 source from the vault with the default suffix (its bucket name over S3's 63
 * characters), or undefined when it can. Every S3 source counts, mirrored ones too: the failover restores a mirrored
 * source from the vault when its mirror's last check is older than the plan's RPO (lambdas/failover/failover-start.ts).
 * `shorten`: what the caller can shorten, in its own words (the prefix, or the environment's name).
 */
export function failoverBucketNameIssue(restoreTargetPrefix: string, sourceName: string, shorten: string): string | undefined {
  const name = failoverTargetName(restoreTargetPrefix, sourceName, DEFAULT_FAILOVER_TARGET_SUFFIX);
  if (name.length <= MAX_BUCKET_NAME) return undefined;
  return `source "${sourceName}": the failover would restore it into the bucket ${name} (${name.length} characters), over S3's ${MAX_BUCKET_NAME}, and so refuse to fail over its plan; shorten ${shorten}`;
}
