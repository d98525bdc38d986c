import { failoverTargetName, MAX_BUCKET_NAME } from '../../config/failover-target-name';
import { type FileSystemSourceConfig, type SourceConfig } from '../../config/lifeboat-config';
import { InvalidInputError } from '../runtime/errors';
import { RestoreTargetMissingError, RestoreTargetNotAllowedError, RestoreTargetNotEmptyError, RestoreTargetUnprotectedError } from '../restore/restore-errors';
import { createPrivateBucket } from '../restore/private-bucket';
import { ensureAbortIncompleteUploadsRule } from '../restore/target-upload-lifecycle';
import { type RestoreTarget } from '../restore/restore-request';
import { checkTargetAllowed } from '../restore/restore-target-policy';
import { checkTargetState, type TargetDeps } from '../restore/restore-target-state';
import { TargetBucketInOtherRegionError } from '../restore/target-bucket-region-error';
import { s3BucketNameProblem } from '../restore/target-names';
import { forEachBounded, mapBounded } from '../../vault';

/**
 * Targets checked, and buckets created, at once by Validate failover: well under S3's request rates, and a plan of
 * 65 S3 sources in 9 rounds of about five calls each, within the step's 2 minutes (as the drill's scratch buckets).
 */
export const FAILOVER_TARGETS_IN_FLIGHT = 8;

/** A source of the plan and where the failover restores it. */
export type FailoverTarget = { source: SourceConfig; target: RestoreTarget };

/**
 * Where the failover restores a source: bucket and table `<restoreTargetPrefix><source>-<suffix>`
 * (the prefix is the one the restore functions' IAM may write, `<prefix>-restore-`), directory
 * `<source path>-<suffix>` moved onto the file system mounted into the DR functions (`mountPath`,
 * see directoryFailoverPath). Fixed names, so applications can be pointed at them in advance and a
 * second failover with the same suffix finds the first one's targets (and refuses them without
 * overwrite). A bucket name over S3's 63 characters is refused naming `targetSuffix`, the only
 * part the operator chooses.
 */
export function failoverTargetOf(source: SourceConfig, restoreTargetPrefix: string, suffix: string, mountPath?: string): RestoreTarget {
  const name = failoverTargetName(restoreTargetPrefix, source.name, suffix);
  if (source.type === 's3') {
    if (name.length > MAX_BUCKET_NAME) {
      const room = MAX_BUCKET_NAME - (restoreTargetPrefix.length + source.name.length + 1);
      throw new InvalidInputError(
        `Invalid failover input: targetSuffix: the target bucket of source "${source.name}" would be ${name} (${name.length} characters), over S3's ${MAX_BUCKET_NAME}; ` +
          (room > 0 ? `use a suffix of at most ${room} characters` : `the prefix and source name leave no room for a suffix`),
      );
    }
    // A suffix such as "s3alias" or "x--x-s3" makes a name S3 reserves: refused here naming the field, not by CreateBucket.
    const problem = s3BucketNameProblem(name);
    if (problem) throw new InvalidInputError(`Invalid failover input: targetSuffix: the target bucket of source "${source.name}" would be ${name}, which is no valid S3 bucket name: ${problem}; choose another suffix`);
    return { type: 's3', bucket: name, prefix: '' };
  }
  if (source.type === 'dynamodb') return { type: 'dynamodb', table: name };
  return { type: 'filesystem', path: directoryFailoverPath(source, suffix, mountPath) };
}

/** Lambda mounts a file system only at one directory directly under /mnt/ (the config's mountPath rule): `/mnt/<name>`. */
const LAMBDA_MOUNT_DIRECTORY = /^\/mnt\/[^/]+/;

