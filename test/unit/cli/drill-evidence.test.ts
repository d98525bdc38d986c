import { drillsEvidenceCommand } from '../../../cli/commands/drill-commands';
import { checkReportObject, collectDrillEvidence, type DrillEvidence, evidenceComplete, evidenceMarkdown, evidenceProblems } from '../../../cli/drills/drill-evidence';
import { type DrillReport } from '../../../lambdas/catalog/drill-record';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, drillReport, failedReport, objectiveMissedReport } from '../../support/drill-records';
import { inMemoryDrillAccess } from '../../support/in-memory-drill-access';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat drills evidence`: both catalogs, each report object re-read, its SHA-256 checked and its content compared with
 * the catalog item; each vault's report objects of the period listed. A tampered or missing object, a rewritten catalog
 * item or a deleted one is named and exits 1.
 */

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
  expect(checkReportObject(record, object)).toEqual({ check: { status: 'match' }, report: drillReport() });
  const tampered = Buffer.from(object);
  // One bit of the last character before the newline (the closing brace) flipped: no longer JSON.
  tampered.writeUInt8(tampered.readUInt8(tampered.length - 2) ^ 1, tampered.length - 2);
  const { check } = checkReportObject(record, tampered);
  expect(check).toEqual({ status: 'mismatch', actualSha256: expect.stringMatching(/^[0-9a-f]{64}$/), differences: [expect.stringMatching(/^not JSON: /)] });
  expect(check).not.toMatchObject({ actualSha256: record.reportSha256 });
  expect(checkReportObject(record, undefined)).toEqual({ check: { status: 'missing' } });
});

it('compares the catalog item with the report object field by field, naming each difference with both values', () => {
  const { record, object } = drillRecordOf(drillReport());
  const rewritten = { ...record, verdict: 'FAILED' as const, rto: { seconds: 7200, objectiveSeconds: 3600, met: false }, totals: { ...record.totals, bytes: 1 } };
  expect(checkReportObject(rewritten, object)).toEqual({
    check: {
      status: 'differs',
      differences: ['totals.bytes: catalog 1, object 5009000', 'rto.seconds: catalog 7200, object 724', 'rto.met: catalog false, object true', 'verdict: catalog "FAILED", object "PASSED"'],
    },
    report: drillReport(),
  });
  const oneSource = { ...record, sources: record.sources.slice(0, 1) };
  expect(checkReportObject(oneSource, object).check).toEqual({ status: 'differs', differences: ['sources: 1 in the catalog, 2 in the object'] });
  const { rpo: _rpo, ...withoutRpo } = record;
  expect(checkReportObject(withoutRpo, object).check).toEqual({
    status: 'differs',
    differences: ['rpo: catalog absent, object {"backupAgeSeconds":15300,"largestGapSeconds":86000,"backupsInWindow":7,"objectiveSeconds":86400,"met":true}'],
  });
});

it('collects the drills of both catalogs in the period, oldest first, with counts per verdict and the pass rate', async () => {
  const memory = seeded();
  const { passed, missed, failed } = memory;
  // Before the period: not listed.
  memory.catalogs.dr.push(drillRecordOf(drillReport({ drillId: '20260801T000000Z-00000001', startedAt: '2026-08-01T00:00:00.000Z' })).record);
  // Its object is before the period too: not listed from the vault either.
  memory.objects.dr.set('drills/20260801T000000Z-00000001.json', drillRecordOf(drillReport({ drillId: '20260801T000000Z-00000001' })).object);
  const evidence = await collectDrillEvidence(memory.access, { since: new Date('2026-09-01T12:00:00.000Z'), until: NOW });
  expect(evidence.drills.map((d) => [d.drillId, d.vault, d.check.status])).toEqual([
    [failed.drillId, 'dr', 'match'],
    [missed.drillId, 'primary', 'match'],
    [passed.drillId, 'dr', 'match'],
  ]);
  expect(evidence.summary).toEqual({
    drills: 3,
    verdicts: { PASSED: 1, FAILED: 1, OBJECTIVE_MISSED: 1 },
    noVerdict: 0,
    passRate: 1 / 3,
    objects: { match: 3, mismatch: 0, differs: 0, missing: 0, unreadable: 0, unrecorded: 0 },
  });
  expect(evidence.unreadableCatalogs).toEqual([]);
  expect(evidence.unlistedVaults).toEqual([]);
});

it('writes Markdown with the environment and period, the summary and one row per drill with its object key and SHA-256; exit 0', async () => {
  const { access, passed, missed } = seeded();
  const { out, err, io } = capturedCliIo();
  expect(await drillsEvidenceCommand({ ...target, since: '90d' }, { io, access, now: () => NOW })).toBe(0);
  expect(err).toEqual([]);
  const md = out.join('\n');
  expect(md).toContain('# Lifeboat drill evidence: environment dev');
  expect(md).toContain('- Period: 2026-09-01T12:00:00.000Z to 2026-11-30T12:00:00.000Z');
  expect(md).toContain('- Catalogs and vaults read: primary and DR');
  expect(md).toContain('| PASSED | 1 |\n| OBJECTIVE_MISSED | 1 |\n| FAILED | 1 |\n| **Total** | 3 |');
  expect(md).toContain('Pass rate: 33.3 % (1 of 3).');
  expect(md).toContain(
    'Report objects re-read from their vaults: 3 match their catalog item (SHA-256 and content), 0 mismatch their recorded SHA-256, 0 differ from their catalog item, 0 missing, 0 unreadable, 0 without a catalog item.',
  );
  expect(md).toContain(
    `| ${passed.drillId} | demo | dr (us-west-2) | 20261130T060000Z-0badcafe | PASSED | 12 min 04 s / 1 h | 23 h 53 min / 1 d | 2 of 2 verified; 160 entries (3900 items), 5009000 bytes | \`drills/${passed.drillId}.json\` | \`${passed.reportSha256}\` | matches |`,
  );
  expect(md).toContain(`| ${missed.drillId} | demo | primary (us-east-1) | 20261130T060000Z-0badcafe | OBJECTIVE_MISSED | 1 h 05 min / 1 h MISSED |`);
  expect(md).not.toContain('failed the check');
});

