import { type HistoryEvent as SfnHistoryEvent, paginateGetExecutionHistory, SFNClient } from '@aws-sdk/client-sfn';
import { type FailoverReport } from '../lambdas/failover/failover-report';
import { executionArnParts } from '../lambdas/runtime/execution-arn';
import { loadExecutionHistory } from '../local/executor/execution-history';
import { awsRequestSettings } from './aws-client-settings';
import { executionsShowCommand } from './execution-history-line';

/**
 * A partial failover's report, read back from its execution history. FailoverIncompleteError's cause carries the
 * report only while it fits Step Functions' 32,768 characters (lambdas/failover/failover-incomplete.ts): from about 20
 * failed sources it holds the one-paragraph summary alone, and `lifeboat failover` printed no per-source table and none
 * of the per-source actions (the `find` that removes a stopped restore's `.part` files, the finish without
 * `--overwrite`) (audit aX1-2). The `Failover report` step's output holds the whole report under `report`, whatever
 * its size (lib/constructs/failover-workflow.ts).
 */

/** The step whose output is `{ …, report }` (lib/constructs/failover-workflow.ts). */
export const FAILOVER_REPORT_STATE = 'Failover report';

/**
 * The report of the execution `executionId` (in AWS its ARN), from its history; undefined when the history holds no
 * output of the report step. Rejects when the history cannot be read (no `states:GetExecutionHistory`, a region that
 * does not answer, a local history file gone).
 */
export type FailoverReportReader = (executionId: string) => Promise<FailoverReport | undefined>;

/** The report in the report step's output (the state with the step's result at `report`), without the cause the Fail state takes from it. */
export function reportOfStepOutput(output: unknown): FailoverReport | undefined {
  if (output === null || typeof output !== 'object') return undefined;
  const report = (output as { report?: unknown }).report;
  if (report === null || typeof report !== 'object') return undefined;
  const { incompleteCause: _cause, ...rest } = report as Partial<FailoverReport> & { incompleteCause?: unknown };
  return Array.isArray(rest.sources) && Array.isArray(rest.failed) && typeof rest.failoverId === 'string' ? (rest as FailoverReport) : undefined;
}

/** A local execution's report, from the history the local executor saved under `dataDir` (`lifeboat executions show`). */
export function localFailoverReportReader(dataDir: string): FailoverReportReader {
  return (executionId) => {
    const { events } = loadExecutionHistory(dataDir, executionId);
    // The last exit of the top-level step: a Map's or a child's events carry an index or a map run.
    const exited = events.filter((e) => e.type === 'StateExited' && e.state === FAILOVER_REPORT_STATE && e.index === undefined && e.mapRun === undefined).at(-1);
    return Promise.resolve(exited ? reportOfStepOutput(exited.output) : undefined);
  };
}

/**
 * An execution's report in AWS, from GetExecutionHistory in the execution's own region (the DR region's: the primary
 * may be down), newest event first: the report step ran near the end. Needs `states:GetExecutionHistory` on the
 * failover's executions, which `lifeboat failover --aws` already reads to follow the run.
 */
export function awsFailoverReportReader(clientOf: (region: string) => SFNClient = (region) => new SFNClient(awsRequestSettings(region))): FailoverReportReader {
  return async (executionArn) => {
    const { region } = executionArnParts(executionArn);
    if (region === undefined) throw new Error(`${executionArn} is not an execution ARN`);
    const client = clientOf(region);
    try {
      const pages = paginateGetExecutionHistory({ client, pageSize: 100 }, { executionArn, reverseOrder: true, includeExecutionData: true });
      for await (const page of pages) {
        const exited = (page.events ?? []).find((e: SfnHistoryEvent) => e.type === 'TaskStateExited' && e.stateExitedEventDetails?.name === FAILOVER_REPORT_STATE);
        if (!exited) continue;
        const output = exited.stateExitedEventDetails?.output;
        return output === undefined ? undefined : reportOfStepOutput(JSON.parse(output) as unknown);
      }
      return undefined;
    } finally {
      client.destroy();
    }
  };
}

/** Where a person finds the full report when the CLI could not read it: the report step's output, by command and console. */
export function whereTheFullReportIs(executionId: string, aws: boolean, dataDir: string): string {
  if (!aws) {
    return `The full report (the table of the sources and what to do for each) is the output of the execution's "${FAILOVER_REPORT_STATE}" step, under "report": ` +
      `${executionsShowCommand(executionId, dataDir)} --json (its StateExited event of "${FAILOVER_REPORT_STATE}").`;
  }
  const parts = executionArnParts(executionId);
  const region = parts.region ?? '<DR region>';
  const machine = parts.stateMachine ?? '<prefix>-failover';
  return `The full report (the table of the sources and what to do for each) is the output of the execution's "${FAILOVER_REPORT_STATE}" step, under "report": ` +
    `aws stepfunctions get-execution-history --region ${region} --execution-arn ${executionId} --reverse-order (its TaskStateExited event of "${FAILOVER_REPORT_STATE}"), ` +
    `or the Step Functions console of ${region}: State machines → ${machine} → this execution → "${FAILOVER_REPORT_STATE}" → Output.`;
}
