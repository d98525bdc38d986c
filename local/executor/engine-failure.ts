import { ExecutionError } from 'aws-local-stepfunctions';

/** A failure as Step Functions names it: the error and cause of a failed execution or child. */
export type EngineFailure = { error: string; cause: string };

/**
 * The Step Functions error and cause of what failed an aws-local-stepfunctions run (its ExecutionError
 * wraps the state's error as `cause`). One correction: an intrinsic function that fails inside the
 * library (States.StringToJson of text that is not JSON, States.Base64Decode of bad base64) throws the
 * engine's own SyntaxError or DOMException, where AWS reports `States.IntrinsicFailure`.
 *
 * Only the end of a run can be corrected here: a Catch inside the definition still receives the
 * engine's error name, because the library matches it before the executor sees it (docs/LOCAL-CLOUD.md,
 * "Differences, on purpose").
 */
export function engineFailure(err: unknown): EngineFailure {
  const failure: unknown = err instanceof ExecutionError ? err.cause : err;
  if (failure !== null && typeof failure === 'object') {
    const { name, message } = failure as { name?: unknown; message?: unknown };
    const cause = typeof message === 'string' ? message : String(failure);
    if (isIntrinsicFailure(failure)) return { error: 'States.IntrinsicFailure', cause };
    return { error: typeof name === 'string' && name !== '' ? name : 'States.Runtime', cause };
  }
  return { error: 'States.Runtime', cause: err instanceof Error ? err.message : String(err) };
}

/**
 * An error the engine threw while evaluating an intrinsic function, as opposed to a States.* error the
 * library raised on purpose (argument checks are States.Runtime there) or a task's error: the library
 * does not wrap these, so its call stack is what tells them apart (the library's bundle keeps its names).
 */
export function isIntrinsicFailure(failure: unknown): boolean {
  if (failure === null || typeof failure !== 'object') return false;
  const { name, stack } = failure as { name?: unknown; stack?: unknown };
  if (typeof name === 'string' && name.startsWith('States.')) return false;
  return typeof stack === 'string' && /\bat evaluateIntrinsicFunction\b/.test(stack);
}
