/**
 * Why a command that runs a workflow in AWS cannot report its result: the start had no answer (so it may or may not
 * have begun), the execution name it sent is another run's, or its polls kept failing. Each says what the operator can
 * check or do with the AWS CLI, as StoppedFollowingError (workflow-runner.ts) does for a closed output.
 */

/** A failure's name and message, for the end of one of these errors. */
function causeText(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/** StartExecution had no answer after every attempt: Step Functions may have started the workflow, or not. */
export class WorkflowStartUnansweredError extends Error {
  constructor(
    readonly stateMachineArn: string,
    readonly executionName: string,
    region: string,
    attempts: number,
    cause: unknown,
  ) {
    super(
      `StartExecution of state machine ${stateMachineArn} had no answer after ${attempts} attempts (the last: ${causeText(cause)}), so the workflow may or may not have started. ` +
        `Look for its execution ${executionName} with \`aws stepfunctions list-executions --region ${region} --state-machine-arn ${stateMachineArn} --query "executions[?name=='${executionName}']"\` before running the command again.`,
      { cause },
    );
    this.name = 'WorkflowStartUnansweredError';
  }
}

/** StartExecution said the execution name exists, and that execution's input is not this command's: another run. */
export class ExecutionNameTakenError extends Error {
  constructor(
    readonly executionArn: string,
    region: string,
  ) {
    super(
      `Execution ${executionArn} already exists with another input than this command's, so it is not this command's run and the CLI does not follow it. ` +
        `Run the command again (it takes a new execution name); look at that execution with \`aws stepfunctions describe-execution --region ${region} --execution-arn ${executionArn}\`.`,
    );
    this.name = 'ExecutionNameTakenError';
  }
}

/** The CLI's polls of a running execution failed for longer than its bound: the execution goes on in AWS. */
export class FollowingGaveUpError extends Error {
  constructor(
    readonly executionArn: string,
    region: string,
    boundMs: number,
    cause: unknown,
  ) {
    super(
      `The CLI gave up following execution ${executionArn} after ${Math.round(boundMs / 60_000)} minutes in which every poll failed (the last: ${causeText(cause)}); it goes on in AWS. ` +
        `Follow it with \`aws stepfunctions describe-execution --region ${region} --execution-arn ${executionArn}\`, or stop it with \`aws stepfunctions stop-execution --region ${region} --execution-arn ${executionArn}\`.`,
      { cause },
    );
    this.name = 'FollowingGaveUpError';
  }
}
