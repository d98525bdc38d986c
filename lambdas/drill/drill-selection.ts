import { type BackupRecord } from '../catalog/backup-record';
import { type DrillReport } from '../catalog/drill-record';
import { InvalidInputError } from '../runtime/errors';
import { type VaultSide } from '../runtime/runtime-config';
import { ForgottenBackupError } from '../catalog/catalog-errors';
import { BackupBeingForgottenError } from '../catalog/backup-being-forgotten-error';
import { NoBackupToDrillError } from './drill-errors';

/** The recovery point the drill measures (drill-record.ts `rpo`, without the objective). */
export type DrillRpo = { backupAgeSeconds: number; largestGapSeconds: number; backupsInWindow: number };

export type DrillSelection = { backup: BackupRecord; rpo: DrillRpo };

export type DrillSelectionOptions = {
  plan: string;
  /** The vault the drill restores from: from the DR vault only backups whose DR copy is committed. */
  vault: VaultSide;
  selection: DrillReport['selection'];
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
  return backup.status === 'COMMITTED' && backup.forgottenAt === undefined && backup.forgettingAt === undefined && (vault === 'primary' || backup.copies?.dr === 'COMMITTED');
}

/**
 * Picks the backup a drill restores from the plan's backups (any order), and measures the RPO at the
 * drill's start over the window `[start − windowDays, start]`:
 * - `backupAgeSeconds`: the start minus the chosen backup's start;
 * - `largestGapSeconds`: the largest gap between consecutive drillable backups in the window,
 *   counting the gap from the newest one to the drill's start (data written since is not yet
 *   protected); with none in the window, the age of the newest drillable backup;
 * - `backupsInWindow`: the drillable backups in the window.
 * `latest` and `random-within-window` choose among the window's drillable backups; `backup-id` the
 * one named, inside the window or not (ForgottenBackupError when retention forgot it or is forgetting it). Throws NoBackupToDrillError when nothing can be drilled (the
 * message gives the newest backup's age and copy status), InvalidInputError for a named backup not
 * of this plan or not drillable from this vault (not replicated, not committed).
 */
export function selectDrillBackup(backups: readonly BackupRecord[], options: DrillSelectionOptions): DrillSelection {
  const start = options.startedAt.getTime();
  const windowStart = start - options.windowDays * DAY_MS;
  const time = (b: BackupRecord): number => Date.parse(b.startedAt);
  const ofPlan = backups.filter((b) => b.plan === options.plan && time(b) <= start).sort((a, b) => time(b) - time(a));
  const drillable = ofPlan.filter((b) => isDrillable(b, options.vault));
  const inWindow = drillable.filter((b) => time(b) >= windowStart);

  let backup: BackupRecord | undefined;
  if (options.selection === 'backup-id') {
    backup = ofPlan.find((b) => b.backupId === options.backupId);
    if (!backup) throw new InvalidInputError(`Invalid drill request: backupId: plan "${options.plan}" has no backup ${options.backupId} started before the drill`);
    if (backup.forgottenAt !== undefined) throw new ForgottenBackupError(backup.backupId, backup.forgottenAt, options.vault);
    if (backup.forgettingAt !== undefined) throw new BackupBeingForgottenError(backup.backupId, backup.forgettingAt, options.vault);
    // Named in the input: a mistaken input (refused, nothing recorded), not a plan without a backup to drill.
    if (!isDrillable(backup, options.vault)) {
      throw new InvalidInputError(`Invalid drill request: backupId: backup ${backup.backupId} of plan "${options.plan}" cannot be drilled from the ${options.vault} vault: ${statusOf(backup)}`);
    }
  } else {
    const pick = options.selection === 'latest' ? 0 : Math.min(inWindow.length - 1, Math.floor((options.random ?? Math.random)() * inWindow.length));
    backup = inWindow[pick];
  }
  if (!backup) throw new NoBackupToDrillError(noBackupMessage(ofPlan, options));

  let largestGapMs = 0;
  let later = start;
  for (const b of inWindow) {
    largestGapMs = Math.max(largestGapMs, later - time(b));
    later = time(b);
  }
  const newest = drillable[0];
  if (inWindow.length === 0 && newest) largestGapMs = start - time(newest);
  return {
    backup,
    rpo: { backupAgeSeconds: seconds(start - time(backup)), largestGapSeconds: seconds(largestGapMs), backupsInWindow: inWindow.length },
  };
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}

function statusOf(backup: BackupRecord): string {
  if (backup.status !== 'COMMITTED') return `its status is ${backup.status}`;
  return `its DR copy is ${backup.copies?.dr ?? 'not recorded'} (only backups replicated to the DR vault can be drilled from it)`;
}

function noBackupMessage(ofPlan: readonly BackupRecord[], options: DrillSelectionOptions): string {
  const committed = ofPlan.filter((b) => b.status === 'COMMITTED');
  const newest = committed[0];
  const within = `in the last ${options.windowDays} day${options.windowDays === 1 ? '' : 's'}`;
  if (!newest) {
    const status = ofPlan[0] ? ` (its newest backup ${ofPlan[0].backupId} is ${ofPlan[0].status})` : '';
    // The DR drill reads the DR catalog: a plan whose backups were never replicated has none there, however many the primary holds.
    if (options.vault === 'dr') {
      return `Plan "${options.plan}" has no committed backup in the DR catalog to drill${status}; a backup gets there when the backup workflow's Replicate step copies it: check the plan's backups and replication (lifeboat backups list: DR COPY), or drill the primary vault ("vault": "primary")`;
    }
    return `Plan "${options.plan}" has no committed backup to drill${status}; run a backup of the plan first`;
  }
  const ageHours = (options.startedAt.getTime() - Date.parse(newest.startedAt)) / 3_600_000;
  const copy = options.vault === 'dr' ? `, DR copy ${newest.copies?.dr ?? 'not recorded'}` : '';
  return `Plan "${options.plan}" has no backup to drill from the ${options.vault} vault ${within}: its newest committed backup ${newest.backupId} is ${ageHours.toFixed(1)} hours old${copy}; check the plan's backups and replication, or widen "windowDays"`;
}
