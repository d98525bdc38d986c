import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { type FailedSource, failoverReport, type RestoredSource } from '../../../../lambdas/failover/failover-report';
import { type FailoverStart } from '../../../../lambdas/failover/failover-start';
import { testPlan } from '../../../support/test-plans';
import { DistributedMapFailureThresholdError } from '../../../../local/executor/errors';

/** The failover report's figures: per source from its restore report, RTO and RPO from the times, met against the plan's objectives. */
const plan = testPlan({
  name: 'demo',
  sources: [
    { type: 's3', name: 'demo-assets', bucket: 'lifeboat-demo-assets' },
    { type: 'dynamodb', name: 'demo-orders', table: 'lifeboat-demo-orders' },
  ],
});

const failover: FailoverStart = {
  failoverId: 'exec-1',
  plan: 'demo',
  startedAt: '2026-11-24T12:00:00.000Z',
  backup: { backupId: '20261124T113000Z-1a2b3c4d', startedAt: '2026-11-24T11:30:00.000Z', endedAt: '2026-11-24T11:31:00.000Z' },
  restores: [
    { restoreId: 'exec-1-demo-assets', request: { source: 'demo-assets', backupId: '20261124T113000Z-1a2b3c4d', target: { type: 's3', bucket: 'b-failover', prefix: '' }, overwrite: false, vault: 'dr' } },
    { restoreId: 'exec-1-demo-orders', request: { source: 'demo-orders', backupId: '20261124T113000Z-1a2b3c4d', target: { type: 'dynamodb', table: 't-failover' }, overwrite: false, vault: 'dr' } },
  ],
};

// In the Map's order, which need not be the start's.
const restored: RestoredSource[] = [
  { restoreId: 'exec-1-demo-orders', source: 'demo-orders', target: { type: 'dynamodb' }, targetDescription: 'table t-failover', entries: 3, items: 70, bytes: 300, durationMs: 61_400 },
  { restoreId: 'exec-1-demo-assets', source: 'demo-assets', target: { type: 's3' }, targetDescription: 's3://b-failover/', entries: 12, bytes: 4096, durationMs: 1_600 },
];

it('reports each source in the plan order, the total RTO and the RPO (whole seconds, rounded up), both within the objectives', () => {
  expect(failoverReport({ failover, restored, finishedAt: '2026-11-24T12:20:00.500Z' }, [plan])).toEqual({
    failoverId: 'exec-1',
    plan: 'demo',
    backup: failover.backup,
    startedAt: '2026-11-24T12:00:00.000Z',
    finishedAt: '2026-11-24T12:20:00.500Z',
    sources: [
      { source: 'demo-assets', type: 's3', target: 's3://b-failover/', entries: 12, bytes: 4096, rtoSeconds: 2 },
      { source: 'demo-orders', type: 'dynamodb', target: 'table t-failover', entries: 3, items: 70, bytes: 300, rtoSeconds: 62 },
    ],
    rtoSeconds: 1201,
    rpoSeconds: 1800,
    objectives: { rtoMinutes: 30, rpoMinutes: 60, rtoMet: true, rpoMet: true },
  });
});

it('says an objective is not met when the failover took longer, or the backup was older, than the plan allows', () => {
  const old = { ...failover, backup: { backupId: failover.backup.backupId, startedAt: '2026-11-24T10:59:59.000Z' } };
  const report = failoverReport({ failover: old, restored, finishedAt: '2026-11-24T12:30:01Z' }, [plan]);
  expect([report.rtoSeconds, report.rpoSeconds, report.objectives]).toEqual([1801, 3601, { rtoMinutes: 30, rpoMinutes: 60, rtoMet: false, rpoMet: false }]);
});

it('meets an objective reached to the second', () => {
  const report = failoverReport({ failover: { ...failover, backup: { backupId: 'x', startedAt: '2026-11-24T11:00:00Z' } }, restored, finishedAt: '2026-11-24T12:30:00Z' }, [plan]);
  expect(report.objectives).toEqual({ rtoMinutes: 30, rpoMinutes: 60, rtoMet: true, rpoMet: true });
});