it('flags a tampered report object and a missing one, on stdout and stderr, and exits 1', async () => {
  const { access, objects, passed, missed } = seeded();
  const bytes = Buffer.from(objects.dr.get(passed.reportKey) as Uint8Array);
  objects.dr.set(passed.reportKey, Buffer.from(bytes.toString().replace('"verdict": "PASSED"', '"verdict": "PASSED" ')));
  objects.primary.delete(missed.reportKey);
  const { out, err, io } = capturedCliIo();
  expect(await drillsEvidenceCommand({ ...target, since: '90d' }, { io, access, now: () => NOW })).toBe(1);
  const md = out.join('\n');
  expect(md).toContain(
    'Report objects re-read from their vaults: 1 match their catalog item (SHA-256 and content), 1 mismatch their recorded SHA-256, 0 differ from their catalog item, 1 missing, 0 unreadable, 0 without a catalog item.',
  );
  expect(md).toMatch(new RegExp(`\\| ${passed.drillId} \\|.*\\| \\*\\*MISMATCH\\*\\* \\(object's SHA-256 is [0-9a-f]{64}\\) \\|`));
  expect(md).toContain(`- **MISSING**: drill ${missed.drillId}, \`drills/${missed.drillId}.json\` in the primary vault (us-east-1): **MISSING** from the vault (figures from the catalog item)`);
  // Oldest first, as in the document.
  expect(err).toEqual([
    `MISSING: the report object drills/${missed.drillId}.json of drill ${missed.drillId} in the primary vault is not in the vault`,
    expect.stringMatching(new RegExp(`^MISMATCH: the report object drills/${passed.drillId}\\.json of drill ${passed.drillId} in the dr vault has SHA-256 [0-9a-f]{64}, the catalog recorded ${passed.reportSha256}$`)),
  ]);
});