/**
 * A directory source's failover target. Without a file system in the DR functions (`mountPath`
 * absent: only the local cloud, whose one fs root holds both regions' directories, can write it)
 * `<source path>-<suffix>`. With one (`fileSystem.efs.drRestore`, mounted at `mountPath`): the
 * same path moved from the primary's mount onto it, `<mountPath>/<path below the primary's mount>-<suffix>`, so the layout
 * under the mount is kept and, when both mounts share a path, the target is `<source path>-<suffix>`
 * as before. The primary's mount is the source path's `/mnt/<name>`: the config puts every directory
 * source under `fileSystem.efs.mountPath`, which is one directory directly under /mnt/. A source at
 * the primary's mount root goes to `<mountPath>/<source name>-<suffix>` (its path plus the suffix
 * would lie beside the mount, outside it).
 */
function directoryFailoverPath(source: FileSystemSourceConfig, suffix: string, mountPath: string | undefined): string {
  const sourcePath = source.path.replace(/\/+$/, '');
  const primaryMount = LAMBDA_MOUNT_DIRECTORY.exec(sourcePath)?.[0];
  if (mountPath === undefined || primaryMount === undefined) return `${sourcePath}-${suffix}`;
  const below = sourcePath.slice(primaryMount.length);
  const drMount = mountPath.replace(/\/+$/, '');
  return below === '' ? `${drMount}/${source.name}-${suffix}` : `${drMount}${below}-${suffix}`;
}

/** The failover targets of a plan's sources, in the plan's order; `mountPath`: the DR functions' file system (failoverTargetOf). */
export function failoverTargets(sources: readonly SourceConfig[], restoreTargetPrefix: string, suffix: string, mountPath?: string): FailoverTarget[] {
  return sources.map((source) => ({ source, target: failoverTargetOf(source, restoreTargetPrefix, suffix, mountPath) }));
}

export type PrepareTargetsDeps = TargetDeps & {
  /** The function's own region: in a failover the DR region, where the new buckets are created. */
  region: string;
  restoreTargetPrefix: string;
  /** Where the EFS file system is mounted into the restore functions (in AWS, when one is configured). */
  mountPath?: string | undefined;
  /** Every source of the environment: a directory target may not be at, inside or above one (restore-target-policy.ts). @default the targets' sources */
  sources?: readonly SourceConfig[];
};

/** How a target is described in an error: the same words as the restore report's. */
function describeTarget(target: RestoreTarget): string {
  if (target.type === 's3') return `bucket ${target.bucket}`;
  if (target.type === 'dynamodb') return `table ${target.table}`;
  return `directory ${target.path}`;
}

/**
 * Checks every target before anything is written — a failover that fails half way through its
 * sources, on the day the primary region is down, costs more than one refused up front — then
 * creates the S3 buckets that do not exist yet. A target holding data is refused without
 * `overwrite`, naming the field and the target. Tables are not created here: the restore creates
 * each from its backup's schema. Directories are created by the restore as it writes. Both the checks and the
 * creations run FAILOVER_TARGETS_IN_FLIGHT at a time, the checks in the plan's order: the error is that of the first
 * target the plan's order refuses, and no bucket is created when one is refused, nor begun after a creation failed.
 *
 * Every target bucket, new or found, is given the rule that aborts a stopped restore's uploads where its lifecycle
 * configuration is none or only that rule (ensureAbortIncompleteUploadsRule): a found one may be this failover's own
 * from a try whose Put of the rule failed after its CreateBucket (review rF F2), which a retry finds empty and
 * protected, not missing. `bucketsAbortingUploads`: those that have the rule, for the report; a bucket with a lifecycle
 * configuration of its own is left as it is and not among them.
 */
