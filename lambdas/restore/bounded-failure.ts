import { z } from 'zod';
import { FAILURE_CAUSE_STATE_BYTES } from '../../config/parent-state-size';
import { classifyError, TransientError } from '../runtime/errors';
import { largestFitting } from '../runtime/largest-fitting';
import { cleanupFailedNote } from '../../config/cleanup-failed-note';

/** A caught error as Step Functions puts it at a Catch's ResultPath. */
export const caughtErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });
export type CaughtError = z.infer<typeof caughtErrorSchema>;

/** The longest error message a restore's failure keeps in the execution's state (characters). */
export const MAX_FAILURE_MESSAGE = 2_000;

/**
 * The caught error of a failed restore, cut to a size that many of them fit in one execution's state. A
 * drill's or a failover's `Restore sources` Map keeps every failed source's error in its result, and a
 * Lambda's cause (its message, then its stack trace, in JSON) can be tens of KiB: two dozen of those passed
 * Step Functions' 256 KiB and failed the execution with States.DataLimitExceeded, its report lost (review 42c
 * F6). A Lambda error's cause stays JSON with its `errorType` and its message (cut to MAX_FAILURE_MESSAGE,
 * saying so), so what reads `errorMessage` (the CLI, the reports) still finds it; the trace is dropped (the
 * function's log has it). Any other cause is cut as text. Either is cut shorter still when the state would write it in
 * more than FAILURE_CAUSE_STATE_BYTES (config/parent-state-size.ts): a message of control characters, JSON within JSON,
 * takes seven bytes a character there, and 2,000 of them were 14 KB a failed source (review r58I F2).
 */
export function boundedFailure(error: CaughtError, cleanupError?: string): { Error: string; Cause: string } {
  const cause = error.Cause ?? '';
  const lambdaError = lambdaErrorOf(cause);
  // A cleanup that failed too is said after the message, whole: the message is cut to leave it room (review r59K F3).
  const note = cleanupError !== undefined ? ` ${cleanupFailedNote(cleanupError)}` : '';
  const render = lambdaError ? (message: string) => JSON.stringify({ errorType: lambdaError.errorType, errorMessage: message + note }) : (message: string) => message + note;
  const fits = (message: string): boolean => Buffer.byteLength(JSON.stringify(render(message)), 'utf8') <= FAILURE_CAUSE_STATE_BYTES;
  return { Error: error.Error, Cause: render(clipped(lambdaError ? lambdaError.errorMessage : cause, fits)) };
}

function lambdaErrorOf(cause: string): { errorType: string; errorMessage: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(cause);
    const shape = z.object({ errorType: z.string(), errorMessage: z.string() }).safeParse(parsed);
    return shape.success ? shape.data : undefined;
  } catch {
    return undefined;
  }
}

/** `message` cut to MAX_FAILURE_MESSAGE characters, and to fewer while it does not `fit`, saying how many it left out. */
function clipped(message: string, fits: (message: string) => boolean): string {
  const cut = (kept: number): string => (kept >= message.length ? message : `${message.slice(0, kept)}… (${message.length - kept} more characters: the failed function's log has the whole message)`);
  const kept = Math.min(message.length, MAX_FAILURE_MESSAGE);
  if (fits(cut(kept))) return cut(kept);
  // The most characters that fit (none at least: the note alone is well within the bound).
  return cut(largestFitting(0, kept, (n) => fits(cut(n))));
}

/**
 * A failed restore's cleanup (Abandon or Release restore), its output carrying the restore's error bounded as
 * `failure`, which the state machine reports in the error's place. A cleanup that fails for a reason that is not
 * transient ends here with `cleanupError` beside `failure`: its Catch would report the restore's error whole, and
 * a cleanup fails mostly for the restore's own reason (a key disabled, the vault unreachable), in every source at
 * once (review 43b F1). A transient error still goes to the step's Retry.
 */
export async function cleanUpReportingFailure<T extends object>(
  error: CaughtError,
  cleanUp: () => Promise<T>,
): Promise<(T & { failure: { Error: string; Cause: string } }) | { failure: { Error: string; Cause: string }; cleanupError: { Error: string; Cause: string } }> {
  try {
    return { ...(await cleanUp()), failure: boundedFailure(error) };
  } catch (err) {
    const classified = classifyError(err);
    if (classified instanceof TransientError || !(classified instanceof Error)) throw classified;
    return { failure: boundedFailure(error, classified.name), cleanupError: boundedFailure({ Error: classified.name, Cause: classified.message }) };
  }
}
