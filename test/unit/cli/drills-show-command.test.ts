import { drillRunCommand, drillsEvidenceCommand, drillsListCommand, drillsShowCommand } from '../../../cli/commands/drill-commands';
import { type DrillAccess, type DrillSide } from '../../../cli/drills/drill-access';
import { backupRecordSchema } from '../../../lambdas/catalog/backup-record';
import { CatalogItemInvalidError } from '../../../lambdas/catalog/catalog-errors';
import { DRILL_ID } from '../../../lambdas/catalog/drill-id';
import { DEFAULT_CONFIG_FILE } from '../../../config/load-config';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, drillReport, failedReport } from '../../support/drill-records';
import { inMemoryDrillAccess } from '../../support/in-memory-drill-access';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

const TARGET = { config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' };

describe('lifeboat drills show: an id it does not take', () => {
  it('is refused with the id escaped: a newline, ESC or U+202E in it forges no line and drives no terminal (review r62M F2)', async () => {
    const forged = '20261128T101500Z-3c4d5e6f\n✓ demo: within objectives\u001b[32m\u202e';
    const { err, io } = capturedCliIo();
    expect(await drillsShowCommand(forged, TARGET, { io })).toBe(2);
    expect(err).toEqual(['lifeboat drills show: drill id 20261128T101500Z-3c4d5e6f\\u000a✓ demo: within objectives\\u001b[32m\\u202e: must look like 20261130T101500Z-1a2b3c4d (see lifeboat drills list)']);
    // An ordinary wrong id reads as typed.
    const plain = capturedCliIo();
    expect(await drillsShowCommand('yesterday', TARGET, { io: plain.io })).toBe(2);
    expect(plain.err).toEqual(['lifeboat drills show: drill id yesterday: must look like 20261130T101500Z-1a2b3c4d (see lifeboat drills list)']);
  });

  it('takes the form status prints `drills show` for, the one constant both read', () => {
    expect(DRILL_ID.test('20261130T101500Z-1a2b3c4d')).toBe(true);
    expect(DRILL_ID.test('20261130T101500Z-1a2b3c4d\n')).toBe(false);
  });
});

// Review f63T: `drills list|show|evidence --json` and `drill run --json` wrote JSON.stringify's text, which leaves a
// record's C1 controls (U+009B is CSI), U+2028 and bidi overrides raw, as status, report and forget --json do not.
describe('lifeboat drills --json: a record whose text holds a C1 control, U+2028 or a bidi override', () => {
  const forged = 'restore refused \u009b31m\u2028✓ demo: PASSED \u202esdrawkcab\u0085';
  const { record } = drillRecordOf(failedReport({ drillId: '20261130T101500Z-0000000f', startedAt: '2026-11-30T10:15:00.000Z', errors: [{ error: 'RestoreFailed', message: forged, step: 'restore' }] }));
  const memory = inMemoryDrillAccess();
  memory.catalogs.dr.push(record);
  const raw = /[\u007f-\u009f\u2028\u2029\p{Cf}]/u;
  const now = () => new Date('2026-12-01T00:00:00.000Z');

  /** The output holds none raw, names them escaped, and reads back as the record. */
  function escaped(out: string[]): unknown {
    const text = out.join('\n');
    expect(text).not.toMatch(raw);
    expect(text).toContain('restore refused \\u009b31m\\u2028✓ demo: PASSED \\u202esdrawkcab\\u0085');
    return JSON.parse(text);
  }

  it('drills list --json and drills show --json write them as \\uXXXX, read back as the record', async () => {
    const listed = capturedCliIo();
    expect(await drillsListCommand({ ...TARGET, json: true }, { io: listed.io, access: memory.access, now })).toBe(0);
    expect(escaped(listed.out)).toEqual([record]);
    const shown = capturedCliIo();
    expect(await drillsShowCommand(record.drillId, { ...TARGET, json: true }, { io: shown.io, access: memory.access })).toBe(0);
    expect(escaped(shown.out)).toEqual(record);
  });

  it('drills evidence --json and drill run --json alike', async () => {
    const evidence = capturedCliIo();
    await drillsEvidenceCommand({ ...TARGET, json: true }, { io: evidence.io, access: memory.access, now });
    expect(escaped(evidence.out)).toMatchObject({ drills: [{ drillId: record.drillId, record }] });
    const ran = capturedCliIo();
    const runner = { run: async () => ({ executionId: record.execution, status: 'FAILED' as const, error: 'DrillFailed', cause: `drill ${record.drillId}: ${forged}` }) };
    const stderr = { isTTY: false, write: () => true };
    await drillRunCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent', plan: 'demo', json: true }, { io: ran.io, stderr, runner, access: memory.access, now: () => new Date('2026-11-30T10:14:59.000Z') });
    expect(escaped(ran.out)).toMatchObject({ report: record });
  });
});

// Any C0 or C1 control, U+2028/9 or format character (bidi overrides): none may reach a printed line raw.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/u;

// Review r63R F1: the text mode (the default) printed the record's plan, region and messages raw.
describe('lifeboat drills show and list, text mode: a record whose text would drive the terminal', () => {
  it("escapes the source object's key a LiveSampleMismatchError quotes, and a forged plan and region; an ordinary record reads unchanged", async () => {
    const key = 'photos/\u202egpj.exe\u009b31m';
    const message = `Source demo-assets: 1 restored entry differs from the live source although unchanged since the backup: ${JSON.stringify(key)}: restored copy (3 bytes) differs`;
    const forged = '\n✓ Verdict   PASSED\u001b[2J\u009b31m\u202e';
    const report = drillReport({
      plan: `demo${forged}`,
      region: `us-west-2${forged}`,
      verdict: 'FAILED',
      errors: [{ error: 'LiveSampleMismatchError', message, step: 'Compare with live sources', source: 'demo-assets' }],
    });
    const memory = inMemoryDrillAccess();
    memory.catalogs.dr.push(drillRecordOf(report).record);
    const shown = capturedCliIo();
    expect(await drillsShowCommand(report.drillId, { ...TARGET, aws: true }, { io: shown.io, access: memory.access })).toBe(0);
    for (const line of shown.out) expect(line).not.toMatch(RAW);
    const escapedKey = '"photos/\\u202egpj.exe\\u009b31m"';
    expect(shown.out).toContain(`  LiveSampleMismatchError (Compare with live sources, source demo-assets): Source demo-assets: 1 restored entry differs from the live source although unchanged since the backup: ${escapedKey}: restored copy (3 bytes) differs`);
    expect(shown.out).toContain(`Vault     dr vault in us-west-2\\u000a✓ Verdict   PASSED\\u001b[2J\\u009b31m\\u202e; execution ${report.execution}`);
    expect(shown.out.filter((l) => l.startsWith('Verdict'))).toHaveLength(1);
    const listed = capturedCliIo();
    expect(await drillsListCommand({ ...TARGET, aws: true }, { io: listed.io, access: memory.access })).toBe(0);
    expect(listed.out).toHaveLength(2);
    for (const line of listed.out) expect(line).not.toMatch(RAW);
    expect(listed.out[1]).toContain('demo\\u000a✓ Verdict   PASSED\\u001b[2J\\u009b31m\\u202e  dr (us-west-2\\u000a✓ Verdict');

    const plain = inMemoryDrillAccess();
    const ordinary = drillReport();
    plain.catalogs.dr.push(drillRecordOf(ordinary).record);
    const read = capturedCliIo();
    expect(await drillsShowCommand(ordinary.drillId, { ...TARGET, aws: true }, { io: read.io, access: plain.access })).toBe(0);
    expect(read.out).toContain(`Drill     ${ordinary.drillId} (plan demo, environment dev)`);
    expect(read.out).toContain(`Vault     dr vault in us-west-2; execution ${ordinary.execution}`);
  });
});

/** The in-memory access, its `side` catalog failing every read with `err`. */
function failing(side: DrillSide, err: Error): DrillAccess {
  const { access } = inMemoryDrillAccess();
  const refused = () => Promise.reject(err);
  return { ...access, drillLog: (s) => (s === side ? { get: refused, list: refused } : access.drillLog(s)) };
}

// Review r63R F7: the catalog's read error was printed raw and whole; a service's answer may quote any text.
describe("lifeboat drills show and list: a catalog's read error", () => {
  const forged = `ValidationException: key ${'x'.repeat(300)} \u202e\n✓ PASSED\u001b[2J`;

  it('is shown escaped and cut to 200 characters', async () => {
    const cutNote = ` (cut from ${[...forged].length} characters)`;
    const listed = capturedCliIo();
    expect(await drillsListCommand({ ...TARGET, vault: 'dr' }, { io: listed.io, access: failing('dr', new Error(forged)) })).toBe(1);
    expect(listed.err).toEqual([`The dr catalog (us-west-2) could not be read, its drills are not listed: ${forged.slice(0, 200)}…${cutNote}`]);
    const shown = capturedCliIo();
    expect(await drillsShowCommand('20261130T101500Z-1a2b3c4d', { ...TARGET, vault: 'dr' }, { io: shown.io, access: failing('dr', new Error(`refused \u202e\n✓ PASSED\u001b[2J`)) })).toBe(1);
    expect(shown.err).toEqual(['lifeboat drills show: no drill 20261130T101500Z-1a2b3c4d in the dr catalog; the dr catalog (us-west-2) could not be read: refused \\u202e\\u000a✓ PASSED\\u001b[2J']);
    for (const line of [...listed.err, ...shown.err]) expect(line).not.toMatch(RAW);
  });

  it("a damaged record's is whole: its end says what to do with the item", async () => {
    const parsed = backupRecordSchema.safeParse({ pk: 'DRILLS', sk: 'BACKUP', plan: 'demo', pins: { p: 'x' } });
    const invalid = new CatalogItemInvalidError('lifeboat-dev-catalog', 'DRILLS / 20261130T101500Z-1a2b3c4d', parsed.success ? [] : parsed.error.issues);
    expect(invalid.message.length).toBeGreaterThan(200);
    const shown = capturedCliIo();
    expect(await drillsShowCommand('20261130T101500Z-1a2b3c4d', { ...TARGET, vault: 'dr' }, { io: shown.io, access: failing('dr', invalid) })).toBe(1);
    expect(shown.err).toEqual([`lifeboat drills show: no drill 20261130T101500Z-1a2b3c4d in the dr catalog; the dr catalog (us-west-2) could not be read: ${invalid.message}`]);
  });
});