it('refuses results that do not match the sources of the start', () => {
  expect(() => failoverReport({ failover, restored: restored.slice(0, 1), finishedAt: '2026-11-24T12:20:00Z' }, [plan])).toThrow(
    expect.objectContaining({ name: 'FailoverReportMismatchError', message: 'Failover exec-1 has no restore result for source "demo-assets" (restore exec-1-demo-assets)' }),
  );
  const stray = { ...restored[0]!, restoreId: 'other' } as RestoredSource;
  expect(() => failoverReport({ failover, restored: [...restored, stray], finishedAt: '2026-11-24T12:20:00Z' }, [plan])).toThrow(expect.objectContaining({ name: 'FailoverReportMismatchError' }));
});

it('refuses a plan the function does not know', () => {
  expect(() => failoverReport({ failover, restored, finishedAt: '2026-11-24T12:20:00Z' }, [])).toThrow(expect.objectContaining({ name: 'FailoverPlanUnknownError' }));
});

describe('a source whose Lambda invocation outlasted the workflows\' retries (review r61F F3)', () => {
  /** demo-assets failed with `error`, as the child restore's Fail state passed on its failed step's error. */
  function actionFor(error: string, cause: string): string | undefined {
    const failed: FailedSource = { restoreId: 'exec-1-demo-assets', source: 'demo-assets', failed: true, error: { Error: error, Cause: cause } };
    const [source] = failoverReport({ failover, restored: [restored[0]!, failed], finishedAt: '2026-11-24T12:20:00Z' }, [plan]).failed ?? [];
    return source?.action;
  }

  // A mass failover that fills the DR region's concurrency: nothing to fix, finish the source once it has room.
  it.each([
    ['Lambda.TooManyRequestsException', 'Rate Exceeded. (Service: Lambda, Status Code: 429, Request ID: x)'],
    ['Lambda.ServiceException', 'Lambda was unable to serve the request (Service: Lambda, Status Code: 500, Request ID: x)'],
    ['Lambda.SdkClientException', 'Unable to execute HTTP request: connection reset'],
  ])('calls a %s a passing fault and offers the finish, not a fix', (error, cause) => {
    expect(actionFor(error, cause)).toBe('A passing fault (throttling, a timeout) outlasted the retries: then restore it with the input in "finish" (this source only, the same backup, over what its target partly holds).');
  });

  it('still asks to fix an error of the restore\'s own', () => {
    expect(actionFor('ShardWriteError', '{"errorType":"ShardWriteError","errorMessage":"bad"}')).toMatch(/^Fix what the error names/);
  });
});

