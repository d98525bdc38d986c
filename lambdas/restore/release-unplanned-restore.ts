import { type SourceConfig } from '../../config/lifeboat-config';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { parseRestoreRequest } from './restore-request';
import { type ReleaseRestorePin } from './restore-pin';
import { type ClaimCaller, claimIsCallers, releaseRestoreTarget, restoreIdClaimKey, targetClaimKey } from './target-claim';

/**
 * The failure path of a restore that never stored its plan (review 42c F2): the resolve step failed for good after
 * its retries ran out (a passing fault that outlasted them), timed out or crashed, so its own release never ran, or
 * a later step failed before the plan was stored. Nothing else ends its claim on the target and its pin: the claim
 * would refuse every other restore of the target until its `until` (24 h, 72 h with an archive tier), the finishing
 * run of a partial failover included. The execution is ending, so no invocation of it can still need them: both are
 * removed whatever their nonce (releaseRestorePin). Only this restore's: a claim another restore holds is not matched.
 *
 * A restore id is an execution's name or input, which whoever starts one chooses: a restore-source child started by
 * hand may name a running child's or runbook's id and target (review r15-F1: a failover child refused for want of a
 * grant still runs this step; rR F1: a drill child refused by its scratch-target check), and a runbook execution may be
 * named as a child's id (rR F2). So this step releases only a claim its own execution took (claimIsCallers: the
 * claim's execution, or for one naming none, an execution of a definition from before the upgrade), and the pin only with it: a
 * refused execution, which never claimed, ends nothing of the running restore's. The price: an execution whose
 * resolve died between its pin and its first claim, its restore id's, leaves the pin to its `until` (the claim that
 * would name it is not there). The claim of its restore id (target-claim.ts) goes with its target's; one whose resolve
 * died between the two, its own by the same rule, is released with the pin of the backup it records (or the request
 * names), and the target's claim, another restore's or none, is left.
 */
export type ReleaseUnplannedRestoreDeps = {
  sources: readonly SourceConfig[];
  homeVault: 'primary' | 'dr';
  /** Reads the claim for the backup it records (a request may give only a pointInTime); releases it when that is unknown. */
  catalog: Pick<BackupCatalog, 'targetClaim' | 'releaseTarget'>;
  releasePin: ReleaseRestorePin;
};

/** `claimReleased`: the target's claim was this restore's when the step read it (released since, best effort). */
export type ReleasedUnplannedRestore = { restoreId: string; claimReleased: boolean };

/**
 * `request`: the restore's request as the resolve step received it; one it refused as invalid claimed and pinned nothing.
 * `execution`, `startedAt`: the execution's own ARN ($$.Execution.Id), which its resolve recorded in its claim, and its
 * $$.Execution.StartTime. Neither: an execution of a definition that passed none (started before the upgrade).
 */
export async function releaseUnplannedRestore(input: ClaimCaller & { request: unknown }, deps: ReleaseUnplannedRestoreDeps): Promise<ReleasedUnplannedRestore> {
  let request: ReturnType<typeof parseRestoreRequest>;
  try {
    request = parseRestoreRequest(input.request, deps.sources, deps.homeVault);
  } catch {
    return { restoreId: input.restoreId, claimReleased: false };
  }
  const claim = await deps.catalog.targetClaim(targetClaimKey(request.target));
  const own = claimIsCallers(claim, input);
  if (!own) {
    const idKey = restoreIdClaimKey(input.restoreId);
    const idClaim = await deps.catalog.targetClaim(idKey);
    if (claimIsCallers(idClaim, input)) {
      // Its resolve died between the claim of its restore id and its target's (review rBB F2): its pin, taken before
      // both, is under that id, which no other execution could take meanwhile, so the pin is this execution's too.
      // Not the target's claim: it is another restore's, or none. Unpinned first, the id still held.
      const backupId = request.backupId ?? idClaim?.backupId;
      if (backupId !== undefined) await deps.releasePin({ restoreId: input.restoreId, backupId, vault: request.vault });
      await deps.catalog.releaseTarget(idKey, input.restoreId);
      return { restoreId: input.restoreId, claimReleased: false };
    }
  }
  // Not this execution's claim: another execution's of this restore id (whose pin is under the same id), or, for an
  // execution that names itself, none it took (it may have been refused): nothing is ended here.
  if (!own && (input.execution !== undefined || claim?.restoreId === input.restoreId)) return { restoreId: input.restoreId, claimReleased: false };
  const backupId = request.backupId ?? (own ? claim?.backupId : undefined);
  if (backupId !== undefined) await deps.releasePin({ restoreId: input.restoreId, backupId, vault: request.vault, target: request.target });
  // A pointInTime whose backup no claim of this restore records: the resolve failed before it claimed, so a pin it may
  // have left is not found here and counts until its `until` (retention keeps that backup a day longer, no more).
  else if (own) await releaseRestoreTarget(deps.catalog, request.target, input.restoreId);
  return { restoreId: input.restoreId, claimReleased: own };
}
