import { type BackupCatalog, type BackupHead } from '../catalog/backup-catalog';
import { FUTURE_START_TOLERANCE_MS, startsInFuture } from '../catalog/future-start';
import { comparedInstant } from '../catalog/compared-instant';
import { recordInstant } from '../catalog/record-instant';
import { shownItemKeyPart } from '../catalog/shown-item-key';
import { handlerLogger } from './handler-logger';
import { publishMetrics } from './publish-metrics';
import { secondsBetween } from './seconds-between';

/**
 * How old a plan's newest committed backup, and its newest backup the DR vault holds, are; absent when it has none.
 * `lastCommittedBackupId`: that newest committed backup (the entries-skipped watch reads its record).
 */
export type PlanBackupAges = { plan: string; lastCommittedAgeSeconds?: number; lastReplicatedAgeSeconds?: number; lastCommittedBackupId?: string };

/**
 * The watchdog (scheduled every few minutes): each plan's last committed and last replicated
 * backup age from the catalog, published as LastCommittedBackupAge and LastReplicatedBackupAge. A
 * plan whose backups stopped (schedule deleted, every run refused) keeps being measured, which the
 * backups' own metrics cannot do. A plan without any such backup publishes nothing: its alarm treats
 * missing data as breaching. The age runs from the backup's start, as `lifeboat status`, the drill's
 * RPO and the report measure it: what a restore of it loses is everything written since it started
 * reading, so a long backup must not make the RPO alarm fire late by its duration. A plan that has no
 * DR-copied backup is read to its oldest record (in small projected pages: its memory stays bounded).
 * A record that starts more than FUTURE_START_TOLERANCE_MS after this run's clock is passed over with a
 * warning (future-start.ts): read newest first it would always be the newest, 0 s old, and keep the
 * alarms OK while the plan's real backups stopped. Within the tolerance, skew reads as 0 s. A record whose start is
 * not a time (hand-written) is passed over with a warning too: the index reads it first of all (its key sorts by the
 * text), its age was NaN, no metric was published and the alarm (missing data is breaching) fired against sound
 * backups (review r64O F4). Starts are read as recordInstant reads them (a zoneless one as UTC), and the newest is the
 * newest instant, read a day of text past the first DR-copied record (newestOf: the index orders by the start's text).
 */
export async function watchBackupAges(
  environment: string,
  plans: readonly { name: string }[],
  deps: { catalog: Pick<BackupCatalog, 'newestBackupsOfPlan'>; now?: () => Date; warn?: (message: string) => void },
): Promise<PlanBackupAges[]> {
  const clock = (deps.now ?? (() => new Date()))();
  const warn = deps.warn ?? ((message: string) => handlerLogger.warn(message));
  const ages: PlanBackupAges[] = [];
  for (const { name } of plans) {
    const { committed, replicated } = await newestOf(name, deps.catalog, clock, warn);
    const ageOf = (b: { startedAt: string }): number => secondsBetween(b.startedAt, clock);
    const entry: PlanBackupAges = { plan: name };
    if (committed) {
      entry.lastCommittedAgeSeconds = ageOf(committed);
      entry.lastCommittedBackupId = committed.backupId;
    }
    if (replicated) entry.lastReplicatedAgeSeconds = ageOf(replicated);
    publishMetrics({ environment, plan: name }, { lastCommittedBackupAge: entry.lastCommittedAgeSeconds, lastReplicatedBackupAge: entry.lastReplicatedAgeSeconds });
    ages.push(entry);
  }
  return ages;
}

/**
 * How far below the newest DR-copied start's instant, as ISO text, the watch keeps reading the index: a start written
 * with an offset (at most ±14 h) or with no zone (read as UTC) sorts by its local fields, so one newer as an instant may
 * sort after it by up to 14 h of text. A day covers that with room; a plan of hourly backups reads some 25 more records.
 */
const TEXT_ORDER_MARGIN_MS = 86_400_000;

/**
 * The plan's newest committed backup and its newest one the DR vault holds, reading newest first only until both
 * are found (audit R26 F1): reading the whole history every few minutes ran the function out of memory once a plan
 * had years of hourly backups, and then every plan's age alarm fired. The index reads by the start's text, so the read
 * goes on past the first DR-copied record until the text is more than TEXT_ORDER_MARGIN_MS (as ISO text) below the
 * newest DR-copied instant found: a hand-written offset start that sorts later but is newer is read and taken (review
 * r64U F2: a start of 23:50-05:00, 04:50Z, was not read behind one of 00:00Z, and the age was 5 h too old). A start
 * in another form (a date written out in words) sorts apart from ISO ones and is not looked for past that margin.
 * A record that does not validate is logged and passed over: measuring the others is the point, and a plan left
 * unmeasured would alarm as missing data.
 */
async function newestOf(plan: string, catalog: Pick<BackupCatalog, 'newestBackupsOfPlan'>, now: Date, warn: (message: string) => void): Promise<{ committed?: BackupHead; replicated?: BackupHead }> {
  let committed: BackupHead | undefined;
  let replicated: BackupHead | undefined;
  // The ISO text below which no start can stand for an instant newer than `replicated`'s (and so than `committed`'s).
  let readDownTo: string | undefined;
  for await (const read of catalog.newestBackupsOfPlan(plan)) {
    if ('invalid' in read) {
      warn(`Backup age watch of plan "${plan}" passed over a catalog record it cannot read: ${read.invalid.message}`);
      continue;
    }
    if (readDownTo !== undefined && read.head.startedAt < readDownTo) break;
    if (read.head.status !== 'COMMITTED') continue;
    // The record's own text, escaped and cut: a newline or ESC in it would forge the log's lines.
    const shownId = shownItemKeyPart(read.head.backupId);
    if (Number.isNaN(recordInstant(read.head.startedAt))) {
      warn(`Backup age watch of plan "${plan}" passed over backup ${shownId}: its startedAt is not a time; the plan's age is measured from the other backups (fix the record's startedAt)`);
      continue;
    }
    if (startsInFuture(read.head.startedAt, now)) {
      warn(
        `Backup age watch of plan "${plan}" passed over backup ${shownId}: it starts at ${comparedInstant(read.head.startedAt) ?? ''}, more than ${FUTURE_START_TOLERANCE_MS / 60_000} min after ` +
          `this run's clock (${now.toISOString()}): the clock that wrote it or the catalog is wrong; the plan's age is measured from the backup before it`,
      );
      continue;
    }
    // The index orders by the start's text: among the records read, a hand-written start (an offset, no zone) may be newer.
    const at = recordInstant(read.head.startedAt);
    if (!committed || at > recordInstant(committed.startedAt)) committed = read.head;
    if (read.head.copies?.dr === 'COMMITTED' && (!replicated || at > recordInstant(replicated.startedAt))) {
      replicated = read.head;
      readDownTo = new Date(at - TEXT_ORDER_MARGIN_MS).toISOString();
    }
  }
  return { ...(committed ? { committed } : {}), ...(replicated ? { replicated } : {}) };
}
