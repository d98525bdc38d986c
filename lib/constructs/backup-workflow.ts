import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ARCHIVE_RESTORE_TIMEOUT, WORKFLOW_TIMEOUT } from '../lifeboat-defaults';
import { ownedBy, sourceBucketAccount } from './bucket-owner-condition';
import { BACKUP_RECORD_PARTITIONS, catalogPartitionStatement, FORMAT_MARKER_PARTITION, PLAN_LEASE_PARTITIONS, SCRUB_RUNS_PARTITION, SOURCE_INDEX_PARTITIONS } from './catalog-partition-grant';
import { type FileSystemAccess, type FileSystemMount } from './file-system-mount';
import { LifeboatFunction } from './lifeboat-function';
import { type LifeboatPlan } from './lifeboat-plan';
import { lifeboatTask } from './lifeboat-task';
import { retryTransientErrors } from './workflow-errors';
import { loggedStateMachine } from './logged-state-machine';
import { REPLICATED_PARTITIONS } from './catalog-table';
import { replicaCatalogAccess, type ReplicaCatalogLocation } from './replica-catalog-location';
import { replicaVaultAccess, type ReplicaVaultLocation } from './replica-vault-location';
import { type LifeboatVaultImmutability } from './lifeboat-vault';
import { grantSourceRead, inventoryObjectsArn, sourceObjectsArn } from './source-access';
import { acknowledgeDistributedMapWildcards, acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { validatePlans } from './validated-plans';
import { VaultDistributedMap } from './vault-distributed-map';
import { createOnlyPutStatements, lockBoundRoleStatements } from './vault-bucket-protection';

export type BackupWorkflowProps = {
  /** Names the protection in catalog records and logs (the functions' LIFEBOAT_ENVIRONMENT). */
  readonly environmentName: string;
  /** Physical name of the state machine; its log group is `/aws/vendedlogs/states/<name>`. */
  readonly stateMachineName: string;
  /** What to back up; the functions receive the plans as LIFEBOAT_PLANS. */
  readonly plans: readonly LifeboatPlan[];
  /** The primary vault (LifeboatVault's bucket) and its KMS key. */
  readonly vault: s3.IBucket;
  readonly vaultKey: kms.IKey;
  /** The DR vault every committed backup is copied into. */
  readonly drVault: ReplicaVaultLocation;
  /** The catalog (CatalogTable's table) and its KMS key. */
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
  /**
   * The DR region's catalog: the Replicate step writes every backup it copied into it, so the DR region can
   * restore with the primary region down (docs/ARCHITECTURE.md, "the DR region stands alone").
   * @default none: only the DR vault is written
   */
  readonly drCatalog?: ReplicaCatalogLocation;
  /**
   * The EFS mount of the file-system sources: the plan and snapshot functions mount it read-only.
   * @default no file system: no function mounts one or runs in a VPC
   */
  readonly fileSystem?: FileSystemMount;
  /**
   * The vaults' Object Lock: commit extends the retention of what a new backup references in the
   * primary vault, replicate the same in the DR vault (LIFEBOAT_IMMUTABILITY).
   * @default no Object Lock: no retention is extended
   */
  readonly immutability?: LifeboatVaultImmutability;
};

/**
 * The backup workflow: acquire lock → plan shards → Map(snapshot shard) → commit → replicate to the DR
 * vault (looping while a big first copy needs more than one Lambda run, and, when some plan has an archive
 * tier, waiting while thaws of archived primary packs run) → release lock,
 * with Retry on transient errors and a Catch that records the failure in the catalog and releases
 * the lock. Payloads stay small: the shard plan is
 * stored in the vault and only its key and shard indexes travel between states.
 */
export class BackupWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<'lock' | 'plan' | 'snapshot' | 'commit' | 'replicate' | 'recordFailure', LifeboatFunction>;

  constructor(scope: Construct, id: string, props: BackupWorkflowProps) {
    super(scope, id);
    const { plans, sources } = validatePlans(this, 'BackupWorkflow', { plans: props.plans });
    const stack = Stack.of(this);
    const common = {
      LIFEBOAT_ENVIRONMENT: props.environmentName,
      VAULT_BUCKET: props.vault.bucketName,
      CATALOG_TABLE: props.catalog.tableName,
      // Plans travel as config in the environment, so a deployed function needs nothing else to plan a backup.
      // As a JSON string CloudFormation completes: bucket and table names may be tokens.
      LIFEBOAT_PLANS: stack.toJsonString(plans),
    };
    const files = (access: FileSystemAccess) => (props.fileSystem ? { files: { mount: props.fileSystem, access } } : {});

    // The functions that open the vault find its KMS key here (in AWS; the local executor uses a key file).
    const withVault = { ...common, VAULT_KEY_ARN: props.vaultKey.keyArn };
    const lock = new LifeboatFunction(this, 'BackupLock', { handler: 'backup-lock', environment: common });
    // Plan lists the source directories to cut shards, the shards read them: both mount the file system read-only (when configured).
    const plan = new LifeboatFunction(this, 'PlanBackup', { handler: 'plan-backup', environment: withVault, ...files('read') });
    const snapshot = new LifeboatFunction(this, 'SnapshotShard', { handler: 'snapshot-shard', environment: withVault, ...files('read') });
    // As JSON, read by runtimeConfigFromEnv; only the functions that extend retention get it.
    const immutability: Record<string, string> = props.immutability ? { LIFEBOAT_IMMUTABILITY: JSON.stringify({ mode: props.immutability.mode, days: props.immutability.days }) } : {};
    const commit = new LifeboatFunction(this, 'CommitBackup', { handler: 'commit-backup', environment: { ...withVault, ...immutability } });
    // The vault key: the step opens the vault to read whose snapshot a commit marker names before deleting it.
    const recordFailure = new LifeboatFunction(this, 'RecordBackupFailure', {
      handler: 'record-backup-failure',
      environment: withVault,
    });
    // Replicate: the primary vault's objects into the DR vault (other region, other stack: named, its key by ARN).
    const dr = props.drVault;
    const drAccess = replicaVaultAccess(dr);
    const drCatalog = props.drCatalog ? replicaCatalogAccess(stack, props.drCatalog) : undefined;
    const replicate = new LifeboatFunction(this, 'ReplicateBackup', {
      handler: 'replicate-backup',
      environment: {
        ...withVault,
        ...drAccess.environment,
        ...(drCatalog ? drCatalog.environment : {}),
        ...immutability,
      },
    });
    this.functions = { lock, plan, snapshot, commit, replicate, recordFailure };

    // Least privilege, per function: exact object actions on exact key prefixes of the vault
    // (docs/FORMAT.md §1 plus the workflow's plans/ and parts/, docs/ARCHITECTURE.md).
    const vault = props.vault;
    // Writes of objects that are written once (docs/FORMAT.md §1) are create-only (createOnlyPutStatements): their writers
    // send If-None-Match: * (S3VaultStore.put for keys/, data/, index/, manifest/, snapshots/; putIfAbsent for config), so a
    // role may add them but not replace one that exists. Multipart parts only where S3VaultStore may upload in parts
    // (objects of 16 MiB or more: packs, and the largest index objects and manifest pages); `config` and key objects are small.
    // Plan: opens the vault, creating it on first use (config with putIfAbsent, a key object), and stores the plan
    // (plans/ is rewritten as planning goes on: no condition there).
    grantVaultObjects(plan, vault, ['s3:GetObject'], ['config', 'keys/*']);
    grantCreateOnly(plan, vault, VAULT_OPENING_KEYS, { multipart: false });
    grantVaultObjects(plan, vault, ['s3:PutObject'], ['plans/*']);
    // Snapshot shard: reads the plan, the index (less the packs prune condemned: prune/*) and the parent's manifest; uploads packs, indexes, manifest pages and its part.
    // parts/*: a resumable shard reads its own cursor, segments and final part (lambdas/backup/snapshot-shard.ts), and rewrites its cursor.
    grantVaultObjects(snapshot, vault, ['s3:GetObject'], ['config', 'keys/*', 'plans/*', 'parts/*', 'index/*', 'manifest/*', 'snapshots/*', 'prune/*']);
    grantCreateOnly(snapshot, vault, ['data/*', 'index/*', 'manifest/*'], { multipart: true });
    grantVaultObjects(snapshot, vault, ['s3:PutObject'], ['parts/*']);
    // ... but not the commit markers (parts/<id>/committed/*, no shard key has that shape): a marker names the snapshot a
    // commit reuses and a failed run's cleanup deletes, and the shard is the role that parses untrusted source data (audit a2 F2).
    snapshot.addToRolePolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['s3:PutObject'], resources: [vault.arnForObjects(COMMITTED_SOURCES)] }));
    // PutObjectTagging: a PutObject with Tagging needs it; each pack carries its plan's tier tag (lifecycle rules, "Storage tiers").
    grantVaultObjects(snapshot, vault, ['s3:PutObjectTagging', 's3:AbortMultipartUpload'], ['data/*']);
    // Commit: merges parts into manifests and writes snapshots (after checking prune's grace: prune/*); remembers each committed
    // source at parts/<backupId>/committed/<source>.json (its only write and delete under parts/), and if it fails for good
    // removes the snapshot objects it wrote (commit-backup.ts, forgetSnapshots). Those are named by their hash, like every
    // committed snapshot, and S3 offers no condition that tells them apart (DeleteObject has no s3:ExistingObjectTag key):
    // the delete stays on snapshots/*, where in the versioned vault it can only hide a snapshot behind a delete marker
    // (docs/SECURITY.md, "Immutable objects"); the create-only writes keep it from replacing one.
    grantVaultObjects(commit, vault, ['s3:GetObject'], ['config', 'keys/*', 'plans/*', 'parts/*', 'manifest/*', 'snapshots/*', 'prune/*']);
    grantCreateOnly(commit, vault, ['manifest/*', 'snapshots/*'], { multipart: true });
    grantVaultObjects(commit, vault, ['s3:PutObject', 's3:DeleteObject'], [COMMITTED_SOURCES]);
    grantVaultObjects(commit, vault, ['s3:DeleteObject'], ['snapshots/*']);
    // Replicate: reads every committed object kind of the primary; writes them, the config and its own key object into the DR vault.
    const drVaultArn = `arn:${stack.partition}:s3:::${dr.bucketName}`;
    const drObjects = (keys: readonly string[]) => keys.map((k) => `${drVaultArn}/${k}`);
    grantVaultObjects(replicate, vault, ['s3:GetObject'], ['config', 'keys/*', ...REPLICATED_PREFIXES]);
    // index/*: every pass copies by reference what the copied snapshots need, reading the DR vault's index (lambdas/replication/vault-references.ts).
    // prune/running/*: read only, to tell whether a DR prune runs that may delete what new snapshots reuse (replica-prune-wait.ts).
    replicate.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: drObjects(['config', 'keys/*', 'index/*', 'prune/running/*']) }));
    // Everything replication writes into the DR vault is written once (replicate-vault.ts: config only where absent, the
    // rest by S3VaultStore.put): create-only, as the DR vault's own bucket policy demands of a DR account of its own.
    for (const statement of createOnlyPutStatements(drObjects([...VAULT_OPENING_KEYS, ...REPLICATED_PREFIXES]), { multipart: true })) replicate.addToRolePolicy(statement);
    // Big packs are copied in parts; an interrupted copy aborts its upload. Copied packs carry the plan's tier tag (PutObject with Tagging).
    replicate.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:AbortMultipartUpload', 's3:PutObjectTagging'], resources: drObjects(['data/*']) }));
    replicate.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [drVaultArn] }));
    // Storage tiers: with an archive tier in some plan, packs the DR vault lacks may be archived in the primary; the
    // step thaws them (RestoreObject: a temporary readable copy, packs only) and the workflow waits (below).
    const thawsPrimaryPacks = plans.some((p) => p.storage?.archive !== undefined);
    if (thawsPrimaryPacks) grantVaultObjects(replicate, vault, ['s3:RestoreObject'], ['data/*']);
    if (props.immutability) {
      // Object Lock (docs/ARCHITECTURE.md): commit HEADs every object the new backup references (it reads the
      // indexes to find them) and extends the retention of those retained too briefly; replicate the same in the
      // DR vault. Retention only: no legal hold placed (hold/release run with an operator's credentials), no bypass.
      grantVaultObjects(commit, vault, ['s3:GetObject'], ['data/*', 'index/*']);
      grantVaultObjects(commit, vault, ['s3:GetObjectRetention', 's3:PutObjectRetention'], RETAINED_KEYS);
      // A commit that fails for good deletes the snapshots it wrote (forgetSnapshots): the HEAD before each delete shows a
      // legal hold only to a role allowed to read it, and without it a held snapshot would be hidden behind a delete
      // marker instead of kept (S3VaultStore.delete), as for Record failure below (audit d6-2). Their retention it reads above.
      grantVaultObjects(commit, vault, ['s3:GetObjectLegalHold'], ['snapshots/*']);
      replicate.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectRetention', 's3:PutObjectRetention'], resources: drObjects(REPLICATED_PREFIXES) }));
      // Which DR index objects a pending DR prune condemned, so that their retention is not extended for ever
      // (snapshot-locks.ts, audit i7-1): the DR vault's prune batches, read only (review r17 F1: without it every pass
      // failed with AccessDenied on AWS once a DR prune had condemned anything).
      replicate.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: drObjects(['prune/condemned/*']) }));
      // The DR vault's own config and keys (replication copies neither: the DR vault has its own key).
      replicate.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObjectRetention', 's3:PutObjectRetention'], resources: drObjects(VAULT_OPENING_KEYS) }));
      // An object written before Object Lock was turned on has no mode to keep: the bucket's default mode is read for it.
      commit.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketObjectLockConfiguration'], resources: [vault.bucketArn] }));
      replicate.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketObjectLockConfiguration'], resources: [drVaultArn] }));
      // No longer than commit and replication ever ask for, and no event hold, whatever the grants above allow: a DR vault
      // of another account bounds the primary's roles in its own policy, but the vaults' own account had no bound (audit a61A F3).
      for (const statement of lockBoundRoleStatements([vault.arnForObjects('*')], props.immutability)) commit.addToRolePolicy(statement);
      for (const statement of lockBoundRoleStatements(drObjects(['*']), props.immutability)) replicate.addToRolePolicy(statement);
    }
    // The DR key: Encrypt wraps the vault key, Decrypt checks an existing
    // wrapped key and reads the DR vault's SSE-KMS objects, GenerateDataKey encrypts what it writes there.
    replicate.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [dr.keyArn],
      }),
    );
    // Replicate records copies.dr of the backups it copied (markCopied), on their records only: on the whole table it
    // could rewrite any item, a backup record's legal hold or a restore target's claim (audit a57E-1).
    replicate.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:UpdateItem'], [BACKUP_RECORD_PARTITIONS]));
    // The run's backup and its plan's others in the primary catalog (getBackup, then listBackupsOfPlan: byPlan), read on
    // every run, with a DR catalog or without. The Query is on the index, which the table's statement does not reach; the
    // DR catalog's byPlan is where it finds the plan's backups already there.
    replicate.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem'], [BACKUP_RECORD_PARTITIONS]));
    replicate.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.catalog.tableArn}/index/byPlan`, ...(drCatalog ? [drCatalog.byPlanIndexArn] : [])] }));
    if (props.drCatalog && drCatalog) {
      // The DR catalog: the records and index items it lacks (putRebuiltBackup, a conditional PutItem of BACKUP#;
      // indexCommittedBackup, PutItem of SOURCE#), those partitions only, as the DR catalog's resource policy allows
      // another account (review r58J F2: on the whole table it could put a failover grant the DR region's restores honour).
      replicate.addToRolePolicy(catalogPartitionStatement(drCatalog, ['dynamodb:PutItem'], REPLICATED_PARTITIONS));
      replicate.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.drCatalog.keyArn],
        }),
      );
    }
    for (const fn of [plan, snapshot, commit, replicate]) {
      // ListBucket: the vault lists keys/ and index/; and without it S3 answers a missing key with 403
      // instead of 404, which the vault needs to tell "absent" from "forbidden" (config before init, a part not written).
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.vault.bucketArn] }));
      // The vault CMK: GenerateDataKey wraps a new vault key and encrypts objects (SSE-KMS); Decrypt unwraps and reads.
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.vaultKey.keyArn] }));
    }
    for (const fn of [lock, plan, commit, replicate, recordFailure]) props.catalogKey.grantEncryptDecrypt(fn);
    // Acquire is a conditional Put (GetItem names the holder when it fails); release a conditional Delete. The plans'
    // leases only: on the whole table the lock's role could delete or replace a backup record (its legal hold and pins),
    // read the approvals' task tokens or drop a restore target's claim (audit a57E-1).
    lock.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'], [PLAN_LEASE_PARTITIONS]));
    // Plan: parents by strategy (Query of a source's index items, GetItem of records), the RUNNING record (PutItem), then
    // its first manifest's shard count (a conditional UpdateItem, recordPlannedShards: no more than the PutItem allows).
    // Each on its own partitions, as the lock's (audit a57E-1): no role of the workflow reaches the approvals' task
    // tokens, restore targets' claims or another item kind (calls recorded and simulated in failed-backup-deleters.test.ts).
    plan.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], [BACKUP_RECORD_PARTITIONS]));
    plan.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:Query'], [SOURCE_INDEX_PARTITIONS]));
    // The catalog format marker, raised before the record (markDeployedFormat): a conditional UpdateItem, and GetItem
    // for the format that stands when the condition fails (every run after the first).
    plan.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:UpdateItem', 'dynamodb:GetItem'], [FORMAT_MARKER_PARTITION]));
    // The latest scrub record (a Query of SCRUB#RUNS, read only): the packs it holds lost, which the shards' writers leave
    // out of their dedup (lambdas/backup/scrub-lost-packs.ts, fix f58R).
    plan.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:Query'], [SCRUB_RUNS_PARTITION], 'exact'));
    // Commit: reads the RUNNING record, writes the per-source index items (PutItem), then RUNNING → COMMITTED; a failed
    // commit reads the record before deleting its snapshots. Table ARN only: no index is queried. No PutItem on records.
    commit.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:UpdateItem', 'dynamodb:GetItem'], [BACKUP_RECORD_PARTITIONS]));
    commit.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:PutItem'], [SOURCE_INDEX_PARTITIONS]));
    // Record failure: marks the record FAILED (or its DR copy FAILED) and reads it before deleting its snapshots.
    recordFailure.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:UpdateItem', 'dynamodb:GetItem'], [BACKUP_RECORD_PARTITIONS]));
    // Once FAILED, the snapshots its commit wrote go (record-backup-failure.ts): it lists and reads the backup's commit
    // markers (SSE-KMS: Decrypt), deletes them and the snapshots they name, each only once its own record (opened with
    // the vault's keys: config, keys/*) says it is this backup's; a marker is no proof (audit a2 F2).
    grantVaultObjects(recordFailure, vault, ['s3:GetObject', 's3:DeleteObject'], [COMMITTED_SOURCES]);
    grantVaultObjects(recordFailure, vault, ['s3:GetObject', 's3:DeleteObject'], ['snapshots/*']);
    grantVaultObjects(recordFailure, vault, ['s3:GetObject'], VAULT_OPENING_KEYS);
    // Object Lock: the HEAD before each delete shows a retention or legal hold only to a role allowed to read them; without
    // them a retained snapshot would be hidden behind a delete marker instead of kept (S3VaultStore.delete).
    if (props.immutability) grantVaultObjects(recordFailure, vault, LOCK_READ_ACTIONS, ['snapshots/*']);
    recordFailure.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.vault.bucketArn] }));
    recordFailure.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.vaultKey.keyArn] }));
    grantSourceRead(plan, sources, 'list');
    // Planned from an inventory report, an object above the shard budget is split by its ETag and size of now, so the
    // planner sends it one HeadObject, which needs s3:GetObject (no KMS: a HEAD decrypts nothing). Sources planned by LIST get none.
    for (const source of sources) {
      if (source.config.type !== 's3' || !source.config.inventory) continue;
      plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [sourceObjectsArn(source)], conditions: ownedBy(sourceBucketAccount(stack, source)) }));
    }
    grantSourceRead(snapshot, sources, 'read');

    const acquireTask = lifeboatTask(this, 'Acquire lock', 'Takes the plan\'s lease in the catalog (a conditional write), so no two runs of one plan overlap; fails at once when another run holds it.', lock, '$.lock', { action: 'acquire', 'request.$': '$', 'execution.$': '$$.Execution.Id' });
    const planTask = lifeboatTask(this, 'Plan shards', 'Opens the vault (creating it on the first backup), chooses the parent backup by strategy, records the backup as RUNNING and stores the shard plan in the vault under plans/.', plan, '$.backup');
    // A shard may need more than one Lambda run (a big key range, a slow table): it stops in time, keeps a cursor in the vault
    // and answers done=false; its child execution runs it again until it is done (lambdas/backup/snapshot-shard.ts).
    const snapshotTask = lifeboatTask(this, 'Snapshot shard', 'Reads a batch of shards of a source (key ranges, table segments or directory subtrees), stores their new chunks in packs and writes each shard\'s part of the manifest under parts/; stops in time before the Lambda timeout and reports done=false when more is left.', snapshot, '$.shard', {
      'BatchInput.$': '$.BatchInput',
      'Items.$': '$.Items',
    });
    const shardDone = new sfn.Choice(this, 'Shards done?', { comment: 'Ends the child execution when every shard of its batch is stored; otherwise runs Snapshot shard again, which carries on from each shard\'s cursor.' })
      .when(sfn.Condition.booleanEquals('$.shard.done', true), new sfn.Succeed(this, 'Shards stored', { comment: 'Every shard of the batch has its part under parts/.' }))
      .otherwise(snapshotTask);
    const snapshotShards = new VaultDistributedMap(this, 'Snapshot shards', {
      comment: 'Runs Snapshot shard over the shards this planning step wrote (a JSON Lines manifest under plans/, read from the vault, never passed in the state), in batches, at most the plan\'s maxConcurrency at a time; any failed shard fails the backup.',
      vault: props.vault,
      vaultKey: props.vaultKey,
      itemsKeyPath: '$.backup.shardManifestKey',
      itemsKeyPattern: 'plans/*',
      resultPrefix: SHARD_MAP_RESULT_PREFIX,
      batchInput: { 'backupId.$': '$.backup.backupId', 'planKey.$': '$.backup.planKey' },
      itemsPerBatchPath: '$.backup.shardsPerBatch',
      // Each plan bounds its own fan-out (maxConcurrency in lifeboat.config.json); the plan step passes it on.
      maxConcurrencyPath: '$.backup.maxConcurrency',
      resultPath: sfn.JsonPath.DISCARD,
    });
    // A failed shard records its own error in the catalog before its child fails: the map then fails with
    // States.ExceedToleratedFailureThreshold, which names no shard and no cause.
    const shardFailed = new sfn.Fail(this, 'Shard failed', { comment: 'Fails the child execution with the shard\'s own error, which fails the map run (no failure is tolerated).', errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const recordShardFailure = lifeboatTask(this, 'Record shard failure', 'Records the failed shard\'s error and cause in the backup\'s catalog record (kept when the whole run is recorded FAILED after it).', recordFailure, sfn.JsonPath.DISCARD, {
      lock: { 'backupId.$': '$.BatchInput.backupId' },
      'error.$': '$.error',
      'shards.$': '$.Items[*].index',
    });
    recordShardFailure.addCatch(shardFailed, { errors: ['States.ALL'], resultPath: '$.recordError' });
    snapshotTask.addCatch(recordShardFailure.next(shardFailed), { errors: ['States.ALL'], resultPath: '$.error' });
    snapshotShards.itemProcessor(snapshotTask.next(shardDone));
    // A listing too long for one Lambda run is planned in parts: each part's shards are stored before the next part is planned.
    const planMoreTask = lifeboatTask(this, 'Plan more shards', 'Carries on listing the sources where the previous planning step stopped, and writes the next shard manifest under plans/.', plan, '$.backup', {
      'plan.$': '$.backup.plan',
      'lock.$': '$.lock',
      'continuation.$': '$.backup.continuation',
    });
    const planned = new sfn.Choice(this, 'Every shard planned?', { comment: 'Commits when planning has listed every source to its end; otherwise plans the next shards, which carries on from the planning cursor.' });
    const commitTask = lifeboatTask(this, 'Commit backup', 'Merges the shards\' parts into one snapshot per source, then marks the backup COMMITTED in the catalog: only now is it visible and restorable.', commit, '$.committed');
    // A big first copy may take longer than one Lambda run: the step returns complete=false in time and runs again.
    // Each pass gets the previous one's report: a pass that stopped extending the DR vault's Object Lock retention says
    // there (`retention`) where the next carries on. The first pass gets an empty one (a path absent from the state fails the task).
    const startReplication = new sfn.Pass(this, 'Start replication', { comment: 'An empty previous report for the first Replicate to DR vault pass.', result: sfn.Result.fromObject({}), resultPath: '$.replication' });
    const replicateTask = lifeboatTask(this, 'Replicate to DR vault', 'Copies the objects the DR vault lacks, snapshots last, then extends their Object Lock retention there; stops in time before the Lambda timeout and reports complete=false when more is left (with where the extension stopped).', replicate, '$.replication', { 'backup.$': '$.backup', 'replication.$': '$.replication' });
    const replicated = new sfn.Choice(this, 'DR vault up to date?', {
      comment: thawsPrimaryPacks
        ? 'Finishes when replication reported complete; waits while thaws of archived primary packs are pending; otherwise runs Replicate to DR vault again, which carries on where it stopped.'
        : 'Finishes when replication reported complete; otherwise runs Replicate to DR vault again, which carries on where it stopped.',
    });

    const recordFailureTask = new tasks.LambdaInvoke(this, 'Record failure', {
      comment: 'Records the error in the catalog: the backup becomes FAILED (or keeps COMMITTED with the DR copy FAILED when only replication failed).',
      lambdaFunction: recordFailure,
      payload: sfn.TaskInput.fromObject({
        'input.$': '$$.Execution.Input',
        'lock.$': '$.lock',
        'error.$': '$.error',
      }),
      resultPath: sfn.JsonPath.DISCARD,
      retryOnServiceExceptions: true,
    });
    // The failure must reach the catalog: a throttled or briefly failing catalog write is retried like any task's.
    retryTransientErrors(recordFailureTask);
    const failed = new sfn.Fail(this, 'Backup failed', { comment: 'Fails the execution with the error and cause of the step that failed, so alarms and the console show them.', errorPath: '$.error.Error', causePath: '$.error.Cause' });
    // Releasing is best effort on the failure path: the lease expires anyway, and the run's own error must reach Fail.
    const releaseAfterFailure = lifeboatTask(this, 'Release lock after failure', 'Releases the plan\'s lease after a failure, best effort: the lease expires anyway, and the run\'s own error must reach the Fail state.', lock, sfn.JsonPath.DISCARD, { action: 'release', 'lock.$': '$.lock' });
    releaseAfterFailure.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.releaseError' });
    // Nothing recorded: the lease is kept, so the status rule's release-failed-backup (which acts only while the lease is
    // this execution's) marks the backup FAILED, deletes its commit's snapshots and frees the lease (audit e1-2). Released
    // here, it found the lease free and did nothing, and the record stayed RUNNING for ever.
    recordFailureTask.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.recordError' });
    recordFailureTask.next(releaseAfterFailure).next(failed);
    // Without the lock nothing was started: fail at once (another run holds the plan, or the request is bad).
    acquireTask.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
    const releaseTask = lifeboatTask(this, 'Release lock', 'Releases the plan\'s lease in the catalog so the next scheduled run can start.', lock, sfn.JsonPath.DISCARD, { action: 'release', 'lock.$': '$.lock' });
    for (const step of [planTask, snapshotShards, planMoreTask, commitTask, replicateTask, releaseTask]) {
      step.addCatch(recordFailureTask, { errors: ['States.ALL'], resultPath: '$.error' });
    }

    const finish = releaseTask.next(new sfn.Succeed(this, 'Backup committed', { comment: 'The backup is committed in the primary vault, replicated to the DR vault, and the lease released.' }));
    replicated.when(sfn.Condition.booleanEquals('$.replication.complete', true), finish);
    if (thawsPrimaryPacks) {
      // No Lambda runs while S3 thaws: the step returned the seconds to wait (by retrieval tier, as the restore's Thaw step).
      const waitForThaws = new sfn.Wait(this, 'Wait for primary thaws', {
        comment: 'Packs the DR vault lacks are archived in the primary vault and their thaws run (minutes to hours); nothing runs while the execution waits, then Replicate to DR vault carries on.',
        time: sfn.WaitTime.secondsPath('$.replication.thaw.waitSeconds'),
      });
      // `thaw` is in the step's output only when it met archived packs.
      replicated.when(sfn.Condition.and(sfn.Condition.isPresent('$.replication.thaw'), sfn.Condition.numberGreaterThan('$.replication.thaw.pending', 0)), waitForThaws.next(replicateTask));
    }
    replicated.otherwise(replicateTask);
    planned.when(sfn.Condition.booleanEquals('$.backup.done', true), commitTask.next(startReplication).next(replicateTask).next(replicated)).otherwise(planMoreTask.next(snapshotShards));
    const definition = acquireTask.next(planTask).next(snapshotShards).next(planned);

    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition: definition, timeout: thawsPrimaryPacks ? ARCHIVE_RESTORE_TIMEOUT : WORKFLOW_TIMEOUT });
    snapshotShards.grantVaultAccess(this.stateMachine, props.vaultKey);
    acknowledgeDistributedMapWildcards(this.stateMachine);

    acknowledgeScopedWildcards(this, [
      ...['keys/*', 'plans/*', 'parts/*', COMMITTED_SOURCES, 'data/*', 'index/*', 'manifest/*', 'snapshots/*', 'prune/*', `${SHARD_MAP_RESULT_PREFIX}/*`].map((prefix) => vault.arnForObjects(prefix)),
      ...drObjects(['keys/*', 'prune/running/*', ...(props.immutability ? ['prune/condemned/*'] : []), ...REPLICATED_PREFIXES]),
      ...sources.flatMap((s) => (s.config.type === 's3' ? [sourceObjectsArn(s)] : [])),
      ...sources.flatMap((s) => (s.config.type === 's3' && s.config.inventory ? [inventoryObjectsArn(s)] : [])),
      // Step Functions may invoke any version of each function (ARN:*), as CDK's LambdaInvoke grants.
      ...[lock, plan, snapshot, commit, replicate, recordFailure].map((fn) => `${fn.functionArn}:*`),
    ]);
    for (const role of [lock.role, plan.role, snapshot.role, commit.role, replicate.role, recordFailure.role, this.stateMachine.role]) {
      if (role) acknowledgeXRayWildcard(role);
    }
  }
}

/** Where the snapshot map runs' result files go in the vault: under parts/, which vault readers ignore (docs/FORMAT.md §1). */
export const SHARD_MAP_RESULT_PREFIX = 'parts/map-runs';

