import { drillListLines, drillReportLines, formatSeconds, rpoCell, rpoText, rtoText, verdictText } from '../../../cli/drills/drill-report-text';
import { drillRecordOf, drillReport, failedReport, objectiveMissedReport } from '../../support/drill-records';

/** The readable drill report of `lifeboat drill run` and `lifeboat drills show`, and the lines of `drills list`. */

it.each([
  [0, '0 s'],
  [59.6, '1 min'],
  [724, '12 min 04 s'],
  [3600, '1 h'],
  [3900, '1 h 05 min'],
  [86_000, '23 h 53 min'],
  [86_400, '1 d'],
  [97_200, '1 d 3 h'],
])('formats %d seconds as %s', (seconds, text) => {
  expect(formatSeconds(seconds)).toBe(text);
});

it('states RTO and RPO against their objectives when both were met', () => {
  const report = drillReport();
  expect(rtoText(report)).toBe('12 min 04 s of 1 h: met');
  expect(rpoText(report)).toBe('backup age 4 h 15 min, largest gap 23 h 53 min (7 backup(s) in the 7-day window), objective 1 d: met');
  expect(verdictText(report)).toBe('PASSED: every source restored and verified, objectives met');
});

it('says which objective was missed and by how much, as the drill recorded it', () => {
  const report = objectiveMissedReport();
  expect(rtoText(report)).toBe('1 h 05 min of 1 h: MISSED by 5 min');
  expect(verdictText(report)).toBe('OBJECTIVE_MISSED: RTO missed by 5 min (1 h 05 min against 1 h)');
  const rpoMissed = drillReport({
    rpo: { backupAgeSeconds: 3000, largestGapSeconds: 90_000, backupsInWindow: 6, objectiveSeconds: 86_400, met: false },
    verdict: 'OBJECTIVE_MISSED',
    missed: [{ objective: 'rpo', measuredSeconds: 90_000, objectiveSeconds: 86_400, bySeconds: 3600 }],
  });
  expect(rpoText(rpoMissed)).toBe('backup age 50 min, largest gap 1 d 1 h (6 backup(s) in the 7-day window), objective 1 d: MISSED by 1 h');
  expect(verdictText(rpoMissed)).toBe('OBJECTIVE_MISSED: RPO missed by 1 h (1 d 1 h against 1 d)');
});

// The RPO is judged on the newest backup's age and the largest gap (lambdas/drill/drill-verdict.ts), not on an older drilled one's age.
it('a drill of an older backup than the newest shows the newest backup’s age, judged, and the drilled one’s, not judged', () => {
  const random = drillReport({ selection: 'random-within-window', rpo: { backupAgeSeconds: 522_000, newestBackupAgeSeconds: 3600, largestGapSeconds: 86_000, backupsInWindow: 7, objectiveSeconds: 86_400, met: true } });
  expect(rpoText(random)).toBe("newest backup age 1 h (the drilled one's 6 d 1 h, not judged), largest gap 23 h 53 min (7 backup(s) in the 7-day window), objective 1 d: met");
  expect(rpoCell(random)).toBe('23 h 53 min / 1 d');
  // The newest is the drilled one (latest): as before.
  expect(rpoText(drillReport({ rpo: { backupAgeSeconds: 15_300, newestBackupAgeSeconds: 15_300, largestGapSeconds: 86_000, backupsInWindow: 7, objectiveSeconds: 86_400, met: true } }))).toMatch(/^backup age 4 h 15 min, largest gap/);
  // A report written before the newest backup's age was recorded was judged on the drilled backup's: its figure stays that one.
  expect(rpoCell(drillReport({ rpo: { backupAgeSeconds: 522_000, largestGapSeconds: 86_000, backupsInWindow: 7, objectiveSeconds: 86_400, met: false } }))).toBe('6 d 1 h / 1 d MISSED');
});

