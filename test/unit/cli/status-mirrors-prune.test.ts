import { mirrorLines } from '../../../cli/commands/backup-commands';
import { statusCommand } from '../../../cli/commands/status-command';
import { ALARMS_NOT_EMULATED } from '../../../cli/status/alarm-status';
import { environmentStatus, type EnvironmentStatus } from '../../../cli/status/environment-status';
import { mirrorSummary, schedulePeriodSeconds, type SourceMirrorStatus, sourceMirrorStatus } from '../../../cli/status/mirror-status';
import { type PlanStatus } from '../../../cli/status/plan-status';
import { statusScreen } from '../../../cli/status/status-screen';
import { type StatusSources } from '../../../cli/status/status-sources';
import { DEFAULT_CONFIG_FILE, findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { PRUNE_RECORD_DAYS, pruneRunRecord, type PruneRunRecord } from '../../../lambdas/catalog/prune-record';
import { type MirrorRecord } from '../../../lambdas/mirror/mirror-record';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat status` on mirrors and prunes: the rules of a mirror's verdict (difference, failed check,
 * a check older than twice the schedule, lag beyond the RPO; not checked yet and file systems not
 * judged), the last prune of each vault, and how both reach the screen, --json and the exit code.
 */

const NOW = new Date('2026-11-30T12:00:00.000Z');
const SCHEDULE = { expression: 'rate(15 minutes)', name: 'lifeboat-dev-mirror-check' };
const S3_SOURCE = { name: 'demo-assets', type: 's3' as const };
const DAY_RPO = 86_400;

const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

function check(overrides: Partial<MirrorRecord> = {}): MirrorRecord {
  return {
    environment: 'dev',
    source: 'demo-assets',
    plan: 'demo',
    type: 's3',
    mirror: 's3://lifeboat-dev-mirror-demo-assets/',
    checkedAt: minutesAgo(5),
    passed: true,
    compared: 120,
    differences: 0,
    inFlight: 2,
    lagSeconds: 3.25,
    graceSeconds: 900,
    cursor: '',
    durationMs: 40,
    // One window covers the source: each check is a clean complete pass.
    passUnfollowed: 0, cleanPassStartedAt: overrides.checkedAt ?? minutesAgo(5),
    cleanPassLagSeconds: 3.25,
    ...overrides,
  };
}

const mirror = (record: MirrorStatusCheck, rpoSeconds = DAY_RPO, source: { name: string; type: 's3' | 'dynamodb' | 'filesystem' } = S3_SOURCE): SourceMirrorStatus =>
  sourceMirrorStatus({ plan: 'demo', source, check: record, rpoSeconds, schedule: SCHEDULE, now: NOW });
type MirrorStatusCheck = Parameters<typeof sourceMirrorStatus>[0]['check'];

describe('a mirrored source', () => {
  it('equal, checked 5 minutes ago with a 3.25 s lag: within its objectives, the lag and age said', () => {
    const m = mirror(check());
    expect(m).toEqual(expect.objectContaining({ verdict: 'equal', checkAgeSeconds: 300, lagSeconds: 3.25, staleAfterSeconds: 1800, stale: false, lagOverRpo: false, withinObjectives: true, reasons: [] }));
    expect(mirrorSummary(m)).toBe('equal (120 compared, 2 in flight), lag 3.3s, checked 5m ago');
  });

  it('differences: not within, the reason names the count and the first differing key', () => {
    const m = mirror(check({ passed: false, differences: 3, firstDifference: { key: 'img/a.png', reason: 'only in the source' } }));
    expect(m.verdict).toBe('differences');
    expect(m.withinObjectives).toBe(false);
    expect(m.reasons).toEqual([
      `mirror of demo-assets (s3://lifeboat-dev-mirror-demo-assets/): the check of ${minutesAgo(5)} found 3 difference(s), first "img/a.png" (only in the source): see \`lifeboat backups list --plan demo\` and the replication rule`,
    ]);
    expect(mirrorSummary(m)).toBe('3 difference(s), lag 3.3s, checked 5m ago');
    // Open since an earlier check (the verdict keeps a difference until it is seen equal again): since when is said.
    const open = mirror(check({ passed: false, differences: 1, firstDifference: { key: 'img/a.png', reason: 'differs' }, unresolvedSince: minutesAgo(65) }));
    expect(open.reasons[0]).toContain(`found 1 difference(s), first "img/a.png" (differs), open since ${minutesAgo(65)}: see`);
  });

  it("shows the record's text escaped: a key (user data) with U+202E or a C1, a forged check time or note forges no line and drives no terminal (review r62M F3)", () => {
    const key = 'invoices/\u202efdp.exe\u0085x';
    const m = mirror(check({ passed: false, differences: 1, firstDifference: { key, reason: 'missing in the mirror' }, unresolvedSince: `${minutesAgo(65)}\u001b[31m` }));
    expect(m.reasons).toEqual([
      `mirror of demo-assets (s3://lifeboat-dev-mirror-demo-assets/): the check of ${minutesAgo(5)} found 1 difference(s), first "invoices/\\u202efdp.exe\\u0085x" (missing in the mirror), open since ${minutesAgo(65)}\\u001b[31m: see \`lifeboat backups list --plan demo\` and the replication rule`,
    ]);
    // V8 reads a date with a (comment) in it: a forged check time is still a time, and is printed.
    const forgedAt = `Nov 30 2026 11:55 GMT (x\n✓ demo: within objectives\u009b32m)`;
    const failed = mirror(check({ checkedAt: forgedAt, passed: false, compared: 0, inFlight: 0, note: 'the mounted replica fs-1 is not "fs-2"\\x: set it\n✓ demo: within objectives\u202e' }));
    expect(failed.reasons).toEqual([
      'mirror of demo-assets (s3://lifeboat-dev-mirror-demo-assets/): the check of Nov 30 2026 11:55 GMT (x\\u000a✓ demo: within objectives\\u009b32m) failed: the mounted replica fs-1 is not "fs-2"\\x: set it\\u000a✓ demo: within objectives\\u202e',
    ]);
    for (const line of [...m.reasons, ...failed.reasons]) for (const raw of ['\n', '\u001b', '\u009b', '\u0085', '\u202e']) expect(line).not.toContain(raw);
  });

  it("shows an unreachable attempt's time that is no zoned ISO time as its text, escaped: a (comment) holding a newline or ESC forges nothing (review r63G F2)", () => {
    // V8 reads past the parenthesised text, but no zoned ISO time is placed after the check (review r63R F3): a record's is
    // not kept; one kept (a line given it) shows its text escaped.
    const at = '(\u001b[2J\n✓ ok) Nov 30 2026 11:59 GMT';
    expect(mirror(check({ lastAttempt: { at, error: 'source region us-east-1 unreachable' } })).unreachable).toBeUndefined();
    const m: SourceMirrorStatus = { ...mirror(check()), unreachable: { at, error: 'source region us-east-1 unreachable' } };
    expect(mirrorSummary(m)).toBe('equal (120 compared, 2 in flight), lag 3.3s, checked 5m ago, source unreachable at (\\u001b[2J\\u000a✓ ok) Nov 30 2026 11:59 GMT');
  });

  it("shows an unreachable attempt's time as its UTC minute only when it is an ISO time with its zone; a zoneless one is its text, not this machine's local time labelled Z (reviews r63I F3, r63J F4)", () => {
    const at = (time: string): SourceMirrorStatus => ({ ...mirror(check()), unreachable: { at: time, error: 'source region us-east-1 unreachable' } });
    const shown = (time: string) => mirrorSummary(at(time)).replace(/^.*, source unreachable at /, '');
    expect(shown('2026-11-30T11:59:42.123Z')).toBe('2026-11-30 11:59Z');
    expect(shown('2026-11-30T17:29+05:30')).toBe('2026-11-30 11:59Z');
    expect(shown('2026-11-30T06:59:59-05:00')).toBe('2026-11-30 11:59Z');
    // Each of these reads as a different instant in each time zone of the machine that prints it: shown as recorded.
    expect(shown('2026-11-30T11:59:00')).toBe('2026-11-30T11:59:00');
    expect(shown('Nov 30 2026 11:59')).toBe('Nov 30 2026 11:59');
    expect(shown('2026-11-30 11:59Z')).toBe('2026-11-30 11:59Z');
    // ISO in form but no 4-digit UTC year, or no date at all.
    expect(shown('9999-12-31T23:30:00-01:00')).toBe('9999-12-31T23:30:00-01:00');
    expect(shown('2026-13-45T11:59:00Z')).toBe('2026-13-45T11:59:00Z');
    // backups list's row prints it the same way.
    expect(mirrorLines([at('2026-11-30T11:59:00')])[2]).toBe("  ! the source's region was unreachable at 2026-11-30T11:59:00: source region us-east-1 unreachable");
    expect(mirrorLines([at('2026-11-30T17:29+05:30')])[2]).toBe("  ! the source's region was unreachable at 2026-11-30 11:59Z: source region us-east-1 unreachable");
  });

  it("keeps an unreachable attempt only when both times are zoned ISO times, the attempt's at or after the check's, on a machine in any zone (review r63R F3)", () => {
    const kept = (at: string, checkedAt = minutesAgo(5)) => mirror(check({ checkedAt, lastAttempt: { at, error: 'source region us-east-1 unreachable' } })).unreachable !== undefined;
    expect(kept('2026-11-30T11:59:00Z')).toBe(true);
    expect(kept('2026-11-30T17:25+05:30')).toBe(true);
    expect(kept('2026-11-30T11:54:59.999Z')).toBe(false);
    // Read in this machine's zone, a zoneless time was after the check in UTC and before it in Tokyo: never placed now,
    // even one two days later (after the check in every zone) or a date V8 rolls forward.
    expect(kept('2026-11-30T11:59:00')).toBe(false);
    expect(kept('2026-12-02T11:59:00')).toBe(false);
    expect(kept('Dec 2 2026 11:59')).toBe(false);
    expect(kept('2026-11-31T11:59:00Z')).toBe(false);
    // A check time that is no zoned ISO time places no attempt after it either.
    expect(kept('2026-11-30T11:59:00Z', '2026-11-30T11:55:00')).toBe(false);
  });

  it("shows an impossible date or hour as its text, not the day V8 rolls it forward to (review r63R F4)", () => {
    const shown = (time: string) => mirrorSummary({ ...mirror(check()), unreachable: { at: time, error: 'source region us-east-1 unreachable' } }).replace(/^.*, source unreachable at /, '');
    expect(shown('2026-02-30T12:00:00Z')).toBe('2026-02-30T12:00:00Z');
    expect(shown('2026-11-31T12:00:00Z')).toBe('2026-11-31T12:00:00Z');
    expect(shown('2026-11-30T24:00:00Z')).toBe('2026-11-30T24:00:00Z');
    expect(shown('2026-11-30T24:00+05:30')).toBe('2026-11-30T24:00+05:30');
    // A valid date at an offset that crosses midnight is still its UTC minute.
    expect(shown('2026-03-01T00:30:00+01:00')).toBe('2026-02-28 23:30Z');
    expect(shown('2028-02-29T23:59-00:30')).toBe('2028-03-01 00:29Z');
  });

  it('a failed check without a differing key (a precondition missing): not within, its note is the reason', () => {
    const m = mirror(check({ type: 'dynamodb', mirror: 'dynamodb table orders (us-west-2)', passed: false, compared: 0, inFlight: 0, lagSeconds: null, note: 'no replica of table orders in us-west-2: make it a global table' }), DAY_RPO, { name: 'demo-assets', type: 'dynamodb' });
    expect(m).toEqual(expect.objectContaining({ verdict: 'failed', withinObjectives: false }));
    expect(m.reasons[0]).toMatch(/: the check of .* failed: no replica of table orders in us-west-2: make it a global table$/);
    expect(mirrorSummary(m)).toBe('check failed, lag not measured, checked 5m ago');
  });

  it('stale: a check older than twice the schedule period (30 min for rate(15 minutes)) is not within; 29 minutes is', () => {
    expect(mirror(check({ checkedAt: minutesAgo(29) })).withinObjectives).toBe(true);
    const stale = mirror(check({ checkedAt: minutesAgo(31), lastAttempt: { at: minutesAgo(1), error: 'source region us-east-1 unreachable: ECONNREFUSED' } }));
    expect(stale).toEqual(expect.objectContaining({ verdict: 'equal', stale: true, withinObjectives: false, unreachable: { at: minutesAgo(1), error: 'source region us-east-1 unreachable: ECONNREFUSED' } }));
    expect(stale.reasons).toEqual([
      'mirror of demo-assets (s3://lifeboat-dev-mirror-demo-assets/): last checked 31m ago, more than twice the period of lifeboat-dev-mirror-check (rate(15 minutes)); ' +
        "its last run, at 2026-11-30 11:59Z, could not reach the source's region and compared nothing: source region us-east-1 unreachable: ECONNREFUSED",
    ]);
    expect(mirrorSummary(stale)).toBe('equal (120 compared, 2 in flight), lag 3.3s, checked 31m ago (stale), source unreachable at 2026-11-30 11:59Z');
  });

  it("says in a stale check's reason when its last run could not reach the source's region and why, the time as the summary's and the error cut (review r63R F5)", () => {
    const error = `source region us-east-1 unreachable: connect ETIMEDOUT\n✓ ${'e'.repeat(5_000)}`;
    const stale = mirror(check({ checkedAt: minutesAgo(120), lastAttempt: { at: '2026-11-30T11:59:42.123Z', error } }));
    expect(stale.reasons).toEqual([
      'mirror of demo-assets (s3://lifeboat-dev-mirror-demo-assets/): last checked 2h ago, more than twice the period of lifeboat-dev-mirror-check (rate(15 minutes)); ' +
        `its last run, at 2026-11-30 11:59Z, could not reach the source's region and compared nothing: source region us-east-1 unreachable: connect ETIMEDOUT\\u000a✓ ${'e'.repeat(143)}… (cut from 5057 characters)`,
    ]);
    // Without an attempt since, the check did not run: where to look.
    expect(mirror(check({ checkedAt: minutesAgo(120) })).reasons[0]).toMatch(/\(rate\(15 minutes\)\): see why the mirror check did not run$/);
  });

  it("keeps 'see why the mirror check did not run' when the last unreachable run is itself older than the stale limit (f63AD F2)", () => {
    // Three days ago the region was unreachable, and the check has not run since: a check that stopped, not a three-day outage.
    const stale = mirror(check({ checkedAt: minutesAgo(3 * 24 * 60), lastAttempt: { at: minutesAgo(3 * 24 * 60 - 15), error: 'source region us-east-1 unreachable: ECONNREFUSED' } }));
    expect(stale.reasons[0]).toBe(
      'mirror of demo-assets (s3://lifeboat-dev-mirror-demo-assets/): last checked 3d ago, more than twice the period of lifeboat-dev-mirror-check (rate(15 minutes)); ' +
        "its last run, at 2026-11-27 12:15Z, could not reach the source's region and compared nothing: source region us-east-1 unreachable: ECONNREFUSED; " +
        'it has not run since: see why the mirror check did not run',
    );
    // An attempt within the limit is the outage itself: no pointer (review r63R F5).
    const recent = mirror(check({ checkedAt: minutesAgo(3 * 24 * 60), lastAttempt: { at: minutesAgo(29), error: 'source region us-east-1 unreachable: ECONNREFUSED' } }));
    expect(recent.reasons[0]).toMatch(/compared nothing: source region us-east-1 unreachable: ECONNREFUSED$/);
  });

  it('a lag beyond the plan\'s RPO is not within; an unmeasured lag is not judged', () => {
    const late = mirror(check({ lagSeconds: 1200 }), 900);
    expect(late).toEqual(expect.objectContaining({ verdict: 'equal', lagOverRpo: true, withinObjectives: false }));
    expect(late.reasons).toEqual([
      `mirror of demo-assets (s3://lifeboat-dev-mirror-demo-assets/): its data may be 25m old (its last clean pass over the whole source started ${minutesAgo(5)}; lag included), beyond the plan's RPO of 15m: a failover restores from the DR vault`,
    ]);
    expect(mirror(check({ lagSeconds: null }), 900).withinObjectives).toBe(true);
  });

  it('the data age runs from the last clean complete pass (audit a1 F1): a window that passed says nothing of the rest of the source', () => {
    // The last check (5 minutes ago) passed, but the last pass over the whole source without a difference started 50 minutes ago.
    const old = mirror(check({ passUnfollowed: 0, cleanPassStartedAt: minutesAgo(50), cleanPassLagSeconds: 1 }), 2700);
    expect(old).toEqual(expect.objectContaining({ verdict: 'equal', dataAgeSeconds: 3003.25, lagOverRpo: true, withinObjectives: false }));
    expect(old.reasons[0]).toContain(`its data may be 50m03s old (its last clean pass over the whole source started ${minutesAgo(50)}; lag included), beyond the plan's RPO of 45m`);
    // No clean complete pass yet (or a record of an earlier version): the data age is unknown and a failover takes the vault.
    const none = mirror(check({ passUnfollowed: 0, cleanPassStartedAt: undefined, passStartedAt: minutesAgo(35), cursor: 'img/k.png' }));
    expect(none).toEqual(expect.objectContaining({ verdict: 'equal', withinObjectives: false }));
    expect(none.dataAgeSeconds).toBeUndefined();
    expect(none.reasons).toEqual([
      `mirror of demo-assets (s3://lifeboat-dev-mirror-demo-assets/): no pass of the mirror check over the whole source has ended without a difference yet (the pass in progress started ${minutesAgo(35)}), ` +
        "so how old its data is is unknown and a failover restores from the DR vault: wait for the pass to end, or raise the check's samples so that a pass fits within the plan's RPO",
    ]);
  });

  it('a file-system mirror is judged on EFS\'s replication state: replicating within the RPO, or not within with the check\'s note', () => {
    const files = { name: 'files', type: 'filesystem' as const };
    const efs = { type: 'filesystem' as const, source: 'files', mirror: 'efs fs-0dr (us-west-2, replica of fs-0src)', compared: 0, differences: 0, inFlight: 0 };
    const replicating = mirror(check({ ...efs, lagSeconds: 300 }), DAY_RPO, files);
    expect(replicating).toEqual(expect.objectContaining({ verdict: 'replicating', withinObjectives: true }));
    expect(mirrorSummary(replicating)).toMatch(/^replicating \(EFS; contents not compared\), lag 5m, checked /);
    const paused = mirror(check({ ...efs, passed: false, lagSeconds: 7200, note: 'EFS replication into us-west-2 is PAUSED' }), 900, files);
    expect(paused).toEqual(expect.objectContaining({ verdict: 'failed', withinObjectives: false, lagOverRpo: true }));
    expect(paused.reasons[0]).toContain('failed: EFS replication into us-west-2 is PAUSED');
    // With the replica mounted in the DR region the check compares files: then its verdict is a comparison's.
    const compared = mirror(check({ ...efs, compared: 100, inFlight: 2, lagSeconds: 300 }), DAY_RPO, files);
    expect(mirrorSummary(compared)).toMatch(/^equal \(100 compared, 2 in flight\), lag 5m, checked /);
    const differs = mirror(check({ ...efs, passed: false, compared: 100, differences: 1, firstDifference: { key: 'docs/b.md', reason: 'missing from the mirror' }, lagSeconds: 300 }), DAY_RPO, files);
    expect(differs).toEqual(expect.objectContaining({ verdict: 'differences', withinObjectives: false }));
    expect(differs.reasons[0]).toContain('first "docs/b.md" (missing from the mirror)');
  });

  it('a file-system check whose samples were all in flight says "not compared yet", not "equal"; within only while they wait no longer than the RPO (audit a57A-1)', () => {
    const files = { name: 'files', type: 'filesystem' as const };
    const sample = { path: 'f0.txt', size: 9, mtimeMs: 0, sha256: '0'.repeat(64) };
    const waiting = (sampledAt: string) => check({ type: 'filesystem', source: 'files', mirror: 'efs fs-0dr (us-west-2, replica of fs-0src)', compared: 0, differences: 0, inFlight: 2, lagSeconds: 300, awaitingSync: [{ sampledAt, samples: [sample, { ...sample, path: 'f1.txt' }] }] });
    const fresh = mirror(waiting(minutesAgo(6)), 3600, files);
    expect(fresh).toEqual(expect.objectContaining({ verdict: 'not-compared-yet', awaitingSyncSince: minutesAgo(6), withinObjectives: true }));
    expect(mirrorSummary(fresh)).toBe('not compared yet (2 in flight), lag 5m, checked 5m ago');
    const old = mirror(waiting(minutesAgo(66)), 3600, files);
    expect(old).toEqual(expect.objectContaining({ verdict: 'not-compared-yet', withinObjectives: false }));
    expect(old.reasons).toEqual([
      expect.stringContaining(`its samples of ${minutesAgo(66)} were not compared by the check of ${minutesAgo(5)}, 1h01m after they were read, beyond the plan's RPO of 1h: EFS had completed no sync since they were read`),
    ]);
  });

  it('a file-system mirror whose RPO is shorter than the time since its last check stays within while its kept samples had waited less than the RPO at that check (review r57L-1)', () => {
    const files = { name: 'files', type: 'filesystem' as const };
    const sample = { path: 'f0.txt', size: 9, mtimeMs: 0, sha256: '0'.repeat(64) };
    // The steady state: the check of 20 minutes ago compared the previous window and kept its own, read 20 s before it
    // (EFS's last sync 5m20s before the check); no sync has been judged since, as no check has run since.
    const record = check({
      type: 'filesystem', source: 'files', mirror: 'efs fs-0dr (us-west-2, replica of fs-0src)', checkedAt: minutesAgo(20), compared: 2, differences: 0, inFlight: 2, lagSeconds: 320,
      awaitingSync: [{ sampledAt: minutesAgo(20.5), readUntil: minutesAgo(20 + 1 / 3), samples: [sample, { ...sample, path: 'f1.txt' }] }],
    });
    const m = mirror(record, 15 * 60, files);
    expect(m).toEqual(expect.objectContaining({ awaitingSyncSince: minutesAgo(20.5), stale: false, reasons: [], withinObjectives: true }));
    // Not compared by a check more than the RPO after it was read: not within, whenever status looks.
    const late = mirror({ ...record, awaitingSync: [{ sampledAt: minutesAgo(36), readUntil: minutesAgo(35.5), samples: [sample] }], lagSeconds: 16 * 60 }, 15 * 60, files);
    expect(late.withinObjectives).toBe(false);
    expect(late.reasons[0]).toContain(`its samples of ${minutesAgo(36)} were not compared by the check of ${minutesAgo(20)}, 15m30s after they were read`);
  });

  it('a file-system mirror with files missing from the replica held unconfirmed shows how many, on its line and in --json (f57P)', () => {
    const files = { name: 'files', type: 'filesystem' as const };
    const held = (path: string) => ({ path, size: 9, mtimeMs: 0, heldAt: minutesAgo(6), missingAfterSync: minutesAgo(5.5), askedAt: minutesAgo(5), since: minutesAgo(5), runs: 1 });
    const m = mirror(check({ type: 'filesystem', source: 'files', mirror: 'efs fs-0dr (us-west-2, replica of fs-0src)', compared: 2, inFlight: 0, lagSeconds: 300, unconfirmed: [held('a.txt'), held('b.txt')], awaitingSyncPath: '/mnt/lifeboat/files' }), 3600, files);
    expect(m).toEqual(expect.objectContaining({ verdict: 'equal', unconfirmed: 2, withinObjectives: true }));
    expect(mirrorSummary(m)).toBe('equal (2 compared), 2 missing from the replica held unconfirmed, lag 5m, checked 5m ago');
    expect(mirror(check({ type: 'filesystem', source: 'files', compared: 2, inFlight: 0 }), 3600, files).unconfirmed).toBeUndefined();
  });

  it('not checked yet (a file-system mirror too) is shown, not judged; an unreadable DR catalog is not within', () => {
    expect(mirror(undefined)).toEqual(expect.objectContaining({ verdict: 'not-checked', withinObjectives: true }));
    expect(mirror(undefined, DAY_RPO, { name: 'files', type: 'filesystem' })).toEqual(expect.objectContaining({ verdict: 'not-compared', withinObjectives: true }));
    const unknown = mirror({ unreadable: 'connect ECONNREFUSED 127.0.0.1:4569' });
    expect(unknown).toEqual(expect.objectContaining({ verdict: 'unreadable', withinObjectives: false }));
    expect(mirrorSummary(unknown)).toBe('unknown (DR catalog unreadable)');
  });

  it("names why the DR catalog could not be read escaped and cut: a newline or ESC in the read's error forges no line (f63R)", () => {
    const unknown = mirror({ unreadable: `connect ECONNREFUSED 127.0.0.1:4569\n✓ demo: within objectives\u001b[0m ${'x'.repeat(1000)}` });
    expect(unknown.reasons).toEqual([
      `mirror of demo-assets: its last check is unknown, the DR catalog could not be read: connect ECONNREFUSED 127.0.0.1:4569\\u000a✓ demo: within objectives\\u001b[0m ${'x'.repeat(134)}… (cut from 1066 characters)`,
    ]);
  });

  it('the schedule period: a rate\'s rate, a cron\'s gap where the check ran, none for a one-time at()', () => {
    expect(schedulePeriodSeconds('rate(15 minutes)', NOW)).toBe(900);
    expect(schedulePeriodSeconds('cron(0 */6 * * ? *)', NOW)).toBe(6 * 3600);
    expect(schedulePeriodSeconds('at(2027-01-01T00:00:00)', NOW)).toBeUndefined();
  });
});

