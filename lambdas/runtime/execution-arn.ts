/**
 * The parts of a Step Functions execution ARN an operator is told: `arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>`.
 * Undefined for a part the string lacks (a local execution id, or an ARN cut short): callers then name it generically.
 */
export type ExecutionArnParts = { region: string | undefined; stateMachine: string | undefined };

export function executionArnParts(executionArn: string): ExecutionArnParts {
  const parts = executionArn.split(':');
  return { region: parts[3] || undefined, stateMachine: parts[6] || undefined };
}
