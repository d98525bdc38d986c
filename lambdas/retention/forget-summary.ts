import { type ForgetReport } from './forget-backups';

/** At most this many backup ids per plan in a summary: a state's output is capped at 256 KiB. */
export const SUMMARY_IDS = 50;

export type ForgetSummary = {
  vault: ForgetReport['vault'];
  dryRun: boolean;
  plans: { plan: string; kept: number; forgottenCount: number; forgotten: string[]; heldMeanwhile: string[]; pinnedMeanwhile: { backupId: string; by: string; until: string }[]; deletedObjects: number; releasedClaims: string[]; notCounted: string[]; leftInPlace: string[]; locked: { backupId: string; reason: string }[] }[];
};

/** The forget report as a workflow step returns it: counts per plan and the first forgotten ids, not the whole decision table. */
export function summarizeForget(report: ForgetReport): ForgetSummary {
  return {
    vault: report.vault,
    dryRun: report.dryRun,
    plans: report.plans.map((p) => ({
      plan: p.plan,
      // Committed backups only: a FAILED or RUNNING run is no snapshot, neither kept nor forgotten.
      kept: p.decisions.filter((d) => d.keep && d.status === 'COMMITTED').length,
      forgottenCount: p.forgotten.length,
      forgotten: p.forgotten.slice(0, SUMMARY_IDS),
      heldMeanwhile: p.heldMeanwhile.slice(0, SUMMARY_IDS),
      // Kept for running restores that pinned them after the decision (docs/RUNBOOKS.md, "Running restores").
      pinnedMeanwhile: p.pinnedMeanwhile.slice(0, SUMMARY_IDS),
      deletedObjects: p.deletedObjects,
      // Claims of runs that died before deleting, withdrawn: those backups can be restored again.
      releasedClaims: p.releasedClaims.slice(0, SUMMARY_IDS),
      // Records the run did not trust (forget-backups.ts): listed, so that an operator looks at them.
      notCounted: p.notCounted.slice(0, SUMMARY_IDS).map((n) => n.backupId),
      leftInPlace: [...new Set(p.leftInPlace.map((l) => l.backupId))].slice(0, SUMMARY_IDS),
      // Kept by Object Lock (immutability) although the policy forgot them: a later run forgets them, nothing failed.
      locked: p.locked.slice(0, SUMMARY_IDS).map((l) => ({ backupId: l.backupId, reason: l.reason })),
    })),
  };
}
