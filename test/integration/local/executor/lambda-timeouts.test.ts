import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { executionsDir } from '../../../../local/executor/execution-history';
import { type FaultRule } from '../../../../local/executor/fault-injection';
import { ExecutionLease, LambdaWorkerPool } from '../../../../local/executor/lambda-worker-pool';
import { runLocalExecution } from '../../../../local/executor/run-local-execution';
import { tempDir } from '../../../support/local-cloud-helpers';
import { BOUNDED_MACHINE, LONG_MACHINE, LONG_SYNC_MACHINE, PATH_MACHINE, QUEUED_MACHINE, RETRIED_MACHINE, SLOW_LOAD_MACHINE, SLOWER_LOAD_MACHINE, synthesizeTimeoutsApp } from './timeouts-app';

/**
 * Timeouts of Lambda Tasks as AWS counts them: a function's timeout from its handler's start, a Task's
 * TimeoutSeconds from its function's start; the local wait for a free worker counts in neither.
 *
 * Each test is one or a few executions of whole seconds, mostly waited, not computed: the tests run
 * concurrently (at most jest's maxConcurrency at once, the longest first) so the file holds its jest worker
 * for about its longest test, not for their sum. They stay independent: each execution has its own worker
 * pool (runLocalExecution without `pool` makes one of `workers` and closes it; the retry test brings its own),
 * its own execution name (its history and log files), its own fault rules; so "the only worker" of a test is
 * still its own. Nothing is shared but the synthesized stack, which the executions only read.
 */
const work = tempDir('executor-timeouts');
let stack: SynthesizedStack;

beforeAll(() => {
  stack = synthesizeTimeoutsApp(path.join(work.dir, 'cdk.out'));
}, 120_000);
afterAll(() => work.remove());

const run = (stateMachine: string, input: unknown, faults: FaultRule[] = []) =>
  runLocalExecution({ stack, stateMachine, input, endpoints: { s3: {}, dynamodb: {} }, dataDir: work.dir, workers: 1, faults });

// Groups of tests named by a prefix, not a describe block: jest runs the concurrent tests of one block together,
// and the blocks one after another.
const HUNG = "an injected delay (a hung call) is the function's own time:";
const BEYOND_TIMER = "a Task timeout longer than Node's longest timer (about 24.8 days):";

// The longest first: jest starts them in this order, maxConcurrency at a time.
it.concurrent('runs Map items queued for the only worker to success when each works within its function timeout', async () => {
  // 3 items of 1.6 s on one worker: the last waits 3.2 s, more than the 3 s timeout (and, with its own
  // work, 4.8 s), and must not time out for it.
  const result = await run(QUEUED_MACHINE, { items: [{ ms: 1600 }, { ms: 1600 }, { ms: 1600 }] });
  expect(result.status).toBe('SUCCEEDED');
  expect(result.invocations.map((i) => i.errorType ?? 'ok')).toEqual(['ok', 'ok', 'ok']);
  expect(Math.max(...result.invocations.map((i) => i.queuedMs))).toBeGreaterThanOrEqual(3000);
  const results = (result.output as { results: { ms: number; remainingMs: number }[] }).results;
  // Each handler saw about 1.4 s of its 3 s left: its clock started when it did.
  for (const r of results) expect(r.remainingMs).toBeGreaterThan(500);
}, 60_000);

it.concurrent('retries a timed-out Task at once on a fresh worker while the abandoned function runs on, and leaves no worker behind', async () => {
  // TimeoutSeconds 1, Retry ×2 on States.Timeout, a function that spins 4 s (of its 15 s), one worker.
  const pool = new LambdaWorkerPool(1);
  try {
    const started = Date.now();
    const result = await runLocalExecution({
      stack,
      stateMachine: RETRIED_MACHINE,
      // 4 s of spinning: a retry queued behind the attempt before would wait that long (3 attempts > 8 s); spinning
      // longer only burns the cores the rest of the suite runs on.
      input: { spinMs: 4000 },
      endpoints: { s3: {}, dynamodb: {} },
      dataDir: work.dir,
      pool,
      retryIntervalScale: 0.001,
    });
    const elapsed = Date.now() - started;
    expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'States.Timeout' });
    // Three attempts of 1 s each, none queued behind the one before (which would wait for its 4 s).
    expect(elapsed).toBeLessThan(6000);
    expect(result.events.filter((e) => e.type === 'StateRetried').length).toBe(2);
    expect(result.invocations).toHaveLength(3);
    for (const invocation of result.invocations) expect(invocation.queuedMs).toBeLessThan(500);
    // At most `size` abandoned invocations run on besides the pool's workers: the second orphan stopped the first.
    expect(result.invocations.map((i) => i.errorType)).toContain('Lifeboat.Abandoned');
    // The attempts' functions ran: the first's handler logged, at least. Not all three: a fresh worker's start and
    // log within the 1 s TimeoutSeconds failed on a loaded machine (review r4 of 88666b1), while `invocations` and
    // their queue times above already show each retry started on a worker of its own at once.
    const log = readFileSync(path.join(executionsDir(work.dir), `${result.executionId}.log`), 'utf8');
    const spinning = log.split('\n').filter((line) => line.includes('spinning for 4000 ms'));
    expect(spinning.length).toBeGreaterThanOrEqual(1);
    expect(spinning.length).toBeLessThanOrEqual(3);
    // The last attempt, abandoned, outlives the execution as in AWS (recorded so), and its worker ends with its
    // function's 4 s: then the pool keeps its one.
    expect(result.invocations.filter((i) => i.outlivedExecution)).toHaveLength(1);
    await waitFor(() => pool.threads === 1, 8000);
    expect(pool.threads).toBe(1);
  } finally {
    await pool.close();
  }
  expect(pool.threads).toBe(0);
}, 60_000);

