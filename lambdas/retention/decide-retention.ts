import { type RetentionConfig } from '../../config/lifeboat-config';
import { parseRetentionDuration, subtractDuration } from '../../config/retention-duration';
import { type BackupRecord, type LegalHold, type RestorePin } from '../catalog/backup-record';
import { CLOCK_SKEW_MS } from '../catalog/future-start';
import { comparedInstant } from '../catalog/compared-instant';
import { recordInstant } from '../catalog/record-instant';
import { shownItemKeyPart } from '../catalog/shown-item-key';
import { shownPinBy } from './shown-pin-by';
import { livePins } from './live-pins';
import { type BucketUnit, bucketKey } from './time-buckets';

/**
 * What the decision reads of a backup record. `sources` (the names of the sources it holds a snapshot
 * of) is optional: candidates without it (`lifeboat vault forget`, which groups its snapshots itself)
 * are decided as one group.
 */
export type RetentionCandidate = Pick<BackupRecord, 'backupId' | 'status' | 'startedAt' | 'hold' | 'pins'> & { sources?: readonly { readonly name: string }[] };

/** The verdict on one backup: kept (with every reason that keeps it) or forgotten (no reason). */
export type RetentionDecision = {
  readonly backupId: string;
  readonly startedAt: string;
  readonly status: BackupRecord['status'];
  readonly keep: boolean;
  readonly reasons: readonly string[];
};

const BUCKET_RULES: readonly { rule: 'keepHourly' | 'keepDaily' | 'keepWeekly' | 'keepMonthly' | 'keepYearly'; unit: BucketUnit }[] = [
  { rule: 'keepHourly', unit: 'hourly' },
  { rule: 'keepDaily', unit: 'daily' },
  { rule: 'keepWeekly', unit: 'weekly' },
  { rule: 'keepMonthly', unit: 'monthly' },
  { rule: 'keepYearly', unit: 'yearly' },
];

/** Why a backup that starts after `now` (beyond the clock skew) is kept, and counted by no rule. */
export const FUTURE_START = 'starts in the future: the clock that wrote it is wrong';

/** Why a backup whose start is not a time is kept, and counted by no rule. */
export const UNTIMED_START = 'its startedAt is not a time: counted by no rule';

/** The time zone of a policy's buckets when it names none. */
export const DEFAULT_RETENTION_TIME_ZONE = 'UTC';

/**
 * Which backups a policy keeps, restic's `forget` in one pure function (no clock, no I/O). Every
 * rule is applied on its own to all committed backups, newest first, and a backup is kept when any
 * rule keeps it — so adding a rule or raising a count never forgets more:
 * - `keepLast N`: the N newest ("last N");
 * - `keepHourly … keepYearly N`: the newest backup of each of the N newest hours / days / ISO weeks
 *   / months / years that hold one, on the wall clock of `timeZone` ("daily snapshot");
 * - `keepWithin D`: every backup started within D before the newest backup — not before `now`, so a
 *   plan whose backups stopped does not lose its last ones ("within 7d"); D counts back in UTC calendar
 *   steps (retention-duration.ts), not on the wall clock of `timeZone`;
 * - `minAge D`: nothing younger than D at `now` is forgotten ("younger than minAge 1d");
 * - a legal hold keeps its backup whatever the rules ("legal hold: case 42");
 * - so does a running restore's pin until its `until` (backup-record.ts; "pinned by restore r-1 until
 *   2026-03-11T00:00:00.000Z"); a pin whose `until` has passed counts for nothing;
 * - the newest committed backup is always kept ("newest backup") even when no rule reaches it.
 *
 * Then the same rules again per source, over the committed backups that hold that source (restic
 * applies its policy per host+paths group): a backup the plan-wide pass forgets is kept when its
 * source's pass keeps it, with the reason naming the source ("newest backup of source uploads",
 * "last 2 of source uploads"). A source removed from (or renamed in) the plan is held only by the
 * older backups, which the newer ones would otherwise push out of every count; its last backups stay
 * as its rules kept them on the day it left (relative rules count from its own newest backup). While every backup holds every source the per-source
 * passes keep exactly what the plan-wide one does: it is a union, it never forgets more.
 *
 * A committed backup that starts more than CLOCK_SKEW_MS after `now` is kept ("starts in the future:
 * the clock that wrote it is wrong") and counted by no rule: the newest backup, `keepLast` and
 * `keepWithin` are measured among the others, as restic measures keep-within only among snapshots
 * before now. Counted, a backup from a host whose clock ran years ahead would be the newest, and
 * every real backup would fall out of `keepWithin` and `keepLast` behind it (audit c2-1). The bound
 * is record-evidence.ts's, so the catalog's evidence check and this decision draw the same line.
 *
 * A committed backup whose start is not a time (recordInstant NaN: hand-written) is kept likewise ("its startedAt is
 * not a time: counted by no rule"): no rule can place it, and ordered by its text it was the newest of all, while its
 * first calendar rule threw a RangeError that stopped the whole run (review r64O F3). Starts are read as recordInstant
 * reads them, a zoneless one as UTC, so the order does not depend on the machine's zone.
 *
 * RUNNING and FAILED backups are no snapshots: never counted, never forgotten here. Returns one
 * decision per backup, newest first.
 */
