import { causeMessage } from '../../lambdas/runtime/cause-message';

/**
 * An execution that did not succeed, in one line: its error name and the message of its cause. A
 * Lambda's cause is `{errorType, errorMessage, trace}` JSON, and the trace's paths are those of the
 * bundle's sources, which exist only where it was built: the demo prints the message only.
 */
export function executionProblem(execution: { status: string; error?: string; cause?: string }): string {
  const message = causeMessage(execution.cause);
  return `${execution.error ?? execution.status}${message ? `: ${message}` : ''}`;
}