// Review r61M F1: a mass failover mostly throttles a shard inside the child restore's Distributed Map, whose failure is
// States.ExceedToleratedFailureThreshold, not the shard's error; the report said "Fix what the error names".
describe('a source whose restore shard failed (the Distributed Map "Restore shards" tolerates none)', () => {
  function actionFor(cause: string): string | undefined {
    const failed: FailedSource = { restoreId: 'exec-1-demo-assets', source: 'demo-assets', failed: true, error: { Error: 'States.ExceedToleratedFailureThreshold', Cause: cause } };
    const report = failoverReport({ failover, restored: [restored[0]!, failed], finishedAt: '2026-11-24T12:20:00Z' }, [plan]);
    expect(report.finish).toEqual({ plan: 'demo', backupId: '20261124T113000Z-1a2b3c4d', overwrite: true, sources: ['demo-assets'] });
    return report.failed?.[0]?.action;
  }
  const finish = 'then restore it with the input in "finish" (this source only, the same backup, over what its target partly holds)';
  const local = (child: string) => `The specified tolerated failure threshold was exceeded: 1 of 40 item(s) of map "Restore shards" failed; the first failed child: ${child}`;

  it('in AWS, whose cause names no shard, says where the shard\'s error is and which errors are a passing fault to finish', () => {
    const action = actionFor('The specified tolerated failure threshold was exceeded');
    expect(action).toMatch(/^A restore shard failed \(/);
    expect(action).toContain('restore-plans/map-runs/<map run id>/FAILED_0.json');
    expect(action).toContain('its "Restore shards" state, Map Run');
    expect(action).toContain(
      `If it is a throttle or a Lambda service error (Lambda.TooManyRequestsException, Lambda.ClientExecutionTimeoutException, Lambda.ServiceException, Lambda.AWSLambdaException, Lambda.SdkClientException), a TransientError or a timeout (States.Timeout), it is a passing fault that outlasted the retries: ${finish}. Otherwise fix what it names, ${finish}; or restore it alone`,
    );
    expect(action).not.toContain('Fix what the error names');
  });

  it.each([
    ['Lambda.TooManyRequestsException', 'Rate Exceeded.'],
    ['Lambda.ServiceException', 'Lambda was unable to serve the request'],
    ['TransientError', '{"errorType":"TransientError","errorMessage":"SlowDown: Please reduce your request rate."}'],
    ['States.Timeout', 'Task timed out'],
  ])('locally, whose cause names the first failed shard\'s %s, calls it a passing fault outright', (error, words) => {
    expect(actionFor(local(`${error}: ${words}`))).toBe(`A passing fault (throttling, a timeout) outlasted the retries: a restore shard failed with ${error}; ${finish}.`);
  });

  it('locally, with a shard error of the data, asks to fix what the shard\'s error names', () => {
    const action = actionFor(local('VaultCorruptionError: pack damaged'));
    expect(action).toMatch(/^A restore shard failed with VaultCorruptionError \(the first that failed; the message has its words, /);
    expect(action).toContain(`: fix what it names, ${finish}; or restore it alone from the DR vault with the restore runbook (lifeboat restore --from dr).`);
  });

  it('locally, with a passing first shard error among several that failed, does not call the restore a passing fault outright (review r61X F3)', () => {
    // Before: "A passing fault … outlasted the retries" for a restore whose other failed shard may be of the data.
    const action = actionFor('The specified tolerated failure threshold was exceeded: 2 of 40 item(s) of map "Restore shards" failed; the first failed child: Lambda.TooManyRequestsException: Rate Exceeded.');
    expect(action).toMatch(/^A restore shard failed with Lambda.TooManyRequestsException, a passing fault that outlasted the retries \(the first of 2 that failed; the others' errors are in FAILED_0.json; the message has its words, /);
    expect(action).toContain(`If the others' are passing faults too, ${finish}. Otherwise fix what they name, ${finish}; or restore it alone`);
  });

  // Review r61AE F1: "Restore shards" batches up to 10 shards per child execution, and a failed child fails every
  // shard of its batch, so one throttled child read "10 of 40 item(s)" and was never called a passing fault outright.
  const batched = (children: number) =>
    `The specified tolerated failure threshold was exceeded: 10 of 40 item(s) of map "Restore shards" failed in ${children} of 4 child execution(s); the first failed child: Lambda.TooManyRequestsException: Rate Exceeded.`;

  it('locally, with one failed child execution of several shards that throttled, calls it a passing fault outright (review r61AE F1)', () => {
    expect(actionFor(batched(1))).toBe(`A passing fault (throttling, a timeout) outlasted the retries: a restore shard failed with Lambda.TooManyRequestsException; ${finish}.`);
  });

  it('locally, with two failed child executions, does not call the restore a passing fault outright (review r61AE F1)', () => {
    const action = actionFor(batched(2));
    expect(action).toMatch(
      /^A restore shard failed with Lambda.TooManyRequestsException, a passing fault that outlasted the retries \(the first of 2 child executions that failed \(10 shards\); the others' errors are in FAILED_0.json; the message has its words, /,
    );
    expect(action).toContain(`If the others' are passing faults too, ${finish}. Otherwise fix what they name, ${finish}; or restore it alone`);
  });

  it('reads the local executor\'s own threshold error: one failed child of a batch is a passing fault outright (review r61AE F1)', () => {
    const cause = new DistributedMapFailureThresholdError('Restore shards', 10, 40, 1, 4, 'Lambda.TooManyRequestsException: Rate Exceeded.').message;
    expect(actionFor(cause)).toMatch(/^A passing fault \(throttling, a timeout\) outlasted the retries: a restore shard failed with Lambda.TooManyRequestsException; /);
  });

  it('says the message has the shard\'s words only when the report shows it uncut (review r61X F2)', () => {
    // Many failed sources share one message budget: the last ones' messages are cut to "…", without the shard's words.
    const sources = Array.from({ length: 80 }, (_, i) => ({ type: 's3' as const, name: `src-${i}`, bucket: `lifeboat-b-${i}` }));
    const many: FailoverStart = {
      ...failover,
      restores: sources.map((source, i) => ({ restoreId: `r${i}`, request: { source: source.name, backupId: failover.backup.backupId, target: { type: 's3', bucket: `t-${i}`, prefix: '' }, overwrite: false, vault: 'dr' } })),
    };
    const cause = local(`VaultCorruptionError: pack data/ab/${'x'.repeat(800)} is damaged`);
    const failedSources = sources.map((source, i): FailedSource => ({ restoreId: `r${i}`, source: source.name, failed: true, error: { Error: 'States.ExceedToleratedFailureThreshold', Cause: cause } }));
    const report = failoverReport({ failover: many, restored: failedSources, finishedAt: '2026-11-24T12:20:00Z' }, [testPlan({ name: 'demo', sources })]);
    const [first, last] = [report.failed?.[0], report.failed?.[79]];
    expect(first?.message).toBe(cause);
    expect(first?.action).toMatch(/^A restore shard failed with VaultCorruptionError \(the first that failed; the message has its words, /);
    expect(last?.message).toBe('…');
    expect(last?.action).toMatch(/^A restore shard failed with VaultCorruptionError \(the first that failed, the map run's results in the DR vault/);
  });

  it('takes no shard error from a cause that only mentions one further on', () => {
    const action = actionFor('Some text; the first failed child: Lambda.TooManyRequestsException: Rate Exceeded.');
    expect(action).toMatch(/^A restore shard failed \(the Distributed Map/);
  });
});

describe('the RPO of a backup whose startedAt is hand-written (review r64O F5)', () => {
  const reportOf = (startedAt: string) => failoverReport({ failover: { ...failover, backup: { ...failover.backup, startedAt } }, restored, finishedAt: '2026-11-24T12:20:00.500Z' }, [plan]);

  it('is unknown, claimed neither met nor missed, when the start is not a time', () => {
    const report = reportOf('not a time');
    expect(report.rpoSeconds).toBeUndefined();
    expect(report.objectives).toEqual({ rtoMinutes: plan.objectives.rtoMinutes, rpoMinutes: plan.objectives.rpoMinutes, rtoMet: true });
    expect(JSON.stringify(report)).not.toContain('null');
  });

  // TZ can be changed in a process, not in jest's copy of its environment: the report is made in a child under New York's.
  it('reads a start naming no zone as UTC, whatever the process zone', () => {
    const root = path.join(__dirname, '../../../..');
    const contents = `
      import { failoverReport } from './lambdas/failover/failover-report';
      import { testPlan } from './test/support/test-plans';
      const plan = testPlan({ name: 'demo', sources: [{ type: 's3', name: 'demo-assets', bucket: 'lifeboat-demo-assets' }] });
      const failover = { failoverId: 'exec-1', plan: 'demo', startedAt: '2026-11-24T12:00:00.000Z', backup: { backupId: 'hand-written', startedAt: '2026-11-24T11:30:00' },
        restores: [{ restoreId: 'exec-1-a', request: { source: 'demo-assets', backupId: 'hand-written', target: { type: 's3', bucket: 'b', prefix: '' }, overwrite: false, vault: 'dr' } }] };
      const restored = [{ restoreId: 'exec-1-a', source: 'demo-assets', target: { type: 's3' }, targetDescription: 's3://b/', entries: 1, bytes: 1, durationMs: 1000 }];
      process.stdout.write(JSON.stringify(failoverReport({ failover, restored, finishedAt: '2026-11-24T12:20:00Z' }, [plan]).rpoSeconds));`;
    const bundle = buildSync({ stdin: { contents, resolveDir: root, loader: 'ts' }, bundle: true, write: false, platform: 'node', format: 'cjs', packages: 'external' }).outputFiles[0]?.text ?? '';
    const out = execFileSync(process.execPath, ['-'], { input: bundle, cwd: root, env: { ...process.env, TZ: 'America/New_York' }, encoding: 'utf8' });
    // Read in New York's zone, 11:30 was 16:30Z, after the failover's start: an RPO of 0 s.
    expect(JSON.parse(out)).toBe(1800);
  });
});
