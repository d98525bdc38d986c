import { type SourceConfig } from '../../config/lifeboat-config';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { parseRestoreRequest } from './restore-request';
import { type ReleaseRestorePin } from './restore-pin';
import { releaseRestoreTarget, targetClaimKey } from './target-claim';

/**
 * The failure path of a restore that never stored its plan (review 42c F2): the resolve step failed for good after
 * its retries ran out (a passing fault that outlasted them), timed out or crashed, so its own release never ran, or
 * a later step failed before the plan was stored. Nothing else ends its claim on the target and its pin: the claim
 * would refuse every other restore of the target until its `until` (24 h, 72 h with an archive tier), the finishing
 * run of a partial failover included. The execution is ending, so no invocation of it can still need them: both are
 * removed whatever their nonce (releaseRestorePin). Only this restore's: a claim another restore holds is not matched.
 *
 * A restore-source child (`execution` given: a drill's or failover's) gets its restore id from its input, so an execution
 * started by hand may name a running child's id and target (review r15-F1: a failover child refused for want of a grant
 * still runs this step). It then releases only a claim its own execution took (TargetClaim.execution), and the pin only
 * with it: a refused execution, which never claimed, ends nothing of the running child's. The price: a child whose
 * resolve died between its pin and its claim leaves the pin to its `until` (the claim that would name it is not there).
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
 * `execution`: a restore-source child's own ARN ($$.Execution.Id), which its resolve recorded in its claim.
 */
export async function releaseUnplannedRestore(input: { restoreId: string; request: unknown; execution?: string | undefined }, deps: ReleaseUnplannedRestoreDeps): Promise<ReleasedUnplannedRestore> {
  let request: ReturnType<typeof parseRestoreRequest>;
  try {
    request = parseRestoreRequest(input.request, deps.sources, deps.homeVault);
  } catch {
    return { restoreId: input.restoreId, claimReleased: false };
  }
  const claim = await deps.catalog.targetClaim(targetClaimKey(request.target));
  // A claim naming another execution is not this child's (one started by hand with a running child's restore id,
  // review r15-F1); one naming none was taken before claims recorded their execution (2026-12-06), or by a restore
  // runbook's resolve, which passes none: its restore id alone says whose it is, as before (review r18-F2).
  const own = claim?.restoreId === input.restoreId && (input.execution === undefined || claim.execution === undefined || claim.execution === input.execution);
  if (input.execution !== undefined && !own) return { restoreId: input.restoreId, claimReleased: false };
  const backupId = request.backupId ?? (own ? claim.backupId : undefined);
  if (backupId !== undefined) await deps.releasePin({ restoreId: input.restoreId, backupId, vault: request.vault, target: request.target });
  // A pointInTime whose backup no claim of this restore records: the resolve failed before it claimed, so a pin it may
  // have left is not found here and counts until its `until` (retention keeps that backup a day longer, no more).
  else if (own) await releaseRestoreTarget(deps.catalog, request.target, input.restoreId);
  return { restoreId: input.restoreId, claimReleased: own };
}
