import { type BackupRecord } from '../catalog/backup-record';
import { newestFirst } from '../catalog/newest-first';
import { comparedInstant } from '../catalog/compared-instant';
import { FUTURE_START_TOLERANCE_MS } from '../catalog/future-start';
import { recordInstant } from '../catalog/record-instant';
import { shownItemKeyPart } from '../catalog/shown-item-key';
import { type DrillReport } from '../catalog/drill-record';
import { InvalidInputError } from '../runtime/errors';
import { type VaultSide } from '../runtime/runtime-config';
import { ForgottenBackupError } from '../catalog/catalog-errors';
import { BackupBeingForgottenError } from '../catalog/backup-being-forgotten-error';
import { BackupLacksPlanSourcesError, NoBackupToDrillError } from './drill-errors';

/** The recovery point the drill measures (drill-record.ts `rpo`, without the objective). */
export type DrillRpo = { backupAgeSeconds: number; newestBackupAgeSeconds: number; largestGapSeconds: number; backupsInWindow: number };

export type DrillSelection = { backup: BackupRecord; rpo: DrillRpo };

export type DrillSelectionOptions = {
  plan: string;
  /** The vault the drill restores from: from the DR vault only backups whose DR copy is committed. */
  vault: VaultSide;
  selection: DrillReport['selection'];
  /** The plan's source names: the drill restores every one, so the backup it drills must hold a snapshot of each. */
  sources: readonly string[];
  backupId?: string | undefined;
  windowDays: number;
  startedAt: Date;
  /** A number in [0, 1) (Math.random); tests inject their own. */
  random?: () => number;
};

const DAY_MS = 86_400_000;

/**
 * Whether the drill may restore the backup from `vault`: committed, from the DR vault replicated, and
 * neither forgotten nor claimed by retention (the records are the drill's own region's catalog, whose
 * `forgottenAt` and `forgettingAt` are about that region's vault, the one the drill reads; a claimed
 * backup's snapshots are being deleted, and its restore's pin would be refused).
 */
export function isDrillable(backup: BackupRecord, vault: VaultSide): boolean {
  return wasRecoveryPoint(backup, vault) && backup.forgottenAt === undefined && backup.forgettingAt === undefined;
}

/**
 * Whether the backup was a recovery point of `vault` once committed (from the DR vault: once replicated), whether or
 * not retention has forgotten it since: a restore could have used it until then.
 */
function wasRecoveryPoint(backup: BackupRecord, vault: VaultSide): boolean {
  return backup.status === 'COMMITTED' && (vault === 'primary' || backup.copies?.dr === 'COMMITTED');
}

/**
 * Picks the backup a drill restores from the plan's backups (any order), and measures the RPO at the
 * drill's start over the window `[start − windowDays, start]`:
 * - `backupAgeSeconds`: the start minus the chosen backup's start (reported: the RPO is not judged on it, a drill
 *   of an older backup proves that older backups restore);
 * - `newestBackupAgeSeconds`: the start minus the newest drillable backup's start, inside the window or not: the
 *   recovery point the plan has now, whatever backup is drilled;
 * - `largestGapSeconds`: the largest gap that ends in the window between consecutive backups that were recovery points
 *   of the vault (committed, from the DR vault replicated), whether or not retention has forgotten them since: the gaps
 *   between the window's backups, the gap from the newest one to the drill's start (data written since is not yet
 *   protected), and the whole gap from the newest backup before the window to the window's oldest (an outage that began
 *   before the window); with no drillable backup in the window, the age of the newest drillable backup;
 * - `backupsInWindow`: the drillable backups in the window.
 * `latest` takes the window's newest drillable backup; `random-within-window` any of the window's drillable backups
 * that hold every source of the plan (after a source is added, the older ones never will: picking them would fail
 * drill after drill until the whole window was backed up again); `backup-id` the one named, inside the window or not
 * (ForgottenBackupError when retention forgot it or is forgetting it). Throws NoBackupToDrillError when nothing can be
 * drilled (the message gives the newest backup's age and copy status), BackupLacksPlanSourcesError when the newest
 * (`latest`) or every one of the window (`random-within-window`) lacks a source of the plan, InvalidInputError for a
 * named backup not of this plan, not drillable from this vault (not replicated, not committed) or lacking a source.
 */