describe('a prune run record', () => {
  it('keeps the report\'s figures, the outcome and a TTL PRUNE_RECORD_DAYS after it finished', () => {
    const report = {
      snapshots: 4, packsDeleted: 3, indexesDeleted: 1, manifestsDeleted: 2, bytesFreed: 5_000_000, packsRepacked: 1, bytesRepackWritten: 700,
      packsCondemned: 2, indexesCondemned: 0, manifestsCondemned: 1, bytesCondemned: 9_000, lockedCount: 1, spared: 0, damagedCount: 0, batchesPending: 1,
    };
    const run = { environment: 'dev', vault: 'dr' as const, trigger: 'workflow' as const, startedAt: new Date('2026-11-30T03:00:00.000Z'), finishedAt: new Date('2026-11-30T03:02:30.000Z') };
    expect(pruneRunRecord({ ...run, done: false }, report)).toEqual({
      environment: 'dev', vault: 'dr', trigger: 'workflow', startedAt: '2026-11-30T03:00:00.000Z', finishedAt: '2026-11-30T03:02:30.000Z', durationMs: 150_000, outcome: 'DEADLINE',
      snapshots: 4, deleted: { packs: 3, indexes: 1, manifests: 2 }, bytesFreed: 5_000_000, packsRepacked: 1, bytesRepackWritten: 700,
      condemned: { packs: 2, indexes: 0, manifests: 1, bytes: 9_000 }, lockedSkipped: 1, spared: 0, damagedPacks: 0, batchesPending: 1,
      expiresAt: Date.parse('2026-11-30T03:02:30.000Z') / 1000 + PRUNE_RECORD_DAYS * 86_400,
    });
    expect(pruneRunRecord({ ...run, done: true }, report).outcome).toBe('COMPLETED');
  });
});