it('prints what exceeded the RPO and what to check under the RPO line', () => {
  const detail = "the plan's newest backup drillable from the dr vault is 30.0 h old, over the RPO of 24.0 h by 6.0 h: no backup of the plan has been replicated since: check its backup runs and their replication to the DR vault (lifeboat backups list --plan demo)";
  const report = drillReport({
    rpo: { backupAgeSeconds: 108_000, newestBackupAgeSeconds: 108_000, largestGapSeconds: 108_000, backupsInWindow: 6, objectiveSeconds: 86_400, met: false },
    verdict: 'OBJECTIVE_MISSED',
    missed: [{ objective: 'rpo', measuredSeconds: 108_000, objectiveSeconds: 86_400, bySeconds: 21_600, detail }],
  });
  const lines = drillReportLines(report);
  expect(lines.slice(lines.findIndex((l) => l.startsWith('RPO')), lines.findIndex((l) => l.startsWith('Totals')))).toEqual([
    'RPO       backup age 1 d 6 h, largest gap 1 d 6 h (6 backup(s) in the 7-day window), objective 1 d: MISSED by 6 h',
    `          ${detail}`,
  ]);
});

it('prints the whole report: backup, per-source table, RTO, RPO, verdict, cleanup and where the report object is', () => {
  const { record } = drillRecordOf(objectiveMissedReport());
  const lines = drillReportLines(record);
  expect(lines.slice(0, 8)).toEqual([
    'Drill     20261129T101500Z-2b3c4d5e (plan demo, environment dev)',
    'Verdict   OBJECTIVE_MISSED: RTO missed by 5 min (1 h 05 min against 1 h)',
    'Vault     dr vault in us-west-2; execution drill-exec-1',
    'Ran       2026-11-29T10:15:00.000Z to 2026-11-29T11:21:00.000Z',
    'Backup    20261130T060000Z-0badcafe (started 2026-11-30T06:00:00.000Z, incremental); selection latest, window 7 days',
    'RTO       1 h 05 min of 1 h: MISSED by 5 min',
    'RPO       backup age 4 h 15 min, largest gap 23 h 53 min (7 backup(s) in the 7-day window), objective 1 d: met',
    'Totals    160 entries (3900 DynamoDB items), 5009000 bytes',
  ]);
  const sources = lines.slice(lines.indexOf('Sources') + 1, lines.indexOf('Sources') + 4);
  expect(sources[0]).toMatch(/^ {2}SOURCE +TYPE +TARGET +ENTRIES +BYTES +VERIFIED +RESTORE +LIVE SAMPLES$/);
  expect(sources[1]).toMatch(/^ {2}demo-assets +s3 +s3:\/\/lifeboat-dev-drill-1a2b3c4d-demo-assets\/ +120 +5000000 +120\/120 +1 min 05 s +10\/10 equal, 2 skipped \(changed since the backup\)$/);
  expect(sources[2]).toMatch(/^ {2}demo-orders +dynamodb +dynamodb table \S+ +40 \(3900 items\) +9000 +40\/40 +30 s +none \(DynamoDB items are not sampled\)$/);
  expect(lines).toContain('Cleanup   removed 2 scratch target(s) (s3://lifeboat-dev-drill-1a2b3c4d-demo-assets, dynamodb table lifeboat-dev-drill-1a2b3c4d-demo-orders); swept 0 leftover(s) of earlier drills');
  expect(lines.at(-1)).toBe(`Report    drills/20261129T101500Z-2b3c4d5e.json in the dr vault, SHA-256 ${record.reportSha256}`);
  expect(lines).not.toContain('Errors');
});

// Review R10-2: a missing-object check that did not run (bucket changed, unrelated prefixes) read as "10/10 equal".
it('shows in the live samples how many live objects were looked up in the backup, and why some or all were not', () => {
  const base = drillReport();
  const [assets, orders] = base.sources;
  const note = 'live objects not looked up in the backup: it is of bucket old-assets, the configuration now names shop-assets';
  const withLive = (sampled: Partial<NonNullable<typeof assets>['sampled']>) =>
    drillReportLines(drillReport({ sources: [{ ...assets!, sampled: { ...assets!.sampled, ...sampled } }, orders!] })).find((l) => l.startsWith('  demo-assets'));
  expect(withLive({ checkedLive: 0, liveNotes: [note] })).toMatch(new RegExp(` 10/10 equal, 2 skipped \\(changed since the backup\\); 0 live object\\(s\\) looked up in the backup; ${note}$`));
  expect(withLive({ checkedLive: 10 })).toMatch(/ 10\/10 equal, 2 skipped \(changed since the backup\); 10 live object\(s\) looked up in the backup$/);
  // None compared (every entry tried had changed): the reason, then the live objects looked up all the same.
  expect(withLive({ compared: 0, matched: 0, unreachable: 'the 2 objects tried were all deleted', checkedLive: 3 })).toMatch(/ none \(the 2 objects tried were all deleted\); 3 live object\(s\) looked up in the backup$/);
  // Some compared, then the live listing was refused: the figures alone would hide it.
  expect(withLive({ unreachable: 'bucket shop-assets could not be listed by this drill' })).toMatch(/ 10\/10 equal, 2 skipped \(changed since the backup\); bucket shop-assets could not be listed by this drill$/);
});

