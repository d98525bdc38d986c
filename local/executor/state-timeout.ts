import { ExecutionError, type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { LONGEST_TIMER_SECONDS } from './state-machine-definition';
import { numberField } from './template-evaluation';

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What a timed run is given: when to start the state's clock, and a signal that it ran out. */
export type StateClock = {
  /** Starts the state's timer: called when its function starts on a worker. */
  onStart: () => void;
  /** Aborted when the state times out: the function is abandoned to run on by itself (InvocationOptions.abandon). */
  timedOut: AbortSignal;
};

/**
 * A Lambda Task's own `TimeoutSeconds`, counted from when its function starts on a worker.
 *
 * aws-local-stepfunctions starts a Task's timer when it calls the executor's handler, but the handler
 * may then wait for a free worker of the pool, a wait AWS does not have (Lambda starts the function at
 * once). So the executor gives the library no timer for these Tasks (LONGEST_TIMER_SECONDS) and keeps
 * the definition's here, started by the pool's `onStart`. As in AWS, a timed-out Task fails with
 * `States.Timeout` while its function runs on to its end, on a worker of its own (`timedOut`), so a
 * Retry starts at once. A TimeoutSeconds longer than Node's longest timer (AWS allows a year) is
 * clamped to it, about 24.8 days: Node would fire a longer one at once.
 */
export async function withinStateTimeout<T>(seconds: number | undefined, run: (clock: StateClock) => Promise<T>): Promise<T> {
  const timedOut = new AbortController();
  if (seconds === undefined) return run({ onStart: () => undefined, timedOut: timedOut.signal });
  const timeoutError = await statesTimeoutErrorFactory();
  let timer: NodeJS.Timeout | undefined;
  let expire: (err: Error) => void = () => undefined;
  const expired = new Promise<never>((_, reject) => {
    expire = reject;
  });
  const running = run({
    onStart: () => {
      timer = setTimeout(() => {
        timedOut.abort();
        expire(timeoutError());
      }, Math.min(seconds, LONGEST_TIMER_SECONDS) * 1000);
    },
    timedOut: timedOut.signal,
  });
  // Once the state timed out, how its function ends is nobody's concern (AWS discards it too).
  running.catch(() => undefined);
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Task's `TimeoutSecondsPath`, evaluated as aws-local-stepfunctions does (on the Task's effective
 * input, the one its handler gets), so that the executor, not the library, times the Task: from its
 * function's start, clamped as TimeoutSeconds is. What it selects must be a positive integer, else the
 * execution fails with States.Runtime, as in AWS.
 */
export async function timeoutSecondsAt(stateName: string, path: string, input: JsonValue, context: Record<string, unknown>): Promise<number> {
  return (await numberField({ state: stateName, field: 'TimeoutSecondsPath' }, undefined, path, input, 'positive', context)) as number;
}

let factory: Promise<() => Error> | undefined;

/**
 * Makes the library's own States.Timeout error. Its Catch and Retry tell a timeout from other task
 * errors by class (`States.TaskFailed` does not match it), and the library does not export that class,
 * so it is taken once from a throw-away Task that times out after a millisecond.
 */
function statesTimeoutErrorFactory(): Promise<() => Error> {
  factory ??= (async () => {
    const probe = new StateMachine(
      { StartAt: 'Probe', States: { Probe: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe', TimeoutSeconds: 0.001, End: true } } } as unknown as StateMachineDefinition,
      { validationOptions: { noValidate: true } },
    );
    const overrides = { taskResourceLocalHandlers: { Probe: () => new Promise((resolve) => setTimeout(() => resolve(null), 50)) } };
    try {
      await probe.run(null, { overrides } as RunOptions).result;
    } catch (err) {
      const cause: unknown = err instanceof ExecutionError ? err.cause : undefined;
      if (cause !== null && typeof cause === 'object' && (cause as { name?: unknown }).name === 'States.Timeout') {
        const TimeoutClass = cause.constructor as new () => Error;
        return () => new TimeoutClass();
      }
    }
    // A later library that times out differently: an error of the same name still fails the state as States.Timeout.
    return () => Object.assign(new Error('States.Timeout'), { name: 'States.Timeout' });
  })();
  return factory;
}
