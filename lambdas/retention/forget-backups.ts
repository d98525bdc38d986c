import { type ProtectionPlanConfig, type RetentionConfig } from '../../config/lifeboat-config';
import { snapshotKey, type VaultStore } from '../../vault';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { InvalidInputError } from '../runtime/errors';
import { type VaultSide } from '../runtime/runtime-config';
import { decideRetention, type RetentionDecision } from './decide-retention';
import { retentionOfVault } from './retention-policy';

/** What forgetting reads and writes in the catalog of the vault's region. */
export type ForgetCatalog = Pick<BackupCatalog, 'listBackupsOfPlan' | 'getBackup' | 'markForgotten'>;

export type ForgetBackupsDeps = {
  /** The vault the backups are forgotten from, and the catalog of its region. */
  vault: VaultSide;
  /** Opens the vault's store, on the first delete only (a dry run or a run that forgets nothing opens nothing). */
  openStore: () => Promise<Pick<VaultStore, 'delete'>>;
  catalog: ForgetCatalog;
  plans: readonly Pick<ProtectionPlanConfig, 'name' | 'retention' | 'drRetention'>[];
  now: Date;
};

export type ForgetRequest = { plan?: string | undefined; dryRun?: boolean | undefined };

export type PlanForgetReport = {
  plan: string;
  policy: RetentionConfig;
  /** Every backup of the plan not forgotten before this run, newest first. */
  decisions: RetentionDecision[];
  /** Backups this run forgot (or, dry run, would forget). */
  forgotten: string[];
  /** Backups the decision forgot but that got a legal hold before their objects were deleted: left alone. */
  heldMeanwhile: string[];
  /** Snapshot objects deleted (0 in a dry run). */
  deletedObjects: number;
};

export type ForgetReport = { vault: VaultSide; dryRun: boolean; plans: PlanForgetReport[] };

/**
 * The Forget step of the `<prefix>-prune` workflow (docs/RUNBOOKS.md, "Retention"): for each plan
 * (or the one named), decides with the vault's policy (`retention`, or `drRetention` in the DR vault)
 * which of the plan's backups the vault keeps, and — unless a dry run — for each backup to forget
 * deletes every source's `snapshots/<id>` object from the vault, then marks the record `forgottenAt`.
 * Prune reclaims their data later from the vault alone.
 *
 * Order and crashes: objects first, mark second, so a crash in between leaves a record the next run
 * decides on again (a backup's age only grows, so the verdict stands) and finishes; deleting an
 * absent object is no error. A backup already marked is not decided on again: a re-run is a no-op.
 * The record is read once more just before its objects go, so a hold set after the decision wins.
 */
export async function forgetBackups(request: ForgetRequest, deps: ForgetBackupsDeps): Promise<ForgetReport> {
  const dryRun = request.dryRun === true;
  let plans = deps.plans;
  if (request.plan !== undefined) {
    plans = deps.plans.filter((p) => p.name === request.plan);
    if (plans.length === 0) {
      throw new InvalidInputError(`Invalid forget request: plan: no plan "${request.plan}" in this environment; its plans: ${deps.plans.map((p) => p.name).join(', ')}`);
    }
  }
  const reports: PlanForgetReport[] = [];
  for (const plan of plans) reports.push(await forgetPlan(plan, dryRun, deps));
  return { vault: deps.vault, dryRun, plans: reports };
}

async function forgetPlan(plan: ForgetBackupsDeps['plans'][number], dryRun: boolean, deps: ForgetBackupsDeps): Promise<PlanForgetReport> {
  const policy = retentionOfVault(plan, deps.vault);
  const live = (await deps.catalog.listBackupsOfPlan(plan.name)).filter((r) => r.forgottenAt === undefined);
  const decisions = decideRetention(live, policy, deps.now);
  const report: PlanForgetReport = { plan: plan.name, policy, decisions, forgotten: [], heldMeanwhile: [], deletedObjects: 0 };
  let store: Pick<VaultStore, 'delete'> | undefined;
  for (const decision of decisions) {
    if (decision.keep) continue;
    if (dryRun) {
      report.forgotten.push(decision.backupId);
      continue;
    }
    const record = await deps.catalog.getBackup(decision.backupId);
    if (!record || record.status !== 'COMMITTED' || record.forgottenAt !== undefined) continue;
    if (record.hold) {
      report.heldMeanwhile.push(record.backupId);
      continue;
    }
    store ??= await deps.openStore();
    for (const source of record.sources) {
      await store.delete(snapshotKey(source.snapshotId));
      report.deletedObjects++;
    }
    if (await deps.catalog.markForgotten(record.backupId, deps.now.toISOString())) report.forgotten.push(record.backupId);
  }
  return report;
}
