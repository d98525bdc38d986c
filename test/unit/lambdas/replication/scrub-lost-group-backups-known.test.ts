import { AFFECTED_BACKUPS_LISTED, OUTSTANDING_LISTED, type ScrubRunRecord } from '../../../../lambdas/catalog/scrub-record';
import { scrubRunSummary } from '../../../../lambdas/replication/scrub-run-summary';
import { type ScrubFinding, type ScrubReport } from '../../../../lambdas/replication/scrub-report';
import { type DamagedObject } from '../../../../lambdas/replication/scrub-damage';
import { planStatus } from '../../../../cli/status/plan-status';
import { reasonsNotWithin } from '../../../../cli/status/status-screen';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';

/**
 * Review r65J F1: status judged every plan ✗ while the latest scrub record held a lost group of unlisted objects, also
 * one the record's own run counted with both vaults open and its mapping worked out, whose backups are among the record's
 * affectedBackups: a plan with none of the lost objects was ✗, and after `backups forget --lost` the orphan packs (no
 * backup) kept every plan ✗ until prune deleted them. Such a group is judged per plan, as listed losses are; one whose
 * backups are unknown (carried from an earlier run, a cut mapping) still makes every plan ✗ (review r65A F1, F5).
 */

const FILES_BACKUP = '20261101T100000Z-0000000f';
const DB_BACKUP = '20261101T100000Z-0000000d';
const at = (day: number): { environment: string; startedAt: string; endedAt: string } => ({ environment: 'dev', startedAt: `2026-12-0${day}T00:00:00.000Z`, endedAt: `2026-12-0${day}T00:00:01.000Z` });
/** One more lost pack than the record lists: the last is counted in a group. */
const packs = Array.from({ length: OUTSTANDING_LISTED + 1 }, (_, i) => `data/ab/${String(i).padStart(62, '0')}`);

/** A run of both vaults over data/ab finding every pack corrupt with no good copy anywhere, each mapped to `affects`. */
function lostPacksRun(affects: (key: string) => DamagedObject['affects'], slice = { after: null as string | null, next: 'data/ac' }): ScrubReport {
  const findings: ScrubFinding[] = packs.map((key) => ({ vault: 'primary', key, problem: 'corrupt', detail: 'checksum mismatch', outcome: 'unrepaired', reason: 'no good copy in either vault' }));
  const damage: DamagedObject[] = packs.map((key) => ({ key, vaults: ['primary', 'dr'], affects: affects(key) }));
  return {
    scope: 'both',
    fraction: 1 / 7,
    repair: true,
    cursor: { cycle: 1, after: slice.after },
    nextCursor: { cycle: 1, after: slice.next },
    cycleComplete: false,
    objects: 1000,
    read: { primary: 200, dr: 200 },
    findings,
    damage,
    ok: false,
  };
}

const ofFiles = (key: string): DamagedObject['affects'] => [{ snapshotId: 'f1', backupId: FILES_BACKUP, source: 'files', time: '2026-11-01T10:00:00.000Z', whole: false, paths: [key], entries: 1 }];
const backup = (backupId: string, plan: string, extra: Partial<BackupRecord> = {}): BackupRecord => ({
  backupId, plan, environment: 'dev', sourceNames: ['src'], sources: [], strategy: 'incremental', status: 'COMMITTED',
  startedAt: '2026-11-01T10:00:00.000Z', endedAt: '2026-11-01T10:05:00.000Z', shardCount: 1, copies: { primary: 'COMMITTED', dr: 'COMMITTED' }, ...extra,
});
const statusOf = (plan: string, backups: BackupRecord[], record: ScrubRunRecord): ReturnType<typeof planStatus> =>
  planStatus({ plan: { name: plan, objectives: { rpoMinutes: 1e7, rtoMinutes: 60 } }, backups, drills: [], latestScrub: record, nextRun: { state: 'disabled', schedule: `lifeboat-dev-${plan}` }, now: new Date('2026-12-03T04:00:00.000Z') });

it('a lost group this run counted with its mapping worked out is judged per plan: a plan with none of its objects is within objectives', () => {
  const record = scrubRunSummary(lostPacksRun(ofFiles), at(1));
  expect(record.affectedBackups).toEqual([FILES_BACKUP]);
  const files = statusOf('files', [backup(FILES_BACKUP, 'files')], record);
  expect(files.withinObjectives).toBe(false);
  expect(files.scrub).toMatchObject({ state: 'ran', affectedBackupsOfPlan: [FILES_BACKUP] });
  const db = statusOf('db', [backup(DB_BACKUP, 'db')], record);
  expect(db.scrub).not.toHaveProperty('lostNotListed');
  expect(reasonsNotWithin(db)).toEqual([]);
  expect(db.withinObjectives).toBe(true);
  expect(record.outstanding?.notListedGroups).toEqual([expect.objectContaining({ count: 1, lost: true, backupsKnown: true })]);
});

it('orphan packs after `backups forget --lost` (their objects in no backup) make no plan ✗, listed or counted', () => {
  const record = scrubRunSummary(lostPacksRun(() => []), at(2));
  expect(record.affectedBackups).toEqual([]);
  for (const [plan, backups] of [['files', [backup(FILES_BACKUP, 'files', { forgottenAt: '2026-12-01T12:00:00.000Z' }), backup('20261102T100000Z-0000000f', 'files')]], ['db', [backup(DB_BACKUP, 'db')]]] as const) {
    const status = statusOf(plan, [...backups], record);
    expect([plan, reasonsNotWithin(status)]).toEqual([plan, []]);
    expect(status.withinObjectives).toBe(true);
  }
  expect(record.outstanding?.notListedGroups).toEqual([expect.objectContaining({ count: 1, lost: true, backupsKnown: true })]);
});

