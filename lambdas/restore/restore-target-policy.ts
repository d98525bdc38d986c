import * as path from 'node:path';
import { isAtOrUnder, type SourceConfig } from '../../config/lifeboat-config';
import { type RestoreTarget } from './restore-request';
import { RestoreTargetNotAllowedError } from './restore-errors';

/**
 * Which targets the restore workflow may write (docs/RUNBOOKS.md, "Where a restore may write"):
 *
 * - a NEW S3 bucket or DynamoDB table whose name starts with the restore-target prefix
 *   (`<prefix>-restore-`, LIFEBOAT_RESTORE_TARGET_PREFIX): IAM grants
 *   the restore functions write access to exactly that name pattern, nothing else; never another
 *   source's bucket or table, even one so named (such names are allowed: a failover's targets may
 *   become sources, docs/RUNBOOKS.md "Reserved names"): that restore needs no approval, and would mix
 *   this source's data into the other live one and its backups;
 * - the ORIGINAL bucket or table of the source being restored, only with `overwrite: true` and only in the
 *   primary region: IAM grants write access to each protected source for that purpose, in its bucket to the
 *   keys under its prefix (checkSourceItselfAsTarget);
 * - a directory of the mounted file system that is neither the mount root, nor at, inside or above
 *   another source's directory (nor inside or above its own source's: that one only with
 *   `overwrite: true`, as its original); no IAM is involved, so these rules are the only guard.
 *   The path has no `.` or `..` (restore-request.ts), is walked without following links
 *   (target-directory.ts), and no entry path can escape it (vault/restorer/safe-target-path.ts).
 *
 * The same rule is checked here, at input validation, so a target IAM would refuse is rejected
 * up front with a message naming the field, before anything is written.
 */
/** The prefix of functions deployed before LIFEBOAT_RESTORE_TARGET_PREFIX existed (their prefix was `lifeboat-<env>`). */
export function defaultRestoreTargetPrefix(environment: string): string {
  return `lifeboat-${environment}-restore-`;
}

/**
 * `mountPath`: where the environment's EFS file system is mounted into the restore functions (in
 * AWS, LIFEBOAT_MOUNT_PATH); outside it a Lambda's file system is read-only, so a directory target
 * elsewhere is refused up front. Absent locally (any directory under the local file-system root).
 * `sources`: every source of the environment; a directory target may not be at or inside another
 * source's directory, inside its own source's, above any source's, or the mount root itself.
 */
export function checkTargetAllowed(prefix: string, source: SourceConfig, target: RestoreTarget, mountPath?: string, sources: readonly SourceConfig[] = [source]): void {
  if (target.type === 'filesystem') checkDirectoryTarget(source, target.path, mountPath, sources);
  checkSourceItselfAsTarget(source, target, sources);
  checkNotAnotherSource(source, target, sources);
  if (target.type === 's3' && source.type === 's3' && target.bucket !== source.bucket && !target.bucket.startsWith(prefix)) {
    throw new RestoreTargetNotAllowedError(
      `Invalid restore request: target.bucket: the restore workflow may write only to buckets named ${prefix}* (or to the source's own bucket ${source.bucket} with "overwrite": true); "${target.bucket}" is neither`,
    );
  }
  if (target.type === 'dynamodb' && source.type === 'dynamodb' && target.table !== source.table && !target.table.startsWith(prefix)) {
    throw new RestoreTargetNotAllowedError(
      `Invalid restore request: target.table: the restore workflow may write only to tables named ${prefix}* (or to the source's own table ${source.table} with "overwrite": true); "${target.table}" is neither`,
    );
  }
}

/**
 * A target in the source's own bucket or table, which IAM grants only as the source itself (audit R41 F1): in its
 * bucket, objects under its prefix (source-access.ts, `<bucket>/<prefix>*`), and in the DR region's runbook nothing
 * of any source (restore-workflow.ts, `sourcesWritable`). Checked by parseRestoreRequest, so that the approval step
 * of an overwrite restore refuses it too, before anyone is asked to approve a restore IAM would stop half way.
 * `homeVault`: the runbook's region ('dr': no source is writable there).
 */
