import { dataDirOption } from '../local/cloud/data-dir-option';
import { shellWord } from '../lambdas/runtime/shell-word';
import { type WorkflowOutcome } from './workflow-runner';

/**
 * `lifeboat executions show <id>` for a local execution, with the run's --data-dir (when not the default): the
 * command reads ./.lifeboat unless told otherwise, so pasted without it after a run with --data-dir it finds no such
 * execution, or another cloud's (review r57N F3).
 */
export function executionsShowCommand(executionId: string, dataDir: string): string {
  return `lifeboat executions show ${shellWord(executionId)}${dataDirOption(dataDir)}`;
}

/** The line a CLI run of a workflow ends with: `Execution <id>`, and where a local run saved its history, the command that shows it. */
export function executionLine(outcome: Pick<WorkflowOutcome, 'executionId' | 'historyFile'>, dataDir: string): string {
  return `Execution ${outcome.executionId}${outcome.historyFile !== undefined ? ` (${executionsShowCommand(outcome.executionId, dataDir)})` : ''}`;
}
