import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { type Construct } from 'constructs';
import { type RestoreReportPlace } from '../../config/restore-report-in';
import { cleanupFailedNote } from '../../config/cleanup-failed-note';
import { lifeboatTask } from './lifeboat-task';
import { type RestoreFunctions } from './restore-functions';
import { VaultDistributedMap } from './vault-distributed-map';

/**
 * Where "Restore shards" reads its items and writes its results: a Distributed Map over the shard
 * manifest the plan step writes to the home vault, so a restore may have thousands of shards and none
 * of them travels in the state; the caller grants its reads and writes with
 * `distributedMap.grantVaultAccess(stateMachine, vaultKey)` once the state machine exists. The chain
 * is always at the top of its state machine: the runbook's, or the restore-source state machine the
 * drill and the failover start per source (restore-source-state-machine.ts).
 */
export type RestoreShardsMap = { readonly mode: 'distributed'; readonly vault: s3.IBucket; readonly vaultKey: kms.IKey };

export type RestoreSourceChainProps = {
  /** The resolve step's payload: where the request and the restore id come from. */
  readonly resolvePayload: Record<string, unknown>;
  readonly shards: RestoreShardsMap;
  /**
   * Where the verification report goes, which bounds its lists (lambdas/restore/restore-report-lists.ts): `parent-state`
   * for a drill's or failover's source, whose report is one item of the parent's `$.restored` beside every other
   * source's (review f58O).
   * @default 'execution-output': the runbook's, alone in its state
   */
  readonly reportIn?: RestoreReportPlace;
  /**
   * With `parent-state`: where the state holds how many sources the parent restores, whose reports share its state: each
   * report's lists take that share of a fixed total (config/parent-state-size.ts; review r58I F2).
   */
  readonly reportSourcesPath?: string;
};

/** Where the Distributed Map reads its items (the plan's shard manifest, restore-plans/<id>.shards.jsonl) and writes its map runs' results, in the home vault. */
export const RESTORE_SHARD_MANIFESTS = 'restore-plans/*';
export const RESTORE_MAP_RUNS_PREFIX = 'restore-plans/map-runs';

/**
 * The restore of one source: Validate and resolve → Plan restore shards → Restore shards (a Map of
 * Restore shard) → Verify restore, the verification report at `$.report`; with an archive tier in some plan, a
 * Thaw archived packs ⇄ Wait for thaws loop between planning and the shards. The restore runbook runs
 * it once (request = its input); the restore-source state machine once per source of a drill or a
 * failover (request and restore id = its input). The caller adds what follows and the Catch of each
 * step (`steps`), into `failurePath(its failure report)`.
 */
