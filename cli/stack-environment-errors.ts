/**
 * The errors of `--stack` (cli/stack-environment.ts), apart from the code that reads the stack: cli/usage-error.ts
 * names them, and every command imports that, `lifeboat vault …` too, which must not load the CloudFormation client.
 */

/** The stack `--stack` names is not deployed in the region asked (or the caller may not see it). */
export class StackNotFoundError extends Error {
  override readonly name = 'StackNotFoundError';
}

/** The stack is there, but gives no LifeboatProtection's environment the CLI can read (none, several, or a damaged one). */
export class StackEnvironmentError extends Error {
  override readonly name = 'StackEnvironmentError';
}

/** The stack's region did not answer DescribeStacks, and no copy of its environment was kept on this machine. */
export class StackUnansweredError extends Error {
  override readonly name = 'StackUnansweredError';
}

/** The caller may not DescribeStacks the stack: the message names the permission `--stack` needs. */
export class StackAccessDeniedError extends Error {
  override readonly name = 'StackAccessDeniedError';
}
