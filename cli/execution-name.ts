import { randomBytes } from 'node:crypto';

/**
 * The name the CLI gives the one execution of a workflow a command starts in AWS, sent with every attempt of its
 * StartExecution (review r62P F1): Step Functions starts a STANDARD state machine once per name, answering a repeated
 * start of the same name and input with the execution that runs, and ExecutionAlreadyExists once it has ended. Without
 * a name each attempt of a start whose answer was late began the workflow again (three backups in a slow region).
 *
 * `lifeboat-<workflow>-<UTC second>-<12 hex>`: at most 54 characters of `[0-9A-Za-z-]` (catalog-rebuild's), so it is also a restore id
 * as it is (lambdas/restore/restore-id.ts: the restore runbook's id is its execution's name), and the random part
 * keeps two commands started in the same second apart.
 */
export function newExecutionName(workflow: string, now: Date, random: string = randomBytes(6).toString('hex')): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return `lifeboat-${workflow}-${stamp}-${random}`;
}

/** `arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>`, from the state machine's ARN. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}