it.concurrent(`${HUNG} times the function out (Sandbox.Timedout) when the delay outlasts the function's timeout`, async () => {
  // No TimeoutSeconds, a 3 s function, a 4 s hang.
  const result = await run(QUEUED_MACHINE, { items: [{ ms: 10 }] }, [{ state: 'Work on item', delayMs: 4000 }]);
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'Sandbox.Timedout' });
  expect(result.invocations.map((i) => i.errorType)).toEqual(['Sandbox.Timedout']);
}, 60_000);

it.concurrent('fails with Sandbox.Timedout when the function itself overruns its timeout', async () => {
  const result = await run(QUEUED_MACHINE, { items: [{ ms: 6000 }] });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('Sandbox.Timedout');
  expect(JSON.parse(result.cause ?? '{}')).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 3\.00 seconds$/) });
}, 60_000);

it.concurrent("bounds a module's load by AWS's 10 s init limit, not by a shorter function timeout", async () => {
  // 2.5 s of load under a 2 s timeout: AWS runs it (init may take 10 s), and the handler still gets its 2 s.
  const result = await run(SLOWER_LOAD_MACHINE, { ms: 100 });
  expect({ status: result.status, error: result.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
  expect((result.output as { remainingMs: number }).remainingMs).toBeGreaterThan(1500);
}, 60_000);

it.concurrent("counts a Task's own TimeoutSeconds from its function's start, not from the wait for a worker", async () => {
  // Two items of 1.6 s on one worker under TimeoutSeconds 3: the second waits 1.6 s first, 3.2 s in all.
  // 1.4 s to spare for each function's own start: with 0.8 s (1.2 s items under 2 s) it failed on a loaded machine
  // (review r4 of 88666b1, two busy loops beside this file's concurrent runs).
  const result = await run(BOUNDED_MACHINE, { items: [{ ms: 1600 }, { ms: 1600 }] });
  expect(result.status).toBe('SUCCEEDED');
  // Its wait and its own 1.6 s together outlast the 3 s.
  expect(Math.max(...result.invocations.map((i) => i.queuedMs))).toBeGreaterThan(1400);
  expect((result.output as { results: { ms: number }[] }).results.map((r) => r.ms)).toEqual([1600, 1600]);
}, 60_000);

it.concurrent("does not count the module's first load (Lambda's init phase) against the function's timeout", async () => {
  // 1.5 s of load and 1 s of work under a 2 s timeout.
  const result = await run(SLOW_LOAD_MACHINE, { ms: 1000 });
  expect(result.status).toBe('SUCCEEDED');
  expect((result.output as { remainingMs: number }).remainingMs).toBeGreaterThan(500);
}, 60_000);

it.concurrent("fails with States.Timeout, which a Catch on States.TaskFailed does not take, when a Task outlasts its TimeoutSeconds", async () => {
  const result = await run(BOUNDED_MACHINE, { items: [{ ms: 4000 }] });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('States.Timeout');
}, 60_000);

it.concurrent(`${HUNG} times a Task out at its TimeoutSeconds (States.Timeout) when the delay outlasts it`, async () => {
  // TimeoutSeconds 3, a 10 s function, a 30 s hang before a 10 ms handler: ended well before the hang could, whatever the
  // machine's load (a 4 s hang against a 3.9 s bound failed under a loaded CI's scheduling, the timeout firing at 4.3 s).
  const started = Date.now();
  const result = await run(BOUNDED_MACHINE, { items: [{ ms: 10 }] }, [{ state: 'Bounded work', delayMs: 30_000 }]);
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'States.Timeout' });
  expect(Date.now() - started).toBeLessThan(20_000);
}, 60_000);

