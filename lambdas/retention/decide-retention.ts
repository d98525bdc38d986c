import { type RetentionConfig } from '../../config/lifeboat-config';
import { parseRetentionDuration, subtractDuration } from '../../config/retention-duration';
import { type BackupRecord } from '../catalog/backup-record';
import { type BucketUnit, bucketKey } from './time-buckets';

/** What the decision reads of a backup record. */
export type RetentionCandidate = Pick<BackupRecord, 'backupId' | 'status' | 'startedAt' | 'hold'>;

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
 *   plan whose backups stopped does not lose its last ones ("within 7d");
 * - `minAge D`: nothing younger than D at `now` is forgotten ("younger than minAge 1d");
 * - a legal hold keeps its backup whatever the rules ("legal hold: case 42");
 * - the newest committed backup is always kept ("newest backup") even when no rule reaches it.
 * RUNNING and FAILED backups are no snapshots: never counted, never forgotten here. Returns one
 * decision per backup, newest first.
 */
export function decideRetention(backups: readonly RetentionCandidate[], policy: RetentionConfig, now: Date): RetentionDecision[] {
  const timeZone = policy.timeZone ?? DEFAULT_RETENTION_TIME_ZONE;
  const ordered = [...backups].sort(newestFirst);
  const reasons = new Map<string, string[]>(ordered.map((b) => [b.backupId, []]));
  const keep = (b: RetentionCandidate, reason: string): void => {
    reasons.get(b.backupId)?.push(reason);
  };
  const committed = ordered.filter((b) => b.status === 'COMMITTED');

  for (const b of ordered) {
    if (b.hold) keep(b, `legal hold: ${b.hold.reason}`);
    if (b.status !== 'COMMITTED') keep(b, `${b.status.toLowerCase()}: only committed backups are forgotten`);
  }
  if (policy.minAge !== undefined) {
    const minAge = parseRetentionDuration(policy.minAge);
    const bound = subtractDuration(now, minAge).getTime();
    for (const b of committed) if (Date.parse(b.startedAt) > bound) keep(b, `younger than minAge ${minAge.text}`);
  }
  if (policy.keepLast !== undefined) for (const b of committed.slice(0, policy.keepLast)) keep(b, `last ${policy.keepLast}`);
  for (const { rule, unit } of BUCKET_RULES) {
    let left = policy[rule] ?? 0;
    let lastBucket: string | undefined;
    for (const b of committed) {
      if (left === 0) break;
      const bucket = bucketKey(new Date(b.startedAt), unit, timeZone);
      if (bucket === lastBucket) continue;
      lastBucket = bucket;
      keep(b, `${unit} snapshot`);
      left--;
    }
  }
  const newest = committed[0];
  if (policy.keepWithin !== undefined && newest) {
    const within = parseRetentionDuration(policy.keepWithin);
    const bound = subtractDuration(new Date(newest.startedAt), within).getTime();
    for (const b of committed) if (Date.parse(b.startedAt) >= bound) keep(b, `within ${within.text}`);
  }
  if (newest && reasons.get(newest.backupId)?.length === 0) keep(newest, 'newest backup');

  return ordered.map((b) => {
    const why = reasons.get(b.backupId) ?? [];
    return { backupId: b.backupId, startedAt: b.startedAt, status: b.status, keep: why.length > 0, reasons: why };
  });
}

function newestFirst(a: RetentionCandidate, b: RetentionCandidate): number {
  return Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.backupId < b.backupId ? 1 : a.backupId > b.backupId ? -1 : 0);
}
