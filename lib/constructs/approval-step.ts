import type { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type Construct } from 'constructs';
import { APPROVAL_TIMEOUT } from '../lifeboat-defaults';
import { catalogPartitionStatement } from './catalog-partition-grant';
import { LifeboatFunction } from './lifeboat-function';
import { acknowledgeApproverExecutionsWildcard, acknowledgeTaskResponseWildcard } from './nag-acknowledgements';
import { retryTransientErrors } from './workflow-errors';

/** The catalog partition of the approvals (lambdas/approval/approval-record.ts, APPROVALS_PK; restore-workflow.test.ts ties them): lib/ imports no runtime code. */
const APPROVALS_PARTITION = 'APPROVALS';

export type ApprovalStepProps = {
  readonly kind: 'restore' | 'failover';
  /** The catalog of the runbook's region, where the pending approval (and its task token) is recorded. */
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
  /** The function's environment (the runbook's other functions' variables: the runtime needs the catalog, plans and vault). */
  readonly environment: Record<string, string>;
  /** @default APPROVAL_TIMEOUT (12 hours, half the workflow timeout) */
  readonly timeout?: Duration;
};

/**
 * The second person of an overwrite restore or a failover (issue 13, item 3): a `.waitForTaskToken`
 * Lambda task. The function checks the runbook's input with its parser (request-approval.ts: an
 * invalid input fails the task, and nobody is asked), records the pending approval with `$$.Task.Token` in the catalog and
 * returns; the execution then waits until `lifeboat approve` (or the console) sends SendTaskSuccess
 * (the runbook goes on) or SendTaskFailure (it fails with ApprovalRejected), or the timeout passes
 * (States.Timeout). Either failure happens before any step that writes. Who may answer is IAM's
 * business: states:SendTaskSuccess/SendTaskFailure on the state machine (grantApprover).
 */
export function approvalStep(scope: Construct, id: string, props: ApprovalStepProps): { task: tasks.LambdaInvoke; fn: LifeboatFunction } {
  const timeout = props.timeout ?? APPROVAL_TIMEOUT;
  const fn = new LifeboatFunction(scope, `${id}Function`, { handler: 'request-approval', environment: props.environment });
  props.catalogKey.grantEncryptDecrypt(fn);
  fn.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:PutItem'], [APPROVALS_PARTITION], 'exact'));
  const task = new tasks.LambdaInvoke(scope, 'Wait for approval', {
    comment:
      props.kind === 'restore'
        ? 'An overwrite restore replaces live data: checks the request (an invalid one fails here, unasked), records the pending approval (with the task token) in the catalog and waits for lifeboat approve; a rejection or the timeout fails the restore before anything is written.'
        : 'A failover restores every source of a plan in the DR region: checks the input (an invalid one fails here, unasked), records the pending approval (with the task token) in the catalog and waits for lifeboat approve; a rejection or the timeout fails it before anything is written.',
    lambdaFunction: fn,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      taskToken: sfn.JsonPath.taskToken,
      'execution.$': '$$.Execution.Name',
      'executionArn.$': '$$.Execution.Id',
      'stateMachine.$': '$$.StateMachine.Name',
      kind: props.kind,
      'request.$': '$$.Execution.Input',
      timeoutSeconds: timeout.toSeconds(),
    }),
    taskTimeout: sfn.Timeout.duration(timeout),
    resultPath: '$.approval',
    retryOnServiceExceptions: true,
  });
  // Recording the approval may meet throttling; a rejection (ApprovalRejected) or the timeout is never retried.
  retryTransientErrors(task);
  return { task, fn };
}

/**
 * The approver (config `environment.security.approverRoleArn`): the only role Lifeboat grants
 * states:SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat, and the right to read and mark the
 * approvals in the catalog. Attached as an inline policy (AWS::IAM::Policy) of the stack to the
 * existing role, which must be in the stack's account.
 *
 * The SendTask actions support no resource-level permissions: IAM matches them only with Resource
 * `*` (CDK's `grantTaskResponse` names the state machine, and the approver could approve nothing in
 * AWS). The task token is what names the execution; any principal of the account whose own policies
 * allow these actions, and who can read the token (the execution history shows it), can answer too
 * (docs/SECURITY.md, "Approvals").
 *
 * Also states:DescribeExecution and states:GetExecutionHistory on the executions of `stateMachine` (the
 * runbook it approves) only: when Step Functions refuses an answer as for a task that no longer waits,
 * `lifeboat approve` asks whether the execution went on or ended, and reads from the history what the
 * approval task received — this approver's own earlier answer whose reply was lost, or another's — and
 * `approvals list` tells an ended execution from one that waits.
 */
export function grantApprover(scope: Construct, id: string, roleArn: string, catalog: dynamodb.ITable, catalogKey: kms.IKey, stateMachine: sfn.IStateMachine): void {
  const role = iam.Role.fromRoleArn(scope, id, roleArn, { mutable: true });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], resources: ['*'] }));
  const describe = stateMachine.grantExecution(role, 'states:DescribeExecution', 'states:GetExecutionHistory');
  role.addToPrincipalPolicy(catalogPartitionStatement(catalog, ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], [APPROVALS_PARTITION], 'exact'));
  catalogKey.grantEncryptDecrypt(role);
  const policy = role.node.tryFindChild('Policy') ?? role;
  acknowledgeTaskResponseWildcard(policy);
  acknowledgeApproverExecutionsWildcard(policy, describe.principalStatements.flatMap((s) => s.resources));
}