const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const fresh: BackupRecord = {
  backupId: '20261130T060000Z-00000001', plan: 'demo', environment: 'dev', sourceNames: ['demo-assets'], sources: [], strategy: 'incremental', status: 'COMMITTED',
  startedAt: '2026-11-30T06:00:00.000Z', endedAt: '2026-11-30T06:00:00.000Z', shardCount: 1,
  totals: { entries: 10, bytes: 1_000_000, bytesScanned: 1_000_000, bytesNew: 100_000, bytesStored: 50_000, blobsNew: 3 }, copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
};
const primaryPrune: PruneRunRecord = pruneRunRecord(
  { environment: 'dev', vault: 'primary', trigger: 'workflow', startedAt: new Date('2026-11-30T09:00:00.000Z'), finishedAt: new Date('2026-11-30T09:01:30.000Z'), done: true },
  { snapshots: 7, packsDeleted: 4, indexesDeleted: 1, manifestsDeleted: 3, bytesFreed: 12 * 1024 * 1024, packsRepacked: 1, bytesRepackWritten: 0, packsCondemned: 2, indexesCondemned: 0, manifestsCondemned: 0, bytesCondemned: 1, lockedCount: 0, spared: 0, damagedCount: 0, batchesPending: 1 },
);

function sources(overrides: Partial<StatusSources> = {}): StatusSources {
  return {
    environment,
    target: 'local',
    listBackupsOfPlan: async () => [fresh],
    latestScrub: async () => undefined,
    latestPrune: async (vault) => (vault === 'primary' ? primaryPrune : undefined),
    mirrorCheck: async (source) => (source === 'demo-assets' ? check() : undefined),
    listDrills: async () => [],
    nextRun: async () => ({ state: 'scheduled', at: '2026-12-01T06:00:00.000Z', expression: 'rate(1 day)' }),
    regionOf: (side) => (side === 'primary' ? environment.primaryRegion : environment.drRegion),
    alarms: async () => ALARMS_NOT_EMULATED,
    ...overrides,
  };
}

