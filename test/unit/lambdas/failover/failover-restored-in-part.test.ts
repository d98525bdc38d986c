import { failoverIncompleteSummary } from '../../../../lambdas/failover/failover-incomplete';
import { type FailedSource, failoverReport, type RestoredSource, sourceOutcomeSchema } from '../../../../lambdas/failover/failover-report';
import { type FailoverStart } from '../../../../lambdas/failover/failover-start';
import { SHORTFALL_REPORT_MAX_BYTES, SHORTFALL_TEXT_MAX_BYTES } from '../../../../lambdas/drill/drill-shortfall';
import { testPlan } from '../../../support/test-plans';
import { failoverRestore, TRIO_FAILOVER, TRIO_PLAN as plan } from './trio-failover';

/**
 * Review r58D F3: a source whose restore was verified but whose target lacks entries or attributes (its report's
 * `notRestored`: in AWS an EFS source's extended attributes and FIFOs) lost them on the way to the failover's report
 * (the report step's input schema stripped them): the report, its summary and `lifeboat failover` said "restored and
 * verified" of a target without 5,000 files' extended attributes. The report keeps them now, bounded as a drill's.
 */
const at = '2026-12-05T12:01:00.000Z';
const IN_AWS = { environment: 'au', localCloud: false };
const LOSS = 'extended attributes not restored: koffi cannot be loaded (and for 4999 more entries)';

const files: RestoredSource = {
  restoreId: 'f-1-trio-a',
  source: 'trio-a',
  target: { type: 'filesystem' },
  targetDescription: 'efs:/mnt/lifeboat/restore-trio-a-cli',
  entries: 5002,
  bytes: 10,
  durationMs: 1000,
  notRestored: { count: 5001, first: [{ path: 'docs/a', what: LOSS, entries: 5000 }, { path: 'pipes/p1', what: 'FIFO not recreated: EPERM' }] },
};
const table: RestoredSource = { restoreId: 'f-1-trio-t', source: 'trio-t', target: { type: 'dynamodb' }, targetDescription: 'dynamodb table lifeboat-au-restore-trio-t-cli', entries: 1, items: 60, bytes: 6000, durationMs: 4_200 };
const failedB: FailedSource = { restoreId: 'f-1-trio-b', source: 'trio-b', failed: true, error: { Error: 'States.Timeout', Cause: 'The restore of the source timed out' } };
const failover: FailoverStart = {
  ...TRIO_FAILOVER,
  restores: TRIO_FAILOVER.restores.map((r) => (r.request.source === 'trio-a' ? failoverRestore('trio-a', { type: 'filesystem', path: '/mnt/lifeboat/restore-trio-a-cli' }) : r)),
};

it("the report step's input keeps a source's notRestored, `entries` included (it stripped it)", () => {
  // As Step Functions hands it over: the restore report as JSON.
  const parsed = sourceOutcomeSchema.parse(JSON.parse(JSON.stringify(files)));
  expect(parsed).toMatchObject({ source: 'trio-a', notRestored: files.notRestored });
});

it('the source restored in part carries the count, the reasons and the lines; the others carry nothing', () => {
  const report = failoverReport({ failover, restored: [files, failedB, table].map((r) => sourceOutcomeSchema.parse(JSON.parse(JSON.stringify(r)))), finishedAt: at }, [plan]);
  const byName = new Map(report.sources.map((s) => [s.source, s]));
  expect(byName.get('trio-a')?.notRestored).toEqual({ count: 5001, kinds: ['extended attributes not restored', 'FIFO not recreated'], first: files.notRestored?.first });
  expect(byName.get('trio-t')).not.toHaveProperty('notRestored');
});

it("the partial failover's summary says which live source was restored in part, and how many entries or attributes it lacks", () => {
  const report = failoverReport({ failover, restored: [files, failedB, table], finishedAt: at }, [plan]);
  expect(failoverIncompleteSummary(report, IN_AWS)).toContain(
    'Live, restored and verified (point their applications at these): trio-a at efs:/mnt/lifeboat/restore-trio-a-cli (restored in part: 5001 entries or attributes not restored, listed in the report); trio-t at dynamodb table lifeboat-au-restore-trio-t-cli.',
  );
  const one = failoverReport({ failover, restored: [{ ...files, notRestored: { count: 1, first: [{ path: 'pipes/p1', what: 'FIFO not recreated: EPERM' }] } }, failedB, table], finishedAt: at }, [plan]);
  expect(failoverIncompleteSummary(one, IN_AWS)).toContain('trio-a at efs:/mnt/lifeboat/restore-trio-a-cli (restored in part: 1 entry or attribute not restored, listed in the report);');
});

