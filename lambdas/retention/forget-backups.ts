import { type ProtectionPlanConfig, type RetentionConfig } from '../../config/lifeboat-config';
import { ObjectLockedError, snapshotKey, VaultObjectNotFoundError, type VaultStore } from '../../vault';
import { type BackupCatalog, type InvalidBackupItem, logInvalidBackupItem } from '../catalog/backup-catalog';
import { type CatalogItemKey } from '../catalog/catalog-item-delete-command';
import { type BackupRecord } from '../catalog/backup-record';
import { newestFirst } from '../catalog/newest-first';
import { ownershipDispute } from './ownership-dispute';
import { InvalidInputError } from '../runtime/errors';
import { type VaultSide } from '../runtime/runtime-config';
import { decideRetention, pinnedReason, type RetentionDecision } from './decide-retention';
import { livePins } from './live-pins';
import { type RecordEvidence, weighRecords } from './record-evidence';
import { retentionOfVault } from './retention-policy';
import { type SnapshotArrivals } from './snapshot-arrivals';
import { UnconfiguredPlanError } from './unconfigured-plan-error';

/** What forgetting reads and writes in the catalog of the vault's region. */
export type ForgetCatalog = Pick<BackupCatalog, 'listBackupsOfPlan' | 'getBackup' | 'claimForgetting' | 'releaseForgetting' | 'markForgotten'> &
  // Optional: only a catalog with per-source index items (BackupCatalog) has any left to sweep.
  Partial<Pick<BackupCatalog, 'removeForgottenIndexItems'>>;

export type ForgetBackupsDeps = {
  /** The vault the backups are forgotten from, and the catalog of its region. */
  vault: VaultSide;
  /** When each snapshot object reached the vault (snapshot-arrivals.ts): read once per run, dry runs included. */
  snapshotArrivals: () => Promise<SnapshotArrivals>;
  /** Opens the vault, on the first delete only (a dry run or a run that forgets nothing opens nothing). */
  openVault: () => Promise<ForgetVault>;
  catalog: ForgetCatalog;
  plans: readonly Pick<ProtectionPlanConfig, 'name' | 'retention' | 'drRetention'>[];
  now: Date;
};

/**
 * What forgetting uses of the vault: a snapshot's tags (whose backup it is) and time (the order of
 * its deletes), and the delete, which throws ObjectLockedError for an object S3 Object Lock retains.
 */
export type ForgetVault = { store: Pick<VaultStore, 'delete'>; loadSnapshot(snapshotId: string): Promise<{ tags: readonly string[]; time?: string }> };

export type ForgetRequest = {
  plan?: string | undefined;
  dryRun?: boolean | undefined;
  /**
   * The policy for a plan that is not in the config (renamed or removed): its backups stay in the catalog and the
   * vaults, and no configured policy reaches them. Given with `plan` only, and only for such a plan: a configured
   * plan's policy is the config's, which every scheduled run applies again.
   */
  policy?: RetentionConfig | undefined;
};

