import { reportCommand } from '../../../../cli/commands/report-command';
import { environmentReport, type ReportSources } from '../../../../cli/report/environment-report';
import { planReport, type ReportData } from '../../../../cli/report/report-data';
import { reportHtml, scriptSafeJson } from '../../../../cli/report/report-html';
import { findEnvironment, loadLifeboatConfig } from '../../../../config/load-config';
import { drillRecordOf, drillReport, failedReport } from '../../../support/drill-records';
import { REPORT_BACKUPS, REPORT_DRILLS, REPORT_NOW } from '../../../support/report-records';
import { SAMPLE_CONFIG_FILE } from '../../../support/repo-root';

/**
 * `lifeboat report`: the charts' data from catalog records (what each point is), and the page that
 * carries it (self-contained, the data embedded so no `</script>` in it can end its element).
 * test/integration/cli/report-html.test.ts draws the page in a headless browser.
 */

const NOW = REPORT_NOW;
const PLAN = { name: 'demo', objectives: { rpoMinutes: 1440, rtoMinutes: 60 } };
const unix = (iso: string) => Date.parse(iso) / 1000;
const BACKUPS = REPORT_BACKUPS;
const DRILLS = REPORT_DRILLS;

describe('the report\'s data', () => {
  it('bytes and dedup: per committed backup its logical bytes and the stored bytes so far, in time order', () => {
    const r = planReport({ plan: PLAN, backups: BACKUPS, drills: [], now: NOW });
    const t = ['2026-11-27T00:00:00.000Z', '2026-11-28T00:30:00.000Z', '2026-11-29T06:00:00.000Z'].map(unix);
    expect(r.bytes).toEqual({ t, logical: [4_000_000, 4_000_000, 4_000_000], stored: [1_800_000, 1_800_000, 2_000_000] });
    expect(r.dedup.ratio).toEqual([4_000_000 / 1_800_000, 8_000_000 / 1_800_000, 6]);
  });

  it('durations: every backup that ended, failed ones too; a running one is not drawn', () => {
    const r = planReport({ plan: PLAN, backups: BACKUPS, drills: [], now: NOW });
    expect(r.durations).toEqual({ t: ['2026-11-27T00:00:00.000Z', '2026-11-28T00:00:00.000Z', '2026-11-28T00:30:00.000Z', '2026-11-29T06:00:00.000Z'].map(unix), seconds: [1200, 120, 600, 300], status: ['COMMITTED', 'FAILED', 'COMMITTED', 'COMMITTED'] });
  });

  it('RPO: the gap before each committed backup and the newest one\'s age now, against the objective', () => {
    const r = planReport({ plan: PLAN, backups: BACKUPS, drills: [], now: NOW });
    expect(r.rpo).toEqual({
      t: [unix('2026-11-28T00:30:00.000Z'), unix('2026-11-29T06:00:00.000Z'), unix(NOW.toISOString())],
      gapSeconds: [24.5 * 3600, 29.5 * 3600, 30 * 3600],
      objectiveSeconds: [86_400, 86_400, 86_400],
      met: [false, false, false],
    });
  });

  it('a backup record that starts in the future is in no chart and is listed as a problem, so the RPO point now is not met (review R6-2)', async () => {
    // A wrong host clock once: a committed record a year ahead, and one 4 min ahead (clock skew: drawn as just now).
    const ahead = { ...BACKUPS[0]!, backupId: '20271120T120000Z-00000005', startedAt: '2027-11-20T12:00:00.000Z', endedAt: '2027-11-20T12:05:00.000Z' };
    const r = planReport({ plan: PLAN, backups: [...BACKUPS, ahead], drills: [], now: NOW });
    const without = planReport({ plan: PLAN, backups: BACKUPS, drills: [], now: NOW });
    expect(r.rpo).toEqual(without.rpo);
    expect(r.rpo.met.at(-1)).toBe(false);
    expect([r.bytes, r.dedup, r.durations]).toEqual([without.bytes, without.dedup, without.durations]);
    expect(r.inFuture).toEqual([{ backupId: '20271120T120000Z-00000005', status: 'COMMITTED', startedAt: '2027-11-20T12:00:00.000Z' }]);
    expect(without.inFuture).toBeUndefined();
    const skewed = { ...ahead, backupId: '20261130T120400Z-00000006', startedAt: '2026-11-30T12:04:00.000Z', endedAt: '2026-11-30T12:05:00.000Z' };
    expect(planReport({ plan: PLAN, backups: [...BACKUPS, skewed], drills: [], now: NOW }).rpo.gapSeconds.at(-1)).toBe(0);

    const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
    const sources: ReportSources = { environment, listBackupsOfPlan: async () => [...BACKUPS, ahead], listDrills: async () => [] };
    const line =
      "demo: backup 20271120T120000Z-00000005 (COMMITTED) starts in the future (2027-11-20T12:00:00.000Z): the clock that wrote it or the catalog is wrong; not drawn, the plan's charts and RPO are of the backups before now; see `lifeboat backups list --plan demo`";
    expect((await environmentReport(sources, NOW)).problems).toEqual([line]);
    const err: string[] = [];
    expect(await reportCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io: { out: () => undefined, err: (l) => err.push(l) }, sources, now: () => NOW })).toBe(1);
    expect(err).toEqual([`! ${line}`]);
  });

  // Review r64Z F1: sorted by the start's text, 'hand-edited' came after every ISO start, was taken for the newest backup,
  // and its NaN age read the RPO as met now while the real newest backup was days old.
  it('a record whose startedAt is not a time is in no chart and is listed as a problem; the others are in order of their instant', async () => {
    const edited = { ...BACKUPS[0]!, backupId: 'hand-edited-1', startedAt: 'hand-edited', endedAt: 'hand-edited' };
    const r = planReport({ plan: PLAN, backups: [...BACKUPS, edited], drills: [], now: NOW });
    const without = planReport({ plan: PLAN, backups: BACKUPS, drills: [], now: NOW });
    expect(r.rpo).toEqual(without.rpo);
    expect(r.rpo.met.at(-1)).toBe(false);
    expect(r.rpo.gapSeconds.at(-1)).toBe(30 * 3600);
    expect([r.bytes, r.dedup, r.durations]).toEqual([without.bytes, without.dedup, without.durations]);
    expect(JSON.stringify(r)).not.toContain('null');
    expect(r.untimed).toEqual([{ backupId: 'hand-edited-1', status: 'COMMITTED', startedAt: 'hand-edited' }]);
    expect(without.untimed).toBeUndefined();
    // 2026-11-29T03:00:00-05:00 is 08:00Z, after 06:00Z, though its text sorts before it: it is the newest, 28 h old now.
    const offset = { ...BACKUPS[0]!, backupId: 'offset', startedAt: '2026-11-29T03:00:00-05:00', endedAt: '2026-11-29T03:05:00-05:00' };
    expect(planReport({ plan: PLAN, backups: [...BACKUPS, offset], drills: [], now: NOW }).rpo.gapSeconds.slice(-2)).toEqual([2 * 3600, 28 * 3600]);

    const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
    const sources: ReportSources = { environment, listBackupsOfPlan: async () => [...BACKUPS, edited], listDrills: async () => [] };
    const line =
      "demo: backup hand-edited-1 (COMMITTED) has a startedAt that is not a time (hand-edited): the record was written by hand or damaged; not drawn, the plan's charts and RPO are of the other backups; fix the record's startedAt (see `lifeboat backups list --plan demo`)";
    expect((await environmentReport(sources, NOW)).problems).toEqual([line]);
  });

  it('f65E: an endedAt that is no time gives no NaN duration, and drills are in order of their instant, untimed ones said', () => {
    const ended = { ...BACKUPS[0]!, backupId: 'ended-badly', endedAt: 'whenever' };
    const r = planReport({ plan: PLAN, backups: [...BACKUPS.slice(1), ended], drills: [], now: NOW });
    expect(r.durations.seconds.some((s) => Number.isNaN(s))).toBe(false);
    expect(JSON.stringify(r.durations)).not.toContain('null');
    expect(r.untimedEnds).toEqual([{ backupId: 'ended-badly', endedAt: 'whenever' }]);
    // 05:00-05:00 is 10:00Z, after 09:00Z, though its text sorts first.
    const early = drillRecordOf(drillReport({ drillId: '20261130T090000Z-00000001', startedAt: '2026-11-30T09:00:00.000Z' })).record;
    const offset = drillRecordOf(drillReport({ drillId: '20261130T100000Z-00000002', startedAt: '2026-11-30T05:00:00-05:00' })).record;
    const untimed = drillRecordOf(drillReport({ drillId: '20261130T110000Z-00000003', startedAt: 'sometime' })).record;
    const withDrills = planReport({ plan: PLAN, backups: BACKUPS, drills: [untimed, offset, early], now: NOW });
    expect(withDrills.drills.t).toEqual([unix('2026-11-30T09:00:00.000Z'), unix('2026-11-30T10:00:00.000Z')]);
    expect(withDrills.untimedDrills).toEqual([{ drillId: '20261130T110000Z-00000003', startedAt: 'sometime' }]);
  });

  it("a record dated in the future is named escaped (id, start), as are the drill lines: a newline, ESC or U+202E forges no line (f62AC)", async () => {
    const forged = 'x\n✓ demo: within objectives\u001b[32m\u202e';
    const shown = 'x\\u000a✓ demo: within objectives\\u001b[32m\\u202e';
    // V8 reads a date with a (comment) in it, so a forged start still starts in the future and is listed.
    const ahead = { ...BACKUPS[0]!, backupId: `ahead${forged}`, startedAt: `Nov 20 2027 12:00 GMT (${forged})`, endedAt: '2027-11-20T12:05:00.000Z' };
    const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
    const sources: ReportSources = { environment, listBackupsOfPlan: async () => [...BACKUPS, ahead], listDrills: async () => [] };
    const line = `demo: backup ahead${shown} (COMMITTED) starts in the future (Nov 20 2027 12:00 GMT (${shown})): the clock that wrote it or the catalog is wrong; `;
    const err: string[] = [];
    expect(await reportCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io: { out: () => undefined, err: (l) => err.push(l) }, sources, now: () => NOW })).toBe(1);
    expect(err).toEqual([expect.stringContaining(`! ${line}`)]);
    for (const raw of ['\n', '\u001b', '\u202e']) expect(err.join('')).not.toContain(raw);
    const drFailed = drillRecordOf(failedReport({ drillId: forged, startedAt: '2026-12-01T09:15:00.000Z', errors: [{ error: 'NoBackupToDrillError', message: forged, step: 'Start drill' }] })).record;
    expect(planReport({ plan: PLAN, backups: BACKUPS, drills: [drFailed], now: new Date('2026-12-01T12:15:00.000Z') }).lastDrills).toEqual([
      `✗ DR vault (us-west-2): drill ${shown} FAILED 3h ago, RTO -, RPO -: NoBackupToDrillError: ${shown}`,
    ]);
  });

  it('drills: each one that measured an RTO, against the objective, in time order (a failed drill without an RTO is left out)', () => {
    const r = planReport({ plan: PLAN, backups: BACKUPS, drills: DRILLS, now: NOW });
    expect(r.drills).toEqual({ t: [unix('2026-11-29T10:15:00.000Z'), unix('2026-11-30T10:15:00.000Z')], rtoSeconds: [3900, 724], objectiveSeconds: [3600, 3600], verdict: ['OBJECTIVE_MISSED', 'PASSED'] });
  });

  it('lastDrills: the newest drill of each vault, as `lifeboat status` judges them, so a PASSED primary drill does not hide a FAILED DR one', () => {
    const primaryPassed = drillRecordOf(drillReport({ drillId: '20261201T101500Z-7a8b9c0d', startedAt: '2026-12-01T10:15:00.000Z', vault: 'primary', region: 'us-east-1' })).record;
    const drFailed = drillRecordOf(failedReport({ drillId: '20261201T091500Z-3c4d5e6f', startedAt: '2026-12-01T09:15:00.000Z' })).record;
    const now = new Date('2026-12-01T12:15:00.000Z');
    expect(planReport({ plan: PLAN, backups: BACKUPS, drills: [...DRILLS, drFailed, primaryPassed], now }).lastDrills).toEqual([
      '✓ primary vault (us-east-1): drill 20261201T101500Z-7a8b9c0d PASSED 2h ago, RTO ✓ 12m04s/1h, RPO ✓ 23h53m/24h',
      '✗ DR vault (us-west-2): drill 20261201T091500Z-3c4d5e6f FAILED 3h ago, RTO -, RPO -: NoBackupToDrillError: plan demo has no committed, ' +
        'replicated backup in the last 7 days; the newest is 9 days old (copies.dr PENDING)',
    ]);
    expect(planReport({ plan: PLAN, backups: BACKUPS, drills: [], now }).lastDrills).toEqual([]);
  });

  it('f65N (r65E F7): the newest drill whose start is no time shows its age as unknown, never NaN', () => {
    const untimed = drillRecordOf(drillReport({ drillId: '20261201T101500Z-7a8b9c0d', startedAt: '2026-12-01T10:15:00.000Z', vault: 'primary', region: 'us-east-1' })).record;
    const lines = planReport({ plan: PLAN, backups: BACKUPS, drills: [{ ...untimed, startedAt: 'sometime' }], now: new Date('2026-12-01T12:15:00.000Z') }).lastDrills;
    expect(lines).toEqual([expect.stringContaining('drill 20261201T101500Z-7a8b9c0d PASSED at an unknown time (its startedAt is not a time), RTO ✓')]);
    expect(lines.join('')).not.toContain('NaN');
  });

  it('a region whose drills cannot be read is listed as a problem; an unknown plan is refused', async () => {
    const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
    const sources: ReportSources = {
      environment,
      listBackupsOfPlan: async () => BACKUPS,
      listDrills: async (side) => {
        if (side === 'dr') throw new Error('connect ECONNREFUSED 127.0.0.1:4569');
        return DRILLS;
      },
    };
    const data = await environmentReport(sources, NOW);
    expect(data.problems).toEqual(["the dr region's drills could not be read and are not drawn: connect ECONNREFUSED 127.0.0.1:4569"]);
    expect(data.plans.map((p) => p.drills.t.length)).toEqual([2]);
    await expect(environmentReport(sources, NOW, 'nope')).rejects.toThrow('--plan: environment dev has no plan nope (plans: demo)');
  });

  describe('with the primary region down (review R43 F4)', () => {
    const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
    const refused = (port: number) => new Error(`connect ECONNREFUSED 127.0.0.1:${port}`);
    const DR_BACKUPS = BACKUPS.slice(0, 2);
    const primaryDown: ReportSources = {
      environment,
      listBackupsOfPlan: async (_plan, catalog) => (catalog === 'dr' ? DR_BACKUPS : Promise.reject(refused(45795))),
      listDrills: async (side) => (side === 'dr' ? DRILLS : Promise.reject(refused(45795))),
    };

    it('draws each plan from the DR catalog and names the unreadable primary catalog and its region', async () => {
      const data = await environmentReport(primaryDown, NOW);
      expect(data.plans.map((p) => p.bytes.t.length)).toEqual([planReport({ plan: PLAN, backups: DR_BACKUPS, drills: [], now: NOW }).bytes.t.length]);
      expect(data.backupsFromDr).toEqual(['demo']);
      expect(data.problems).toEqual([
        "the primary region's drills could not be read and are not drawn: connect ECONNREFUSED 127.0.0.1:45795",
        'demo: backups drawn from the DR catalog (us-west-2), what the DR vault can restore; the primary catalog (us-east-1) could not be read: connect ECONNREFUSED 127.0.0.1:45795',
      ]);
      expect((await environmentReport({ ...primaryDown, listBackupsOfPlan: async () => BACKUPS }, NOW)).backupsFromDr).toBeUndefined();
    });

    it('fails naming both regions when neither catalog can be read', async () => {
      const neither: ReportSources = { ...primaryDown, listBackupsOfPlan: async (_plan, catalog) => Promise.reject(refused(catalog === 'dr' ? 41234 : 45795)) };
      await expect(environmentReport(neither, NOW)).rejects.toThrow(
        'demo: its backups could not be read: the primary catalog (us-east-1) could not be read: connect ECONNREFUSED 127.0.0.1:45795; the DR catalog (us-west-2) neither: connect ECONNREFUSED 127.0.0.1:41234',
      );
    });

    it('the command prints the data and the problems, and exits 1: the page is the DR catalog\'s', async () => {
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
      expect(await reportCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io, sources: primaryDown, now: () => NOW })).toBe(1);
      expect(JSON.parse(out.join('\n'))).toMatchObject({ environment: 'dev', backupsFromDr: ['demo'] });
      expect(err).toEqual([
        "! the primary region's drills could not be read and are not drawn: connect ECONNREFUSED 127.0.0.1:45795",
        '! demo: backups drawn from the DR catalog (us-west-2), what the DR vault can restore; the primary catalog (us-east-1) could not be read: connect ECONNREFUSED 127.0.0.1:45795',
      ]);
    });
  });

  it('carries the mirrors\' last checks and the vaults\' last prunes as status prints them, or names why they are missing', async () => {
    const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
    const latest = { mirrors: ['✓ demo/demo-assets → s3://lifeboat-dev-mirror-demo-assets/: equal (308 compared), lag 2s, checked 1m ago'], prunes: ['Prune of the primary vault (us-east-1): no run recorded yet'] };
    const asked: Date[] = [];
    const base: ReportSources = { environment, listBackupsOfPlan: async () => BACKUPS, listDrills: async () => DRILLS };
    const data = await environmentReport({ ...base, latestState: async (now) => (asked.push(now), latest) }, NOW);
    expect([data.latest, asked, data.problems]).toEqual([latest, [NOW], []]);
    const failed = await environmentReport({ ...base, latestState: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:4570')) }, NOW);
    expect(failed.latest).toBeUndefined();
    expect(failed.problems).toEqual(["the mirrors' last checks and the vaults' last prunes could not be read and are not shown: connect ECONNREFUSED 127.0.0.1:4570"]);
    expect((await environmentReport(base, NOW)).latest).toBeUndefined();
  });
});

describe('the page', () => {
  const data: ReportData = { environment: 'dev', generatedAt: NOW.toISOString(), plans: [planReport({ plan: { ...PLAN, name: 'x</script><b>' }, backups: BACKUPS, drills: DRILLS, now: NOW })], problems: [] };

  it('inlines uPlot and the data: no URL the browser would fetch, and a plan name cannot end the data element', () => {
    const html = reportHtml(data);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).toContain('uPlot');
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    const json = /<script type="application\/json" id="lifeboat-report-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(JSON.parse(json)).toEqual(data);
    expect(scriptSafeJson('</script>')).toBe('"\\u003c/script>"');
  });

  it('the command needs --html or --json', async () => {
    const err: string[] = [];
    expect(await reportCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: { out: () => undefined, err: (l) => err.push(l) } })).toBe(1);
    expect(err).toEqual(['lifeboat report: --html FILE: name the page to write (or --json for the data only)']);
  });
});
