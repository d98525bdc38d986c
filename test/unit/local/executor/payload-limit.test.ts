import { ExecutionAbortedError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { DATA_LIMIT_EXCEEDED, PayloadLimitGuard, STATE_PAYLOAD_LIMIT_BYTES } from '../../../../local/executor/payload-limit';

/**
 * Step Functions fails an execution whose state takes or returns more than 256 KiB with
 * States.DataLimitExceeded, which no Catch takes. The guard, wired to the engine as the executor wires
 * it (events observed, stop = abort, Task handlers checked first), makes the local run fail the same
 * way; the engine alone lets it succeed (audit R27 F2).
 */

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:work';

/** Grow doubles `$.s` into its output; then a Task whose failure a Catch on States.ALL sends to a cleanup Task. */
function definition(): StateMachineDefinition {
  return {
    StartAt: 'Grow',
    States: {
      Grow: { Type: 'Pass', Parameters: { 'big.$': '$.s', 'again.$': '$.s' }, Next: 'Work' },
      Work: { Type: 'Task', Resource: ARN, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Clean up' }], End: true },
      'Clean up': { Type: 'Task', Resource: ARN, End: true },
    },
  } as unknown as StateMachineDefinition;
}

async function run(chars: number): Promise<{ outcome: 'succeeded' | 'aborted'; failure: ReturnType<PayloadLimitGuard['failure']>; ran: string[] }> {
  const ran: string[] = [];
  let stop = (): void => undefined;
  const guard = new PayloadLimitGuard(() => stop());
  const handler = (state: string) => async (input: unknown) => {
    await guard.check(state);
    ran.push(state);
    return { done: state, inputBytes: JSON.stringify(input).length };
  };
  const sm = new StateMachine(definition(), { validationOptions: { checkArn: false } });
  const execution = sm.run({ s: 'x'.repeat(chars) }, { overrides: { taskResourceLocalHandlers: { Work: handler('Work'), 'Clean up': handler('Clean up') } } });
  stop = () => execution.abort();
  const collecting = (async () => {
    for await (const event of execution.eventLogs) guard.observe(event as Parameters<PayloadLimitGuard['observe']>[0]);
  })();
  let outcome: 'succeeded' | 'aborted';
  try {
    await execution.result;
    outcome = 'succeeded';
  } catch (err) {
    if (!(err instanceof ExecutionAbortedError)) throw err;
    outcome = 'aborted';
  }
  await collecting;
  return { outcome, failure: guard.failure(), ran };
}

it('fails a run whose state returns more than 256 KiB with States.DataLimitExceeded, and runs no Task after it, its Catch path included', async () => {
  // Grow returns twice 200,000 characters: about 400 KB.
  const { outcome, failure, ran } = await run(200_000);
  expect(outcome).toBe('aborted');
  expect(failure?.error).toBe(DATA_LIMIT_EXCEEDED);
  expect(failure?.cause).toMatch(/^The state\/task 'Grow' returned a result of 400\d{3} bytes, over Step Functions' limit of 262144 bytes/);
  expect(ran).toEqual([]);
});

it('names the input when the execution starts with more than the limit', async () => {
  const { failure, ran } = await run(STATE_PAYLOAD_LIMIT_BYTES);
  expect(failure?.cause).toMatch(/^The state\/task 'Grow' received an input of 26215\d bytes/);
  expect(ran).toEqual([]);
});

it('lets a run within the limit through untouched', async () => {
  // Twice 100,000 characters: about 200 KB, under 256 KiB.
  const { outcome, failure, ran } = await run(100_000);
  expect({ outcome, failure, ran }).toEqual({ outcome: 'succeeded', failure: undefined, ran: ['Work'] });
});