export type PlanForgetReport = {
  plan: string;
  policy: RetentionConfig;
  /** Every backup of the plan not forgotten before this run, newest first. */
  decisions: RetentionDecision[];
  /** Backups this run forgot (or, dry run, would forget). */
  forgotten: string[];
  /** Backups the decision forgot but that got a legal hold before their objects were deleted: left alone. */
  heldMeanwhile: string[];
  /**
   * Backups the decision forgot that a restore (or drill, or failover) pinned before this run claimed them
   * (docs/RUNBOOKS.md, "Running restores"): kept, their decision says by whom and until when.
   */
  pinnedMeanwhile: { backupId: string; by: string; until: string }[];
  /**
   * Snapshot objects this run deleted of the backups it forgot (or that Object Lock stopped half-way): only those
   * in the vault when it looked, so a snapshot already gone (a run that died before marking, another run at the
   * same time) is not counted again. 0 in a dry run.
   */
  deletedObjects: number;
  /**
   * Backups an earlier forget run claimed (`forgettingAt`: it died after its claim) that this run keeps, or that
   * Object Lock kept, with every snapshot still in the vault: the claim is withdrawn, so they can be restored again.
   */
  releasedClaims: string[];
  /**
   * Backups neither counted by the policy nor forgotten, with why: a record that claims to start in the
   * future, whose snapshot another record names too, whose snapshots reached the vault before its start,
   * or none of whose snapshots is in the vault (record-evidence.ts; docs/SECURITY.md, "Catalog records as an attack").
   */
  notCounted: RecordEvidence['notCounted'];
  /**
   * Snapshots of a backup the policy forgot that this run left in place, with why: the snapshot's own
   * tags name another backup, plan or start, or it cannot be read. The record
   * is not marked forgotten either; every run reports it until someone looks (docs/RUNBOOKS.md, "Retention").
   */
  leftInPlace: { backupId: string; snapshotId: string; reason: string }[];
  /**
   * Backups the policy forgot that S3 Object Lock still retains (`immutability`: a retention not yet
   * passed, or an S3 legal hold): kept, their record unmarked, and their decision says so; a later
   * run forgets them once the lock has passed. `reason` is the store's, with the retention date
   * (`GOVERNANCE until …`) when S3 shows it. Always empty in a dry run, which cannot see locks.
   */
  locked: { backupId: string; snapshotId: string; reason: string }[];
  /**
   * Records of the plan this run could not read (an older version's, or damaged: backup-catalog.ts, listBackupsOfPlan),
   * by item key and why: neither decided on nor forgotten, and a snapshot one of them names is not counted as another
   * record's alone. Absent when none (audit R31 F1). `item` is the key as stored, any string (a reader deletes or looks
   * up by it): JSON printed with unseenJsonEscaped, a line of text with shownCatalogName (f62P); `problem` is
   * CatalogItemInvalidError's message, which shows the key escaped already. `catalogItem`: the table and key the record
   * was read from, for the command that deletes it (set by forgetBackups; the CLI prints it where it prints no doctor
   * line, which names it otherwise: review r62O F3).
   */
  unreadable?: { item: string; problem: string; catalogItem?: { table: string; key: CatalogItemKey } }[];
};

export type ForgetReport = {
  vault: VaultSide;
  dryRun: boolean;
  plans: PlanForgetReport[];
  /** What the best-effort removal of old index items could not do (nothing is wrong with the retention decisions then). */
  indexCleanupProblems?: string[];
};

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
 * A claim left by a run that died before its first delete is withdrawn by a later run that keeps the
 * backup with every snapshot still in the vault (`releasedClaims`).
 * The record is read once more just before its objects go, so a hold or a restore's pin set after the
 * decision wins; then, before the first delete, the run claims the backup in the catalog
 * (claimForgetting: only while no hold is set and no pin was added since that re-read), and a restore
 * pins a backup only while no run has claimed it (BackupCatalog.pinBackup): one conditional write to one
 * item each, so a restore and a forget never both win (docs/ARCHITECTURE.md, "Retention and running restores").
 *
 * Records are not trusted blindly (a DR catalog in another account is written by the primary account's
 * roles, docs/SECURITY.md "Catalog records as an attack"): records that no backup of this environment
 * can have written are not counted (record-evidence.ts), a backup is kept when the policy keeps it
 * either at its claimed start or at when its snapshots reached the vault, and a record whose snapshot's
 * tags name another backup, plan or start keeps its snapshots and stays unmarked (`leftInPlace`).
 *
 * A plan renamed or removed from the config keeps its backups in the catalog, and a run over every plan does not
 * see them (listing the catalog's plans takes a Scan of the whole table, which the scheduled step does not run:
 * `lifeboat doctor` does, by hand). They are forgotten by naming the plan with a policy (plansToDecide).
 */
