import { drillRunCommand, drillsEvidenceCommand, drillsListCommand, drillsShowCommand } from '../../../cli/commands/drill-commands';
import { DRILL_ID } from '../../../lambdas/catalog/drill-id';
import { DEFAULT_CONFIG_FILE } from '../../../config/load-config';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, failedReport } from '../../support/drill-records';
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