export function selectDrillBackup(backups: readonly BackupRecord[], options: DrillSelectionOptions): DrillSelection {
  const start = options.startedAt.getTime();
  const windowStart = start - options.windowDays * DAY_MS;
  // A start naming no zone read as UTC, as the failover reads it: in the process's zone, a Lambda (UTC) and the local
  // cloud chose another backup from the same catalog (review r64G F2). One that is no time (NaN) is never <= start.
  // Each start read once (review r64O F9: read in the comparator, 50,000 records sorted in 5.5 s rather than 0.4 s).
  const instants = new Map(backups.map((b) => [b, recordInstant(b.startedAt)]));
  const time = (b: BackupRecord): number => instants.get(b) ?? recordInstant(b.startedAt);
  const ofPlan = newestFirst(backups.filter((b) => b.plan === options.plan && time(b) <= start));
  const drillable = ofPlan.filter((b) => isDrillable(b, options.vault));
  const inWindow = drillable.filter((b) => time(b) >= windowStart);
  const lacking = (b: BackupRecord): string[] => {
    const held = new Set(b.sources.map((s) => s.name));
    return options.sources.filter((name) => !held.has(name));
  };

  let backup: BackupRecord | undefined;
  if (options.selection === 'backup-id') {
    backup = ofPlan.find((b) => b.backupId === options.backupId);
    if (!backup) throw new InvalidInputError(`Invalid drill request: backupId: plan "${options.plan}" has no backup ${options.backupId} started before the drill`);
    if (backup.forgottenAt !== undefined) throw new ForgottenBackupError(backup.backupId, backup.forgottenAt, options.vault);
    if (backup.forgettingAt !== undefined) throw new BackupBeingForgottenError(backup.backupId, backup.forgettingAt, options.vault);
    // Named in the input: a mistaken input (refused, nothing recorded), not a plan without a backup to drill.
    if (!isDrillable(backup, options.vault)) {
      throw new InvalidInputError(`Invalid drill request: backupId: backup ${shownItemKeyPart(backup.backupId)} of plan "${options.plan}" cannot be drilled from the ${options.vault} vault: ${statusOf(backup)}`);
    }
    // As mistaken (this backup can never be drilled whole), and refused as a failover refuses it (failover-start.ts).
    const missing = lacking(backup);
    if (missing.length > 0) {
      throw new InvalidInputError(
        `Invalid drill request: backupId: backup ${shownItemKeyPart(backup.backupId)} holds no snapshot of ${missing.join(', ')} (sources of plan "${options.plan}" added or renamed after it?): ` +
          `the drill restores every source of the plan or none; name a later backup that holds every source (lifeboat backups list --plan ${options.plan})`,
      );
    }
  } else if (options.selection === 'latest') {
    backup = inWindow[0];
    const missing = backup ? lacking(backup) : [];
    if (backup && missing.length > 0) throw new BackupLacksPlanSourcesError(backup.backupId, options.plan, missing, lacksSourcesAdvice(ofPlan, backup, lacking, options));
  } else {
    const complete = inWindow.filter((b) => lacking(b).length === 0);
    const newest = inWindow[0];
    if (newest && complete.length === 0) {
      const within =
        inWindow.length === 1
          ? `it is the only backup of the last ${days(options.windowDays)}`
          : `none of the ${inWindow.length} backups of the last ${days(options.windowDays)} holds every source (a random drill picks only among those that do)`;
      throw new BackupLacksPlanSourcesError(newest.backupId, options.plan, lacking(newest), `${within}; ${lacksSourcesAdvice(ofPlan, newest, lacking, options)}`);
    }
    backup = complete[Math.min(complete.length - 1, Math.floor((options.random ?? Math.random)() * complete.length))];
  }
  if (!backup) {
    // Only backups the drill could have taken but for their start: a forgotten one, or one not in the DR vault, counted
    // here sent the operator to fix records no drill would take (review r65E F5).
    const passedOver = backups.filter((b) => b.plan === options.plan && isDrillable(b, options.vault));
    const untimed = passedOver.filter((b) => Number.isNaN(time(b)));
    const ahead = passedOver.filter((b) => time(b) > start);
    throw new NoBackupToDrillError(noBackupMessage(ofPlan, untimed, ahead, options));
  }

  // Gaps are measured over the backups that were recovery points, forgotten since or not: retention thins a window it
  // keeps less of than windowDays (keepWithin 2d, keepLast 3) or thins within it (keepHourly 24 then keepDaily), and
  // a gap over a backup it forgot is one the plan never had. The drill still picks among the
  // backups it can restore (`inWindow`).
  const pointsInWindow = ofPlan.filter((b) => time(b) >= windowStart && wasRecoveryPoint(b, options.vault));
  let largestGapMs = 0;
  let later = start;
  for (const b of pointsInWindow) {
    largestGapMs = Math.max(largestGapMs, later - time(b));
    later = time(b);
  }
  // The gap into the window counts whole, not only its part after the window's start: that is the exposure the plan
  // had. Like a gap between two of the window's backups, it is judged by every drill whose window holds its end, and
  // by no later one: with a drill at least once per window every gap is judged, none forever (a drill during an
  // outage judges it as the newest backup's age). Measured, as the gaps above, between recovery points forgotten since
  // or not: from the newest before the window (keepDaily 7 and a 7-day window forget the one just before it) to the
  // window's oldest (retention keeping less than the window forgets those after it).
  // A plan younger than the window has no backup before it: no gap from the window's start (none was due before its first).
  const oldestInWindow = pointsInWindow[pointsInWindow.length - 1];
  const beforeWindow = ofPlan.find((b) => time(b) < windowStart && wasRecoveryPoint(b, options.vault));
  if (oldestInWindow && beforeWindow) largestGapMs = Math.max(largestGapMs, time(oldestInWindow) - time(beforeWindow));
  // Never undefined here: a chosen backup is drillable and started by the start.
  const newest = drillable[0] ?? backup;
  if (inWindow.length === 0) largestGapMs = start - time(newest);
  return {
    backup,
    rpo: {
      backupAgeSeconds: seconds(start - time(backup)),
      newestBackupAgeSeconds: seconds(start - time(newest)),
      largestGapSeconds: seconds(largestGapMs),
      backupsInWindow: inWindow.length,
    },
  };
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}

