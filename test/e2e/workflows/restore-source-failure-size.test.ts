import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FAILOVER_REPORT_STATE, reportOfStepOutput } from '../../../cli/failover-report-from-history';
import { failureReportInputOf } from '../../../cli/failure-report-input';
import { restoreFailureMessage } from '../../../cli/restore-cleanup-failed';
import { cleanupFailedNote } from '../../../config/cleanup-failed-note';
import { type LifeboatConfig, lifeboatConfigSchema, type SourceConfig } from '../../../config/lifeboat-config';
import { drillStateBytes, drillStateSource, FAILURE_CAUSE_STATE_BYTES, failoverStateBytes, failoverStateSource, STATE_LIMIT_BYTES } from '../../../config/parent-state-size';
import { UNBOUNDED_CAUSE } from '../../../lib/constructs/restore-source-chain';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { reportOfIncompleteCause } from '../../../lambdas/failover/failover-incomplete';
import { causeMessage } from '../../../lambdas/runtime/cause-message';
import { type FailoverReport } from '../../../lambdas/failover/failover-report';
import { localS3Client } from '../../../local/cloud/local-cloud';
import { approveEveryTask } from '../../../local/executor/local-approver';
import { type FaultRule } from '../../../local/executor/fault-injection';
import { type LocalExecutionResult, runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';

/**
 * Review r59A F1: a drill's or failover's state holds one caught error per failed source, which the model
 * (config/parent-state-size.ts) counts at FAILURE_CAUSE_STATE_BYTES because the child's cleanup step (Abandon restore)
 * gives it back bounded. When that step itself failed after its retries, its Catch passed the error on whole (a Lambda's
 * message and stack trace): 30 sources ended the drill States.DataLimitExceeded in Restore sources (no cleanup, no
 * record, scratch targets and pins left) and the failover with no report. Now `Bound restore's error` bounds it, and if
 * that fails too a fixed cause takes its place. Through the synthesized stacks on the local cloud, 30 sources each.
 */
const SOURCES = 30;
const sources = Array.from({ length: SOURCES }, (_, i) => ({ type: 's3' as const, name: `s${String(i).padStart(2, '0')}`, bucket: `lifeboat-fz-src-${i}` }));
const config: LifeboatConfig = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'fz',
      account: '000000000000',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      plans: [{ name: 'big', schedule: 'rate(1 day)', strategy: 'full', retention: { keepLast: 3 }, objectives: { rpoMinutes: 1440, rtoMinutes: 600 }, drill: { schedule: 'rate(7 days)', samples: 2 }, sources }],
    },
  ],
});
const planSources = (): SourceConfig[] => config.environments[0]?.plans[0]?.sources ?? [];

/** Every source's verification fails with a long message (a Lambda error's cause with its stack trace: some 20 KiB in the state). */
const LONG_MESSAGE = `Restore verification failed: 10 of 10 entries differ from the backup's manifest: ${Array.from({ length: 10 }, (_, i) => `object "${'k'.repeat(1000)}${i}" differs: content`).join('; ')}`;
const verifyFails: FaultRule = { state: 'Verify restore', errorName: 'RestoreVerificationError', message: LONG_MESSAGE };
/** The cleanup step fails for good after its retries (throttled every time). */
const abandonFails: FaultRule = { state: 'Abandon restore', errorName: 'TransientError', message: 'KMS: ThrottlingException: Rate exceeded' };