/** What replication copies (docs/FORMAT.md §1): everything a committed snapshot consists of; plans/ and parts/ stay behind. */
const REPLICATED_PREFIXES = ['data/*', 'index/*', 'manifest/*', 'snapshots/*'];

/** What opens a vault: written once, when the vault is made, and needed by every backup in it. */
const VAULT_OPENING_KEYS = ['config', 'keys/*'];

/** What commit writes and deletes under parts/: its record of each source it committed (backup-workspace.ts, committedSourceKey). */
const COMMITTED_SOURCES = 'parts/*/committed/*';

/** What shows a deleter an object's Object Lock in its HEAD (S3VaultStore.delete), as the prune's LOCK_READ_ACTIONS. */
const LOCK_READ_ACTIONS = ['s3:GetObjectRetention', 's3:GetObjectLegalHold'];

/** Whose retention a commit extends (snapshotObjectKeys): what a snapshot consists of, and what opens the vault. */
const RETAINED_KEYS = [...REPLICATED_PREFIXES, ...VAULT_OPENING_KEYS];

/** Exact S3 object actions on exact keys or key prefixes of the vault bucket. */
function grantVaultObjects(fn: LifeboatFunction, vault: s3.IBucket, actions: string[], keys: string[]): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: keys.map((key) => vault.arnForObjects(key)) }));
}

/** s3:PutObject on keys of the vault that can only create objects there (createOnlyPutStatements). */
function grantCreateOnly(fn: LifeboatFunction, vault: s3.IBucket, keys: readonly string[], options: { multipart: boolean }): void {
  for (const statement of createOnlyPutStatements(keys.map((key) => vault.arnForObjects(key)), options)) fn.addToRolePolicy(statement);
}