it.concurrent(`${HUNG} leaves the handler less of its time, and with an errorName fails with it once waited`, async () => {
  const slow = await run(QUEUED_MACHINE, { items: [{ ms: 10 }] }, [{ state: 'Work on item', delayMs: 1000 }]);
  expect(slow.status).toBe('SUCCEEDED');
  // 3 s of timeout, 1 s of it spent hanging.
  expect((slow.output as { results: { remainingMs: number }[] }).results[0]?.remainingMs).toBeLessThan(2100);

  const failed = await run(QUEUED_MACHINE, { items: [{ ms: 10 }] }, [{ state: 'Work on item', delayMs: 500, errorName: 'SlowFailure', message: 'gave up' }]);
  expect({ status: failed.status, error: failed.error }).toEqual({ status: 'FAILED', error: 'SlowFailure' });
  expect(JSON.parse(failed.cause ?? '{}')).toEqual({ errorType: 'SlowFailure', errorMessage: 'gave up', trace: [] });
  expect(failed.invocations).toEqual([expect.objectContaining({ errorType: 'SlowFailure', durationMs: expect.any(Number) })]);
  expect(failed.invocations[0]?.durationMs).toBeGreaterThanOrEqual(500);
}, 60_000);

it.concurrent(`${BEYOND_TIMER} does not time a TimeoutSecondsPath of 30 days out at once, and still applies a short one`, async () => {
  const long = await run(PATH_MACHINE, { ms: 200, timeoutSeconds: 30 * 24 * 3600 });
  expect({ status: long.status, error: long.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
  const short = await run(PATH_MACHINE, { ms: 3000, timeoutSeconds: 1 });
  expect({ status: short.status, error: short.error }).toEqual({ status: 'FAILED', error: 'States.Timeout' });
  const bad = await run(PATH_MACHINE, { ms: 10, timeoutSeconds: 'soon' });
  expect({ status: bad.status, error: bad.error }).toEqual({ status: 'FAILED', error: 'States.Runtime' });
  expect(bad.cause).toMatch(/TimeoutSecondsPath: \$\.timeoutSeconds selects "soon"; it must select a positive integer/);
}, 60_000);

it.concurrent(`${BEYOND_TIMER} does not time a startExecution.sync Task with TimeoutSeconds of 30 days out at once`, async () => {
  const result = await run(LONG_SYNC_MACHINE, {});
  expect({ status: result.status, error: result.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
}, 60_000);

it.concurrent(`${BEYOND_TIMER} does not time a TimeoutSeconds of 30 days out at once`, async () => {
  const result = await run(LONG_MACHINE, { ms: 200 });
  expect({ status: result.status, error: result.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
}, 60_000);

it.concurrent("drops an orphan's log lines when its ended execution's log is gone, instead of throwing in the pool's stream handler (review rL F3)", async () => {
  // A function that goes on logging after its execution ends, as a timed-out child's shard does.
  const dir = path.join(work.dir, 'orphan-log');
  mkdirSync(path.join(dir, 'executions'), { recursive: true });
  const modulePath = path.join(dir, 'ticker.cjs');
  writeFileSync(modulePath, 'exports.handler = async () => { for (let i = 0; i < 30; i++) { console.log(`tick ${i}`); await new Promise((r) => setTimeout(r, 20)); } return {}; };\n');
  const fn = { logicalId: 'Ticker', functionName: 'ticker', arn: 'arn:aws:lambda:us-east-1:000000000000:function:ticker', modulePath, exportName: 'handler', environment: {}, timeoutSeconds: 30, memoryMb: 128 };
  const logFile = path.join(dir, 'executions', 'ended.log');
  const lines: string[] = [];
  const lease = new ExecutionLease((line) => {
    lines.push(line);
    appendFileSync(logFile, line + '\n');
  });
  const pool = new LambdaWorkerPool(1);
  try {
    const answered = pool.invoke(fn, {}, {}, lease).catch((err: Error) => err.name);
    await waitFor(() => lines.length > 0, 20_000);
    pool.endLease(lease);
    expect(await answered).toBe('Lifeboat.ExecutionEnded');
    // Its data directory removed (a test's cleanup) while the shared pool runs on: each later line failed ENOENT, thrown
    // in the worker's stdout handler, an uncaught exception of the process that runs the pool.
    rmSync(path.join(dir, 'executions'), { recursive: true, force: true });
    const before = lines.length;
    await waitFor(() => pool.threads === 1, 10_000);
    expect(lines.length).toBeGreaterThan(before);
    expect(pool.threads).toBe(1);
  } finally {
    await pool.close();
  }
}, 60_000);

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}
