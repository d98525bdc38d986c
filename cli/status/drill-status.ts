import { type DrillRecord, type DrillVerdict, judgedRpoSeconds } from '../../lambdas/catalog/drill-record';
import { secondsBetween } from '../../lambdas/operations/seconds-between';
import { recordInstant } from '../../lambdas/catalog/record-instant';

/**
 * The drills `lifeboat status` judges: the newest drill of each vault. A drill of the DR vault proves
 * the DR region can restore on its own, one of the primary vault proves the primary can; neither
 * stands in for the other, so a later PASSED primary drill does not hide a FAILED DR drill. A vault
 * never drilled is not judged (no drill is not a failed drill). Pure: status and report both use it.
 */

export type DrillVault = DrillRecord['vault'];

/** Primary first: the order every screen lists the vaults in. */
export const DRILL_VAULTS: readonly DrillVault[] = ['primary', 'dr'];

export type DrillObjectiveStatus = { seconds: number; objectiveSeconds: number; met: boolean };

export type LastDrillStatus = {
  drillId: string;
  vault: DrillVault;
  region: string;
  startedAt: string;
  /** Absent when the drill's startedAt is no time (recordInstant: NaN): its age is unknown, never NaN (review r65E F7). */
  ageSeconds?: number;
  verdict: DrillVerdict;
  /** As the drill recorded them; absent when the drill ended before measuring. The RPO figure is the one the drill judged (judgedRpoSeconds: the newest backup's age or the window's largest gap). */
  rto?: DrillObjectiveStatus;
  rpo?: DrillObjectiveStatus;
  /** The first error of a FAILED drill. */
  error?: string;
};

/** The newest drill of each vault; a vault without any drill has no key. */
export type LastDrills = Partial<Record<DrillVault, LastDrillStatus>>;

/** Drill ids start with their start time (yyyymmddThhmmssZ), so the greatest id is the newest drill. */
const newestOf = (drills: readonly DrillRecord[]) => [...drills].sort((a, b) => b.drillId.localeCompare(a.drillId))[0];

export function lastDrillStatus(drill: DrillRecord, now: Date): LastDrillStatus {
  const firstError = drill.errors[0];
  return {
    drillId: drill.drillId,
    vault: drill.vault,
    region: drill.region,
    startedAt: drill.startedAt,
    ...(Number.isNaN(recordInstant(drill.startedAt)) ? {} : { ageSeconds: secondsBetween(drill.startedAt, now) }),
    verdict: drill.verdict,
    ...(drill.rto ? { rto: { seconds: drill.rto.seconds, objectiveSeconds: drill.rto.objectiveSeconds, met: drill.rto.met } } : {}),
    ...(drill.rpo
      ? { rpo: { seconds: judgedRpoSeconds(drill.rpo), objectiveSeconds: drill.rpo.objectiveSeconds, met: drill.rpo.met } }
      : {}),
    ...(firstError ? { error: `${firstError.error}: ${firstError.message}` } : {}),
  };
}

/** The newest drill of either vault: what `lastDrill` has always shown (kept for readers of `--json`). */
export function newestDrillStatus(drills: readonly DrillRecord[], now: Date): LastDrillStatus | undefined {
  const newest = newestOf(drills);
  return newest ? lastDrillStatus(newest, now) : undefined;
}

export function lastDrillsByVault(drills: readonly DrillRecord[], now: Date): LastDrills {
  const last: LastDrills = {};
  for (const vault of DRILL_VAULTS) {
    const newest = newestOf(drills.filter((d) => d.vault === vault));
    if (newest) last[vault] = lastDrillStatus(newest, now);
  }
  return last;
}

/** The newest drills, primary first, that did not PASS: each keeps its plan from its objectives. */
export function failingDrills(last: LastDrills): LastDrillStatus[] {
  return DRILL_VAULTS.flatMap((vault) => {
    const d = last[vault];
    return d && d.verdict !== 'PASSED' ? [d] : [];
  });
}