function capture() {
  const out: string[] = [];
  return { out, io: { out: (l: string) => out.push(l), err: (l: string) => out.push(l) } };
}

describe('lifeboat status with mirrors and prunes', () => {
  it('shows each mirror and each vault\'s last prune; a mirror within its objectives leaves the plan ✓ and the exit 0', async () => {
    const { out, io } = capture();
    expect(await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io, sources: sources(), now: () => NOW })).toBe(0);
    expect(out.slice(4, 6)).toEqual([
      '           COMMITTED      12-01 06:00Z                                    dedup 20.0× pruned 2h58m',
      '                                                                                      ago',
    ]);
    expect(out.slice(6, 13)).toEqual([
      'Mirrors in us-west-2 (✓: last check equal, at most 2× its schedule old, lag within the RPO):',
      '  ✓ demo/demo-assets → s3://lifeboat-dev-mirror-demo-assets/: equal (120 compared, 2 in flight), lag',
      '    3.3s, checked 5m ago',
      'Prune of the primary vault (us-east-1): completed 2h58m ago in 1m30s, 12.0 MiB freed (4 pack(s)',
      '    deleted, 1 repacked, 2 condemned)',
      'Prune of the DR vault (us-west-2): no run recorded yet',
      'Alarms in ALARM: not emulated on the local cloud (CloudWatch alarms exist in AWS: --aws)',
    ]);
    for (const line of out) expect([...line].length).toBeLessThanOrEqual(100);
  });

  it('a stale mirror makes its plan ✗ with the reason, exit 1; --json carries the mirror and the prunes', async () => {
    const stale = sources({ mirrorCheck: async () => check({ checkedAt: minutesAgo(45) }) });
    const text = capture();
    expect(await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: text.io, sources: stale, now: () => NOW })).toBe(1);
    expect(text.out[3]).toMatch(/^✗ demo +✓ 6h\/25h/);
    const screen = text.out.join(' ').replace(/\s+/g, ' ');
    expect(screen).toContain('✗ demo: mirror of demo-assets (s3://lifeboat-dev-mirror-demo-assets/): last checked 45m ago, more than twice the period of lifeboat-dev-mirror-check');
    expect(screen).toContain(' ✗ demo/demo-assets → s3://lifeboat-dev-mirror-demo-assets/: equal (120 compared, 2 in flight), lag 3.3s, checked 45m ago (stale) ');
    const json = capture();
    expect(await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io: json.io, sources: stale, now: () => NOW })).toBe(1);
    const status = JSON.parse(json.out.join('\n')) as EnvironmentStatus;
    const [demo] = status.plans as PlanStatus[];
    expect(demo?.mirrors).toEqual([expect.objectContaining({ source: 'demo-assets', verdict: 'equal', stale: true, checkAgeSeconds: 2700, lagSeconds: 3.25, withinObjectives: false })]);
    expect(demo?.prune).toEqual(expect.objectContaining({ state: 'ran', vault: 'primary', outcome: 'COMPLETED', bytesFreed: 12 * 1024 * 1024, ageSeconds: 2 * 3600 + 58 * 60 + 30 }));
    expect(status.prunes.dr).toEqual({ state: 'never' });
  });

  it('a prune log or a DR catalog that cannot be read is a problem of the screen, exit 1', async () => {
    const down = sources({
      latestPrune: async (vault) => {
        if (vault === 'dr') throw new Error('connect ECONNREFUSED 127.0.0.1:4569');
        return primaryPrune;
      },
      mirrorCheck: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:4569')),
    });
    const status = await environmentStatus(down, NOW);
    expect(status.problems).toEqual([
      'the dr vault\'s prune runs (us-west-2) could not be read: connect ECONNREFUSED 127.0.0.1:4569',
      'the mirror check of demo-assets could not be read from the DR catalog (us-west-2): connect ECONNREFUSED 127.0.0.1:4569',
    ]);
    // Both are what the report's page shows from status (report-command.ts): it lists them, and no other problem, as its own.
    expect(status.unreadMirrorsAndPrunes).toEqual(status.problems);
    expect(status.withinObjectives).toBe(false);
    const screen = statusScreen(status);
    expect(screen).toContain('Prune of the DR vault (us-west-2): unknown (below)');
    expect(screen).toContain('  ✗ demo/demo-assets: unknown (DR catalog unreadable)');
  });

  // Audit b3-1: a prune that met a damaged pack in a kept backup succeeds, and status's line said nothing of it.
  it('a DR prune that met damaged packs is a ! line naming them and the scrub to run; shown, not judged (exit 0), as the scrub\'s corruption', async () => {
    const damaged = pruneRunRecord({ ...primaryPrune, vault: 'dr', startedAt: new Date(primaryPrune.startedAt), finishedAt: new Date(primaryPrune.finishedAt), done: true }, {
      snapshots: 7, packsDeleted: 0, indexesDeleted: 0, manifestsDeleted: 0, bytesFreed: 0, packsRepacked: 0, bytesRepackWritten: 0, packsCondemned: 0, indexesCondemned: 0, manifestsCondemned: 0, bytesCondemned: 0, lockedCount: 0, spared: 0, damagedCount: 2, batchesPending: 0,
    });
    const withDamage = sources({ latestPrune: async (vault) => (vault === 'primary' ? primaryPrune : damaged) });
    const { out, io } = capture();
    // The default target (the sources are the test's): the scrub line carries none of its options.
    expect(await statusCommand({ config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io, sources: withDamage, now: () => NOW })).toBe(0);
    expect(out.join(' ').replace(/\s+/g, ' ')).toContain(
      '! Prune of the DR vault (us-west-2): completed 2h58m ago in 1m30s, 0 B freed (0 pack(s) deleted, 0 repacked, 0 condemned); ' +
        '2 damaged pack(s): run the scrub, which repairs them from the other vault (`lifeboat scrub --vault dr --fraction 1 --repair`, twice for a full pass; docs/RUNBOOKS.md, "Alarms": prune-damage)',
    );
    expect(out.find((l) => l.startsWith('Prune of the primary vault'))).toBeDefined();
    for (const line of out) expect([...line].length).toBeLessThanOrEqual(100);
    const status = await environmentStatus(withDamage, NOW);
    expect(status.prunes.dr).toEqual(expect.objectContaining({ state: 'ran', damagedPacks: 2 }));
    expect(status.prunes.primary).toEqual(expect.objectContaining({ state: 'ran', damagedPacks: 0 }));
  });
});

