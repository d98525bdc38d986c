import { drillsEvidenceCommand } from '../../../cli/commands/drill-commands';
import { checkReportObject, collectDrillEvidence, type DrillEvidence, evidenceMarkdown } from '../../../cli/drills/drill-evidence';
import { type DrillReport } from '../../../lambdas/catalog/drill-record';
import { drillRecordOf, drillReport, failedReport, objectiveMissedReport } from '../../support/drill-records';
import { inMemoryDrillAccess } from '../../support/in-memory-drill-access';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/** `lifeboat drills evidence`: both catalogs, each report object re-read and its SHA-256 checked; a tampered or missing object is named and exits 1. */

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

const NOW = new Date('2026-11-30T12:00:00.000Z');
const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent' };

/** Three drills: PASSED and FAILED from the DR vault, OBJECTIVE_MISSED from the primary; each with its object in its vault. */
function seeded() {
  const memory = inMemoryDrillAccess();
  const add = (report: DrillReport) => {
    const { record, object } = drillRecordOf(report);
    memory.catalogs[report.vault].push(record);
    memory.objects[report.vault].set(record.reportKey, object);
    return record;
  };
  const passed = add(drillReport());
  const missed = add(objectiveMissedReport({ vault: 'primary', region: 'us-east-1' }));
  const failed = add(failedReport());
  return { ...memory, passed, missed, failed };
}

