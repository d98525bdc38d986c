import { FUNCTION_SIZING } from '../../lib/lifeboat-defaults';
import { PAGE_MAX_ENTRIES } from '../../vault';
import { shardsPerBatch } from '../../lambdas/backup/shard-batch-size';
import { childTransitions, parentTransitions } from './backup-run-states';
import { type RunMeasures } from './plan-measures';

/**
 * What one backup run asks of AWS, from its measured figures: the parts the catalog does not record
 * (requests, invocations, state transitions, KMS calls) follow from how the backup workflow is built
 * (lib/constructs/backup-workflow.ts) and how the vault lays out objects (docs/FORMAT.md). Every
 * constant here is listed, with its reason, in docs/COSTS.md "The model of a run".
 */

/** The vault's default pack size (vault/repository/vault.ts). */
export const PACK_BYTES = 16 * 1024 * 1024;
/** Invocations besides the Snapshot shard ones (one per child execution): acquire, plan, commit, replicate (one pass), release. */
export const SMALL_INVOCATIONS_PER_RUN = 5;
/** Assumed billed seconds of each small invocation (catalog items and a few objects; not recorded). */
export const SMALL_INVOCATION_SECONDS = 1;
/** Assumed rate of the replication function copying objects between regions (not recorded per run). */
export const REPLICATION_BYTES_PER_SECOND = 50 * 1024 * 1024;
/** Vault GETs per shard besides the index (the plan read from plans/, the parent manifest's pages, assumed 2) and per source (parent snapshot). */
export const VAULT_GETS_PER_SHARD = 2;
/** Index loads of a run besides the Snapshot shard containers': commit and replication each load the whole index once (vault/repository/vault.ts, loadIndex). */
export const INDEX_LOADS_OUTSIDE_SHARDS = 2;
/** S3 LIST returns at most this many keys per request. */
export const LIST_PAGE_KEYS = 1000;
/** Source LISTs of each S3 key: the planner lists the bucket, then each shard lists its own range again. */
export const SOURCE_LISTINGS_PER_RUN = 2;
/** DynamoDB strongly consistent reads: one read unit per 4 KiB scanned. */
export const READ_UNIT_BYTES = 4096;

/** What of the plan and its vault a run's requests depend on besides the run's measures. */
export type RunContext = {
  /** The plan's maxConcurrency: it sets the Snapshot shards map's batch size (shardsPerBatch, as the Plan step does) and bounds the containers that load the index. */
  maxConcurrency: number;
  /** Index objects in the vault (PlanMeasures.vaultIndexObjects): each index load GETs every one. */
  vaultIndexObjects: number;
};

const gb = (memoryMiB: number) => memoryMiB / 1024;
const memoryOf = (handler: string) => FUNCTION_SIZING[handler]?.memorySize ?? 1024;

export type RunRequests = {
  /** Objects the run writes to the primary vault: packs, an index object and a part per shard, manifest pages and a snapshot per source, the shard plan. */
  vaultPuts: number;
  /** GETs of the run other than index loads: per shard its plan and parent manifest pages, a parent snapshot per source. */
  vaultGets: number;
  /** Times the run loads the vault's whole index: each Snapshot shard container (at least min(children, maxConcurrency)), commit and replication. */
  indexLoads: number;
  /** GETs of index objects: index loads × index objects in the vault. */
  indexGets: number;
  /** LIST pages: each index load lists index/, and the planner lists the vault once. */
  vaultLists: number;
  /** Objects replication copies to the DR vault (the run's objects less its plan and parts): a GET from the primary and a PUT to the DR vault each. */
  replicationCopies: number;
  /** A GetObject per changed S3 object and a GetObjectTagging per unchanged one (tags change neither ETag nor LastModified). */
  sourceGets: number;
  sourceLists: number;
  dynamoDbReadUnits: number;
  /** Child executions of the Snapshot shards map: ⌈shards ÷ shardsPerBatch⌉, one Snapshot shard invocation each. */
  children: number;
  lambdaInvocations: number;
  lambdaGBSeconds: number;
  stateTransitions: number;
  kmsRequests: number;
  /** Bytes sent to the DR region: what the run stored (the DR vault receives the same packs, re-sealed). */
  crossRegionBytes: number;
};

export function runRequests(run: RunMeasures, context: RunContext): RunRequests {
  const packs = Math.ceil(run.bytesStored / PACK_BYTES);
  const manifestPages = Math.ceil(run.entries / PAGE_MAX_ENTRIES);
  const vaultObjects = packs + run.shards + manifestPages + run.sources;
  const replicationSeconds = Math.max(SMALL_INVOCATION_SECONDS, run.bytesStored / REPLICATION_BYTES_PER_SECOND);
  const shards = Math.ceil(run.shards);
  const children = Math.ceil(shards / shardsPerBatch(shards, context.maxConcurrency));
  // A warm container keeps its vault but forgets the index once per backup (lambdas/backup/snapshot-shard.ts): at least one load per container.
  const indexLoads = Math.min(children, context.maxConcurrency) + INDEX_LOADS_OUTSIDE_SHARDS;
  const indexObjects = Math.ceil(context.vaultIndexObjects);
  return {
    vaultPuts: vaultObjects + run.shards + 1,
    vaultGets: run.shards * VAULT_GETS_PER_SHARD + run.sources,
    indexLoads,
    indexGets: indexLoads * indexObjects,
    vaultLists: indexLoads * Math.max(1, Math.ceil(indexObjects / LIST_PAGE_KEYS)) + 1,
    replicationCopies: vaultObjects,
    // One per object: a GetObject for each changed one, a GetObjectTagging for each unchanged one (lambdas/sources/s3-object-entries.ts).
    // Not counted: the GetObjectTagging of a changed object that has tags.
    sourceGets: run.s3Entries,
    sourceLists: SOURCE_LISTINGS_PER_RUN * Math.ceil(run.s3Entries / LIST_PAGE_KEYS),
    dynamoDbReadUnits: Math.ceil(run.dynamoDbBytesScanned / READ_UNIT_BYTES),
    children,
    lambdaInvocations: SMALL_INVOCATIONS_PER_RUN + children,
    // Upper bound for the shards: each billed for the run's whole wall time (shards, not children: a child runs its batch's shards one after another).
    lambdaGBSeconds:
      run.shards * run.durationSeconds * gb(memoryOf('snapshot-shard')) +
      SMALL_INVOCATION_SECONDS * (2 * gb(memoryOf('backup-lock')) + gb(memoryOf('plan-backup')) + gb(memoryOf('commit-backup'))) +
      replicationSeconds * gb(memoryOf('replicate-backup')),
    // One planning round, one replication pass, one invocation per child (backup-run-states.ts).
    stateTransitions: parentTransitions(1, 1) + children * childTransitions(1),
    // One Decrypt of the vault's keys per invocation that opens a vault (plan, each child, commit; replication opens two),
    // and one S3 bucket key per writing invocation (children, commit, replication).
    kmsRequests: children + 4 + (children + 2),
    crossRegionBytes: run.bytesStored,
  };
}
