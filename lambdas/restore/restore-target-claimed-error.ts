import { type TargetClaim } from '../catalog/backup-catalog';

/**
 * Another restore (or failover, or drill) holds the target's claim (target-claim.ts): it started writing, or is about
 * to, and a second restore into the same target would leave it a mix of two backups. Not retried: the other restore
 * may run for hours; the operator waits for it or chooses another target.
 */
export class RestoreTargetClaimedError extends Error {
  override readonly name = 'RestoreTargetClaimedError';
  /**
   * `refused`: the restore refused and the claim's catalog key (TARGET#<key>), to tell it apart from the holder;
   * `targetKey`: given when the claim is of its restore id (target-claim.ts, restoreIdClaimKey), its target's key.
   */
  constructor(
    readonly target: string,
    readonly holder: TargetClaim,
    readonly refused?: { restoreId: string; execution?: string | undefined; key: string; targetKey?: string | undefined },
  ) {
    super(
      refused?.targetKey !== undefined
        ? restoreIdMessage(holder, { ...refused, targetKey: refused.targetKey })
        : refused?.restoreId === holder.restoreId
          ? sameRestoreIdMessage(target, holder, refused)
          : otherRestoreMessage(target, holder),
    );
  }
}

/** The restore id is another execution's (review rV F2): its pin and plan are keyed by the id, which this one would share. */
function restoreIdMessage(holder: TargetClaim, refused: { execution?: string | undefined; key: string; targetKey: string }): string {
  const by = holder.execution !== undefined ? `another execution ${holder.execution}` : 'an execution that recorded none (one started before claims named their execution)';
  return (
    `Invalid restore request: restore id ${holder.restoreId} is claimed by ${by}, not this one (${refused.execution ?? 'an execution of a definition that passes none'}), since ${holder.at}, restoring ${holder.target}: ` +
    `a restore's pin and plan are its restore id's, so one execution may use it at a time; a drill or failover stopped and redriven keeps its restores' ids, or an execution was started by hand with a running restore's id. ` +
    `If that execution is still running, wait for it to end; if it is no longer running (stopped, failed, timed out), its claims lapse at ${holder.until}, ` +
    `or free them now by deleting the catalog item pk "TARGET#${refused.key}", sk "TARGET", and that of its target if it is this restore's, pk "TARGET#${refused.targetKey}" (docs/RUNBOOKS.md, "Freeing a stuck claim"), and start again`
  );
}

function otherRestoreMessage(target: string, holder: TargetClaim): string {
  return (
    `Invalid restore request: target: ${target} is being restored by restore ${holder.restoreId} (a restore runbook execution's name, or that name made safe when it has characters other than letters, digits, - and _: docs/RUNBOOKS.md; a failover's restores are named <its execution>-<source>, a drill's <its drill id>-<source>), ` +
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