export async function forgetBackups(request: ForgetRequest, deps: ForgetBackupsDeps): Promise<ForgetReport> {
  const dryRun = request.dryRun === true;
  const plans = await plansToDecide(request, deps);
  // Every plan's records, also when one plan is asked for: a record of another plan may name a snapshot too.
  const live = new Map<string, BackupRecord[]>();
  // Passed over, but not as if absent: a snapshot one of them names may be its only backup's (snapshotNamers).
  const unreadable = new Map<string, InvalidBackupItem[]>();
  for (const plan of [...deps.plans, ...plans]) {
    if (live.has(plan.name)) continue;
    const onInvalid = (invalid: InvalidBackupItem): void => {
      logInvalidBackupItem(invalid);
      unreadable.set(plan.name, [...(unreadable.get(plan.name) ?? []), invalid]);
    };
    live.set(plan.name, (await deps.catalog.listBackupsOfPlan(plan.name, { onInvalid })).filter((r) => r.forgottenAt === undefined));
  }
  const namers = snapshotNamers([...live.values()].flat(), [...unreadable.values()].flat());
  const reports: PlanForgetReport[] = [];
  const arrivals = await deps.snapshotArrivals();
  for (const plan of plans) {
    const report = await forgetPlan(plan, live.get(plan.name) ?? [], namers, arrivals, dryRun, deps);
    const invalid = unreadable.get(plan.name) ?? [];
    reports.push(invalid.length > 0 ? { ...report, unreadable: invalid.map((i) => ({ item: `${i.key.pk} / ${i.key.sk}`, problem: i.error.message, catalogItem: { table: i.error.table, key: i.key } })) } : report);
  }
  // After every plan's retention: the index items of backups forgotten before markForgotten removed them, one bounded
  // share per run across all plans until none is left, best effort (review 42f: a per-plan share could outlast the step's
  // timeout and fail the prune; a refused delete failed the forget).
  const indexCleanupProblems = dryRun ? [] : await removeOldIndexItems(plans, deps);
  return { vault: deps.vault, dryRun, plans: reports, ...(indexCleanupProblems.length > 0 ? { indexCleanupProblems } : {}) };
}

/** Forgotten backups whose leftover index items one Forget run removes at most, all plans together. */
const INDEX_CLEANUP_PER_RUN = 2000;

async function removeOldIndexItems(plans: ForgetBackupsDeps['plans'], deps: ForgetBackupsDeps): Promise<string[]> {
  const sweep = deps.catalog.removeForgottenIndexItems;
  if (!sweep) return [];
  const problems: string[] = [];
  let budget = INDEX_CLEANUP_PER_RUN;
  for (const plan of plans) {
    if (budget <= 0) break;
    try {
      budget -= (await sweep.call(deps.catalog, plan.name, budget)).records;
    } catch (err) {
      problems.push(`plan ${plan.name}: the index items of backups forgotten earlier could not be removed (${err instanceof Error ? err.message : String(err)}); lookups pass over them, at a read each`);
    }
  }
  return problems;
}

/**
 * The plans this run decides on: the configured ones, or the one asked for. A plan the config does not name
 * (renamed or removed: docs/RUNBOOKS.md, "A plan removed or renamed") is decided on only with a policy given in
 * the request, through the same decision, pins, holds and claims as any plan; without one the error says how
 * many of its backups the catalog holds. The policy applies in either vault (the request names no DR policy).
 */
async function plansToDecide(request: ForgetRequest, deps: ForgetBackupsDeps): Promise<ForgetBackupsDeps['plans']> {
  const configured = deps.plans.map((p) => p.name);
  if (request.plan === undefined) {
    if (request.policy !== undefined) throw new InvalidInputError('Invalid forget request: policy: a policy is for one plan that is not in the config; name it with plan');
    return deps.plans;
  }
  const plan = request.plan;
  const named = deps.plans.find((p) => p.name === plan);
  if (named) {
    if (request.policy !== undefined) {
      throw new InvalidInputError(
        `Invalid forget request: policy: plan "${plan}" is in this environment's config, whose policy (${JSON.stringify(retentionOfVault(named, deps.vault))}) ` +
          'every forget applies; change it in the config and deploy, or leave the policy out',
      );
    }
    return [named];
  }
  if (request.policy !== undefined) return [{ name: plan, retention: request.policy }];
  const backups = (await deps.catalog.listBackupsOfPlan(plan)).filter((r) => r.status === 'COMMITTED' && r.forgottenAt === undefined).length;
  if (backups === 0) throw new InvalidInputError(`Invalid forget request: plan: no plan "${plan}" in this environment; its plans: ${configured.join(', ')}; the catalog holds no backups of it to forget either`);
  throw new UnconfiguredPlanError(plan, backups, configured);
}