it('marks a source whose restore failed in the table and names it in the errors, beside the sources that restored', () => {
  const base = drillReport();
  const [assets] = base.sources;
  const lost = { error: 'BackupNotReplicatedError', message: 'backup 20261130T060000Z-0badcafe has no copy of demo-orders in the dr vault: restore it from the primary vault', step: 'Restore sources', source: 'demo-orders' };
  const report = drillReport({
    sources: [assets!, { source: 'demo-orders', type: 'dynamodb', target: 'dynamodb table lifeboat-dev-drill-1a2b3c4d-demo-orders', entries: 0, bytes: 0, verifiedEntries: 0, restoreMs: 0, sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: 'not compared: the source\'s restore failed (BackupNotReplicatedError)' }, error: lost }],
    rto: undefined,
    verdict: 'FAILED',
    errors: [lost],
  });
  const lines = drillReportLines(report);
  expect(lines.find((l) => l.startsWith('  demo-orders'))).toMatch(/^ {2}demo-orders +dynamodb +dynamodb table \S+ +0 +0 +FAILED \(BackupNotReplicatedError\) +0 s +/);
  expect(lines.find((l) => l.startsWith('  demo-assets'))).toMatch(/ 120\/120 /);
  expect(lines).toContain(`  BackupNotReplicatedError (Restore sources, source demo-orders): ${lost.message}`);
  expect(rtoText(report)).toMatch(/^not measured \(the drill ended, or a source failed to restore, before every source was restored and verified\)/);
});

it('names the source of each live comparison error, also one whose message the drill\'s state cut to "…" (review r59A F3)', () => {
  const whole = { error: 'LiveSampleMismatchError', message: 'Source demo-assets: 1 restored entry differs from the live source', step: 'Compare with live sources', source: 'demo-assets' };
  const cut = { error: 'BackupLacksLiveObjectsError', message: '…', step: 'Compare with live sources', source: 'demo-orders' };
  const lines = drillReportLines(drillReport({ verdict: 'FAILED', errors: [whole, cut] }));
  expect(lines).toContain(`  LiveSampleMismatchError (Compare with live sources, source demo-assets): ${whole.message}`);
  expect(lines).toContain('  BackupLacksLiveObjectsError (Compare with live sources, source demo-orders): …');
});

it('a cleanup cut to fit the drill\'s state: the whole swept count, and the note of the lines left out apart from the cleanup errors (review r59A F4)', () => {
  const base = drillReport();
  const swept = ['s3://lifeboat-dev-drill-0a0b0c0d-x/', 'dynamodb table lifeboat-dev-drill-0a0b0c0d-y'];
  const leftOut = "… and 4998 more lines of removed or failed targets (the drill's cleanup function's log has them; a later drill's sweep removes what is left)";
  const lines = drillReportLines(drillReport({ cleanup: { ...base.cleanup, swept, errors: ['directory /mnt/lifeboat/x: EACCES'], sweptCount: 5000, errorCount: 1, leftOut } }));
  expect(lines.find((l) => l.startsWith('Cleanup'))).toMatch(/; swept 5000 leftover\(s\) of earlier drills \(s3:\/\/lifeboat-dev-drill-0a0b0c0d-x\/, dynamodb table lifeboat-dev-drill-0a0b0c0d-y, … and 4998 more\)$/);
  expect(lines.filter((l) => l.startsWith('  cleanup error:'))).toEqual(['  cleanup error: directory /mnt/lifeboat/x: EACCES']);
  expect(lines).toContain(`  ${leftOut}`);
});

