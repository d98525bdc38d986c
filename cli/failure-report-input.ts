import { GetExecutionHistoryCommand, type HistoryEvent as SfnHistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { type HistoryEvent } from '../local/executor/execution-history';

/**
 * The input of a runbook's `Failure report` step (lib/constructs/logged-state-machine.ts), read from the execution's
 * history: the state its failure path reached, which keeps what the path caught beside the error, where the Fail
 * state's cause has the error alone. The restore runbook's holds `abandonError` when its cleanup step failed after its
 * retries (lib/constructs/restore-source-chain.ts), which the CLI must tell even when no step could write it into the
 * cause (review r60E F2: cli/restore-cleanup-failed.ts).
 */
export const FAILURE_REPORT_STATE = 'Failure report';

/** A local execution's: the last entry of the top-level step (a Map's or a child's events carry an index or a map run). */
export function failureReportInputOf(events: readonly HistoryEvent[]): unknown {
  return events.filter((e) => e.type === 'StateEntered' && e.state === FAILURE_REPORT_STATE && e.index === undefined && e.mapRun === undefined).at(-1)?.input;
}

/**
 * An execution's in AWS, newest event first (the step ran just before the Fail state): one page of GetExecutionHistory,
 * which the runner already calls to follow the run. Read once the execution has failed, so no poll can have missed it.
 * `abortSignal` ends a request in flight (an operator's Ctrl-C): left to its timeout, it held the process for its 20 s
 * after the command had written its outcome (review r64M F1).
 */
export async function failureReportInputInAws(sfn: SFNClient, executionArn: string, abortSignal?: AbortSignal): Promise<unknown> {
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, includeExecutionData: true, maxResults: 100, ...(token !== undefined ? { nextToken: token } : {}) }),
      abortSignal !== undefined ? { abortSignal } : {},
    );
    const entered = (page.events ?? []).find((e: SfnHistoryEvent) => e.type === 'PassStateEntered' && e.stateEnteredEventDetails?.name === FAILURE_REPORT_STATE);
    if (entered) {
      const input = entered.stateEnteredEventDetails?.input;
      return input === undefined ? undefined : (JSON.parse(input) as unknown);
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return undefined;
}
