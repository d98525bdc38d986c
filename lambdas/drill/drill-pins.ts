import { type ReleaseRestorePin } from '../restore/restore-pin';
import { type DrillStart } from './drill-start';

/**
 * A drill's restores keep their pins until the drill's cleanup step (review 41b F4). Each source's
 * restore pins the drill's backup at its resolve step as any restore does, under its own restore id
 * (`<drillId>-<source>`), but its verify step leaves the pin in place (the drill's restore functions,
 * LIFEBOAT_SCRATCH_TARGETS, lambdas/handlers/verify-restore.ts): the drill's Compare step loads the
 * backup's snapshot after every source is verified, and a forget in between would take it. The
 * cleanup step then removes the pin of every source of the drill, restored, failed or never started
 * (a pin already gone is no error). A drill that dies before its cleanup leaves its pins until their
 * `until`, the restore timeout, as any restore that dies does. The same for each restore's claim on its
 * scratch target (lambdas/restore/target-claim.ts), taken by its resolve step and released here with the pin.
 */
export async function releaseDrillPins(drill: Pick<DrillStart, 'vault' | 'backup' | 'restores'> | undefined, release: ReleaseRestorePin): Promise<void> {
  // A drill whose start failed picked no backup and pinned nothing.
  if (!drill) return;
  // One after the other: a drill has a few sources, each one small conditional write.
  // With its target: the restore's claim on its scratch target goes with its pin (target-claim.ts).
  for (const { restoreId, request } of drill.restores) await release({ restoreId, backupId: drill.backup.backupId, vault: drill.vault, target: request.target });
}