it('a cleanup whose errors the drill\'s state cut: how many there were and how many are shown, before those shown (review r59K F4)', () => {
  const base = drillReport();
  const leftOut = "… and 4999 more lines of removed or failed targets (the drill's cleanup function's log has them; a later drill's sweep removes what is left)";
  const lines = drillReportLines(drillReport({ cleanup: { ...base.cleanup, errors: ['directory /mnt/lifeboat/x: EACCES'], errorCount: 5000, leftOut } }));
  const at = lines.indexOf('  5000 cleanup error(s), 1 shown');
  expect(at).toBeGreaterThan(-1);
  expect(lines[at + 1]).toBe('  cleanup error: directory /mnt/lifeboat/x: EACCES');
  // Every error shown: no count line.
  expect(drillReportLines(drillReport({ cleanup: { ...base.cleanup, errors: ['directory /mnt/lifeboat/x: EACCES'], errorCount: 1 } })).some((l) => /cleanup error\(s\)/.test(l))).toBe(false);
});

it('prints a failed drill without figures it never measured, and its errors with their step', () => {
  const lines = drillReportLines(failedReport());
  expect(lines).toContain('Verdict   FAILED: NoBackupToDrillError: plan demo has no committed, replicated backup in the last 7 days; the newest is 9 days old (copies.dr PENDING)');
  expect(lines).toContain('Backup    none drilled; selection latest, window 7 days');
  expect(lines).toContain('RTO       not measured (the drill ended, or a source failed to restore, before every source was restored and verified); objective 1 h');
  expect(lines).toContain('RPO       not measured (no backup was drilled); objective 1 d');
  expect(lines).toContain('  NoBackupToDrillError (Start drill): plan demo has no committed, replicated backup in the last 7 days; the newest is 9 days old (copies.dr PENDING)');
  expect(lines).not.toContain('Sources');
  // A report read from the execution's output has no object key yet.
  expect(lines.some((l) => l.startsWith('Report'))).toBe(false);
});

it('lists one line per drill with RTO and RPO against their objectives', () => {
  const lines = drillListLines([drillReport(), objectiveMissedReport({ vault: 'primary', region: 'us-east-1' }), failedReport()]);
  expect(lines[0]).toMatch(/^DRILL +PLAN +VAULT +BACKUP +VERDICT +RTO \/ OBJECTIVE +RPO \/ OBJECTIVE$/);
  expect(lines[1]).toMatch(/^20261130T101500Z-1a2b3c4d +demo +dr \(us-west-2\) +20261130T060000Z-0badcafe +PASSED +12 min 04 s \/ 1 h +23 h 53 min \/ 1 d$/);
  expect(lines[2]).toMatch(/^20261129T101500Z-2b3c4d5e +demo +primary \(us-east-1\) +20261130T060000Z-0badcafe +OBJECTIVE_MISSED +1 h 05 min \/ 1 h MISSED +23 h 53 min \/ 1 d$/);
  expect(lines[3]).toMatch(/^20261128T101500Z-3c4d5e6f +demo +dr \(us-west-2\) +- +FAILED +- +-$/);
});

// Audit a57F-1: `drills show` of a drill that restored a source in part read "PASSED: every source restored and verified".
it('a PASSED drill restored in part says how many were not restored or left out by the backup, and lists them per source, escaped', () => {
  const base = drillReport();
  const [assets, orders] = base.sources;
  const report = drillReport({
    sources: [
      {
        ...assets!,
        verifiedEntries: 100,
        notRestored: { count: 20, kinds: ['FIFO not recreated', 'extended attributes not restored'], first: [{ path: 'pipes/p\n1', what: 'FIFO not recreated: EPERM' }, { path: 'docs/a', what: 'extended attributes not restored: koffi cannot be loaded' }] },
        backupLeftOut: { skipped: 5000, skippedExamples: ['archive/2019.tar: GLACIER object left out'], vanished: 2, changedDuringRead: 0 },
      },
      { ...orders!, backupLeftOut: { unknown: 'the backup\'s catalog record could not be read' } },
    ],
  });
  const lines = drillReportLines(report);
  expect(lines).toContain('Verdict   PASSED with 20 not restored / 5002 left out by the backup / what the backup left out not known for 1 source (restored and verified otherwise), objectives met');
  expect(lines.slice(lines.indexOf('Restored in part') + 1, lines.findIndex((l) => l.startsWith('Cleanup')))).toEqual([
    '  demo-assets: 20 entries or attributes not restored (FIFO not recreated, extended attributes not restored); the target lacks them, not counted as verified:',
    '    pipes/p\\n1: FIFO not recreated: EPERM',
    '    docs/a: extended attributes not restored: koffi cannot be loaded',
    '    … and 18 more',
    '  demo-assets: 5002 left out by the backup (counts of the whole source): 5000 skipped as archived or unreadable; 2 vanished between listing and reading',
    '    archive/2019.tar: GLACIER object left out',
    "  demo-orders: left out by the backup not known (the backup's catalog record could not be read)",
  ]);
  // Nothing left out: as before, and no such section.
  expect(drillReportLines(base)).not.toContain('Restored in part');
});

