import { isAtOrUnder, type SourceConfig } from '../../config/lifeboat-config';
import { type RestoreTarget } from './restore-request';
import { RestoreTargetNotAllowedError } from './restore-errors';

/**
 * Which targets the restore workflow may write (docs/RUNBOOKS.md, "Where a restore may write"):
 *
 * - a NEW S3 bucket or DynamoDB table whose name starts with the restore-target prefix
 *   (`<prefix>-restore-`, LIFEBOAT_RESTORE_TARGET_PREFIX): IAM grants
 *   the restore functions write access to exactly that name pattern, nothing else;
 * - the ORIGINAL bucket or table of the source being restored, only with `overwrite: true`: IAM
 *   grants write access to each protected source for that purpose;
 * - any directory of the mounted file system (a directory target is a path inside the restore
 *   function's mount; no IAM is involved, and no path can escape the target).
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
 */
export function checkTargetAllowed(prefix: string, source: SourceConfig, target: RestoreTarget, mountPath?: string): void {
  if (target.type === 'filesystem' && mountPath !== undefined && !isAtOrUnder(target.path, mountPath)) {
    throw new RestoreTargetNotAllowedError(
      `Invalid restore request: target.path: directory targets must be inside the mounted file system ${mountPath} (the rest of a Lambda's file system is read-only); "${target.path}" is not`,
    );
  }
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