export async function prepareFailoverTargets(
  targets: readonly FailoverTarget[],
  overwrite: boolean,
  deps: PrepareTargetsDeps,
): Promise<{ createdBuckets: string[]; bucketsAbortingUploads: string[] }> {
  const sources = deps.sources ?? targets.map((t) => t.source);
  // A few at a time: one after another, a HeadBucket and the checks per target, then five S3 calls per new bucket,
  // outran the step's 2 minutes for ~45 S3 sources, after the approval (audit aX1-1). The targets are started in the
  // plan's order and none after a failure, so every target before the first one refused was checked: the lowest
  // refused is the one the plan's order refuses first, the same error as checked one by one.
  const states: TargetState[] = [];
  const refused: { index: number; error: unknown }[] = [];
  try {
    await forEachBounded(targets, FAILOVER_TARGETS_IN_FLIGHT, async (target, index) => {
      try {
        states[index] = await checkFailoverTarget(target, overwrite, deps, sources);
      } catch (error) {
        refused.push({ index, error });
        throw error;
      }
    });
  } catch (err) {
    const first = refused.sort((a, b) => a.index - b.index)[0];
    throw first ? first.error : err;
  }
  const foundBuckets = targets.flatMap(({ target }, i) => (target.type === 's3' && states[i] === 'found' ? [target.bucket] : []));
  const missingBuckets = targets.flatMap(({ target }, i) => (target.type === 's3' && states[i] === 'missing' ? [target.bucket] : []));
  // Then the rule on the found ones, and the new buckets, a few at a time as well; after a failure none further is
  // begun (forEachBounded), and a retried step finds the ones made, empty and protected (see above).
  const found = await mapBounded(foundBuckets, FAILOVER_TARGETS_IN_FLIGHT, (bucket) => ensureAbortIncompleteUploadsRule(deps.s3, bucket));
  const created = await mapBounded(missingBuckets, FAILOVER_TARGETS_IN_FLIGHT, (bucket) => createPrivateBucket(deps.s3, deps.region, bucket));
  const bucketsAbortingUploads = [...foundBuckets.filter((_, i) => found[i]), ...missingBuckets.filter((_, i) => created[i])];
  return { createdBuckets: missingBuckets, bucketsAbortingUploads };
}

/** What the check of one target found: a bucket to create, or a target the restore may write (a found bucket among them). */
type TargetState = 'missing' | 'found' | 'ready';

/** Checks one target (see prepareFailoverTargets), refusing it with InvalidInputError naming the field to change. */
async function checkFailoverTarget({ source, target }: FailoverTarget, overwrite: boolean, deps: PrepareTargetsDeps, sources: readonly SourceConfig[]): Promise<TargetState> {
  try {
    checkTargetAllowed(deps.restoreTargetPrefix, source, target, deps.mountPath, sources);
  } catch (err) {
    if (!(err instanceof RestoreTargetNotAllowedError)) throw err;
    throw new InvalidInputError(`Invalid failover input: targetSuffix: the failover target of source "${source.name}", ${describeTarget(target)}, is not one the restore may write (${err.message})`, { cause: err });
  }
  try {
    await checkTargetState(target, overwrite, deps);
    return target.type === 's3' ? 'found' : 'ready';
  } catch (err) {
    if (err instanceof RestoreTargetMissingError && target.type === 's3') return 'missing';
    if (err instanceof RestoreTargetUnprotectedError) {
      throw new InvalidInputError(
        `Invalid failover input: targetSuffix: the failover target of source "${source.name}", ${describeTarget(target)}, exists and lacks ${err.missing.join(' and ')}; ` +
          `turn them on for the bucket, or choose another "targetSuffix" (the failover then creates its buckets encrypted and private)`,
        { cause: err },
      );
    }
    if (err instanceof TargetBucketInOtherRegionError) {
      // Bucket names are global: the name the suffix makes is taken by a bucket of another region, which this region's restore cannot write.
      throw new InvalidInputError(
        `Invalid failover input: targetSuffix: the failover target of source "${source.name}", ${describeTarget(target)}, exists in ${err.bucketRegion ?? 'another region'}, not in ${err.runbookRegion} where the failover restores; ` +
          `choose another "targetSuffix"`,
        { cause: err },
      );
    }
    if (!(err instanceof RestoreTargetNotEmptyError)) throw err;
    throw new InvalidInputError(
      `Invalid failover input: overwrite: the failover target of source "${source.name}", ${describeTarget(target)}, already holds data (an earlier failover or restore?); ` +
        `set "overwrite": true to restore over it, or choose another "targetSuffix"`,
      { cause: err },
    );
  }
}
