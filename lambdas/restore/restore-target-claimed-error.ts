import { type TargetClaim } from '../catalog/backup-catalog';

/**
 * Another restore (or failover, or drill) holds the target's claim (target-claim.ts): it started writing, or is about
 * to, and a second restore into the same target would leave it a mix of two backups. Not retried: the other restore
 * may run for hours; the operator waits for it or chooses another target.
 */
export class RestoreTargetClaimedError extends Error {
  override readonly name = 'RestoreTargetClaimedError';
  /** `refused`: the restore refused and the claim's catalog key (TARGET#<key>), to tell it apart from the holder. */
  constructor(
    readonly target: string,
    readonly holder: TargetClaim,
    readonly refused?: { restoreId: string; execution?: string | undefined; key: string },
  ) {
    super(refused?.restoreId === holder.restoreId ? sameRestoreIdMessage(target, holder, refused) : otherRestoreMessage(target, holder));
  }
}

function otherRestoreMessage(target: string, holder: TargetClaim): string {
  return (
    `Invalid restore request: target: ${target} is being restored by restore ${holder.restoreId} (a restore runbook execution's name, or that name made safe when it has characters other than letters, digits, - and _: docs/RUNBOOKS.md; a failover's or drill's restores are named <its execution>-<source>), ` +
    `which claimed it at ${holder.at}; two restores into one target would leave it a mix of both backups. ` +
    `Wait for that restore to end (its claim is released when it is verified or abandoned, and lapses at ${holder.until} at the latest) and start again, ` +
    `or choose another target (a failover: another "targetSuffix")`
  );
}

/**
 * The holder has this restore's own id under another execution (review rR F3): a redriven drill or failover keeps its
 * children's restore ids, so a child stopped mid-restore left a claim its new child may not take (only the execution
 * that took a claim does: BackupCatalog.claimTarget), or someone started an execution by hand with a running one's id.
 * Naming only the restore id, as for another restore, would name the refused restore as the holder.
 */
function sameRestoreIdMessage(target: string, holder: TargetClaim, refused: { execution?: string | undefined; key: string }): string {
  const by = holder.execution !== undefined ? `another execution ${holder.execution}` : 'an execution that recorded none (one started before claims named their execution)';
  return (
    `Invalid restore request: target: ${target} is claimed by this same restore id, ${holder.restoreId}, under ${by}, not this one (${refused.execution ?? 'an execution of a definition that passes none'}), ` +
    `since ${holder.at}: a drill or failover stopped and redriven keeps its restores' ids, or an execution was started by hand with a running restore's id. ` +
    `If that execution is still running, wait for it to end; if it is no longer running (stopped, failed, timed out), its claim lapses at ${holder.until}, ` +
    `or free it now by deleting the catalog item pk "TARGET#${refused.key}", sk "TARGET" (docs/RUNBOOKS.md, "Freeing a stuck claim") and start again`
  );
}