// Audit R40 F1: status passed a file-system source no check at all, so a broken EFS replication read "not checked (file system)" and ✓.
describe('lifeboat status with a mirrored file system', () => {
  const files = environment.plans[0]?.sources.find((s) => s.type === 'filesystem');
  if (!files) throw new Error('the sample config has no file-system source');
  const withFileMirror = { ...environment, plans: environment.plans.map((p) => ({ ...p, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: p.sources.map((s) => (s.name === files.name ? { ...s, mirror: true } : s)) })) };
  const efs = { type: 'filesystem' as const, source: files.name, mirror: 'efs fs-0dr (us-west-2, replica of fs-0src)', compared: 0, differences: 0, inFlight: 0 };
  const reading = (record: MirrorRecord | undefined) => {
    const asked: string[] = [];
    const s = sources({ environment: withFileMirror, mirrorCheck: async (source) => (asked.push(source), source === files.name ? record : check()) });
    return { asked, s };
  };

  it('reads its check from the DR catalog: EFS replication in ERROR makes the plan ✗ with the reasons, exit 1', async () => {
    const { asked, s } = reading(check({ ...efs, passed: false, lagSeconds: 3 * 86_400, note: 'EFS replication into us-west-2 is ERROR' }));
    const { out, io } = capture();
    expect(await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io, sources: s, now: () => NOW })).toBe(1);
    expect(asked).toEqual(['demo-assets', files.name]);
    const screen = out.join(' ').replace(/\s+/g, ' ');
    expect(out[3]).toMatch(/^✗ demo +✓ 6h\/24h/);
    expect(screen).toContain(`✗ demo: mirror of ${files.name} (efs fs-0dr (us-west-2, replica of fs-0src)): the check of ${minutesAgo(5)} failed: EFS replication into us-west-2 is ERROR`);
    expect(screen).toContain(`✗ demo: mirror of ${files.name} (efs fs-0dr (us-west-2, replica of fs-0src)): replication lag 3d, beyond the plan's RPO of 24h`);
    expect(screen).toContain(` ✗ demo/${files.name} → efs fs-0dr (us-west-2, replica of fs-0src): check failed, lag 3d, checked 5m ago `);
    expect(out.at(-1)).toBe('✗ 1 of 1 plan(s) not within their objectives');
  });

  it("shows a check record's mirror escaped: a newline, ESC or U+202E in it forges no line of the screen (f63D)", async () => {
    const forged = 's3://lifeboat-dev-mirror/\n✓ demo: within objectives\u001b[32m\u202e';
    const status = await environmentStatus(sources({ mirrorCheck: async (source) => (source === 'demo-assets' ? check({ mirror: forged }) : undefined) }), NOW);
    const screen = statusScreen(status).join('\n');
    for (const raw of ['\n✓ demo: within', '\u001b', '\u202e']) expect(screen).not.toContain(raw);
    const shown = 's3://lifeboat-dev-mirror/\\u000a✓ demo: within objectives\\u001b[32m\\u202e';
    // Another mirror than configured: the plan is ✗, its reason names the mirror compared, the mirror line the record's.
    expect(screen.replace(/\n {4}/g, ' ')).toContain(`covered other data: it compared ${shown}, not s3://lifeboat-demo-assets/ with`);
    expect(screen.replace(/\n {4}/g, ' ')).toContain(` ✗ demo/demo-assets → ${shown}: equal (120 compared`);
  });

  it('replicating within the RPO is ✓; with no check recorded (the local cloud: no EFS) it is shown, not judged', async () => {
    const replicating = await environmentStatus(reading(check({ ...efs, lagSeconds: 300 })).s, NOW);
    expect(replicating.withinObjectives).toBe(true);
    expect(statusScreen(replicating).join(' ').replace(/\s+/g, ' ')).toContain(` ✓ demo/${files.name} → efs fs-0dr (us-west-2, replica of fs-0src): replicating (EFS; contents not compared), lag 5m, checked 5m ago `);
    const none = await environmentStatus(reading(undefined).s, NOW);
    expect(none.withinObjectives).toBe(true);
    expect(statusScreen(none)).toContain(`  - demo/${files.name}: not checked (file system)`);
  });
});

