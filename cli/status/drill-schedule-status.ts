import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type DrillVault } from './drill-status';
import { type PlanStatus } from './plan-status';
import { type ScheduleAge, scheduleAge } from './schedule-age';

/** The plan's drill schedule against its newest drill of the vault it drills (schedule-age.ts: the drill-age alarm's rule). */
export type DrillScheduleStatus = ScheduleAge & { vault: DrillVault; drillId: string };

/**
 * The row with its drill schedule judged: a plan whose drill schedule drills a vault whose newest drill of the plan started
 * more than twice the schedule's longest gap ago is not within its objectives (the schedule stopped firing, or its drills
 * stopped being recorded), as its drill-age alarm is in ALARM (audit a58C F1). A plan without a drill schedule, or never
 * drilled in that vault, is left as it is: no drill is not a failed drill (drill-status.ts; in AWS the drill-age alarm asks
 * for the first one: docs/RUNBOOKS.md, "Alarms").
 */
export function withDrillSchedule(row: PlanStatus, plan: Pick<ProtectionPlanConfig, 'name' | 'drill'>, schedulePrefix: string, now: Date): PlanStatus {
  if (!plan.drill) return row;
  const vault = plan.drill.vault;
  const last = row.lastDrills[vault];
  if (!last) return row;
  const age = scheduleAge({ name: `${schedulePrefix}${plan.name}`, expression: plan.drill.schedule }, last.startedAt, now);
  if (!age) return row;
  return { ...row, withinObjectives: row.withinObjectives && !age.stale, drillSchedule: { ...age, vault, drillId: last.drillId } };
}
