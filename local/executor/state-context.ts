import { type RunOptions, StateMachine } from 'aws-local-stepfunctions';
import { LocalEngineIncompatibleError } from './errors';

/**
 * `$$.State` for the executor's runs. aws-local-stepfunctions puts no `State` in its context object, and a path that
 * selects nothing fails the execution; nor does it offer a hook on a state's entry. What it does have: each run (the
 * execution, each Map iteration, each Parallel branch: a StateMachine run of its own, whose states follow one another)
 * builds its context from `RunOptions.context` in its private `execute(input, options, cleanup)`, and dispatches
 * `StateEntered` on its own event logger right before it evaluates that state's paths, synchronously, and
 * `StateRetried` before each retry. So `execute` is wrapped, once per process, for the runs marked by withStateContext
 * only (the throw-away machines of template-evaluation.ts bring their own context): the run gets a `State` object of
 * its own, set when a state is entered and counted on each retry, as Step Functions' is (`EnteredTime` stays the
 * entry's across retries: the drill's RTO, lib/constructs/drill-workflow.ts). Map iterations and Parallel branches
 * inherit the marked RunOptions, so they are wrapped too. A library whose internals no longer fit fails the run with
 * LocalEngineIncompatibleError, rather than running on without `$$.State`.
 */

/** `$$.State` as Step Functions gives it. */
export type StateContextObject = { Name: string; EnteredTime: string; RetryCount: number };

const WITH_STATE = Symbol('lifeboat-local-state-context');

type MarkedRunOptions = RunOptions & { readonly [WITH_STATE]?: true };
type RunLogger = { dispatchStateEnteredEvent: (name: string, ...rest: unknown[]) => void; dispatchStateRetriedEvent: (...args: unknown[]) => void };
type ExecuteOptions = { runOptions?: MarkedRunOptions; eventLogger?: Partial<RunLogger> };
type Execute = (this: StateMachine, input: unknown, options: ExecuteOptions, ...rest: unknown[]) => Promise<unknown>;

let installed = false;

/** `options` with `$$.State` given to every run it starts (the execution and its Map iterations and Parallel branches). */
export function withStateContext<T extends RunOptions>(options: T): T & { readonly [WITH_STATE]: true } {
  installStateContext();
  return { ...options, [WITH_STATE]: true };
}

function installStateContext(): void {
  if (installed) return;
  const prototype = StateMachine.prototype as unknown as { execute?: unknown };
  const original = prototype.execute;
  if (typeof original !== 'function') throw new LocalEngineIncompatibleError('StateMachine.prototype.execute is not a function', '$$.State');
  const execute = original as Execute;
  const wrapped: Execute = function (this: StateMachine, input, options, ...rest) {
    const runOptions = options.runOptions;
    if (!runOptions?.[WITH_STATE]) return execute.call(this, input, options, ...rest);
    const logger = options.eventLogger;
    const entered = logger?.dispatchStateEnteredEvent;
    const retried = logger?.dispatchStateRetriedEvent;
    if (!logger || typeof entered !== 'function' || typeof retried !== 'function') {
      return Promise.reject(new LocalEngineIncompatibleError('the run\'s event logger has no dispatchStateEnteredEvent or dispatchStateRetriedEvent', '$$.State'));
    }
    const state: StateContextObject = { Name: '', EnteredTime: '', RetryCount: 0 };
    logger.dispatchStateEnteredEvent = (name, ...args) => {
      Object.assign(state, { Name: name, EnteredTime: new Date().toISOString(), RetryCount: 0 });
      entered.call(logger, name, ...args);
    };
    logger.dispatchStateRetriedEvent = (...args) => {
      state.RetryCount += 1;
      retried.call(logger, ...args);
    };
    // The run spreads `context` into its own: `State` stays this object, which the wrappers above keep current.
    return execute.call(this, input, { ...options, runOptions: { ...runOptions, context: { ...runOptions.context, State: state } } }, ...rest);
  };
  prototype.execute = wrapped;
  installed = true;
}