async function forgetPlan(
  plan: ForgetBackupsDeps['plans'][number],
  live: readonly BackupRecord[],
  namers: ReadonlyMap<string, ReadonlySet<string>>,
  arrivals: SnapshotArrivals,
  dryRun: boolean,
  deps: ForgetBackupsDeps,
): Promise<PlanForgetReport> {
  const policy = retentionOfVault(plan, deps.vault);
  const { counted, ghosts, notCounted } = weighRecords(live, arrivals, deps.now, namers);
  // Decided twice, at the start each record claims and at when its snapshots reached the vault, and
  // kept when either keeps it: the evidence may keep more, never forget more. A record backdated by a
  // forger sits at its arrival in the second decision, so the backups whose slots it claims keep them
  // there; a genuine backup that reached the vault late (a DR region catching up) is decided as
  // before by its start (docs/SECURITY.md, "Catalog records as an attack").
  const arrivedAt = new Map(counted.map((c) => [c.record.backupId, c.arrivedAt]));
  const byArrival = new Map(
    decideRetention(
      counted.map(({ record, arrivedAt: at }) => ({ ...record, startedAt: at ?? record.startedAt })),
      policy,
      deps.now,
    ).map((d) => [d.backupId, d]),
  );
  const decisions = decideRetention(
    counted.map((c) => c.record),
    policy,
    deps.now,
  ).map((d) => {
    const late = byArrival.get(d.backupId);
    if (d.keep || !late?.keep) return d;
    return { ...d, keep: true, reasons: late.reasons.map((r) => `${r} as of its arrival ${arrivedAt.get(d.backupId) ?? ''}`) };
  });
  // A ghost is forgotten when the policy would forget it among all the records, as before the evidence
  // (so a run that died before marking is finished); kept, it stays out of the count and is reported.
  const ghostIds = new Set(ghosts.map((g) => g.backupId));
  const uncounted = new Set(notCounted.map((n) => n.backupId));
  const asBefore = ghosts.length > 0 ? decideRetention(live.filter((r) => !uncounted.has(r.backupId)), policy, deps.now) : [];
  for (const d of asBefore) {
    if (!ghostIds.has(d.backupId)) continue;
    if (d.keep) notCounted.push({ backupId: d.backupId, reason: 'none of its snapshots is in this vault; not counted' });
    else decisions.push({ ...d, reasons: [] });
  }
  // Newest first by the instant each start stands for, not its text: an offset or zoneless start was listed out of
  // place in the report (f65E); display only, the decisions are made already.
  decisions.splice(0, decisions.length, ...newestFirst(decisions));
  const report: PlanForgetReport = { plan: plan.name, policy, decisions, forgotten: [], heldMeanwhile: [], pinnedMeanwhile: [], deletedObjects: 0, releasedClaims: [], notCounted, leftInPlace: [], locked: [] };
  let opened: Promise<ForgetVault> | undefined;
  const vaultOnce = (): Promise<ForgetVault> => (opened ??= deps.openVault());
  const listed = new Map(live.map((r) => [r.backupId, r]));
  const releaseIfIntact = async (backupId: string): Promise<void> => {
    if (!dryRun && listed.get(backupId)?.forgettingAt !== undefined && (await releaseIntactClaim(backupId, deps.catalog, vaultOnce))) report.releasedClaims.push(backupId);
  };
  for (const decision of decisions) {
    if (decision.keep) {
      await releaseIfIntact(decision.backupId);
      continue;
    }
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
    // A record claimed already (a run that died after its claim) has no live pin: the claim refused every pin since.
    if (record.forgettingAt === undefined && keptByPins(report, decisions, decision, record, deps.now)) continue;
    const vault = await vaultOnce();
    const disputes: PlanForgetReport['leftInPlace'] = [];
    const times = new Map<string, string>();
    // The snapshots in the vault when this run looked: only their deletes are counted, and a backup is intact when all are.
    const present = new Set<string>();
    for (const source of record.sources) {
      const looked = await disputeOf(record, source.snapshotId, vault);
      if (looked.present) present.add(source.snapshotId);
      if (looked.time !== undefined) times.set(source.snapshotId, looked.time);
      if (looked.reason !== undefined) disputes.push({ backupId: record.backupId, snapshotId: source.snapshotId, reason: looked.reason });
    }
    if (disputes.length > 0) {
      report.leftInPlace.push(...disputes);
      continue;
    }
    const claimed = record.forgettingAt === undefined;
    if (claimed && !(await deps.catalog.claimForgetting(record.backupId, deps.now.toISOString(), { pinVersion: record.pinVersion }))) {
      // A hold or a pin landed between the re-read and the claim; read again to say which.
      const current = await deps.catalog.getBackup(record.backupId);
      if (!current || current.status !== 'COMMITTED' || current.forgottenAt !== undefined) continue;
      if (current.hold) report.heldMeanwhile.push(record.backupId);
      // Neither (a restore that pinned and unpinned in between): left to the next run, which decides on it afresh.
      else if (!keptByPins(report, decisions, decision, current, deps.now)) decisions[decisions.indexOf(decision)] = { ...decision, keep: true, reasons: [LEFT_FOR_NEXT_RUN] };
      continue;
    }
    const locked = await deleteSnapshots(record, times, vault);
    const deletedPresent = locked.deleted.filter((id) => present.has(id)).length;
    if (locked.refused) {
      report.deletedObjects += deletedPresent;
      // Nothing deleted and every snapshot there: the backup is intact, and the claim (this run's, or that of an earlier
      // run that died before its first delete) is withdrawn, so that it can be restored again. Once something is gone
      // the backup is broken and stays claimed (no restore pins it); a later run deletes the rest and marks it.
      if (deletedPresent === 0 && present.size === record.sources.length && record.sources.length > 0) {
        if (await deps.catalog.releaseForgetting(record.backupId, record.forgettingAt ?? deps.now.toISOString())) report.releasedClaims.push(record.backupId);
      }
      // Object Lock retains it (docs/ARCHITECTURE.md, "Object Lock"): kept until a later run, not a failure of this one.
      report.locked.push({ backupId: record.backupId, ...locked.refused });
      const at = decisions.indexOf(decision);
      decisions[at] = { ...decision, keep: true, reasons: [`locked by Object Lock: ${locked.refused.reason}`] };
      continue;
    }
    // Marked by this run only (audit R17 F3): of two runs at once, the one that marks it reports it and its deletes.
    if (await deps.catalog.markForgotten(record.backupId, deps.now.toISOString())) {
      report.forgotten.push(record.backupId);
      report.deletedObjects += deletedPresent;
    }
  }
  // A record this run does not count (record-evidence.ts) may carry a stuck claim too; intact, it is released as a kept one is.
  for (const n of notCounted) await releaseIfIntact(n.backupId);
  return report;
}

