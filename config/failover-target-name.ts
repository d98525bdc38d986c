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

/** How many characters of `targetSuffix` the failover's bucket for this source can take within S3's 63 (0 or less: none). */
export function failoverSuffixRoom(restoreTargetPrefix: string, sourceName: string): number {
  return MAX_BUCKET_NAME - failoverTargetName(restoreTargetPrefix, sourceName, '').length;
}

/**
 * Why the failover could never restore an S3 source from the vault (its bucket name over S3's 63 characters with any
 * suffix, even one character), or undefined when some suffix fits. Every S3 source counts, mirrored ones too: the
 * failover restores a mirrored source from the vault when its mirror's last check is older than the plan's RPO
 * (lambdas/failover/failover-start.ts). `shorten`: what the caller can shorten, in its own words (the prefix, or the
 * environment's name). A source that fits only a suffix shorter than the default is not refused (the failover's input
 * names one: `targetSuffix`), and renaming a source loses its history: failoverSuffixWarning says so instead.
 */
export function failoverBucketNameIssue(restoreTargetPrefix: string, sourceName: string, shorten: string): string | undefined {
  if (failoverSuffixRoom(restoreTargetPrefix, sourceName) >= 1) return undefined;
  const name = failoverTargetName(restoreTargetPrefix, sourceName, 'x');
  return `source "${sourceName}": the failover would restore it into a bucket ${name} or longer (${name.length} characters with a one-character targetSuffix), over S3's ${MAX_BUCKET_NAME}, and so refuse to fail over its plan; shorten ${shorten}`;
}

/**
 * What an operator must know before a failover when the default suffix does not fit but a shorter one does: the
 * failover without `targetSuffix` refuses the plan (its error says what to pass), so the runbook needs one of at most
 * this many characters. Undefined when the default fits.
 */
export function failoverSuffixWarning(restoreTargetPrefix: string, sourceName: string): string | undefined {
  const room = failoverSuffixRoom(restoreTargetPrefix, sourceName);
  if (room >= DEFAULT_FAILOVER_TARGET_SUFFIX.length || room < 1) return undefined;
  const name = failoverTargetName(restoreTargetPrefix, sourceName, DEFAULT_FAILOVER_TARGET_SUFFIX);
  return `source "${sourceName}": the failover's default bucket ${name} (${name.length} characters) is over S3's ${MAX_BUCKET_NAME}: a failover of its plan must name a targetSuffix of at most ${room} character${room === 1 ? '' : 's'} (docs/RUNBOOKS.md, "Failover")`;
}

/**
 * The endings S3 reserves for bucket names (lambdas/restore/target-names.ts checks whole names with them): a
 * `targetSuffix` that puts one at the end of every failover bucket (`s3alias`, `x--ol-s3`) is refused when the input
 * is parsed, naming the field, instead of by CreateBucket on the day of the failover. S3 also reserves `.mrap`, which
 * no suffix can produce (it holds no dot): whole names are checked against it too (S3_RESERVED_WHOLE_NAME_ENDS).
 */
export const S3_RESERVED_BUCKET_NAME_ENDS = ['-s3alias', '--ol-s3', '--x-s3', '--table-s3'] as const;

/** The reserved ending a failover bucket named with `suffix` would have (its name is `...-<suffix>`), or undefined. */
export function reservedSuffixEnding(suffix: string): string | undefined {
  return S3_RESERVED_BUCKET_NAME_ENDS.find((end) => `-${suffix}`.endsWith(end));
}