describe('lifeboat status with the primary region down', () => {
  it('says the plan\'s prune is unknown, with the reason, not "no prune yet" from the DR vault\'s log; the DR vault\'s prune keeps its own line', async () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:4567');
    const down = sources({
      listBackupsOfPlan: async (_plan, side) => {
        if (side === 'primary') throw refused;
        return [fresh];
      },
      latestPrune: async (vault) => {
        if (vault === 'primary') throw refused;
        return undefined;
      },
    });
    const status = await environmentStatus(down, NOW);
    const [demo] = status.plans as PlanStatus[];
    expect(demo?.catalog).toBe('dr');
    expect(demo?.prune).toEqual({ state: 'unreadable', note: 'the primary catalog (us-east-1) could not be read: connect ECONNREFUSED 127.0.0.1:4567' });
    const screen = statusScreen(status);
    expect(screen.join('\n')).not.toContain('no prune yet');
    expect(screen.slice(3, 6).map((l) => l.slice(86).trim())).toEqual(['no scrub yet', 'prune unknown', '(below)']);
    expect(screen).toContain('Prune of the primary vault (us-east-1): unknown (below)');
    expect(screen).toContain('Prune of the DR vault (us-west-2): no run recorded yet');
    expect(screen).toContain("! the primary vault's prune runs (us-east-1) could not be read: connect ECONNREFUSED 127.0.0.1:4567");
  });
});

