import { type ForgetReport } from './forget-backups';

/** At most this many backup ids per plan in a summary: a state's output is capped at 256 KiB. */
export const SUMMARY_IDS = 50;

export type ForgetSummary = {
  vault: ForgetReport['vault'];
  dryRun: boolean;
  plans: { plan: string; kept: number; forgottenCount: number; forgotten: string[]; heldMeanwhile: string[]; deletedObjects: number }[];
};

/** The forget report as a workflow step returns it: counts per plan and the first forgotten ids, not the whole decision table. */
export function summarizeForget(report: ForgetReport): ForgetSummary {
  return {
    vault: report.vault,
    dryRun: report.dryRun,
    plans: report.plans.map((p) => ({
      plan: p.plan,
      kept: p.decisions.filter((d) => d.keep).length,
      forgottenCount: p.forgotten.length,
      forgotten: p.forgotten.slice(0, SUMMARY_IDS),
      heldMeanwhile: p.heldMeanwhile.slice(0, SUMMARY_IDS),
      deletedObjects: p.deletedObjects,
    })),
  };
}