function statusOf(backup: BackupRecord): string {
  if (backup.status !== 'COMMITTED') return `its status is ${backup.status}`;
  return `its DR copy is ${backup.copies?.dr ?? 'not recorded'} (only backups replicated to the DR vault can be drilled from it)`;
}

/**
 * What to do when `backup`, the newest the drill may take, lacks a plan source: from the DR vault, a newer backup
 * holding every source may only be waiting for its DR copy (a new backup would wait too); otherwise back up the plan.
 */
function lacksSourcesAdvice(ofPlan: readonly BackupRecord[], backup: BackupRecord, lacking: (b: BackupRecord) => string[], options: DrillSelectionOptions): string {
  const backupAt = recordInstant(backup.startedAt);
  const newer = ofPlan.find(
    (b) => recordInstant(b.startedAt) > backupAt && b.status === 'COMMITTED' && b.forgottenAt === undefined && b.forgettingAt === undefined && lacking(b).length === 0,
  );
  if (newer && options.vault === 'dr') {
    return `backup ${shownItemKeyPart(newer.backupId)} holds every source but its DR copy is ${newer.copies?.dr ?? 'not recorded'}: drill again once it is replicated (lifeboat backups list --plan ${options.plan}: DR COPY)`;
  }
  const replicated = options.vault === 'dr' ? ' once its DR copy is COMMITTED' : '';
  return `run a backup of the plan (lifeboat backup --plan ${options.plan}) and drill again${replicated}`;
}

function days(n: number): string {
  return `${n} day${n === 1 ? '' : 's'}`;
}