let dataDir: string;
let local: LocalEnvironment;
let names: ReturnType<typeof resourceNames>;
let s3: S3Client;
let backupId: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-failure-size-'));
  local = await openLocalEnvironment({ config, envName: 'fz', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, 'us-east-1');
  for (const source of sources) {
    await s3.send(new CreateBucketCommand({ Bucket: source.bucket }));
    await s3.send(new PutObjectCommand({ Bucket: source.bucket, Key: 'a.txt', Body: 'hello' }));
  }
  const backup = await run('primary', names.backupStateMachine, { plan: 'big', trigger: 'test' }, []);
  expect({ status: backup.status, error: backup.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
  backupId = (backup.output as { committed: { backupId: string } }).committed.backupId;
}, 300_000);

afterAll(async () => {
  s3?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Runs a state machine with `faults`, keeping the largest state any step of the execution (not of a map run) entered or left with. */
async function run(role: 'primary' | 'dr', stateMachine: string, input: unknown, faults: FaultRule[]): Promise<LocalExecutionResult & { largestState: number }> {
  const stack = local.stacks.find((s) => s.role === role);
  if (!stack) throw new Error(`no ${role} stack`);
  let largestState = 0;
  const measure = (value: unknown) => {
    if (value !== undefined) largestState = Math.max(largestState, Buffer.byteLength(JSON.stringify(value), 'utf8'));
  };
  const result = await runLocalExecution({
    stack,
    stateMachine,
    input,
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(2),
    retryIntervalScale: 0.001,
    onTaskToken: approveEveryTask(dataDir),
    faults,
    onEvent: (e) => {
      if (e.mapRun === undefined) {
        measure(e.input);
        measure(e.output);
      }
    },
  });
  return { ...result, largestState };
}

/** The caught error of each failed source, as the parent's Map keeps it (its `Source not restored` item). */
function failedSourceErrors(result: LocalExecutionResult): { Error: string; Cause: string }[] {
  return result.events
    .filter((e) => e.type === 'StateExited' && e.state === 'Source not restored')
    .map((e) => (e.output as { error: { Error: string; Cause: string } }).error);
}

/**
 * The states the execution itself entered, in order: not a map run's, nor a Map iteration's (`index`), which the local
 * executor may log after the steps that follow the Map (the last iteration's `Source failed` after `Failover report`).
 */
function topLevelStatesEntered(result: LocalExecutionResult): (string | undefined)[] {
  return result.events.filter((e) => e.type === 'StateEntered' && e.mapRun === undefined && e.index === undefined).map((e) => e.state);
}

/** How many bytes a cause takes where the parent's state writes it (a string in JSON). */
const stateBytes = (cause: string): number => Buffer.byteLength(JSON.stringify(cause), 'utf8');

it('a drill whose every source fails and whose Abandon restore fails after its retries ends within the state limit: it cleans up, records the drill FAILED, each source with its own error bounded', async () => {
  const result = await run('primary', names.drillStateMachine, { plan: 'big', backupId }, [verifyFails, abandonFails]);
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'DrillFailed' });
  expect(topLevelStatesEntered(result).slice(-4)).toEqual(['Clean up scratch', 'Record drill', 'Verdict?', 'Drill failed']);
  const errors = failedSourceErrors(result);
  expect(errors).toHaveLength(SOURCES);
  for (const error of errors) {
    // The restore's own error, its message kept (cut, saying so) and its stack trace dropped, within the model's bound.
    expect(error.Error).toBe('RestoreVerificationError');
    // Its cleanup failed: the message says so, and what may be left (review r59K F3).
    expect((JSON.parse(error.Cause) as { errorMessage: string }).errorMessage).toMatch(/^Restore verification failed: 10 of 10 entries differ .*… \(\d+ more characters: the failed function's log has the whole message\) Its cleanup step \(Abandon or Release restore\) failed too \(TransientError\), so what it removes may be left: .*"Freeing a stuck claim".*$/s);
    expect(stateBytes(error.Cause)).toBeLessThanOrEqual(FAILURE_CAUSE_STATE_BYTES);
  }
  expect(result.largestState).toBeLessThanOrEqual(drillStateBytes(planSources().map((s) => drillStateSource(s, undefined))));
  expect(result.largestState).toBeLessThan(STATE_LIMIT_BYTES);
}, 300_000);

it('a failover whose every source fails, and whose Abandon restore and Bound restore\'s error both fail after their retries, reports every source failed with the fixed cause, within the state limit', async () => {
  const boundFails: FaultRule = { state: 'Bound restore\'s error', errorName: 'TransientError', message: 'Lambda: TooManyRequestsException: Rate exceeded' };
  const result = await run('dr', names.failoverStateMachine, { plan: 'big', backupId }, [verifyFails, abandonFails, boundFails]);
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'FailoverIncompleteError' });
  expect(topLevelStatesEntered(result).slice(-3)).toEqual(['Failover report', 'Every source restored?', 'Failover incomplete']);
  const errors = failedSourceErrors(result);
  expect(errors).toEqual(Array.from({ length: SOURCES }, () => ({ Error: 'RestoreVerificationError', Cause: UNBOUNDED_CAUSE })));
  expect(stateBytes(UNBOUNDED_CAUSE)).toBeLessThanOrEqual(FAILURE_CAUSE_STATE_BYTES);
  // 30 failed sources' report outgrows the execution's cause (the cause is cut to its summary): the CLI reads it from the report step then.
  const reportStep = result.events.filter((e) => e.type === 'StateExited' && e.state === FAILOVER_REPORT_STATE && e.index === undefined && e.mapRun === undefined).at(-1);
  const report = (reportOfIncompleteCause(result.cause) ?? reportOfStepOutput(reportStep?.output)) as FailoverReport;
  expect(report.failed?.map((f) => [f.source, f.error])).toEqual(sources.map((s) => [s.name, 'RestoreVerificationError']));
  // The fixed cause says the cleanup failed, and the report's action that the finish is refused while the claim stands (review r59K F3).
  expect(UNBOUNDED_CAUSE).toContain('Its cleanup step (Abandon or Release restore) failed too');
  expect(report.failed?.filter((f) => f.action.includes('the finish is refused with RestoreTargetClaimedError until the restore\'s claim on its target lapses'))).toHaveLength(SOURCES);
  expect(result.largestState).toBeLessThanOrEqual(failoverStateBytes(planSources().map((s) => failoverStateSource(s, names.restoreTargetPrefix, undefined))));
  expect(result.largestState).toBeLessThan(STATE_LIMIT_BYTES);
}, 300_000);

it('the restore runbook whose Abandon restore and Bound restore\'s error both fail keeps the restore\'s own error whole, and the CLI says the cleanup failed; with Bound restore\'s error working, its message says so (review r59K F2, F3, r60E F2)', async () => {
  const boundFails: FaultRule = { state: 'Bound restore\'s error', errorName: 'TransientError', message: 'Lambda: TooManyRequestsException: Rate exceeded' };
  const restore = async (bucket: string, faults: FaultRule[]) => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    return run('primary', names.restoreStateMachine, { source: 's00', backupId, target: { type: 's3', bucket } }, faults);
  };
  const both = await restore(`${names.restoreTargetPrefix}rb-both`, [verifyFails, abandonFails, boundFails]);
  expect({ status: both.status, error: both.error }).toEqual({ status: 'FAILED', error: 'RestoreVerificationError' });
  // The execution's cause is the message whole, not the fixed cause a parent's child gets: no step is left to write the
  // note into it (both run the cleanup's function). The CLI reads the cleanup's error from the Failure report step's
  // input, as the local runner and the AWS one hand it over, and prints the note after the message (review r60E F2:
  // it printed the message alone, the claim still refusing a restore into the target).
  expect(causeMessage(both.cause)).toBe(LONG_MESSAGE);
  expect(restoreFailureMessage(causeMessage(both.cause) ?? '', failureReportInputOf(both.events))).toBe(`${LONG_MESSAGE} ${cleanupFailedNote('TransientError')}`);
  const bounded = await restore(`${names.restoreTargetPrefix}rb-bound`, [verifyFails, abandonFails]);
  expect({ status: bounded.status, error: bounded.error }).toEqual({ status: 'FAILED', error: 'RestoreVerificationError' });
  expect(causeMessage(bounded.cause)).toMatch(/^Restore verification failed: .*… \(\d+ more characters: the failed function's log has the whole message\) Its cleanup step \(Abandon or Release restore\) failed too \(TransientError\), so what it removes may be left: /s);
  // The CLI does not say it twice.
  expect(restoreFailureMessage(causeMessage(bounded.cause) ?? '', failureReportInputOf(bounded.events))).toBe(causeMessage(bounded.cause));
}, 300_000);

it('the restore runbook whose Release restore and Bound restore\'s error both fail: the CLI says the cleanup failed, and the claim it names does refuse the next restore into the target (review r60E F2)', async () => {
  const planFails: FaultRule = { state: 'Plan restore shards', errorName: 'TransientError', message: 'S3: SlowDown: Please reduce your request rate' };
  const releaseFails: FaultRule = { state: 'Release restore', errorName: 'TransientError', message: 'Lambda: TooManyRequestsException: Rate exceeded' };
  const boundFails: FaultRule = { state: 'Bound restore\'s error', errorName: 'TransientError', message: 'Lambda: TooManyRequestsException: Rate exceeded' };
  const bucket = `${names.restoreTargetPrefix}rb-release`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const request = { source: 's00', backupId, target: { type: 's3', bucket } };
  const failed = await run('primary', names.restoreStateMachine, request, [planFails, releaseFails, boundFails]);
  expect({ status: failed.status, error: failed.error }).toEqual({ status: 'FAILED', error: 'TransientError' });
  expect(topLevelStatesEntered(failed).slice(-4)).toEqual(['Release restore', 'Bound restore\'s error', 'Failure report', 'Restore failed']);
  const printed = restoreFailureMessage(causeMessage(failed.cause) ?? '', failureReportInputOf(failed.events));
  expect(printed).toBe(`S3: SlowDown: Please reduce your request rate ${cleanupFailedNote('TransientError')}`);
  const again = await run('primary', names.restoreStateMachine, request, []);
  expect({ status: again.status, error: again.error }).toEqual({ status: 'FAILED', error: 'RestoreTargetClaimedError' });
}, 300_000);
