import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { type CheckResult, fail, ok, skipped, warn } from './check-result';
import { type DoctorContext } from './doctor-context';

/**
 * Group 5, after a deploy: from the catalog, each plan's newest committed backup, its age against
 * the plan's RPO, and whether its DR copy is committed. The age runs from the backup's start: what
 * it holds was read from then on, so a restore of it loses what changed since.
 */

/** A duration as people read an age or an RPO: `under 1 min`, `42 min`, `3 h 5 min`, `24 h`, `3 d 4 h`. */
export function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${Math.floor(hours / 24)} d`;
}

/** Two lines per plan: `last backup <plan>` and `dr copy <plan>`. */
export async function checkLastBackup(catalog: BackupCatalog, ctx: DoctorContext, plan: ProtectionPlanConfig, now: Date): Promise<CheckResult[]> {
  const name = `last backup ${plan.name}`;
  const drName = `dr copy ${plan.name}`;
  const backupNow = ctx.lifeboat(`backup --plan ${plan.name}`);
  let records: BackupRecord[];
  try {
    records = await catalog.listBackupsOfPlan(plan.name);
  } catch (err) {
    return [fail(name, `cannot read the catalog ${ctx.names.catalogTable}: ${(err as Error).message}`, 'allow dynamodb:Query on the catalog table and its byPlan index to the caller'), skipped(drName, `depends on ${name}, which failed`)];
  }
  const last = records.find((r) => r.status === 'COMMITTED');
  const newest = records[0];
  const newestFailed = newest?.status === 'FAILED' ? `; the newest run ${newest.backupId} FAILED (${newest.error ?? 'no error recorded'})` : '';
  if (!last) {
    return [warn(name, `plan ${plan.name} has no committed backup yet${newestFailed}`, backupNow), skipped(drName, 'no committed backup yet')];
  }
  const rpoMs = plan.objectives.rpoMinutes * 60_000;
  const ageMs = now.getTime() - Date.parse(last.startedAt);
  const age = `${last.backupId} (${last.strategy}) started ${formatAge(ageMs)} ago`;
  const rpo = `RPO ${formatAge(rpoMs)}`;
  const backupResult =
    ageMs > rpoMs
      ? warn(name, `${age}, older than the ${rpo}${newestFailed}`, ctx.request.mode === 'aws' ? `${backupNow}; then see why schedule ${ctx.names.schedulePrefix}${plan.name} did not: the executions of state machine ${ctx.names.backupStateMachine}` : backupNow)
      : newestFailed
        ? warn(name, `${age}, within the ${rpo}${newestFailed}`, `look at the failed run's error, then ${backupNow}`)
        : ok(name, `${age}, within the ${rpo}`);

  const dr = last.copies?.dr;
  const drResult =
    dr === 'COMMITTED'
      ? ok(drName, `${last.backupId} is committed in the DR vault ${ctx.names.drVault} (${ctx.environment.drRegion})`)
      : dr === 'FAILED'
        ? fail(drName, `replication of ${last.backupId} to the DR vault failed: it is restorable from the primary region only`, `${backupNow} (each run copies what the DR vault lacks); if it fails again, read the error of its "Replicate to DR vault" step`)
        : warn(drName, `${last.backupId} is ${dr ?? 'not recorded'} in the DR vault: it is restorable from the primary region only`, `wait for the run's "Replicate to DR vault" step; if it stays so, ${backupNow}`);
  return [backupResult, drResult];
}
