import { FUNCTION_SIZING } from '../../lib/lifeboat-defaults';
import { PAGE_MAX_ENTRIES } from '../../vault';
import { type RunMeasures } from './plan-measures';

/**
 * What one backup run asks of AWS, from its measured figures: the parts the catalog does not record
 * (requests, invocations, state transitions, KMS calls) follow from how the backup workflow is built
 * (lib/constructs/backup-workflow.ts) and how the vault lays out objects (docs/FORMAT.md). Every
 * constant here is listed, with its reason, in docs/COSTS.md "The model of a run".
 */

/** The vault's default pack size (vault/repository/vault.ts). */
export const PACK_BYTES = 16 * 1024 * 1024;
/** States a successful run enters besides one "Snapshot shard" per shard: Acquire lock, Plan shards, the Map, Commit, Replicate, the Choice, Release lock, Succeed. */
export const TRANSITIONS_PER_RUN = 8;
/** Invocations besides the shards': acquire, plan, commit, replicate (one pass), release. */
export const SMALL_INVOCATIONS_PER_RUN = 5;
/** Assumed billed seconds of each small invocation (catalog items and a few objects; not recorded). */
export const SMALL_INVOCATION_SECONDS = 1;
/** Assumed rate of the replication function copying objects between regions (not recorded per run). */
export const REPLICATION_BYTES_PER_SECOND = 50 * 1024 * 1024;
/** Vault GETs per shard (the plan read from plans/, the parent manifest's pages, index objects) and per source (parent snapshot). */
export const VAULT_GETS_PER_SHARD = 3;
/** S3 LIST returns at most this many keys per request. */
export const LIST_PAGE_KEYS = 1000;
/** DynamoDB strongly consistent reads: one read unit per 4 KiB scanned. */
export const READ_UNIT_BYTES = 4096;

const gb = (memoryMiB: number) => memoryMiB / 1024;
const memoryOf = (handler: string) => FUNCTION_SIZING[handler]?.memorySize ?? 1024;

export type RunRequests = {
  /** Objects the run writes to the primary vault: packs, an index object and a part per shard, manifest pages and a snapshot per source, the shard plan. */
  vaultPuts: number;
  vaultGets: number;
  vaultLists: number;
  /** Objects replication copies to the DR vault (the run's objects less its plan and parts): a GET from the primary and a PUT to the DR vault each. */
  replicationCopies: number;
  sourceGets: number;
  sourceLists: number;
  dynamoDbReadUnits: number;
  lambdaInvocations: number;
  lambdaGBSeconds: number;
  stateTransitions: number;
  kmsRequests: number;
  /** Bytes sent to the DR region: what the run stored (the DR vault receives the same packs, re-sealed). */
  crossRegionBytes: number;
};

export function runRequests(run: RunMeasures): RunRequests {
  const packs = Math.ceil(run.bytesStored / PACK_BYTES);
  const manifestPages = Math.ceil(run.entries / PAGE_MAX_ENTRIES);
  const vaultObjects = packs + run.shards + manifestPages + run.sources;
  const replicationSeconds = Math.max(SMALL_INVOCATION_SECONDS, run.bytesStored / REPLICATION_BYTES_PER_SECOND);
  return {
    vaultPuts: vaultObjects + run.shards + 1,
    vaultGets: run.shards * VAULT_GETS_PER_SHARD + run.sources,
    vaultLists: run.shards + 1,
    replicationCopies: vaultObjects,
    sourceGets: run.s3EntriesRead,
    sourceLists: Math.ceil(run.s3Entries / LIST_PAGE_KEYS),
    dynamoDbReadUnits: Math.ceil(run.dynamoDbBytesScanned / READ_UNIT_BYTES),
    lambdaInvocations: SMALL_INVOCATIONS_PER_RUN + run.shards,
    // Upper bound for the shards: each billed for the run's whole wall time.
    lambdaGBSeconds:
      run.shards * run.durationSeconds * gb(memoryOf('snapshot-shard')) +
      SMALL_INVOCATION_SECONDS * (2 * gb(memoryOf('backup-lock')) + gb(memoryOf('plan-backup')) + gb(memoryOf('commit-backup'))) +
      replicationSeconds * gb(memoryOf('replicate-backup')),
    stateTransitions: TRANSITIONS_PER_RUN + run.shards,
    // One Decrypt of the vault's keys per invocation that opens a vault (plan, shards, commit; replication opens both),
    // and one S3 bucket key per writing invocation (shards, commit, replication).
    kmsRequests: run.shards + 4 + (run.shards + 2),
    crossRegionBytes: run.bytesStored,
  };
}
