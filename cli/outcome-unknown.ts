import { unseenJsonEscaped } from '../lambdas/runtime/quoted-service-words';
import { FollowingFailedError, FollowingGaveUpError, WorkflowStartFoundNoneError, WorkflowStartUnansweredError } from './aws-execution-errors';
import { executionArnOf } from './execution-name';
import { StoppedFollowingError } from './workflow-runner';
import { WorkflowStartStoppedError } from './workflow-start-stopped-error';

/**
 * `backup`, `drill run`, `failover`, `restore`, `repair-index` and `catalog rebuild --runbook` with `--aws` exit with
 * this code when the CLI stopped following an execution it had started (a poll answered with a failure that stays,
 * polls failing for 10 minutes): the execution goes on in AWS and may still commit, pass, restore or rebuild, so neither
 * success nor "failed" (1) is true (review r63Q F6: they exited 1, and `--json` wrote nothing, leaving a script no ARN
 * to follow; review r64D F1: repair-index and catalog rebuild --runbook still did). A closed output stops the following
 * too and writes the same `--json` object, but the process exits 141 then, as a pipe's end (bin/lifeboat.ts:
 * EXIT_OUTPUT_CLOSED over the command's code), so a `set -o pipefail` script tells it apart. They exit 5 too when the
 * start may or may not have begun the execution (no answer, or none the SDK could read, and the lookup by its name did not
 * settle it): it may run (f64H: they exited 1 with nothing on stdout). A start that nothing reached (its credentials
 * could not be had: WorkflowNotStartedError) did not begin it: 1. 5: no exit code of those commands means anything
 * else (README, docs/RUNBOOKS.md).
 */
export const EXIT_OUTCOME_UNKNOWN = 5;

/** The execution the CLI stopped following (or may have started), where it runs, and why its outcome is unknown. */
export type OutcomeUnknown = { executionArn: string; region: string; error: string; message: string };

/**
 * The execution an error says the CLI stopped following while it went on in AWS, or says the start may have begun
 * (the ARN its name would have: what the message's describe-execution line looks for); undefined for any other error.
 */
export function outcomeUnknownOf(err: unknown): OutcomeUnknown | undefined {
  if (err instanceof FollowingFailedError || err instanceof FollowingGaveUpError || err instanceof StoppedFollowingError) {
    // The region the runner polled, not a field of the ARN: an ARN of another shape (an answer's, not the runner's
    // own) dropped the object's `region` key (review r64D F4).
    return { executionArn: err.executionArn, region: err.region, error: err.name, message: err.message };
  }
  if (err instanceof WorkflowStartUnansweredError || err instanceof WorkflowStartFoundNoneError || err instanceof WorkflowStartStoppedError) {
    return { executionArn: executionArnOf(err.stateMachineArn, err.executionName), region: err.region, error: err.name, message: err.message };
  }
  return undefined;
}

/**
 * The `--json` object of an unknown outcome, in the shape of the commands' own (`executionId`, `status`, `error`,
 * `cause`), with status UNKNOWN and the region to describe the execution in. The message quotes a failure's text (a
 * proxy's page too): its controls and bidi characters as \uXXXX, as the drill's --json writes a record's.
 */
export function outcomeUnknownJson(unknown: OutcomeUnknown): string {
  return unseenJsonEscaped(JSON.stringify({ executionId: unknown.executionArn, status: 'UNKNOWN', region: unknown.region, error: unknown.error, cause: unknown.message }, null, 2));
}