/** The reason of a backup whose claim was refused with neither a hold nor a live pin on it now (review 41b F5). */
export const LEFT_FOR_NEXT_RUN = 'left for the next run: a pin or hold came and went during this run';

/**
 * Withdraws the claim (`forgettingAt`) of a backup this run keeps when every snapshot of it is still in the vault.
 * Such a claim is left by a run that died after claiming and before its first delete (a Lambda timeout, an S3
 * error): a later run that still forgets the backup finishes it, but one that keeps it (a hold set before the
 * claim, a changed policy, the newest backup now) would leave it claimed for good, and every restore of the
 * intact backup refused. Read again (consistently) first; released only while the claim is the one read.
 */
async function releaseIntactClaim(backupId: string, catalog: ForgetCatalog, vault: () => Promise<ForgetVault>): Promise<boolean> {
  const record = await catalog.getBackup(backupId);
  if (!record || record.status !== 'COMMITTED' || record.forgottenAt !== undefined || record.forgettingAt === undefined) return false;
  if (!(await everySnapshotPresent(record, await vault()))) return false;
  return catalog.releaseForgetting(record.backupId, record.forgettingAt);
}

/** Whether every snapshot of the record is in the vault now; one that cannot be read proves nothing, and counts as not. */
async function everySnapshotPresent(record: BackupRecord, vault: ForgetVault): Promise<boolean> {
  if (record.sources.length === 0) return false;
  for (const source of record.sources) {
    try {
      await vault.loadSnapshot(source.snapshotId);
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * When the record shows live restore pins: reports them (pinnedMeanwhile), makes its decision say it is kept
 * and by whom, and returns true; false when no pin keeps it.
 */
function keptByPins(report: PlanForgetReport, decisions: RetentionDecision[], decision: RetentionDecision, record: BackupRecord, now: Date): boolean {
  const pins = livePins(record, now);
  if (pins.length === 0) return false;
  report.pinnedMeanwhile.push(...pins.map((p) => ({ backupId: record.backupId, by: p.by, until: p.until })));
  decisions[decisions.indexOf(decision)] = { ...decision, keep: true, reasons: pins.map(pinnedReason) };
  return true;
}

/**
 * Deletes a backup's snapshot objects, the newest snapshot first, and stops at the first one Object
 * Lock retains. A bucket's default retention runs from each object's write, so the newest snapshot's
 * lock passes last: once it deletes, the older ones delete too, and a backup is not left with some
 * of its snapshots gone while the others stay locked (should it happen all the same — a retention
 * extended on one object — the record stays unmarked and a later run deletes the rest; deleting an
 * absent object is no error).
 */
async function deleteSnapshots(
  record: BackupRecord,
  times: ReadonlyMap<string, string>,
  vault: ForgetVault,
): Promise<{ deleted: string[]; refused?: { snapshotId: string; reason: string } }> {
  const order = [...record.sources].sort((a, b) => (times.get(b.snapshotId) ?? '').localeCompare(times.get(a.snapshotId) ?? ''));
  const deleted: string[] = [];
  for (const source of order) {
    try {
      await vault.store.delete(snapshotKey(source.snapshotId));
    } catch (err) {
      if (!(err instanceof ObjectLockedError)) throw err;
      return { deleted, refused: { snapshotId: source.snapshotId, reason: lockDetail(err) } };
    }
    deleted.push(source.snapshotId);
  }
  return { deleted };
}

/** The lock itself (`GOVERNANCE until 2026-12-06T06:38:32.863Z`, `a legal hold is set`) out of the store's message, or the message whole. */
function lockDetail(err: ObjectLockedError): string {
  return /is locked \((.*)\); it can be deleted/.exec(err.message)?.[1] ?? err.message;
}

/**
 * Why the snapshot of a record to forget must stay, or undefined when it may go. A snapshot is one
 * backup's, and the backup workflow writes its id, plan and start into the snapshot's tags: a record
 * that names another backup's snapshot, or misstates its backup's plan (and so its policy) or start
 * (and so its age), is a forged or broken record, and the snapshot may be a real backup's only copy.
 * Snapshots without workflow tags (written before the tags, or by `lifeboat vault backup`) are judged
 * by the records alone. A snapshot two live records name never gets here: neither record is counted
 * (record-evidence.ts).
 */
async function disputeOf(record: BackupRecord, snapshotId: string, vault: ForgetVault): Promise<{ present: boolean; reason?: string; time?: string }> {
  let tags: readonly string[];
  let time: string | undefined;
  try {
    ({ tags, time } = await vault.loadSnapshot(snapshotId));
  } catch (err) {
    // Gone already (a run that died before marking the record): nothing to keep.
    if (err instanceof VaultObjectNotFoundError) return { present: false };
    // Unreadable now (damaged, or the vault's key out of reach): kept until a run can tell whose it is.
    return { present: true, reason: `the snapshot cannot be read to tell whose it is: ${err instanceof Error ? err.message : String(err)}` };
  }
  const reason = ownershipDispute(record, tags);
  return reason === undefined ? (time === undefined ? { present: true } : { present: true, time }) : { present: true, reason };
}

/**
 * Snapshot id → the backups whose records name it: the live records, and the records that cannot be read as far as
 * their items still name snapshots (not the forgotten ones: their snapshots were deleted on purpose). An unreadable
 * record is named by its backup id, or by its item key when even that cannot be read.
 */
function snapshotNamers(records: readonly BackupRecord[], unreadable: readonly InvalidBackupItem[]): Map<string, Set<string>> {
  const namers = new Map<string, Set<string>>();
  const add = (snapshotId: string, backupId: string): void => {
    namers.set(snapshotId, (namers.get(snapshotId) ?? new Set<string>()).add(backupId));
  };
  for (const r of records) for (const source of r.sources) add(source.snapshotId, r.backupId);
  // Raw, as the live records' ids: weighRecords shows every name escaped in its `not counted: …` lines, once (f62T; a
  // damaged item's newline or ESC would forge them, review r61U F1).
  for (const u of unreadable) if (!u.forgotten) for (const id of u.snapshotIds) add(id, `${u.backupId ?? u.key.pk} (unreadable)`);
  return namers;
}
