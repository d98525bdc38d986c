import { type z } from 'zod';
import { handlerLogger } from '../operations/handler-logger';
import { invocationLogKeys } from '../operations/invocation-log-keys';
import { classifyError } from './errors';
import { type LambdaRuntime, lambdaRuntime } from './lambda-runtime';
import { parseInput } from './parse-input';

/** The part of the Lambda context the handlers use (awsRequestId: in the log lines, when Lambda gives one). */
export type LambdaInvocation = { getRemainingTimeInMillis(): number; awsRequestId?: string };

/** A handler as Lambda (and the local executor) calls it. */
export type LifeboatLambda<O> = (event: unknown, invocation?: LambdaInvocation) => Promise<O>;

/**
 * The event a handler accepts, and what to call it in an error message ("Invalid shard task: …").
 * `executionInputAt`: the event's field that holds the execution's input, when the state machine
 * passes it whole (`{"request.$": "$"}`): its fields are named in errors as the operator wrote them.
 */
export type HandlerInput<I> = { schema: z.ZodType<I>; describes: string; executionInputAt?: string };

/**
 * The one handler runtime (in the manner of Powertools' middleware): every handler is
 * parse → runtime → work → error classification, so that the workflows' Retry and Catch see the
 * same error names from every step.
 * - The event is validated first: an InvalidInputError naming each bad field, never retried, and
 *   thrown before anything is built from the environment.
 * - The runtime (clients, catalog, vaults) is the container's (lambdaRuntime), built on first use.
 * - Whatever the work throws passes classifyError: throttling, 5xx and network errors become
 *   TransientError (retried by the state machines), everything else keeps its name (caught as permanent).
 * - Each invocation logs a structured start and end line (handlerLogger) keyed by the environment and
 *   the identifiers of its input and output (invocation-log-keys.ts); never the event itself, nor
 *   anything read from a source.
 */
export function lifeboatHandler<I, O>(
  input: HandlerInput<I>,
  work: (input: I, runtime: LambdaRuntime, invocation: LambdaInvocation | undefined) => Promise<O>,
  runtime: () => LambdaRuntime = lambdaRuntime,
): LifeboatLambda<O> {
  return async (event, invocation) => {
    const started = Date.now();
    const logger = handlerLogger;
    logger.resetKeys();
    logger.appendKeys({ ...invocationLogKeys(event, process.env.LIFEBOAT_ENVIRONMENT), ...(invocation?.awsRequestId ? { requestId: invocation.awsRequestId } : {}) });
    let parsed: I;
    try {
      parsed = parseInput(input.schema, event, input.describes, input.executionInputAt);
    } catch (err) {
      logger.error(`Refused ${input.describes}`, { error: errorName(err), errorMessage: errorMessage(err) });
      throw err;
    }
    logger.info(`Started ${input.describes}`);
    try {
      const output = await work(parsed, runtime(), invocation);
      logger.appendKeys(invocationLogKeys(output, undefined));
      logger.info(`Finished ${input.describes}`, { durationMs: Date.now() - started });
      return output;
    } catch (err) {
      const classified = classifyError(err);
      logger.error(`Failed ${input.describes}`, { durationMs: Date.now() - started, error: errorName(classified), errorMessage: errorMessage(classified) });
      throw classified;
    }
  };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'Error';
}

/** The error's own message (what the state machine's Catch records too); its stack and causes stay out of the log. */
function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
