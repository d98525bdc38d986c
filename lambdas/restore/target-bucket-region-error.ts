import { type EnvironmentRegions } from '../runtime/environment-regions';
import { RestoreTargetNotAllowedError } from './restore-errors';

/** How each region's restore runbook is started (docs/RUNBOOKS.md, "--from dr runs the DR region's restore runbook"). */
const RESTORE_RUNBOOKS = [
  { side: 'primary', regionOf: (r: EnvironmentRegions) => r.primary, command: '`lifeboat restore` without --from dr (--region primary --from dr to read the DR vault)' },
  { side: 'DR', regionOf: (r: EnvironmentRegions) => r.dr, command: '`lifeboat restore --from dr`' },
] as const;

/**
 * Where else the operator may restore into this bucket. Lifeboat runs a restore runbook in the environment's primary
 * and DR regions only: a runbook is named when the bucket is in one of them, none when the function knows both and the
 * bucket is in neither; when it does not know which (S3 did not name the bucket's region, or the function was not
 * given the other region) only on that condition, so the error never sends anyone to a runbook that does not exist.
 */
function otherRunbookAdvice(bucketRegion: string | undefined, runbookRegion: string, regions: EnvironmentRegions): string {
  const match = bucketRegion !== undefined ? RESTORE_RUNBOOKS.find((r) => r.regionOf(regions) === bucketRegion) : undefined;
  if (match) return `, or start the ${match.side} region's restore runbook (${bucketRegion}) instead: ${match.command}`;
  // The runbooks whose region the bucket may still be in: not this runbook's, nor a known region other than the bucket's.
  const possible = RESTORE_RUNBOOKS.filter((r) => r.regionOf(regions) !== runbookRegion && (r.regionOf(regions) === undefined || bucketRegion === undefined));
  if (possible.length === 0) {
    return `: no Lifeboat restore runbook runs in ${bucketRegion ?? "the bucket's region"} (the environment's run in ${regions.primary}, its primary region, and ${regions.dr}, its DR region)`;
  }
  const where = bucketRegion ?? "the bucket's region";
  const named = (r: (typeof RESTORE_RUNBOOKS)[number]) => `the environment's ${r.side} region${r.regionOf(regions) !== undefined ? ` (${r.regionOf(regions)})` : ''}`;
  const [only] = possible;
  const which =
    possible.length === 1 && only
      ? `if ${where} is ${named(only)}, start its restore runbook instead: ${only.command}`
      : `if ${where} is the environment's primary or DR region, start that region's restore runbook instead (${possible.map((r) => `the ${r.side} region's: ${r.command}`).join('; ')})`;
  return `, or, ${which}; no Lifeboat restore runbook runs in another region`;
}

/**
 * An S3 target bucket of another region than the runbook's: the restore functions' clients are their own region's,
 * so every write there would be redirected (bucket-region-redirect.ts). A RestoreTargetNotAllowedError by name, as
 * the workflows and the failover report know it (refused before anything is written); the fields let a caller
 * (the failover's target check) say it in its own words. `regions`: the environment's, as the function knows them
 * (environmentRegionsOf), to name the runbook that can write the bucket, if any.
 */
export class TargetBucketInOtherRegionError extends RestoreTargetNotAllowedError {
  constructor(
    readonly bucket: string,
    /** Where S3 says the bucket is; undefined when it did not say. */
    readonly bucketRegion: string | undefined,
    /** The region of the runbook (of its restore functions). */
    readonly runbookRegion: string,
    options: { cause?: unknown; regions?: EnvironmentRegions | undefined } = {},
  ) {
    const where =
      bucketRegion !== undefined
        ? `is in ${bucketRegion}, but this restore runbook runs in ${runbookRegion} and writes only buckets of its own region (S3 redirected its HeadBucket there)`
        : `is in another region than ${runbookRegion} (S3 redirected its HeadBucket without saying which), and this restore runbook writes only buckets of its own region`;
    super(
      `Invalid restore request: target.bucket: bucket ${bucket} ${where}; restore into a bucket of ${runbookRegion}${otherRunbookAdvice(bucketRegion, runbookRegion, options.regions ?? {})}`,
      options.cause !== undefined ? { cause: options.cause } : undefined,
    );
  }
}