it('takes the verdict and figures from the report object when the catalog item was rewritten (its SHA-256 kept), flags the item and exits 1', async () => {
  const { access, catalogs, passed } = seeded();
  // What someone with PutItem on the catalog can do: the verdict and RTO rewritten, reportKey and reportSha256 left as they were.
  const index = catalogs.dr.findIndex((r) => r.drillId === passed.drillId);
  catalogs.dr[index] = { ...passed, verdict: 'FAILED', rto: { seconds: 7200, objectiveSeconds: 3600, met: false } };
  const { out, err, io } = capturedCliIo();
  expect(await drillsEvidenceCommand({ ...target, since: '90d' }, { io, access, now: () => NOW })).toBe(1);
  const md = out.join('\n');
  // The object says PASSED in 12 min 04 s: that is what the evidence shows and counts.
  expect(md).toContain('| PASSED | 1 |\n| OBJECTIVE_MISSED | 1 |\n| FAILED | 1 |\n| **Total** | 3 |');
  expect(md).toContain(
    `| ${passed.drillId} | demo | dr (us-west-2) | 20261130T060000Z-0badcafe | PASSED | 12 min 04 s / 1 h | 23 h 53 min / 1 d | 2 of 2 verified; 160 entries (3900 items), 5009000 bytes | \`drills/${passed.drillId}.json\` | \`${passed.reportSha256}\` | **CATALOG DIFFERS** from the report object: rto.seconds: catalog 7200, object 724; rto.met: catalog false, object true; verdict: catalog "FAILED", object "PASSED" |`,
  );
  expect(md).toContain('2 match their catalog item (SHA-256 and content), 0 mismatch their recorded SHA-256, 1 differ from their catalog item, 0 missing, 0 unreadable, 0 without a catalog item.');
  expect(err).toEqual([
    `DIFFERS: the catalog item of drill ${passed.drillId} differs from the report object drills/${passed.drillId}.json of drill ${passed.drillId} in the dr vault: rto.seconds: catalog 7200, object 724; rto.met: catalog false, object true; verdict: catalog "FAILED", object "PASSED"`,
  ]);
});

it('lists the report objects of each vault: an object whose catalog item was deleted is named, counted in the pass rate, and exits 1', async () => {
  const { access, catalogs, failed } = seeded();
  // The FAILED drill's item deleted: its object stays in the DR vault (create-only, and the record step cannot delete).
  catalogs.dr.splice(catalogs.dr.findIndex((r) => r.drillId === failed.drillId), 1);
  const { out, err, io } = capturedCliIo();
  expect(await drillsEvidenceCommand({ ...target, since: '90d', format: 'json' }, { io, access, now: () => NOW })).toBe(1);
  const evidence = JSON.parse(out.join('\n')) as DrillEvidence;
  expect(evidence.drills.map((d) => [d.drillId, d.vault, d.check.status, d.record === undefined, d.report?.verdict])).toEqual([
    [failed.drillId, 'dr', 'unrecorded', true, 'FAILED'],
    ['20261129T101500Z-2b3c4d5e', 'primary', 'match', false, 'OBJECTIVE_MISSED'],
    ['20261130T101500Z-1a2b3c4d', 'dr', 'match', false, 'PASSED'],
  ]);
  expect(evidence.summary).toMatchObject({ drills: 3, verdicts: { PASSED: 1, FAILED: 1, OBJECTIVE_MISSED: 1 }, passRate: 1 / 3, objects: { match: 2, unrecorded: 1 } });
  expect(err).toEqual([
    `UNRECORDED: the report object drills/${failed.drillId}.json of drill ${failed.drillId} in the dr vault (plan demo, FAILED) has no catalog item: the item was deleted, or the drill's record step never wrote it`,
  ]);
  const md = evidenceMarkdown(evidence);
  expect(md).toContain('Pass rate: 33.3 % (1 of 3).');
  expect(md).toContain(`| ${failed.drillId} | demo | dr (us-west-2) | - | FAILED | - | - | 0 of 0 verified; 0 entries, 0 bytes | \`drills/${failed.drillId}.json\` | - | **NO CATALOG ITEM** (record deleted, or never written) |`);
  expect(md).toContain(`- **UNRECORDED**: drill ${failed.drillId}, \`drills/${failed.drillId}.json\` in the dr vault (us-west-2): **NO CATALOG ITEM** (record deleted, or never written)`);
});