export function restoreSourceChain(scope: Construct, fns: RestoreFunctions, props: RestoreSourceChainProps) {
  const resolveTask = lifeboatTask(
    scope,
    'Validate and resolve',
    'Validates the request field by field, resolves the backup (by id, or the newest committed at or before pointInTime) in the chosen vault and checks that the target may and can receive it (the source itself only with overwrite). Writes only a pin on the backup record in the catalog (docs/RUNBOOKS.md, "Running restores").',
    fns.resolve,
    '$.resolved',
    props.resolvePayload,
  );
  const planTask = lifeboatTask(
    scope,
    'Plan restore shards',
    'Reads the backup\'s manifest, prepares the target (creates the table or directory) and stores the shard plan and its shard manifest (one line per shard) in the vault under restore-plans/.',
    fns.plan,
    '$.plan',
    { 'resolved.$': '$.resolved', shardMap: props.shards.mode },
  );
  const shardTask = lifeboatTask(
    scope,
    'Restore shard',
    'Restores a batch of shards of the plan, one after the other, into the target (objects, items or files) from the vault; reads back what each wrote (objects and files against the manifest, a table\'s items by key) and records what it found beside the plan (restore-plans/<id>.checks/); stops in time before the Lambda timeout and reports done=false with a cursor when more is left.',
    fns.shard,
    '$',
  );
  const shards = props.shards;
  const distributedMap = new VaultDistributedMap(scope, 'Restore shards', {
    comment:
      'Runs Restore shard over the plan\'s shard manifest in the vault, plan.shardsPerBatch shards per child execution and at most plan.maxConcurrency children at a time; any shard failing fails the restore. The map run\'s results go to the vault under restore-plans/map-runs/.',
    vault: shards.vault,
    vaultKey: shards.vaultKey,
    itemsKeyPath: '$.plan.shardManifestKey',
    itemsKeyPattern: RESTORE_SHARD_MANIFESTS,
    resultPrefix: RESTORE_MAP_RUNS_PREFIX,
    batchInput: { 'restoreId.$': '$.plan.restoreId', 'planKey.$': '$.plan.planKey' },
    itemsPerBatchPath: '$.plan.shardsPerBatch',
    maxConcurrencyPath: '$.plan.maxConcurrency',
    resultPath: '$.shardResults',
  });
  // A DynamoDB shard slowed by its write budget or throttling may need more than one Lambda run: near its deadline it stops
  // after a completed BatchWriteItem batch and answers done=false with the batch and a cursor, which replace the state, so
  // the task called again carries on from there (lambdas/restore/restore-shard.ts, "Resumable"); it fails past 64 calls.
  const shardDone = new sfn.Choice(scope, 'Restore shards done?', { comment: 'Ends the child execution when every shard of its batch is restored and checked; otherwise runs Restore shard again with its answer, which carries the cursor where it stopped.' })
    .when(sfn.Condition.booleanEquals('$.done', false), shardTask)
    .otherwise(new sfn.Succeed(scope, 'Restore shards restored', { comment: 'Every shard of the batch is written into the target and its check record stored.' }));
  const restoreShards = distributedMap.itemProcessor(shardTask.next(shardDone));
  // Storage tiers: with an archive tier in some plan, the archived packs the restore reads are thawed first, in a
  // Wait loop (no Lambda runs while S3 thaws): Thaw → pending? → Wait → Thaw … → Restore shards.
  let thawTask: sfn.TaskStateBase | undefined;
  let afterPlan: sfn.IChainable = restoreShards;
  if (fns.thaw) {
    thawTask = lifeboatTask(
      scope,
      'Thaw archived packs',
      'Finds the packs the restore reads, asks S3 to thaw (RestoreObject) those in an archive storage class that are not readable yet, and counts the thaws still pending.',
      fns.thaw,
      '$.thaw',
      { 'planKey.$': '$.plan.planKey' },
    );
    const wait = new sfn.Wait(scope, 'Wait for thaws', {
      comment: 'S3 thaws archived objects in minutes (Expedited) to hours (Standard, Bulk); nothing runs while the execution waits, then Thaw archived packs looks again.',
      time: sfn.WaitTime.secondsPath('$.thaw.waitSeconds'),
    });
    const thawed = new sfn.Choice(scope, 'Packs thawed?', { comment: 'Restores once no thaw is pending; otherwise waits and looks again.' })
      .when(sfn.Condition.numberGreaterThan('$.thaw.pending', 0), wait.next(thawTask))
      .otherwise(restoreShards);
    afterPlan = thawTask.next(thawed);
  }
  const verifyTask = lifeboatTask(scope, 'Verify restore', 'Puts entries restored in pieces in place and sets the directories\' final modes and times, then checks the target against the backup\'s manifest: the shards\' check records (every shard must have one; each shard read back its objects, files or items), the directories and pieced entries read back here; its report is the execution\'s output.', fns.verify, '$.report', {
    'planKey.$': '$.plan.planKey',
    ...(props.reportIn !== undefined ? { reportIn: props.reportIn } : {}),
    ...(props.reportSourcesPath !== undefined ? { 'reportSources.$': props.reportSourcesPath } : {}),
  });
  restoreShards.next(verifyTask);
  resolveTask.next(planTask).next(afterPlan);
  // One chain from resolve to verify, through the thaw loop when there is one: the caller appends what follows verify.
  const chain = sfn.Chain.custom(resolveTask, verifyTask.endStates, verifyTask);
  /**
   * The failure path, caught with `resultPath: '$.error'`: a restore that got as far as its plan is
   * abandoned first (abandon-restore.ts: its entries restored in pieces leave no multipart upload and
   * no piece file), one that did not has its claim and pin released (release-unplanned-restore.ts), then
   * `next` reports the caught error. A failure of either step itself is kept beside it (`$.abandonError`)
   * and never replaces the error that stopped the restore. Either step gives the caught error back bounded
   * (lambdas/restore/bounded-failure.ts: its message cut to 2,000 characters, the stack trace dropped), which
   * replaces `$.error`: a drill's or failover's Map keeps one per failed source within 256 KiB. A step that failed
   * after its retries (throttled, timed out, crashed) gave nothing back, so `Bound restore's error` bounds it alone,
   * its message saying the cleanup failed (config/cleanup-failed-note.ts: what may be left, and that the claim refuses a new
   * restore into the target until it lapses; review r59K F3), as a cleanup that failed for good says it. If that fails
   * too, a parent's child (`reportIn: 'parent-state'`) puts a fixed cause in its place, saying so: no path reaches `next`
   * with the error whole (review r59A F1: 30 whole causes of ~30 KiB ended a drill States.DataLimitExceeded, its scratch
   * targets and pins left). The runbook's state holds its one error, which it had held whole already: it keeps it,
   * its message not lost to a fixed text (review r59K F2).
   */
  const failurePath = (next: sfn.IChainable): sfn.IChainable => {
    const boundAlone = lifeboatTask(
      scope,
      'Bound restore\'s error',
      'The cleanup step failed after its retries and gave no bounded copy of the caught error back: this only cuts the error\'s message to 2,000 characters, drops its stack trace and says that the cleanup failed and what it may have left (the same function, given the error alone; no I/O).',
      fns.abandon,
      '$.bounded',
      { 'error.$': '$.error', 'cleanupError.$': '$.abandonError.Error' },
    );
    boundAlone.next(boundedError(scope, 'Bounded restore\'s error', '$.bounded.failure')).next(next);
    if (props.reportIn === 'parent-state') {
      // Without even that, the error's name stays and the cause is a fixed text: whole, it could be 32 KiB (review r59A F1).
      const unbounded = new sfn.Pass(scope, 'Restore\'s error not bounded', {
        comment: 'Neither the cleanup step nor Bound restore\'s error could cut the caught error: its name stays, its cause is replaced by a fixed text, so that many failed sources still fit in a parent\'s state.',
        parameters: { 'Error.$': '$.error.Error', Cause: UNBOUNDED_CAUSE },
        resultPath: '$.error',
      });
      boundAlone.addCatch(unbounded, { errors: ['States.ALL'], resultPath: '$.boundError' });
      unbounded.next(next);
    } else {
      boundAlone.addCatch(next, { errors: ['States.ALL'], resultPath: '$.boundError' });
    }
    const abandon = lifeboatTask(
      scope,
      'Abandon restore',
      'Aborts the multipart uploads and removes the piece files of the entries the plan restores in pieces, which only Verify restore would have put in place; objects, items and files already written stay.',
      fns.abandon,
      '$.abandoned',
      { 'planKey.$': '$.plan.planKey', 'error.$': '$.error' },
    );
    abandon.addCatch(boundAlone, { errors: ['States.ALL'], resultPath: '$.abandonError' });
    abandon.next(boundedError(scope, 'Abandoned restore\'s error', '$.abandoned.failure')).next(next);
    // Review 42c F2: a resolve whose retries ran out, that timed out or crashed, kept its claim and pin for its retry;
    // nothing else ends them (release-unplanned-restore.ts). The execution is ending: no invocation of it still needs them.
    const release = lifeboatTask(
      scope,
      'Release restore',
      'Removes the restore\'s claim on its target and its pin on the backup, which a resolve step that failed for good after its retries, timed out or crashed left: other restores into the target are refused while the claim stands.',
      fns.abandon,
      '$.released',
      { ...props.resolvePayload, 'error.$': '$.error' },
    );
    release.addCatch(boundAlone, { errors: ['States.ALL'], resultPath: '$.abandonError' });
    release.next(boundedError(scope, 'Released restore\'s error', '$.released.failure')).next(next);
    // IsPresent true, never false: the one form both Step Functions and the local executor evaluate alike (restore-workflow.ts).
    return new sfn.Choice(scope, 'Restore planned?', { comment: 'A restore that failed after its plan was stored is abandoned; one that failed before only releases its claim and pin.' })
      .when(sfn.Condition.isPresent('$.plan.planKey'), abandon)
      .otherwise(release);
  };
  return { chain, steps: [resolveTask, planTask, ...(thawTask ? [thawTask] : []), restoreShards, verifyTask], last: verifyTask, distributedMap, failurePath };
}

/**
 * The cause of a drill's or failover's failed restore whose caught error no step could bound (its cleanup and Bound
 * restore's error both failed after their retries): the execution's history keeps the whole error, at the step that
 * failed; the cleanup's failure is said as on every other path (review r59K F3).
 */
export const UNBOUNDED_CAUSE =
  'The restore failed, and its error could not be cut to fit here: Bound restore\'s error failed (the restore\'s execution keeps why, at boundError). That execution\'s history has the whole error, at the step that failed. ' +
  cleanupFailedNote('its error is in that execution, at abandonError');

/** A Pass that puts the cleanup step's bounded copy of the caught error (at `path`) in `$.error`'s place. */
function boundedError(scope: Construct, name: string, path: string): sfn.Pass {
  return new sfn.Pass(scope, name, {
    comment: 'Replaces the caught error with the bounded copy the cleanup step gave back (its message cut to 2,000 characters, no stack trace), so that many failed sources fit in a parent\'s state.',
    parameters: { 'Error.$': `${path}.Error`, 'Cause.$': `${path}.Cause` },
    resultPath: '$.error',
  });
}