describe('lifeboat backups list', () => {
  it('a line per mirrored source with the verdict, lag and check age status judges by, and why one is not within the objectives', () => {
    const lines = mirrorLines([
      mirror(check()),
      mirror(check({ source: 'late', checkedAt: minutesAgo(40), lagSeconds: 1200 }), 900, { name: 'late', type: 's3' }),
      mirror(undefined, DAY_RPO, { name: 'new-one', type: 'dynamodb' }),
      mirror(undefined, DAY_RPO, { name: 'files', type: 'filesystem' }),
    ]);
    expect(lines).toEqual([
      'MIRROR OF       STATE     LAG           CHECKED         MIRROR',
      'demo-assets     EQUAL     3.3s          5m ago          s3://lifeboat-dev-mirror-demo-assets/',
      'late            EQUAL ✗   20m           40m ago ✗       s3://lifeboat-dev-mirror-demo-assets/',
      '  ✗ mirror of late (s3://lifeboat-dev-mirror-demo-assets/): last checked 40m ago, more than twice the period of lifeboat-dev-mirror-check (rate(15 minutes)): see why the mirror check did not run',
      `  ✗ mirror of late (s3://lifeboat-dev-mirror-demo-assets/): its data may be 1h old (its last clean pass over the whole source started ${minutesAgo(40)}; lag included), beyond the plan's RPO of 15m: a failover restores from the DR vault`,
      'new-one         UNCHECKED -             -               no mirror check recorded yet',
      "files           N/A       -             -               EFS replication: no check recorded yet (the mirror check reads EFS's replication state in AWS; a failover restores file systems from the DR vault)",
      '',
    ]);
  });

  it("shows a check record's mirror and unreachable attempt escaped: a newline or ESC in them forges no row and colours nothing (f63H)", () => {
    const forged = 's3://lifeboat-dev-mirror/\nlate            EQUAL     1s            1m ago          s3://x/\u001b[32m\u202e';
    // A forged attempt time is no zoned ISO time and is not kept from a record (review r63R F3): given to the row, it is printed escaped.
    const attempt = { at: 'Nov 30 2026 11:59 GMT (x\u009b31m)', error: 'source region us-east-1 unreachable: ECONNREFUSED\n  ✓ all good\u001b[0m' };
    const lines = mirrorLines([{ ...mirror(check({ mirror: forged })), unreachable: attempt }]);
    for (const line of lines) for (const raw of ['\n', '\u001b', '\u009b', '\u202e']) expect(line).not.toContain(raw);
    expect(lines).toEqual([
      'MIRROR OF       STATE     LAG           CHECKED         MIRROR',
      'demo-assets     EQUAL     3.3s          5m ago          s3://lifeboat-dev-mirror/\\u000alate            EQUAL     1s            1m ago          s3://x/\\u001b[32m\\u202e',
      "  ! the source's region was unreachable at Nov 30 2026 11:59 GMT (x\\u009b31m): source region us-east-1 unreachable: ECONNREFUSED\\u000a  ✓ all good\\u001b[0m",
      '',
    ]);
  });

  it("cuts an unreadable DR catalog's error in the MIRROR column as its reason is: a 5,000-character error is not a 5,000-character row (review r63R F6)", () => {
    const unreadable = `connect ECONNREFUSED 127.0.0.1:4566\n✓ fake line ${'x'.repeat(5_000)}`;
    const lines = mirrorLines([sourceMirrorStatus({ plan: 'demo', source: S3_SOURCE, check: { unreadable }, rpoSeconds: DAY_RPO, schedule: SCHEDULE, now: NOW })]);
    const shown = `connect ECONNREFUSED 127.0.0.1:4566\\u000a✓ fake line ${'x'.repeat(152)}… (cut from 5048 characters)`;
    expect(lines[1]).toBe(`${'demo-assets'.padEnd(16)}${'UNKNOWN'.padEnd(10)}${'-'.padEnd(14)}${'-'.padEnd(16)}${shown}`);
    expect(lines[2]).toBe(`  ✗ mirror of demo-assets: its last check is unknown, the DR catalog could not be read: ${shown}`);
  });

  it("shows an unreachable attempt's time as status does and its error cut: a 10,000-character error is not a page under the row (review r63I F3)", () => {
    const error = `source region us-east-1 unreachable: ${'e'.repeat(10_000)}`;
    const lines = mirrorLines([mirror(check({ lastAttempt: { at: '2026-11-30T11:59:42.123Z', error } }))]);
    expect(lines[2]).toBe(`  ! the source's region was unreachable at 2026-11-30 11:59Z: source region us-east-1 unreachable: ${'e'.repeat(163)}… (cut from 10037 characters)`);
  });
});
