import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { type Construct } from 'constructs';
import { lifeboatTask } from './lifeboat-task';
import { type RestoreFunctions } from './restore-functions';

export type RestoreSourceChainProps = {
  /** The resolve step's payload: where the request and the restore id come from. */
  readonly resolvePayload: Record<string, unknown>;
  /** The restore shards' MaxConcurrency. */
  readonly maxConcurrency: number;
};

/**
 * The restore of one source: Validate and resolve → Plan restore shards → Restore shards (a Map of
 * Restore shard) → Verify restore, the verification report at `$.report`. The restore runbook runs
 * it once (request = its input); the drill and the failover once per source inside a Map (request
 * and restore id = the item). The caller adds what follows and the Catch of each step (`steps`).
 */
export function restoreSourceChain(scope: Construct, fns: RestoreFunctions, props: RestoreSourceChainProps) {
  const resolveTask = lifeboatTask(
    scope,
    'Validate and resolve',
    'Validates the request field by field, resolves the backup (by id, or the newest committed at or before pointInTime) in the chosen vault and checks that the target may and can receive it (the source itself only with overwrite). Writes nothing.',
    fns.resolve,
    '$.resolved',
    props.resolvePayload,
  );
  const planTask = lifeboatTask(scope, 'Plan restore shards', 'Reads the backup\'s manifest, prepares the target (creates the table or directory) and stores the shard plan in the vault under restore-plans/.', fns.plan, '$.plan', { 'resolved.$': '$.resolved' });
  const shardTask = lifeboatTask(scope, 'Restore shard', 'Restores one shard of the backup\'s entries into the target (objects, items or files) from the vault.', fns.shard, '$');
  const restoreShards = new sfn.Map(scope, 'Restore shards', {
    comment: 'Runs one Restore shard per entry of the restore plan, in parallel up to the plans\' largest maxConcurrency; any shard failing fails the restore.',
    itemsPath: '$.plan.shards',
    maxConcurrency: props.maxConcurrency,
    resultPath: '$.shardResults',
  }).itemProcessor(shardTask);
  const verifyTask = lifeboatTask(scope, 'Verify restore', 'Reads the restored target back and compares it with the backup\'s manifest, then sets the directories\' final modes and times; its report is the execution\'s output.', fns.verify, '$.report', { 'planKey.$': '$.plan.planKey' });
  const chain = resolveTask.next(planTask).next(restoreShards).next(verifyTask);
  return { chain, steps: [resolveTask, planTask, restoreShards, verifyTask] as const, last: verifyTask };
}