// Audit f58E: a line said once for 5,000 entries (a platform loss) was taken for one, and "… and 4999 more" followed it.
it('counts the entries a listed line stands for (`entries`): "… and N more" only for those no line lists', () => {
  const base = drillReport();
  const [assets, orders] = base.sources;
  const loss = 'extended attributes not restored: koffi cannot be loaded (and for 4999 more entries)';
  const partial = (count: number) =>
    drillReport({ sources: [{ ...assets!, verifiedEntries: 0, notRestored: { count, kinds: ['FIFO not recreated', 'extended attributes not restored'], first: [{ path: 'docs/a', what: loss, entries: 5000 }, { path: 'pipes/p1', what: 'FIFO not recreated: EPERM' }] } }, orders!] });
  const section = (lines: string[]) => lines.slice(lines.indexOf('Restored in part') + 1, lines.findIndex((l) => l.startsWith('Cleanup')));
  const all = drillReportLines(partial(5001));
  expect(all).toContain('Verdict   PASSED with 5001 not restored (restored and verified otherwise), objectives met');
  expect(section(all)).toEqual([
    '  demo-assets: 5001 entries or attributes not restored (FIFO not recreated, extended attributes not restored); the target lacks them, not counted as verified:',
    `    docs/a: ${loss}`,
    '    pipes/p1: FIFO not recreated: EPERM',
  ]);
  expect(section(drillReportLines(partial(5003))).at(-1)).toBe('    … and 2 more');
});

/**
 * Review r63R F1: only --json escaped a record's text; the report and list printed its plan, region and messages raw.
 * A LiveSampleMismatchError quotes a source object's key by JSON.stringify, which leaves U+202E and U+009B raw: a key
 * chosen by whoever writes the source bucket drove the operator's terminal.
 */