export function decideRetention(backups: readonly RetentionCandidate[], policy: RetentionConfig, now: Date): RetentionDecision[] {
  const ordered = [...backups].sort(newestFirst);
  const reasons = new Map<string, string[]>(ordered.map((b) => [b.backupId, []]));
  const latest = now.getTime() + CLOCK_SKEW_MS;
  const inFuture = (b: RetentionCandidate): boolean => b.status === 'COMMITTED' && recordInstant(b.startedAt) > latest;
  const untimed = (b: RetentionCandidate): boolean => b.status === 'COMMITTED' && Number.isNaN(recordInstant(b.startedAt));
  const committed = ordered.filter((b) => b.status === 'COMMITTED' && !inFuture(b) && !untimed(b));

  for (const b of ordered) {
    if (b.hold) reasons.get(b.backupId)?.push(heldReason(b.hold));
    if (b.status !== 'COMMITTED') reasons.get(b.backupId)?.push(`${b.status.toLowerCase()}: only committed backups are forgotten`);
    else for (const pin of livePins(b, now)) reasons.get(b.backupId)?.push(pinnedReason(pin));
    if (inFuture(b)) reasons.get(b.backupId)?.push(FUTURE_START);
    if (untimed(b)) reasons.get(b.backupId)?.push(UNTIMED_START);
  }
  // A pin is treated as a legal hold: the rules still count the backup, and it needs no "newest backup" of its own.
  const held = new Set(ordered.filter((b) => b.hold || (b.status === 'COMMITTED' && livePins(b, now).length > 0)).map((b) => b.backupId));
  for (const [backupId, why] of applyRules(committed, policy, now, held)) reasons.get(backupId)?.push(...why);
  const keptPlanWide = new Set([...reasons].filter(([, why]) => why.length > 0).map(([backupId]) => backupId));
  for (const source of sourceNamesOf(committed)) {
    const holding = committed.filter((b) => b.sources?.some((s) => s.name === source));
    for (const [backupId, why] of applyRules(holding, policy, now, keptPlanWide)) {
      if (!keptPlanWide.has(backupId)) reasons.get(backupId)?.push(...why.map((w) => `${w} of source ${shownItemKeyPart(source)}`));
    }
  }

  return ordered.map((b) => {
    const why = reasons.get(b.backupId) ?? [];
    return { backupId: b.backupId, startedAt: b.startedAt, status: b.status, keep: why.length > 0, reasons: why };
  });
}

/**
 * Why a legal hold keeps its backup ("legal hold: case 42"). The reason is the record's, any non-empty string
 * (backupRecordSchema), so it is shown escaped here, once, for the report's text and its JSON alike: a newline, ESC or
 * bidi override in it would forge or reorder the forget report's lines (f62T); and cut at 40, as a record's text beside
 * the report's printed deletes is (shown-item-key.ts: to 200 it spelled another record's delete, review r63AA F1).
 */