it('the same group carried by a run that did not read it again makes every plan ✗: its backups are not in that record', () => {
  const counted = scrubRunSummary(lostPacksRun(ofFiles), at(1));
  // The next slice, data/cc to data/dd: nothing found, data/ab not read.
  const next: ScrubReport = { ...lostPacksRun(ofFiles, { after: 'data/cc', next: 'data/dd' }), findings: [], damage: [], ok: true };
  const record = scrubRunSummary(next, at(2), { previous: counted });
  expect(record.affectedBackups).toEqual([]);
  expect(record.outstanding?.notListedGroups).toEqual([expect.objectContaining({ count: 1, lost: true })]);
  expect(record.outstanding?.notListedGroups?.[0]).not.toHaveProperty('backupsKnown');
  const db = statusOf('db', [backup(DB_BACKUP, 'db')], record);
  expect(db.scrub).toMatchObject({ state: 'ran', lostNotListed: { count: 1, since: counted.startedAt } });
  expect(db.withinObjectives).toBe(false);
  expect(reasonsNotWithin(db)).toEqual([expect.stringContaining('are only counted and their backups were not worked out (carried from an earlier scrub, its deadline cut the mapping, or they hit more backups than its record lists)')]);
});

it('a group counted by a run whose deadline cut the mapping, or whose other vault did not open, keeps its backups unknown', () => {
  const cut = scrubRunSummary({ ...lostPacksRun(() => []), backupsNotWorkedOut: true }, at(1));
  expect(cut.outstanding?.notListedGroups?.[0]).not.toHaveProperty('backupsKnown');
  expect(statusOf('db', [backup(DB_BACKUP, 'db')], cut).withinObjectives).toBe(false);
  const unopened = scrubRunSummary({ ...lostPacksRun(ofFiles), scope: 'primary', read: { primary: 200 } }, at(1), { unopened: ['dr'] });
  expect(unopened.outstanding?.notListedGroups?.[0]).not.toHaveProperty('backupsKnown');
});

it('review r65S F1: a group whose run hit more backups than the record lists is not marked, and a marked one of such a record judges every plan', () => {
  // An hourly plan's 2,100 backups share the last (counted) pack: the record lists the newest AFFECTED_BACKUPS_LISTED.
  const hour = (i: number): string => new Date(Date.UTC(2026, 8, 1) + i * 3_600_000).toISOString();
  const idOf = (i: number): string => `${hour(i).replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-0000000f`;
  const hits = Array.from({ length: AFFECTED_BACKUPS_LISTED + 100 }, (_, i) => i);
  const last = packs.at(-1);
  const record = scrubRunSummary(
    lostPacksRun((key) => (key !== last ? [] : hits.map((i) => ({ snapshotId: `s${i}`, backupId: idOf(i), plan: 'files', source: 'files', time: hour(i), whole: false, paths: [key], entries: 1 })))),
    at(1),
  );
  expect([record.affectedBackups.length, record.affectedBackupsNotListed]).toEqual([AFFECTED_BACKUPS_LISTED, 100]);
  expect(record.outstanding?.notListedGroups).toEqual([expect.objectContaining({ count: 1, lost: true })]);
  expect(record.outstanding?.notListedGroups?.[0]).not.toHaveProperty('backupsKnown');
  // After `backups forget --lost` of every backup the record names, the 100 older ones past the cap still hold data in the lost pack.
  const listed = new Set(record.affectedBackups);
  const backups = hits.map((i) => backup(idOf(i), 'files', listed.has(idOf(i)) ? { forgottenAt: '2026-12-02T00:00:00.000Z' } : {}));
  const files = statusOf('files', backups, record);
  expect(files.scrub).toMatchObject({ state: 'ran', lostNotListed: { count: 1, since: record.startedAt } });
  expect(files.withinObjectives).toBe(false);
  expect(reasonsNotWithin(files)).toEqual([expect.stringContaining('or they hit more backups than its record lists): any backup may hold data in them')]);
  // Review r65X F2: a scrub that hits the same backups names no more of them, so the advice is not "scrub again" alone.
  expect(files.scrub).toMatchObject({ lostNotListed: { backupsNotListed: 100 } });
  expect(reasonsNotWithin(files)).toEqual([expect.stringContaining('its run hit 100 backup(s) more than its record lists, and a scrub that hits them again names no more of them')]);
  // A record written before this fix, its group marked all the same: status does not take the mark.
  const group = record.outstanding?.notListedGroups?.[0];
  if (!record.outstanding || !group) throw new Error('the record counts no group');
  const marked: ScrubRunRecord = { ...record, outstanding: { ...record.outstanding, notListedGroups: [{ ...group, backupsKnown: true }] } };
  expect(statusOf('files', backups, marked).withinObjectives).toBe(false);
  expect(statusOf('db', [backup(DB_BACKUP, 'db')], marked).scrub).toMatchObject({ lostNotListed: { count: 1 } });
});
