import { executionArnParts } from '../runtime/execution-arn';
import { type ApprovalRecord } from './approval-record';

/** Which catalog holds an approval: the primary region's or the DR region's (each runbook records it in its own region's). */
export type CatalogRegion = 'primary' | 'dr';

/**
 * Where an approval's execution runs, as an approver has to read it to tell two executions of one name
 * apart (Step Functions makes a name unique per state machine only): the region, named as `--region`
 * takes it and as AWS names it (from the execution ARN), and the runbook's state machine.
 * E.g. `DR region us-west-2, runbook lifeboat-dev-failover`.
 */
export function approvalPlace(region: CatalogRegion, record: Pick<ApprovalRecord, 'executionArn' | 'stateMachine'>): string {
  const awsRegion = executionArnParts(record.executionArn).region;
  return `${region === 'primary' ? 'primary' : 'DR'} region${awsRegion ? ` ${awsRegion}` : ''}, runbook ${record.stateMachine}`;
}