it('names an unlisted vault and an unreadable object found by the listing; keeps an unrecorded object of another plan out of a --plan run', async () => {
  const memory = seeded();
  const { access, objects, catalogs, passed } = memory;
  objects.primary.set('drills/20261130T111111Z-00000000.json', Buffer.from('{"verdict":'));
  // A drill of another plan, its item deleted: not part of --plan demo.
  const other = drillRecordOf(drillReport({ drillId: '20261130T120000Z-0000000f', plan: 'other' }));
  objects.dr.set(other.record.reportKey, other.object);
  // The item's plan rewritten to hide it from --plan demo: still listed, as its object is of plan demo.
  const index = catalogs.dr.findIndex((r) => r.drillId === passed.drillId);
  catalogs.dr[index] = { ...passed, plan: 'hidden' };
  const evidence = await collectDrillEvidence(access, { since: new Date('2026-09-01T12:00:00.000Z'), until: NOW, plan: 'demo' });
  expect(evidence.drills.map((d) => [d.drillId, d.check.status])).toEqual([
    ['20261128T101500Z-3c4d5e6f', 'match'],
    ['20261129T101500Z-2b3c4d5e', 'match'],
    [passed.drillId, 'differs'],
    ['20261130T111111Z-00000000', 'unreadable'],
  ]);
  expect(evidence.drills[3]?.check).toEqual({ status: 'unreadable', message: expect.stringMatching(/^not JSON: /) });
  expect(evidence.summary).toMatchObject({ drills: 4, noVerdict: 1, passRate: 1 / 4 });
  expect(evidenceMarkdown(evidence)).toContain('| unknown (object unreadable) | 1 |\n| **Total** | 4 |');

  const unlisted = { ...access, listReportKeys: () => Promise.reject(new Error('Access Denied')) };
  const partial = await collectDrillEvidence(unlisted, { since: new Date('2026-09-01T12:00:00.000Z'), until: NOW });
  expect(partial.unlistedVaults).toEqual([
    { vault: 'primary', region: 'us-east-1', message: 'Access Denied' },
    { vault: 'dr', region: 'us-west-2', message: 'Access Denied' },
  ]);
  expect(evidenceComplete(partial)).toBe(false);
  expect(evidenceProblems(partial).slice(0, 1)).toEqual(['INCOMPLETE: the report objects (drills/) of the primary vault (us-east-1) could not be listed: Access Denied']);
});

it('says the evidence is incomplete when a catalog cannot be read, lists the other, and exits 1', async () => {
  const { access, down, missed } = seeded();
  down.add('dr');
  const { out, err, io } = capturedCliIo();
  expect(await drillsEvidenceCommand({ ...target, since: '90d', format: 'json' }, { io, access, now: () => NOW })).toBe(1);
  const evidence = JSON.parse(out.join('\n')) as DrillEvidence;
  expect(evidence.drills.map((d) => d.drillId)).toEqual([missed.drillId]);
  expect(evidence.unreadableCatalogs).toEqual([{ vault: 'dr', region: 'us-west-2', message: expect.stringContaining('ECONNREFUSED') }]);
  expect(err).toEqual([expect.stringMatching(/^INCOMPLETE: the dr catalog \(us-west-2\) could not be read: connect ECONNREFUSED/)]);
  expect(evidenceMarkdown(evidence)).toContain('- Catalogs and vaults read: **INCOMPLETE**, not read: dr catalog (us-west-2)');
});

it('keeps only the plan asked for, and says when the period has no drill', async () => {
  const { access } = seeded();
  const { out, io } = capturedCliIo();
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
  const { err, io } = capturedCliIo();
  expect(await drillsEvidenceCommand({ ...target, ...bad }, { io, access, now: () => NOW })).toBe(2);
  expect(err).toEqual([message]);
});