it('checks an object against its recorded SHA-256: equal, changed by one byte, absent', () => {
  const { record, object } = drillRecordOf(drillReport());
  expect(checkReportObject(record, object)).toEqual({ status: 'match' });
  const tampered = Buffer.from(object);
  // One bit of the last character before the newline (the closing brace) flipped.
  tampered.writeUInt8(tampered.readUInt8(tampered.length - 2) ^ 1, tampered.length - 2);
  expect(checkReportObject(record, tampered)).toEqual({ status: 'mismatch', actualSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  expect(checkReportObject(record, tampered)).not.toEqual({ status: 'mismatch', actualSha256: record.reportSha256 });
  expect(checkReportObject(record, undefined)).toEqual({ status: 'missing' });
});

it('collects the drills of both catalogs in the period, oldest first, with counts per verdict and the pass rate', async () => {
  const memory = seeded();
  const { passed, missed, failed } = memory;
  // Before the period: not listed.
  memory.catalogs.dr.push(drillRecordOf(drillReport({ drillId: '20260801T000000Z-00000001', startedAt: '2026-08-01T00:00:00.000Z' })).record);
  const evidence = await collectDrillEvidence(memory.access, { since: new Date('2026-09-01T12:00:00.000Z'), until: NOW });
  expect(evidence.drills.map((d) => [d.record.drillId, d.check.status])).toEqual([
    [failed.drillId, 'match'],
    [missed.drillId, 'match'],
    [passed.drillId, 'match'],
  ]);
  expect(evidence.summary).toEqual({ drills: 3, verdicts: { PASSED: 1, FAILED: 1, OBJECTIVE_MISSED: 1 }, passRate: 1 / 3, objects: { match: 3, mismatch: 0, missing: 0, unreadable: 0 } });
  expect(evidence.unreadableCatalogs).toEqual([]);
});

it('writes Markdown with the environment and period, the summary and one row per drill with its object key and SHA-256; exit 0', async () => {
  const { access, passed, missed } = seeded();
  const { out, err, io } = capture();
  expect(await drillsEvidenceCommand({ ...target, since: '90d' }, { io, access, now: () => NOW })).toBe(0);
  expect(err).toEqual([]);
  const md = out.join('\n');
  expect(md).toContain('# Lifeboat drill evidence: environment dev');
  expect(md).toContain('- Period: 2026-09-01T12:00:00.000Z to 2026-11-30T12:00:00.000Z');
  expect(md).toContain('- Catalogs read: primary and DR');
  expect(md).toContain('| PASSED | 1 |\n| OBJECTIVE_MISSED | 1 |\n| FAILED | 1 |\n| **Total** | 3 |');
  expect(md).toContain('Pass rate: 33.3 % (1 of 3).');
  expect(md).toContain('Report objects re-read from their vaults: 3 match their recorded SHA-256, 0 mismatch, 0 missing, 0 unreadable.');
  expect(md).toContain(
    `| ${passed.drillId} | demo | dr (us-west-2) | 20261130T060000Z-0badcafe | PASSED | 12 min 04 s / 1 h | 23 h 53 min / 1 d | \`drills/${passed.drillId}.json\` | \`${passed.reportSha256}\` | matches |`,
  );
  expect(md).toContain(`| ${missed.drillId} | demo | primary (us-east-1) | 20261130T060000Z-0badcafe | OBJECTIVE_MISSED | 1 h 05 min / 1 h MISSED |`);
  expect(md).not.toContain('failed the check');
});

it('flags a tampered report object and a missing one, on stdout and stderr, and exits 1', async () => {
  const { access, objects, passed, missed } = seeded();
  const bytes = Buffer.from(objects.dr.get(passed.reportKey) as Uint8Array);
  objects.dr.set(passed.reportKey, Buffer.from(bytes.toString().replace('"verdict": "PASSED"', '"verdict": "PASSED" ')));
  objects.primary.delete(missed.reportKey);
  const { out, err, io } = capture();
  expect(await drillsEvidenceCommand({ ...target, since: '90d' }, { io, access, now: () => NOW })).toBe(1);
  const md = out.join('\n');
  expect(md).toContain('Report objects re-read from their vaults: 1 match their recorded SHA-256, 1 mismatch, 1 missing, 0 unreadable.');
  expect(md).toMatch(new RegExp(`\\| ${passed.drillId} \\|.*\\| \\*\\*MISMATCH\\*\\* \\(object's SHA-256 is [0-9a-f]{64}\\) \\|`));
  expect(md).toContain(`- **MISSING**: drill ${missed.drillId}, \`drills/${missed.drillId}.json\` in the primary vault (us-east-1): **MISSING** from the vault`);
  // Oldest first, as in the document.
  expect(err).toEqual([
    `MISSING: the report object drills/${missed.drillId}.json of drill ${missed.drillId} in the primary vault is not in the vault`,
    expect.stringMatching(new RegExp(`^MISMATCH: the report object drills/${passed.drillId}\\.json of drill ${passed.drillId} in the dr vault has SHA-256 [0-9a-f]{64}, the catalog recorded ${passed.reportSha256}$`)),
  ]);
});

it('says the evidence is incomplete when a catalog cannot be read, lists the other, and exits 1', async () => {
  const { access, down, missed } = seeded();
  down.add('dr');
  const { out, err, io } = capture();
  expect(await drillsEvidenceCommand({ ...target, since: '90d', format: 'json' }, { io, access, now: () => NOW })).toBe(1);
  const evidence = JSON.parse(out.join('\n')) as DrillEvidence;
  expect(evidence.drills.map((d) => d.record.drillId)).toEqual([missed.drillId]);
  expect(evidence.unreadableCatalogs).toEqual([{ vault: 'dr', region: 'us-west-2', message: expect.stringContaining('ECONNREFUSED') }]);
  expect(err).toEqual([expect.stringMatching(/^INCOMPLETE: the dr catalog \(us-west-2\) could not be read: connect ECONNREFUSED/)]);
  expect(evidenceMarkdown(evidence)).toContain('- Catalogs read: **INCOMPLETE**, not read: dr (us-west-2)');
});

it('keeps only the plan asked for, and says when the period has no drill', async () => {
  const { access } = seeded();
  const { out, io } = capture();
  expect(await drillsEvidenceCommand({ ...target, since: '90d', plan: 'other' }, { io, access, now: () => NOW })).toBe(0);
  const md = out.join('\n');
  expect(md).toContain('- Plans: other');
  expect(md).toContain('Pass rate: no drill in the period.');
  expect(md).toContain('No drill in the period.');
});

it.each([
  [{ since: '90 days' }, 'lifeboat drills evidence: --since must be a whole number followed by min, h, d, w, mo or y (minutes, hours, days, weeks, calendar months, years), as 30d, 12h or 6mo; got "90 days"'],
  [{ format: 'pdf' }, 'lifeboat drills evidence: --format must be md or json, got pdf'],
  [{ vault: 'replica' }, 'lifeboat drills evidence: --vault must be primary, dr or both, got replica'],
])('refuses %j with exit 2 before reading anything', async (bad, message) => {
  const { access, down } = seeded();
  down.add('primary').add('dr');
  const { err, io } = capture();
  expect(await drillsEvidenceCommand({ ...target, ...bad }, { io, access, now: () => NOW })).toBe(2);
  expect(err).toEqual([message]);
});
