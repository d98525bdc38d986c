import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { StateMachineNotFoundError } from '../../../../local/executor/errors';
import { loadExecutionHistory } from '../../../../local/executor/execution-history';
import { runLocalExecution } from '../../../../local/executor/run-local-execution';
import { FANOUT_STATE_MACHINE, synthesizeFanoutApp } from '../../../../bench/fanout/fanout-app';
import { handler as burnCpu } from '../../../../bench/fanout/burn-cpu-handler';
import { RETRIED_MAP_MACHINE, synthesizeEngineSemanticsApp, THROW_MACHINE } from './engine-semantics-app';

/** The executor itself, on a minimal synthesized app: payloads in and out of bundled handlers, fan-out over workers, faults. */
let dir: string;
let stack: SynthesizedStack;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-executor-'));
  stack = synthesizeFanoutApp(path.join(dir, 'cdk.out'));
}, 60_000);

/** Stops what a failed test left held on an injected hang. */
const stopHeld = new AbortController();
afterAll(() => {
  stopHeld.abort();
  rmSync(dir, { recursive: true, force: true });
});

const shards = Array.from({ length: 6 }, (_, shard) => ({ shard, rounds: 50 }));
const run = (extra: Partial<Parameters<typeof runLocalExecution>[0]> = {}) =>
  runLocalExecution({ stack, stateMachine: FANOUT_STATE_MACHINE, input: { shards }, endpoints: { s3: {}, dynamodb: {} }, dataDir: dir, workers: 2, ...extra });

it('runs every Map iteration in the bundled handler and returns what the handler computes, in item order', async () => {
  const result = await run();
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output).toEqual(shards.map((s) => burnCpu(s)));
  expect(new Set(result.invocations.map((i) => i.worker))).toEqual(new Set([0, 1]));
  const saved = loadExecutionHistory(dir, result.executionId);
  expect(saved.events.filter((e) => e.type === 'MapIterationSucceeded')).toHaveLength(shards.length);
}, 60_000);

it('fails the execution with the injected error name and cause when a task fails and nothing catches it', async () => {
  const result = await run({ faults: [{ state: 'Burn shard', errorName: 'BurnError', message: 'too hot', whenInput: { shard: 3 } }] });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('BurnError');
  expect(JSON.parse(result.cause ?? '{}')).toMatchObject({ errorType: 'BurnError', errorMessage: 'too hot' });
}, 60_000);

it('holds a task on an injected hang until its release file exists, then runs the handler', async () => {
  // A hang of ten minutes within a one-minute test: only the release ends it in time.
  const releaseFile = path.join(dir, 'release-shard-0');
  let succeeded = 0;
  const result = await run({
    // Stopped when the file ends (afterAll) if the release never came: no worker is left hanging for ten minutes.
    abortSignal: stopHeld.signal,
    faults: [{ state: 'Burn shard', delayMs: 600_000, releaseFile, whenInput: { shard: 0 }, times: 1 }],
    onEvent: (event) => {
      // Every other shard done while shard 0 hangs: now release it.
      if (event.type === 'MapIterationSucceeded' && ++succeeded === shards.length - 1) writeFileSync(releaseFile, '');
    },
  });
  expect([result.status, result.error]).toEqual(['SUCCEEDED', undefined]);
  expect(result.output).toEqual(shards.map((s) => burnCpu(s)));
  expect(result.injectedFaults).toEqual([{ state: 'Burn shard', errorName: 'delay 600000 ms', at: 'before' }]);
}, 60_000);

it('names the available state machines when asked for one that does not exist', async () => {
  const attempt = runLocalExecution({ stack, stateMachine: 'nope', input: {}, endpoints: { s3: {}, dynamodb: {} }, dataDir: dir });
  await expect(attempt).rejects.toBeInstanceOf(StateMachineNotFoundError);
  await expect(attempt).rejects.toThrow(FANOUT_STATE_MACHINE);
});

describe('where the engine alone would differ from Step Functions and Lambda', () => {
  let engineStack: SynthesizedStack;
  beforeAll(() => {
    engineStack = synthesizeEngineSemanticsApp(path.join(dir, 'engine', 'cdk.out'));
  }, 60_000);
  const runEngine = (stateMachine: string, input: unknown, extra: Partial<Parameters<typeof runLocalExecution>[0]> = {}) =>
    runLocalExecution({ stack: engineStack, stateMachine, input, endpoints: { s3: {}, dynamodb: {} }, dataDir: dir, workers: 1, retryIntervalScale: 0.01, ...extra });

  it('recovers a Map by its own Retry: the retry re-runs every iteration, none aborted by the attempt that failed', async () => {
    const items = [{ i: 0 }, { i: 1 }, { i: 2 }];
    const result = await runEngine(RETRIED_MAP_MACHINE, { items }, { faults: [{ state: 'Work on item', errorName: 'TransientError', message: 'blip', whenInput: { i: 1 }, times: 1 }] });
    expect([result.status, result.error]).toEqual(['SUCCEEDED', undefined]);
    expect(result.output).toEqual(items);
    expect(result.events.filter((e) => e.type === 'StateRetried').map((e) => e.state)).toEqual(['Retried map']);
    expect(result.events.filter((e) => e.error === 'States.Aborted')).toEqual([]);
  }, 60_000);

  it.each([
    ['a string', 'disk full', { errorType: 'string', errorMessage: 'disk full', trace: [] }],
    ['a plain object', { code: 'Boom' }, { errorType: 'object', errorMessage: '[object Object]', trace: [] }],
    ['an object shaped like an Error', { name: 'QuotaError', message: 'over quota', stack: 'QuotaError: over quota\n    at handler' }, { errorType: 'QuotaError', errorMessage: 'over quota', trace: ['QuotaError: over quota', '    at handler'] }],
  ])('reports a thrown non-Error (%s) by the Error and Cause Lambda\'s Node.js runtime gives it', async (_what, thrown, cause) => {
    const result = await runEngine(THROW_MACHINE, { throw: thrown });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(cause.errorType);
    expect(JSON.parse(result.cause ?? '{}')).toEqual(cause);
  }, 60_000);
});
