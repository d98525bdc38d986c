import { z } from 'zod';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type RestoreReport } from '../restore/verify-restore';
import { type FailoverStart } from './failover-start';

/** The parts of a source's RestoreReport (lambdas/restore/verify-restore.ts) the failover report reads. */
export const restoredSourceSchema = z.object({
  restoreId: z.string().min(1),
  source: z.string().min(1),
  target: z.object({ type: z.enum(['s3', 'dynamodb', 'filesystem']) }),
  targetDescription: z.string(),
  entries: z.number().int().nonnegative(),
  items: z.number().int().nonnegative().optional(),
  bytes: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});
export type RestoredSource = Pick<RestoreReport, 'restoreId' | 'source' | 'targetDescription' | 'entries' | 'items' | 'bytes' | 'durationMs'> & { target: { type: RestoreReport['target']['type'] } };

/**
 * One source of the failover: where it now is, what was restored, and how long its restore took; `from`
 * says whether that is its mirror (nothing restored) or a restore from the DR vault, and `reason` why.
 */
export type FailoverSourceReport = {
  source: string;
  type: 's3' | 'dynamodb' | 'filesystem';
  target: string;
  entries: number;
  /** A DynamoDB source's items (its `entries` are the pages that hold them). */
  items?: number;
  bytes: number;
  rtoSeconds: number;
  from?: 'mirror' | 'vault';
  reason?: string;
};

/** The failover runbook's result. */
export type FailoverReport = {
  failoverId: string;
  plan: string;
  backup: FailoverStart['backup'];
  startedAt: string;
  finishedAt: string;
  sources: FailoverSourceReport[];
  /** From the failover's start to its report: how long the plan's data was unavailable, at least. */
  rtoSeconds: number;
  /** The age of the data at the failover's start, the oldest source's (backup age, or a mirror's data age): what was lost, at most. */
  rpoSeconds: number;
  objectives: { rtoMinutes: number; rpoMinutes: number; rtoMet: boolean; rpoMet: boolean };
};

/** A restore result the report cannot place, or a source without one: the Map and the start disagree. */
export class FailoverReportMismatchError extends Error {
  override readonly name = 'FailoverReportMismatchError';
}

/** The plan's objectives are read from the function's configuration: the plan may have been removed since the start. */
export class FailoverPlanUnknownError extends Error {
  override readonly name = 'FailoverPlanUnknownError';
}

// Rounded up: a report never shows a recovery faster, or data fresher, than it was.
const seconds = (fromIso: string, toIso: string): number => Math.max(0, Math.ceil((Date.parse(toIso) - Date.parse(fromIso)) / 1000));

/**
 * The failover's last state: per source its target and figures, the RTO of the whole failover
 * (start → `finishedAt`), the RPO of the data restored (the backup's age at the start), and both
 * against the plan's objectives. Pure: everything comes from the state's input and the plans.
 */
export function failoverReport(
  input: { failover: FailoverStart; restored: readonly RestoredSource[]; finishedAt: string },
  plans: readonly ProtectionPlanConfig[],
): FailoverReport {
  const { failover, restored } = input;
  const plan = plans.find((p) => p.name === failover.plan);
  if (!plan) throw new FailoverPlanUnknownError(`Plan "${failover.plan}" of failover ${failover.failoverId} is not in this function's configuration; its objectives are unknown`);
  const byId = new Map(restored.map((r) => [r.restoreId, r]));
  const unknown = restored.filter((r) => !failover.restores.some((s) => s.restoreId === r.restoreId)).map((r) => r.restoreId);
  if (unknown.length > 0) throw new FailoverReportMismatchError(`Restore results ${unknown.join(', ')} belong to no source of failover ${failover.failoverId}`);
  const choices = failover.choices ?? [];
  const choiceOf = (source: string) => choices.find((c) => c.source === source);
  const restoredSources = failover.restores.map(({ restoreId, request }): FailoverSourceReport => {
    const report = byId.get(restoreId);
    if (!report) throw new FailoverReportMismatchError(`Failover ${failover.failoverId} has no restore result for source "${request.source}" (restore ${restoreId})`);
    const reason = choiceOf(request.source)?.reason;
    return {
      source: request.source,
      type: report.target.type,
      target: report.targetDescription,
      entries: report.entries,
      ...(report.items !== undefined ? { items: report.items } : {}),
      bytes: report.bytes,
      rtoSeconds: Math.ceil(report.durationMs / 1000),
      ...(choices.length > 0 ? { from: 'vault' as const, ...(reason !== undefined ? { reason } : {}) } : {}),
    };
  });
  const mirrored = choices.filter((c) => c.use === 'mirror');
  const mirrorSources = mirrored.map((c): FailoverSourceReport => ({ source: c.source, type: c.type, target: c.target ?? '', entries: 0, bytes: 0, rtoSeconds: 0, from: 'mirror', reason: c.reason }));
  // In the plan's order.
  const order = choices.map((c) => c.source);
  const sources = [...restoredSources, ...mirrorSources].sort((x, y) => order.indexOf(x.source) - order.indexOf(y.source));
  const finishedAt = new Date(input.finishedAt).toISOString();
  const rtoSeconds = seconds(failover.startedAt, finishedAt);
  const backupAge = failover.restores.length > 0 || mirrored.length === 0 ? seconds(failover.backup.startedAt, failover.startedAt) : 0;
  const rpoSeconds = Math.max(backupAge, ...mirrored.map((c) => Math.ceil(c.dataAgeSeconds ?? 0)));
  const { rtoMinutes, rpoMinutes } = plan.objectives;
  return {
    failoverId: failover.failoverId,
    plan: failover.plan,
    backup: failover.backup,
    startedAt: failover.startedAt,
    finishedAt,
    sources,
    rtoSeconds,
    rpoSeconds,
    objectives: { rtoMinutes, rpoMinutes, rtoMet: rtoSeconds <= rtoMinutes * 60, rpoMet: rpoSeconds <= rpoMinutes * 60 },
  };
}
