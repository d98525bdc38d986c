import { followOrStopLines } from './aws-execution-errors';
import { executionArnOf } from './execution-name';
import { type FollowingSignal } from './following-signals';

/**
 * A signal (or a closed output) stopped the CLI during StartExecution's attempts: an attempt in flight may have
 * reached Step Functions, so the workflow may or may not have started, under the run's name. The process used to end
 * at once, `--json` writing nothing (review r64M F4); the command now writes the UNKNOWN object with the ARN that name
 * would have (outcome-unknown.ts), and the process still exits with the signal's code.
 */
export class WorkflowStartStoppedError extends Error {
  constructor(
    readonly stateMachineArn: string,
    readonly executionName: string,
    /** The region of the Step Functions the start was sent to. */
    readonly region: string,
    readonly by: 'output' | FollowingSignal,
  ) {
    const executionArn = executionArnOf(stateMachineArn, executionName);
    super(
      `${by === 'output' ? 'The output was closed (EPIPE)' : by}: the CLI stopped starting execution ${executionArn} during its attempts, so the workflow may or may not have started. ` +
        `${followOrStopLines(executionArn, region)} (ExecutionDoesNotExist there: it has not started so far.)`,
    );
    this.name = 'WorkflowStartStoppedError';
  }
}
