import { z } from 'zod';
import { cleanupFailedNote, saysCleanupFailed } from '../config/cleanup-failed-note';

/**
 * What `lifeboat restore` prints of a failed restore: its message, and the cleanup-failed note when its cleanup step
 * failed and the message does not say so. The cleanup step (Abandon or Release restore) writes the note into the
 * message, and when it failed after its retries `Bound restore's error` does; both run the same function, so a
 * throttled or broken one fails both, and the execution then failed with the restore's error alone, its claim still
 * refusing a restore into the target (review r60E F2). Only the execution's history tells then: the `Failure report`
 * step's input keeps the cleanup's error at `abandonError` (cli/failure-report-input.ts). Read here rather than written
 * into the cause by a Pass: States.Format would have to embed the caught cause, which Step Functions keeps up to its
 * 32,768 characters, past the Fail state's limit with the note, and the local executor strips every backslash of an
 * intrinsic's result, which breaks the JSON of a Lambda error's cause.
 */
export function restoreFailureMessage(message: string, failureReportInput: unknown): string {
  if (saysCleanupFailed(message)) return message;
  const caught = cleanupFailure.safeParse(failureReportInput);
  return caught.success ? `${message} ${cleanupFailedNote(caught.data.abandonError.Error)}` : message;
}

/** The failure path's state once a cleanup step failed after its retries: its Catch put the error at `$.abandonError`. */
const cleanupFailure = z.object({ abandonError: z.object({ Error: z.string() }) });
