import * as path from 'node:path';
import { type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { runLocalExecution } from '../../../../local/executor/run-local-execution';
import { tempDir } from '../../../support/local-cloud-helpers';
import { BOUNDED_MACHINE, QUEUED_MACHINE, SLOW_LOAD_MACHINE, synthesizeTimeoutsApp } from './timeouts-app';

/**
 * Timeouts of Lambda Tasks as AWS counts them: a function's timeout from its handler's start, a Task's
 * TimeoutSeconds from its function's start; the local wait for a free worker counts in neither.
 */
const work = tempDir('executor-timeouts');
let stack: SynthesizedStack;

beforeAll(() => {
  stack = synthesizeTimeoutsApp(path.join(work.dir, 'cdk.out'));
}, 120_000);
afterAll(() => work.remove());

const run = (stateMachine: string, input: unknown) => runLocalExecution({ stack, stateMachine, input, endpoints: { s3: {}, dynamodb: {} }, dataDir: work.dir, workers: 1 });

it('runs Map items queued for the only worker to success when each works within its function timeout', async () => {
  // 3 items of 2 s on one worker: the last waits 4 s, more than the 3 s timeout, and must not time out for it.
  const result = await run(QUEUED_MACHINE, { items: [{ ms: 2000 }, { ms: 2000 }, { ms: 2000 }] });
  expect(result.status).toBe('SUCCEEDED');
  expect(result.invocations.map((i) => i.errorType ?? 'ok')).toEqual(['ok', 'ok', 'ok']);
  expect(Math.max(...result.invocations.map((i) => i.queuedMs))).toBeGreaterThanOrEqual(3000);
  const results = (result.output as { results: { ms: number; remainingMs: number }[] }).results;
  // Each handler saw about 1 s of its 3 s left: its clock started when it did.
  for (const r of results) expect(r.remainingMs).toBeGreaterThan(500);
}, 60_000);

it('fails with Sandbox.Timedout when the function itself overruns its timeout', async () => {
  const result = await run(QUEUED_MACHINE, { items: [{ ms: 6000 }] });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('Sandbox.Timedout');
  expect(JSON.parse(result.cause ?? '{}')).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 3\.00 seconds$/) });
}, 60_000);

it("counts a Task's own TimeoutSeconds from its function's start, not from the wait for a worker", async () => {
  // Two items of 1.5 s on one worker under TimeoutSeconds 2: the second waits 1.5 s first.
  const result = await run(BOUNDED_MACHINE, { items: [{ ms: 1500 }, { ms: 1500 }] });
  expect(result.status).toBe('SUCCEEDED');
  expect((result.output as { results: { ms: number }[] }).results.map((r) => r.ms)).toEqual([1500, 1500]);
}, 60_000);

it("fails with States.Timeout, which a Catch on States.TaskFailed does not take, when a Task outlasts its TimeoutSeconds", async () => {
  const result = await run(BOUNDED_MACHINE, { items: [{ ms: 4000 }] });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('States.Timeout');
}, 60_000);

it("does not count the module's first load (Lambda's init phase) against the function's timeout", async () => {
  // 1.5 s of load and 1 s of work under a 2 s timeout.
  const result = await run(SLOW_LOAD_MACHINE, { ms: 1000 });
  expect(result.status).toBe('SUCCEEDED');
  expect((result.output as { remainingMs: number }).remainingMs).toBeGreaterThan(500);
}, 60_000);
