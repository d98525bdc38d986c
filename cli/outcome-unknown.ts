import { unseenJsonEscaped } from '../lambdas/runtime/quoted-service-words';
import { FollowingFailedError, FollowingGaveUpError } from './aws-execution-errors';
import { StoppedFollowingError } from './workflow-runner';

/**
 * `backup`, `drill run`, `failover` and `restore` with `--aws` exit with this code when the CLI stopped following an
 * execution it had started (a poll answered with a failure that stays, polls failing for 10 minutes, a closed output):
 * the execution goes on in AWS and may still commit, pass or restore, so neither success nor "failed" (1) is true
 * (review r63Q F6: they exited 1, and `--json` wrote nothing, leaving a script no ARN to follow). 5: no exit code of
 * those commands means anything else (README, docs/RUNBOOKS.md).
 */
export const EXIT_OUTCOME_UNKNOWN = 5;

/** The execution the CLI stopped following, where it runs, and why the CLI stopped. */
export type OutcomeUnknown = { executionArn: string; region: string | undefined; error: string; message: string };

/** The execution an error says the CLI stopped following while it went on in AWS; undefined for any other error. */
export function outcomeUnknownOf(err: unknown): OutcomeUnknown | undefined {
  if (err instanceof FollowingFailedError || err instanceof FollowingGaveUpError || err instanceof StoppedFollowingError) {
    // The runner built the ARN in the region it polled (arn:<partition>:states:<region>:…): one rule for the three errors.
    return { executionArn: err.executionArn, region: err.executionArn.split(':')[3], error: err.name, message: err.message };
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
