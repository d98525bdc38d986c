/**
 * The states a successful backup run enters, by name, as lib/constructs/backup-workflow.ts builds the
 * workflow (with the input guard of logged-state-machine.ts in front). Step Functions bills a Standard
 * execution per state entered, and every Distributed Map child is a Standard execution of its own, so
 * the estimate (workload-model.ts) and the scale model (bench/scale-model.ts) count transitions from
 * these lists. test/unit/cli/estimate/backup-run-states.test.ts walks the synthesized definition and
 * fails when a state on the success path is added, removed or renamed without changing them.
 */
export const BACKUP_RUN_STATES = {
  /** Entered once a run: the input guard, the lease, the commit and the end. */
  once: ['Input as JSON text', 'Input is an object?', 'Acquire lock', 'Commit backup', 'Release lock', 'Backup committed'],
  /** The first planning round: plan, the shards' map, the Choice that commits when every source is listed. */
  firstPlanningRound: ['Plan shards', 'Snapshot shards', 'Every shard planned?'],
  /** Each further round of a listing too long for one planning invocation. */
  laterPlanningRound: ['Plan more shards', 'Snapshot shards', 'Every shard planned?'],
  /** Entered once a run, after the commit: the Pass that gives replication an empty resume state (33710b5f). */
  replicationStart: ['Start replication'],
  /** Each pass of replication (a big first copy takes more than one). */
  replicationPass: ['Replicate to DR vault', 'DR vault up to date?'],
  /** Per child execution (a batch of shards), each invocation of its batch: the Task and the Choice that re-invokes an unfinished batch. */
  childRound: ['Snapshot shard', 'Shards done?'],
  /** Per child execution, once: its Succeed. */
  childEnd: ['Shards stored'],
} as const;

/** Transitions of the parent execution: `planningRounds` ≥ 1, `replicationPasses` ≥ 1. */
export function parentTransitions(planningRounds: number, replicationPasses: number): number {
  const s = BACKUP_RUN_STATES;
  return s.once.length + s.firstPlanningRound.length + (planningRounds - 1) * s.laterPlanningRound.length + s.replicationStart.length + replicationPasses * s.replicationPass.length;
}

/** Transitions of one child execution whose batch takes `invocations` Snapshot shard calls. */
export function childTransitions(invocations: number): number {
  return invocations * BACKUP_RUN_STATES.childRound.length + BACKUP_RUN_STATES.childEnd.length;
}