/**
 * Why no backup was chosen. `untimed` are the plan's drillable records whose start is no time, `ahead` those that start
 * after the drill: never chosen (only a real time before the drill counts), they are said so, since "no committed
 * backup" sent the operator to back up a plan whose backups are there but unusable in time (review r65E F6 for those
 * ahead), and measured from they read "NaN hours old". From the DR vault its advice stays (review r65E F5).
 */
function noBackupMessage(ofPlan: readonly BackupRecord[], untimed: readonly BackupRecord[], ahead: readonly BackupRecord[], options: DrillSelectionOptions): string {
  const committed = ofPlan.filter((b) => b.status === 'COMMITTED');
  const newest = committed[0];
  const within = `in the last ${days(options.windowDays)}`;
  const firstUntimed = untimed[0];
  const firstAhead = ahead[0];
  const passedOver = firstUntimed
    ? `; ${untimed.length} committed backup(s) of the plan were passed over because their start is no time (e.g. ${shownItemKeyPart(firstUntimed.backupId)}, startedAt ${shownItemKeyPart(firstUntimed.startedAt)}): fix their records' startedAt`
    : '';
  const inFuture = firstAhead
    ? `; ${ahead.length} committed backup(s) of the plan were passed over because they start after the drill (e.g. ${shownItemKeyPart(firstAhead.backupId)}, started ${comparedInstant(firstAhead.startedAt) ?? ''}): ${aheadCause(ahead, options.startedAt)}`
    : '';
  // The DR drill reads the DR catalog: a plan whose backups were never replicated has none there, however many the primary holds.
  const drAdvice = `a backup gets there when the backup workflow's Replicate step copies it: check the plan's backups and replication (lifeboat backups list: DR COPY), or drill the primary vault ("vault": "primary")`;
  if (!newest && (firstUntimed || firstAhead)) {
    const orBackUp = options.vault === 'dr' ? `, or run a backup of the plan (${drAdvice})` : ', or run a backup of the plan';
    return `Plan "${options.plan}" has no backup to drill from the ${options.vault} vault with a start that is a time${firstAhead ? ' and before the drill' : ''}${passedOver}${inFuture}${orBackUp}`;
  }
  if (!newest) {
    const status = ofPlan[0] ? ` (its newest backup ${shownItemKeyPart(ofPlan[0].backupId)} is ${ofPlan[0].status})` : '';
    if (options.vault === 'dr') return `Plan "${options.plan}" has no committed backup in the DR catalog to drill${status}; ${drAdvice}`;
    return `Plan "${options.plan}" has no committed backup to drill${status}; run a backup of the plan first`;
  }
  const ageHours = (options.startedAt.getTime() - recordInstant(newest.startedAt)) / 3_600_000;
  const copy = options.vault === 'dr' ? `, DR copy ${newest.copies?.dr ?? 'not recorded'}` : '';
  return `Plan "${options.plan}" has no backup to drill from the ${options.vault} vault ${within}: its newest committed backup ${shownItemKeyPart(newest.backupId)} is ${ageHours.toFixed(1)} hours old${copy}${passedOver}${inFuture}; check the plan's backups and replication, or widen "windowDays"`;
}

/**
 * Why backups start after the drill: a clock fault only beyond FUTURE_START_TOLERANCE_MS (5 min) of the drill's start,
 * the skew the catalog's other readers allow; a backup that began seconds after the drill did is no fault, and "the
 * clock is wrong" sent the operator hunting one (review r65N F6).
 */
function aheadCause(ahead: readonly BackupRecord[], drillStart: Date): string {
  const far = ahead.filter((b) => recordInstant(b.startedAt) - drillStart.getTime() > FUTURE_START_TOLERANCE_MS).length;
  const minutes = FUTURE_START_TOLERANCE_MS / 60_000;
  if (far === ahead.length) return 'the clock that wrote them or the catalog is wrong, set it right';
  const began = `began after the drill started, within ${minutes} min of it (no clock fault): the next drill takes them`;
  if (far === 0) return `they ${began}`;
  return `${far} of them more than ${minutes} min after it, so the clock that wrote them or the catalog is wrong, set it right; the others ${began}`;
}