export function checkSourceItselfAsTarget(source: SourceConfig, target: RestoreTarget, sources: readonly SourceConfig[], homeVault: 'primary' | 'dr' = 'primary'): void {
  const original =
    target.type === 's3' && source.type === 's3' && target.bucket === source.bucket
      ? { field: 'target.bucket', what: `bucket ${source.bucket}` }
      : target.type === 'dynamodb' && source.type === 'dynamodb' && target.table === source.table
        ? { field: 'target.table', what: `table ${source.table}` }
        : undefined;
  if (original === undefined) return;
  if (homeVault === 'dr') {
    throw new RestoreTargetNotAllowedError(
      `Invalid restore request: ${original.field}: this is the DR region's restore runbook, which may write only new buckets and tables (named by the restore-target prefix) and never a source; to restore onto the source's own ${original.what}, start the primary region's restore runbook (lifeboat restore without --from dr, or with --from dr --region primary to read the DR vault), or choose a new target here`,
    );
  }
  if (target.type !== 's3' || source.type !== 's3' || target.prefix === '') return;
  // Every restored key is target.prefix followed by the object's key (which starts with the source's prefix).
  if (!target.prefix.startsWith(source.prefix)) {
    throw new RestoreTargetNotAllowedError(
      `Invalid restore request: target.prefix: in the source's own bucket ${source.bucket} the restore workflow may write only under the source's prefix "${source.prefix}" (what IAM grants it); "${target.prefix}" is outside it. Give "prefix": "" to restore onto the original, a prefix starting with "${source.prefix}", or a new bucket for a copy beside it`,
    );
  }
  const restoredUnder = target.prefix + source.prefix;
  const other = sources.find((s) => s.type === 's3' && s.name !== source.name && s.bucket === source.bucket && (restoredUnder.startsWith(s.prefix) || s.prefix.startsWith(restoredUnder)));
  if (other?.type === 's3') {
    throw new RestoreTargetNotAllowedError(
      `Invalid restore request: target.prefix: the keys restored under "${target.prefix}" would land in the prefix "${other.prefix}" of source "${other.name}" in the same bucket, live data that is itself backed up; choose a prefix outside it, or a new bucket`,
    );
  }
}

/**
 * A bucket or table target that is another source's (the same bucket may hold several S3 sources under their prefixes:
 * the source's own bucket is its original, which parseRestoreRequest sends through `overwrite` and its approval).
 */
function checkNotAnotherSource(source: SourceConfig, target: RestoreTarget, sources: readonly SourceConfig[]): void {
  if (target.type === 's3' && (source.type !== 's3' || target.bucket !== source.bucket)) {
    const other = sources.find((s) => s.type === 's3' && (s.bucket === target.bucket || s.inventory?.bucket === target.bucket));
    if (other?.type === 's3') {
      throw new RestoreTargetNotAllowedError(
        `Invalid restore request: target.bucket: "${target.bucket}" is the ${other.bucket === target.bucket ? 'bucket' : 'inventory bucket'} of source "${other.name}", live data that is itself backed up; a restore may reach a source only as its own original, with "overwrite": true. Choose a new bucket`,
      );
    }
  }
  if (target.type === 'dynamodb' && (source.type !== 'dynamodb' || target.table !== source.table)) {
    const other = sources.find((s) => s.type === 'dynamodb' && s.table === target.table);
    if (other) {
      throw new RestoreTargetNotAllowedError(
        `Invalid restore request: target.table: "${target.table}" is the table of source "${other.name}", live data that is itself backed up; a restore may reach a source only as its own original, with "overwrite": true. Choose a new table`,
      );
    }
  }
}

/**
 * The mount root is the directory equal to the mount path (in AWS) or to `/` (locally: the local
 * cloud's fs root); a directory directly in it, such as a drill's `/<prefix>-drill-…` or a failover's
 * `<source path>-failover`, is not the mount root and not inside a source.
 */
function checkDirectoryTarget(source: SourceConfig, targetPath: string, mountPath: string | undefined, sources: readonly SourceConfig[]): void {
  if (mountPath !== undefined && !isAtOrUnder(targetPath, mountPath)) {
    throw new RestoreTargetNotAllowedError(
      `Invalid restore request: target.path: directory targets must be inside the mounted file system ${mountPath} (the rest of a Lambda's file system is read-only); "${targetPath}" is not`,
    );
  }
  const mountRoot = mountPath ?? '/';
  if (isAtOrUnder(mountRoot, targetPath)) {
    throw new RestoreTargetNotAllowedError(
      `Invalid restore request: target.path: "${targetPath}" is the root of the file system (${mountRoot}), which holds every source; restore into a directory of its own, such as ${path.posix.join(mountRoot, `restored-${source.name}`)}`,
    );
  }
  for (const other of sources) {
    if (other.type !== 'filesystem') continue;
    const own = other.name === source.name;
    if (own && trimSlash(other.path) === trimSlash(targetPath)) continue; // the original: parseRestoreRequest asks for overwrite
    if (isAtOrUnder(targetPath, other.path)) {
      throw new RestoreTargetNotAllowedError(
        `Invalid restore request: target.path: "${targetPath}" is ${trimSlash(targetPath) === trimSlash(other.path) ? 'the directory' : 'inside the directory'} of ${own ? 'the source being restored' : 'source'} "${other.name}" (${other.path}); a restore there would mix into live data that is itself backed up, so choose a directory outside every source, such as ${trimSlash(other.path)}-restored`,
      );
    }
    if (isAtOrUnder(other.path, targetPath)) {
      throw new RestoreTargetNotAllowedError(
        `Invalid restore request: target.path: "${targetPath}" holds the directory of source "${other.name}" (${other.path}); a restore there could write into it, so choose a directory outside every source`,
      );
    }
  }
}

function trimSlash(p: string): string {
  return p.replace(/\/+$/, '') || '/';
}