export function heldReason(hold: Pick<LegalHold, 'reason'>): string {
  return `legal hold: ${shownItemKeyPart(hold.reason)}`;
}

/**
 * Why a restore's live pin keeps its backup ("pinned by restore r-1 until …"): `by` is the record's, shown as
 * shownPinBy does; `until` as the instant it parses to (Date.parse skips a "(comment)", so its text spelled a delete:
 * review r63AA F1), the one livePins judged (comparedInstant: a zoneless text as UTC, review r65N F1). An `until` that
 * is no time keeps the backup (livePins): its text is shown escaped and cut as a record's text is, with what to do, so
 * that the operator can find the pin and the backup is not kept for ever unsaid (review r65T F1).
 */
export function pinnedReason(pin: Pick<RestorePin, 'by' | 'until'>): string {
  const until = comparedInstant(pin.until);
  if (until === undefined) return `pinned by ${shownPinBy(pin.by)} until ${shownItemKeyPart(pin.until)} (not a time): fix the pin's until, or remove the pin, in the backup's catalog record (its pins map; docs/RUNBOOKS.md, Running restores)`;
  return `pinned by ${shownPinBy(pin.by)} until ${until}`;
}

/**
 * The keep rules over one group of committed backups, newest first: backup id → the reasons that
 * keep it (a backup no rule keeps is absent). The group's newest backup is always kept: "newest
 * backup" is said only when nothing else keeps it, neither a rule nor `keptAlready` (a legal hold).
 */
function applyRules(committed: readonly RetentionCandidate[], policy: RetentionConfig, now: Date, keptAlready: ReadonlySet<string>): Map<string, string[]> {
  const timeZone = policy.timeZone ?? DEFAULT_RETENTION_TIME_ZONE;
  const reasons = new Map<string, string[]>();
  const keep = (b: RetentionCandidate, reason: string): void => {
    const why = reasons.get(b.backupId);
    if (why) why.push(reason);
    else reasons.set(b.backupId, [reason]);
  };
  if (policy.minAge !== undefined) {
    const minAge = parseRetentionDuration(policy.minAge);
    const bound = subtractDuration(now, minAge).getTime();
    for (const b of committed) if (recordInstant(b.startedAt) > bound) keep(b, `younger than minAge ${minAge.text}`);
  }
  if (policy.keepLast !== undefined) for (const b of committed.slice(0, policy.keepLast)) keep(b, `last ${policy.keepLast}`);
  for (const { rule, unit } of BUCKET_RULES) {
    let left = policy[rule] ?? 0;
    let lastBucket: string | undefined;
    for (const b of committed) {
      if (left === 0) break;
      const bucket = bucketKey(new Date(recordInstant(b.startedAt)), unit, timeZone);
      if (bucket === lastBucket) continue;
      lastBucket = bucket;
      keep(b, `${unit} snapshot`);
      left--;
    }
  }
  const newest = committed[0];
  if (policy.keepWithin !== undefined && newest) {
    const within = parseRetentionDuration(policy.keepWithin);
    const bound = subtractDuration(new Date(recordInstant(newest.startedAt)), within).getTime();
    for (const b of committed) if (recordInstant(b.startedAt) >= bound) keep(b, `within ${within.text}`);
  }
  if (newest && !reasons.has(newest.backupId) && !keptAlready.has(newest.backupId)) keep(newest, 'newest backup');
  return reasons;
}

/** Every source name the backups hold a snapshot of, sorted (so that the reasons come in a stable order). */
function sourceNamesOf(backups: readonly RetentionCandidate[]): string[] {
  return [...new Set(backups.flatMap((b) => (b.sources ?? []).map((s) => s.name)))].sort();
}

/** Newest first by recordInstant; a start that is not a time last (a NaN difference would leave the order to the input's). */
function newestFirst(a: RetentionCandidate, b: RetentionCandidate): number {
  return instantOrOldest(b.startedAt) - instantOrOldest(a.startedAt) || (a.backupId < b.backupId ? 1 : a.backupId > b.backupId ? -1 : 0);
}

function instantOrOldest(startedAt: string): number {
  const at = recordInstant(startedAt);
  return Number.isNaN(at) ? -Infinity : at;
}
