import { type RetentionConfig } from '../../../../config/lifeboat-config';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { selectDrillBackup } from '../../../../lambdas/drill/drill-selection';
import { decideRetention } from '../../../../lambdas/retention/decide-retention';
import { NoBackupToDrillError } from '../../../../lambdas/drill/drill-errors';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { backupAt } from './drill-test-plans';

const start = new Date('2026-11-30T12:00:00Z');
const base = { plan: 'orders', vault: 'primary' as const, selection: 'latest' as const, sources: ['assets'], windowDays: 2, startedAt: start };

// Newest first as listed; the selection sorts itself.
const h = (hoursBefore: number): string => new Date(start.getTime() - hoursBefore * 3_600_000).toISOString();
// Backups every hour from `from` to `to` hours before the start, replicated.
const hourly = (from: number, to: number): BackupRecord[] => Array.from({ length: to - from + 1 }, (_, i) => backupAt('orders', h(from + i), { dr: 'COMMITTED' }));
// The backups as retention leaves them at `at`: those it does not keep are forgotten.
const thinned = (list: BackupRecord[], retention: RetentionConfig, at: Date): BackupRecord[] => {
  const kept = new Set(decideRetention(list, retention, at).flatMap((d) => (d.keep ? [d.backupId] : [])));
  return list.map((b) => (kept.has(b.backupId) ? b : { ...b, forgottenAt: at.toISOString() }));
};
const backups = [backupAt('orders', h(1), { dr: 'PENDING' }), backupAt('orders', h(5), { dr: 'COMMITTED' }), backupAt('orders', h(30), { dr: 'COMMITTED' }), backupAt('orders', h(60), { dr: 'COMMITTED' })];

