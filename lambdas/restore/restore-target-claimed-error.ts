import { type TargetClaim } from '../catalog/backup-catalog';

/**
 * Another restore (or failover, or drill) holds the target's claim (target-claim.ts): it started writing, or is about
 * to, and a second restore into the same target would leave it a mix of two backups. Not retried: the other restore
 * may run for hours; the operator waits for it or chooses another target.
 */
export class RestoreTargetClaimedError extends Error {
  override readonly name = 'RestoreTargetClaimedError';
  constructor(
    readonly target: string,
    readonly holder: TargetClaim,
  ) {
    super(
      `Invalid restore request: target: ${target} is being restored by restore ${holder.restoreId} (a restore runbook execution's name, or that name made safe when it has characters other than letters, digits, - and _: docs/RUNBOOKS.md; a failover's or drill's restores are named <its execution>-<source>), ` +
        `which claimed it at ${holder.at}; two restores into one target would leave it a mix of both backups. ` +
        `Wait for that restore to end (its claim is released when it is verified or abandoned, and lapses at ${holder.until} at the latest) and start again, ` +
        `or choose another target (a failover: another "targetSuffix")`,
    );
  }
}