it.each([
  ['plain paths', 'p'],
  // A control character is six bytes in the state's JSON: the budget counts it so.
  ['paths of control characters', '\u0001'],
])("bounds the lists as a drill's: 40 sources of 20 lines with 4 KiB %s keep their counts, and their texts stay within 32 KiB together", (_, char) => {
  const names = Array.from({ length: 40 }, (_, i) => `d-${String(i).padStart(2, '0')}`);
  const bigPlan = testPlan({ name: 'big', sources: names.map((name) => ({ type: 'filesystem', name, path: `/data/${name}` })) });
  const big: FailoverStart = { ...failover, plan: 'big', restores: names.map((s) => failoverRestore(s, { type: 'filesystem', path: `/mnt/lifeboat/restore-${s}` })), choices: undefined };
  const restored = names.map(
    (s): RestoredSource => ({
      ...files,
      restoreId: `f-1-${s}`,
      source: s,
      notRestored: { count: 7000, first: Array.from({ length: 20 }, (_, i) => ({ path: `${char.repeat(4096)}/${i}`, what: `FIFO not recreated: ${'e'.repeat(400)}` })) },
    }),
  );
  const report = failoverReport({ failover: big, restored, finishedAt: at }, [bigPlan]);
  expect(report.sources.map((s) => s.notRestored?.count)).toEqual(names.map(() => 7000));
  expect(report.sources[0]?.notRestored?.first.length).toBeGreaterThan(0);
  const texts = report.sources.flatMap((s) => [...(s.notRestored?.kinds ?? []), ...(s.notRestored?.first ?? []).flatMap((n) => [n.path, n.what])]);
  for (const text of texts) expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(SHORTFALL_TEXT_MAX_BYTES);
  expect(texts.reduce((n, t) => n + Buffer.byteLength(JSON.stringify(t), 'utf8') - 2, 0)).toBeLessThanOrEqual(SHORTFALL_REPORT_MAX_BYTES);
  // The report step's output lands in the state beside $.restored (Step Functions: 256 KiB): these lists add ~40 KiB at most.
  expect(Buffer.byteLength(JSON.stringify(report.sources), 'utf8')).toBeLessThan(48 * 1024);
});

// Review f58O: what the restored backup itself did not hold (its report's backupLeftOut: archived objects skipped, files
// that vanished or changed while read) was dropped on the way to the failover's report, as notRestored was before r58D F3:
// a failover whose backup left 5,000 objects out read "Live, restored and verified" and no more.
describe("what the restored backup left out (the restore report's backupLeftOut)", () => {
  const archived = ['cold/ledger-2025.csv: in storage class GLACIER (archived); not backed up', 'cold/\u001b[2Jq1.csv: in storage class GLACIER (archived); not backed up'];
  // trio-b restored this time, its bucket's archived objects left out by the backup; trio-t failed.
  const leftOut: RestoredSource = {
    restoreId: 'f-1-trio-b',
    source: 'trio-b',
    target: { type: 's3' },
    targetDescription: 's3://lifeboat-au-restore-trio-b-cli/',
    entries: 300,
    bytes: 3000,
    durationMs: 2000,
    backupLeftOut: { skipped: 5000, skippedExamples: archived, vanished: 2, changedDuringRead: 0 },
  };
  const failedT: FailedSource = { restoreId: 'f-1-trio-t', source: 'trio-t', failed: true, error: { Error: 'States.Timeout', Cause: 'The restore of the source timed out' } };

  it("the report step's input keeps it, and the source's report carries its counts and reason lines; the others carry nothing", () => {
    const restored = [files, leftOut, failedT].map((r) => sourceOutcomeSchema.parse(JSON.parse(JSON.stringify(r))));
    expect(restored[1]).toMatchObject({ backupLeftOut: leftOut.backupLeftOut });
    const report = failoverReport({ failover, restored, finishedAt: at }, [plan]);
    const byName = new Map(report.sources.map((s) => [s.source, s]));
    expect(byName.get('trio-b')?.backupLeftOut).toEqual({ skipped: 5000, skippedExamples: archived, vanished: 2, changedDuringRead: 0 });
    expect(byName.get('trio-a')).not.toHaveProperty('backupLeftOut');
    // Not known: said so, with why.
    const unknown = failoverReport({ failover, restored: [files, { ...leftOut, backupLeftOut: { unknown: 'the backup\'s catalog record could not be read (Throttled: slow down)' } }, failedT], finishedAt: at }, [plan]);
    expect(unknown.sources.find((s) => s.source === 'trio-b')?.backupLeftOut).toEqual({ unknown: 'the backup\'s catalog record could not be read (Throttled: slow down)' });
  });

  it("the partial failover's summary says how many entries the backup left out of a live source, or that it is not known", () => {
    const report = failoverReport({ failover, restored: [files, leftOut, failedT], finishedAt: at }, [plan]);
    expect(failoverIncompleteSummary(report, IN_AWS)).toContain(
      'Live, restored and verified (point their applications at these): trio-a at efs:/mnt/lifeboat/restore-trio-a-cli (restored in part: 5001 entries or attributes not restored, listed in the report); trio-b at s3://lifeboat-au-restore-trio-b-cli/ (restored in part: 5002 entries left out by the backup, listed in the report).',
    );
    const both = failoverReport({ failover, restored: [{ ...files, backupLeftOut: { skipped: 0, skippedExamples: [], vanished: 1, changedDuringRead: 0 } }, failedB, table], finishedAt: at }, [plan]);
    expect(failoverIncompleteSummary(both, IN_AWS)).toContain('trio-a at efs:/mnt/lifeboat/restore-trio-a-cli (restored in part: 5001 entries or attributes not restored, 1 entry left out by the backup, listed in the report);');
    const unknown = failoverReport({ failover, restored: [files, { ...leftOut, backupLeftOut: { unknown: 'why' } }, failedT], finishedAt: at }, [plan]);
    expect(failoverIncompleteSummary(unknown, IN_AWS)).toContain('trio-b at s3://lifeboat-au-restore-trio-b-cli/ (what the backup left out not known, the report says why).');
  });
});