describe('drill backup selection and RPO', () => {
  it('latest from the primary vault: the newest committed backup; gaps over the window include the one up to the drill start and the one into the window', () => {
    const { backup, rpo } = selectDrillBackup(backups, base);
    expect(backup.startedAt).toBe(h(1));
    // In the 48 h window: 1, 5, 30 h before the start. Gaps: 1 (start−newest), 4, 25, and 30 into the window from the one 60 h before.
    expect(rpo).toEqual({ backupAgeSeconds: 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 30 * 3600, backupsInWindow: 3 });
  });

  it('from the DR vault only backups whose DR copy is committed count', () => {
    const { backup, rpo } = selectDrillBackup(backups, { ...base, vault: 'dr' });
    expect(backup.startedAt).toBe(h(5));
    expect(rpo).toEqual({ backupAgeSeconds: 5 * 3600, newestBackupAgeSeconds: 5 * 3600, largestGapSeconds: 30 * 3600, backupsInWindow: 2 });
  });

  it('skips backups that are not committed', () => {
    const list = [backupAt('orders', h(0.5), { status: 'RUNNING' }), backupAt('orders', h(2), { status: 'FAILED' }), ...backups];
    expect(selectDrillBackup(list, base).backup.startedAt).toBe(h(1));
  });

  it('random-within-window picks with the injected source, only inside the window', () => {
    const pick = (r: number): string => selectDrillBackup(backups, { ...base, selection: 'random-within-window', random: () => r }).backup.startedAt;
    expect(pick(0)).toBe(h(1));
    expect(pick(0.5)).toBe(h(5));
    expect(pick(0.999)).toBe(h(30));
  });

  it('random-within-window picks only among the window’s backups that hold every source of the plan; the RPO still counts them all', () => {
    const pick = (r: number): ReturnType<typeof selectDrillBackup> => selectDrillBackup(backups, { ...base, selection: 'random-within-window', sources: ['assets', 'orders-table'], random: () => r });
    const complete = backups.map((b, i) => (i === 1 ? { ...b, sources: [...b.sources, { ...b.sources[0]!, name: 'orders-table' }] } : b));
    const chosen = (r: number): ReturnType<typeof selectDrillBackup> => selectDrillBackup(complete, { ...base, selection: 'random-within-window', sources: ['assets', 'orders-table'], random: () => r });
    expect(chosen(0).backup.startedAt).toBe(h(5));
    expect(chosen(0.99)).toEqual({ backup: complete[1], rpo: { backupAgeSeconds: 5 * 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 30 * 3600, backupsInWindow: 3 } });
    expect(() => pick(0.99)).toThrow(expect.objectContaining({ name: 'BackupLacksPlanSourcesError', message: expect.stringContaining('none of the 3 backups of the last 2 days holds every source') }));
  });

  it('a named backup is drilled even outside the window; its age is reported beside the newest backup’s, which the RPO is judged on', () => {
    const old = backups[3];
    const { backup, rpo } = selectDrillBackup(backups, { ...base, selection: 'backup-id', backupId: old?.backupId });
    expect(backup.backupId).toBe(old?.backupId);
    expect(rpo).toEqual({ backupAgeSeconds: 60 * 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 30 * 3600, backupsInWindow: 3 });
  });

  it('a named backup with none in the window: the newest drillable backup’s age, outside the window too, is the newest age and the gap', () => {
    const older = [backupAt('orders', h(60), { dr: 'COMMITTED' }), backupAt('orders', h(100), { dr: 'COMMITTED' })];
    const { rpo } = selectDrillBackup(older, { ...base, vault: 'dr', selection: 'backup-id', backupId: older[1]?.backupId });
    expect(rpo).toEqual({ backupAgeSeconds: 100 * 3600, newestBackupAgeSeconds: 60 * 3600, largestGapSeconds: 60 * 3600, backupsInWindow: 0 });
  });

  // Audit b1-1: the gap from the last backup before the window to the window's oldest was left out, so a longer outage
  // that began before the window passed where a shorter one inside it was flagged.
  it('an outage that began before the window counts whole: from the newest backup before the window to the window’s oldest', () => {
    const recent = [backupAt('orders', h(1)), backupAt('orders', h(5)), backupAt('orders', h(10))];
    const inside = selectDrillBackup([...recent, backupAt('orders', h(47))], base).rpo;
    const across = selectDrillBackup([...recent, backupAt('orders', h(49))], base).rpo;
    expect(inside).toEqual({ backupAgeSeconds: 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 37 * 3600, backupsInWindow: 4 });
    expect(across).toEqual({ backupAgeSeconds: 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 39 * 3600, backupsInWindow: 3 });
  });

  it('the gap into the window is measured from the newest backup before it that was a recovery point, forgotten by retention since or not', () => {
    const recent = [backupAt('orders', h(1), { dr: 'COMMITTED' }), backupAt('orders', h(20), { dr: 'COMMITTED' })];
    const forgotten = { ...backupAt('orders', h(50), { dr: 'COMMITTED' }), forgottenAt: h(2) };
    const kept = backupAt('orders', h(200), { dr: 'COMMITTED' });
    expect(selectDrillBackup([...recent, forgotten, kept], base).rpo.largestGapSeconds).toBe(30 * 3600);
    // From the DR vault a backup never replicated was no recovery point of it.
    const unreplicated = [...recent, backupAt('orders', h(50), { dr: 'PENDING' }), backupAt('orders', h(60), { dr: 'COMMITTED' })];
    expect(selectDrillBackup(unreplicated, { ...base, vault: 'dr' }).rpo.largestGapSeconds).toBe(40 * 3600);
  });

  // Review r3 (R3-1, R3-2): gaps skipped the backups retention had forgotten, so a retention keeping less than the window
  // (keepWithin 2d) reported the forgotten part of the window as one gap, and one thinning inside it (keepHourly 24 then
  // keepDaily) the spacing of its daily keeps: every drill of a healthy hourly plan missed its RPO.
  it.each<[string, RetentionConfig, number]>([
    ['keepWithin 2d (less than the window)', { keepWithin: '2d' }, 49],
    ['the RUNBOOKS example (keepLast 7, keepHourly 24, keepDaily 7, keepWeekly 4)', { keepLast: 7, keepHourly: 24, keepDaily: 7, keepWeekly: 4 }, 29],
  ])('retention thinning an hourly plan is no gap: %s leaves the gap of the schedule, from either vault', (_, retention, kept) => {
    const history = thinned(hourly(1, 30 * 24), retention, start);
    for (const vault of ['primary', 'dr'] as const) {
      const { backup, rpo } = selectDrillBackup(history, { ...base, vault, windowDays: 7 });
      expect(backup.startedAt).toBe(h(1));
      expect(rpo).toEqual({ backupAgeSeconds: 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 3600, backupsInWindow: kept });
    }
  });

  it('thinned or not, an outage still counts whole: inside the window, and one that began before it (weekly drills of a 7-day window)', () => {
    const runbooksExample: RetentionConfig = { keepLast: 7, keepHourly: 24, keepDaily: 7, keepWeekly: 4 };
    // No backup from 41 to 99 h before the start: a 60 h gap, however retention thinned the backups around it.
    const inside = thinned([...hourly(1, 40), ...hourly(100, 30 * 24)], runbooksExample, start);
    expect(selectDrillBackup(inside, { ...base, vault: 'dr', windowDays: 7 }).rpo.largestGapSeconds).toBe(60 * 3600);
    // Backups stopped an hour before one weekly drill and resumed 6 days later: the next drill judges the whole 145 h,
    // though retention (keepWithin 2d) has forgotten every backup before it resumed.
    const resumed = thinned([...hourly(1, 24), ...hourly(7 * 24 + 1, 30 * 24)], { keepWithin: '2d' }, start);
    expect(selectDrillBackup(resumed, { ...base, vault: 'dr', windowDays: 7 }).rpo).toEqual({
      backupAgeSeconds: 3600,
      newestBackupAgeSeconds: 3600,
      largestGapSeconds: 145 * 3600,
      backupsInWindow: 24,
    });
  });

  it('a plan younger than the window: no gap from the window’s start; an outage over the whole window: no backup to drill, or the newest’s age', () => {
    const young = [backupAt('orders', h(1)), backupAt('orders', h(20))];
    expect(selectDrillBackup(young, base).rpo).toEqual({ backupAgeSeconds: 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 19 * 3600, backupsInWindow: 2 });
    const stopped = [backupAt('orders', h(60)), backupAt('orders', h(61))];
    expect(() => selectDrillBackup(stopped, base)).toThrow(NoBackupToDrillError);
    expect(selectDrillBackup(stopped, { ...base, selection: 'backup-id', backupId: stopped[1]?.backupId }).rpo).toEqual({
      backupAgeSeconds: 61 * 3600,
      newestBackupAgeSeconds: 60 * 3600,
      largestGapSeconds: 60 * 3600,
      backupsInWindow: 0,
    });
  });

  it('a named backup not replicated cannot be drilled from the DR vault, and the error says why', () => {
    const pending = backups[0];
    expect(() => selectDrillBackup(backups, { ...base, vault: 'dr', selection: 'backup-id', backupId: pending?.backupId })).toThrow(/its DR copy is PENDING/);
    expect(() => selectDrillBackup(backups, { ...base, selection: 'backup-id', backupId: '20200101T000000Z-00000000' })).toThrow(InvalidInputError);
  });

  it('passes over backups retention forgot, and names one asked for by id as forgotten', () => {
    const list = backups.map((b, i) => (i === 0 ? { ...b, forgottenAt: '2026-11-30T11:30:00.000Z' } : b));
    expect(selectDrillBackup(list, base).backup.startedAt).toBe(h(5));
    expect(() => selectDrillBackup(list, { ...base, selection: 'backup-id', backupId: list[0]?.backupId })).toThrow(
      expect.objectContaining({ name: 'ForgottenBackupError', message: expect.stringContaining(`Backup ${list[0]?.backupId ?? ''} was forgotten by retention at 2026-11-30T11:30:00.000Z: its snapshots are no longer in the primary vault.`) }),
    );
  });

  // Review 41b F2: a claimed backup's snapshots are being deleted, and its restore's pin would be refused.
  it('passes over a backup a forget run claimed, in the choice and in the RPO, and names one asked for by id as being forgotten', () => {
    const list = backups.map((b, i) => (i === 0 ? { ...b, forgettingAt: '2026-11-30T11:30:00.000Z' } : b));
    const { backup, rpo } = selectDrillBackup(list, base);
    expect(backup.startedAt).toBe(h(5));
    expect(rpo).toEqual({ backupAgeSeconds: 5 * 3600, newestBackupAgeSeconds: 5 * 3600, largestGapSeconds: 30 * 3600, backupsInWindow: 2 });
    expect(() => selectDrillBackup(list, { ...base, selection: 'backup-id', backupId: list[0]?.backupId })).toThrow(
      expect.objectContaining({ name: 'ForgottenBackupError', message: expect.stringContaining(`Backup ${list[0]?.backupId ?? ''} is being forgotten by retention since 2026-11-30T11:30:00.000Z`) }),
    );
  });

  it('with nothing in the window: NoBackupToDrillError with the newest backup’s age and DR copy status', () => {
    const stale = [backupAt('orders', h(100), { dr: 'PENDING' })];
    let thrown: unknown;
    try {
      selectDrillBackup(stale, { ...base, vault: 'dr' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(NoBackupToDrillError);
    expect((thrown as Error).name).toBe('NoBackupToDrillError');
    expect((thrown as Error).message).toMatch(/newest committed backup \S+ is 100\.0 hours old, DR copy PENDING/);
  });

  it('f65E: committed backups whose start is no time are said to be passed over, never "no committed backup" or NaN hours', () => {
    const untimed = [backupAt('orders', 'yesterday-ish', { dr: 'COMMITTED' })];
    expect(() => selectDrillBackup(untimed, base)).toThrow(/with a start that is a time; 1 committed backup\(s\) of the plan were passed over because their start is no time \(e\.g\. \S+, startedAt yesterday-ish\)/);
    const stale = [...untimed, backupAt('orders', h(100), { dr: 'PENDING' })];
    const message = (() => {
      try {
        selectDrillBackup(stale, base);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(/is 100\.0 hours old; 1 committed backup\(s\) of the plan were passed over because their start is no time/);
    expect(message).not.toContain('NaN');
  });

  it('f65N (r65E F5): counts only untimed backups the drill could take, and keeps the DR advice', () => {
    const messageOf = (backups: BackupRecord[], options: typeof base | (Omit<typeof base, 'vault'> & { vault: 'dr' })): string => {
      try {
        selectDrillBackup(backups, options);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    // Not in the DR vault, or forgotten: no drill would take them whatever their start.
    const notReplicated = backupAt('orders', 'hand-edited', { dr: 'FAILED' });
    const forgotten = { ...backupAt('orders', 'hand-edited', { dr: 'COMMITTED' }), forgottenAt: h(1) };
    const dr = messageOf([notReplicated, forgotten], { ...base, vault: 'dr' });
    expect(dr).not.toContain('passed over');
    expect(dr).toContain("has no committed backup in the DR catalog to drill; a backup gets there when the backup workflow's Replicate step copies it");
    const untimed = messageOf([notReplicated, backupAt('orders', 'yesterday-ish', { dr: 'COMMITTED' })], { ...base, vault: 'dr' });
    expect(untimed).toContain('1 committed backup(s) of the plan were passed over because their start is no time');
    expect(untimed).toContain("a backup gets there when the backup workflow's Replicate step copies it");
  });

  it('f65N (r65E F6): committed backups that start after the drill are said so, never "no committed backup to drill"', () => {
    const ahead = backupAt('orders', new Date(start.getTime() + 365 * 24 * 3_600_000).toISOString(), { dr: 'COMMITTED' });
    expect(() => selectDrillBackup([ahead], base)).toThrow(
      /with a start that is a time and before the drill; 1 committed backup\(s\) of the plan were passed over because they start after the drill \(e\.g\. \S+, started \S+\): the clock that wrote them or the catalog is wrong/,
    );
  });

  it('f65T (r65N F6): a backup that began within 5 min after the drill started is said to have begun after it, not a clock fault', () => {
    const justAfter = backupAt('orders', new Date(start.getTime() + 30_000).toISOString(), { dr: 'COMMITTED' });
    let message = '';
    try {
      selectDrillBackup([justAfter], base);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('because they start after the drill');
    expect(message).toContain('they began after the drill started, within 5 min of it (no clock fault): the next drill takes them');
    expect(message).not.toContain('clock that wrote them');
  });

  it('with no committed backup at all, says so', () => {
    expect(() => selectDrillBackup([backupAt('orders', h(1), { status: 'FAILED' })], base)).toThrow(/has no committed backup to drill \(its newest backup \S+ is FAILED\)/);
    expect(() => selectDrillBackup([], base)).toThrow(/has no committed backup to drill; run a backup/);
    // The DR catalog has only what was replicated: the message sends the reader to replication, not to a backup.
    expect(() => selectDrillBackup([], { ...base, vault: 'dr' })).toThrow(/has no committed backup in the DR catalog to drill; a backup gets there when the backup workflow's Replicate step copies it/);
  });
});
