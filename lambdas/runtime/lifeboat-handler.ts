import { type z } from 'zod';
import { classifyError } from './errors';
import { type LambdaRuntime, lambdaRuntime } from './lambda-runtime';
import { parseInput } from './parse-input';

/** The part of the Lambda context the handlers use. */
export type LambdaInvocation = { getRemainingTimeInMillis(): number };

/** A handler as Lambda (and the local executor) calls it. */
export type LifeboatLambda<O> = (event: unknown, invocation?: LambdaInvocation) => Promise<O>;

/** The event a handler accepts, and what to call it in an error message ("Invalid shard task: …"). */
export type HandlerInput<I> = { schema: z.ZodType<I>; describes: string };

/**
 * The one handler runtime (in the manner of Powertools' middleware): every handler is
 * parse → runtime → work → error classification, so that the workflows' Retry and Catch see the
 * same error names from every step.
 * - The event is validated first: an InvalidInputError naming each bad field, never retried, and
 *   thrown before anything is built from the environment.
 * - The runtime (clients, catalog, vaults) is the container's (lambdaRuntime), built on first use.
 * - Whatever the work throws passes classifyError: throttling, 5xx and network errors become
 *   TransientError (retried by the state machines), everything else keeps its name (caught as permanent).
 */
export function lifeboatHandler<I, O>(
  input: HandlerInput<I>,
  work: (input: I, runtime: LambdaRuntime, invocation: LambdaInvocation | undefined) => Promise<O>,
  runtime: () => LambdaRuntime = lambdaRuntime,
): LifeboatLambda<O> {
  return async (event, invocation) => {
    const parsed = parseInput(input.schema, event, input.describes);
    try {
      return await work(parsed, runtime(), invocation);
    } catch (err) {
      throw classifyError(err);
    }
  };
}