describe("a record's text that would drive the terminal or forge a line", () => {
  // Any C0 or C1 control, U+2028/9 or format character (bidi overrides): none may reach a line raw.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const raw = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/u;
  const FORGED = '\n✓ Verdict   PASSED\u001b[2J\u009b31m\u202e';
  const SHOWN = '\\u000a✓ Verdict   PASSED\\u001b[2J\\u009b31m\\u202e';

  it("escapes the source object's key a LiveSampleMismatchError quotes, in the verdict and in the errors; its quotes as written", () => {
    const key = 'photos/\u202egpj.exe\u009b31m';
    const mismatch = {
      error: 'LiveSampleMismatchError',
      message: `Source demo-assets: 1 restored entry differs from the live source although unchanged since the backup: ${JSON.stringify(key)}: restored copy (3 bytes) differs`,
      step: 'Compare with live sources',
      source: 'demo-assets',
    };
    const lines = drillReportLines(drillReport({ verdict: 'FAILED', errors: [mismatch] }));
    const shown = 'Source demo-assets: 1 restored entry differs from the live source although unchanged since the backup: "photos/\\u202egpj.exe\\u009b31m": restored copy (3 bytes) differs';
    expect(lines).toContain(`Verdict   FAILED: LiveSampleMismatchError: ${shown}`);
    expect(lines).toContain(`  LiveSampleMismatchError (Compare with live sources, source demo-assets): ${shown}`);
    for (const line of lines) expect(line).not.toMatch(raw);
    // A key quoted JSON's way keeps its backslashes as written: an ordinary message reads unchanged.
    const quoted = { ...mismatch, message: 'Source demo-assets: 1 restored entry differs: "reports/\\"q3\\".csv"' };
    expect(drillReportLines(drillReport({ verdict: 'FAILED', errors: [quoted] }))).toContain(`  LiveSampleMismatchError (Compare with live sources, source demo-assets): ${quoted.message}`);
  });

  it('escapes a forged plan, region, environment, backup and source, and every message of the report: one line each', () => {
    const base = drillReport();
    const [assets, orders] = base.sources;
    const report = drillReport({
      plan: `demo${FORGED}`,
      region: `us-west-2${FORGED}`,
      environment: `dev${FORGED}`,
      execution: `drill-exec-1${FORGED}`,
      backup: { backupId: `20261130T060000Z-0badcafe${FORGED}`, startedAt: '2026-11-30T06:00:00.000Z', strategy: `incremental${FORGED}` },
      sources: [
        { ...assets!, source: `demo-assets${FORGED}`, target: `s3://lifeboat-dev-drill-1a2b3c4d-demo-assets/${FORGED}`, sampled: { ...assets!.sampled, unreachable: `listing refused${FORGED}`, liveNotes: [`note${FORGED}`] } },
        orders!,
      ],
      verdict: 'FAILED',
      missed: [{ objective: 'rpo', measuredSeconds: 90_000, objectiveSeconds: 86_400, bySeconds: 3600, detail: `gap${FORGED}` }],
      errors: [{ error: `RestoreFailed${FORGED}`, message: `refused${FORGED}`, step: `Restore${FORGED}`, source: `demo-assets${FORGED}` }],
      cleanup: { removed: [`s3://x${FORGED}`], swept: [`s3://y${FORGED}`], errors: [`EACCES${FORGED}`], errorCount: 2, leftOut: `… and 1 more${FORGED}` },
    });
    const lines = drillReportLines(report);
    for (const line of lines) expect(line).not.toMatch(raw);
    expect(lines).toContain(`Drill     ${report.drillId} (plan demo${SHOWN}, environment dev${SHOWN})`);
    expect(lines).toContain(`Vault     dr vault in us-west-2${SHOWN}; execution drill-exec-1${SHOWN}`);
    expect(lines).toContain(`Backup    20261130T060000Z-0badcafe${SHOWN} (started 2026-11-30T06:00:00.000Z, incremental${SHOWN}); selection latest, window 7 days`);
    expect(lines).toContain(`          gap${SHOWN}`);
    expect(lines.find((l) => l.startsWith('  demo-assets'))).toContain(`; listing refused${SHOWN}; note${SHOWN}`);
    expect(lines).toContain(`  RestoreFailed${SHOWN} (Restore${SHOWN}, source demo-assets${SHOWN}): refused${SHOWN}`);
    expect(lines).toContain(`  cleanup error: EACCES${SHOWN}`);
    expect(lines).toContain(`  … and 1 more${SHOWN}`);
    expect(lines.find((l) => l.startsWith('Cleanup'))).toContain(`(s3://x${SHOWN}); swept 1 leftover(s) of earlier drills (s3://y${SHOWN})`);
    // No forged line: as many lines as the same report without the forged text.
    const plain = JSON.parse(JSON.stringify(report).replaceAll(JSON.stringify(FORGED).slice(1, -1), '')) as typeof report;
    expect(drillReportLines(plain)).toHaveLength(lines.length);
    expect(drillReportLines(plain)).toContain(`Drill     ${report.drillId} (plan demo, environment dev)`);
  });

  it("drills list escapes a record's plan, region and backup id; the columns stay aligned", () => {
    const forged = drillReport({ plan: `demo${FORGED}`, region: `us-west-2${FORGED}`, backup: { backupId: `20261130T060000Z-0badcafe${FORGED}`, startedAt: '2026-11-30T06:00:00.000Z' } });
    const lines = drillListLines([forged, drillReport({ drillId: '20261129T101500Z-1a2b3c4d' })]);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toMatch(raw);
    expect(lines[1]).toMatch(new RegExp(`^${forged.drillId} +demo\\\\u000a✓ Verdict +PASSED\\\\u001b\\[2J\\\\u009b31m\\\\u202e +dr \\(us-west-2\\\\u000a`));
    expect(lines[2]!.indexOf('dr (us-west-2)')).toBe(lines[1]!.indexOf('dr (us-west-2'));
  });
});
