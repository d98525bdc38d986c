import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WORKFLOW_TIMEOUT } from '../lifeboat-defaults';
import { type FileSystemAccess, type FileSystemMount } from './file-system-mount';
import { LifeboatFunction } from './lifeboat-function';
import { type LifeboatPlan } from './lifeboat-plan';
import { lifeboatTask } from './lifeboat-task';
import { failureReport as failureReportState, loggedStateMachine } from './logged-state-machine';
import { replicaVaultAccess, type ReplicaVaultLocation } from './replica-vault-location';
import { sourceObjectsArn } from './source-access';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { validatePlans } from './validated-plans';

export type RestoreWorkflowProps = {
  /** Names the protection (the functions' LIFEBOAT_ENVIRONMENT); the restore functions derive the restore-target rule from it. */
  readonly environmentName: string;
  /** Physical name of the state machine; its log group is `/aws/vendedlogs/states/<name>`. */
  readonly stateMachineName: string;
  /** The plans whose sources can be restored (the functions receive them as LIFEBOAT_PLANS). */
  readonly plans: readonly LifeboatPlan[];
  /**
   * New buckets and tables a restore may create or write start with this: `<prefix>-restore-`. The
   * restore functions get it as LIFEBOAT_RESTORE_TARGET_PREFIX and check the same rule (lambdas/restore/restore-target-policy.ts).
   */
  readonly restoreTargetPrefix: string;
  /** The primary vault (LifeboatVault's bucket) and its KMS key. */
  readonly vault: s3.IBucket;
  readonly vaultKey: kms.IKey;
  /** The DR vault a restore may read from instead (`"vault": "dr"`). */
  readonly drVault: ReplicaVaultLocation;
  /** The catalog (CatalogTable's table) and its KMS key. */
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
  /**
   * The EFS mount of the file-system sources: directory targets are written through it.
   * @default no file system: no function mounts one or runs in a VPC
   */
  readonly fileSystem?: FileSystemMount;
};

/** Vault objects a restore reads (docs/FORMAT.md §1): never data it could write. */
const VAULT_READ_PREFIXES = ['config', 'keys/*', 'snapshots/*', 'manifest/*', 'index/*', 'data/*'];
const VAULT_LIST_PREFIXES = ['keys/*', 'index/*', 'snapshots/*'];
const PLAN_PREFIX = 'restore-plans/*';

/**
 * The restore runbook: validate and resolve → plan shards (the plan is stored in the primary vault
 * under restore-plans/, only keys travel) → Map of restore shards → verify against the manifest →
 * report. Every task retries TransientError with backoff; any other error goes to a failure
 * report and the execution fails with the error's own name and message.
 *
 * Where a restore may write (the IAM below, checked again at input validation):
 * - S3 buckets and DynamoDB tables whose names start with `restoreTargetPrefix` (new targets);
 * - the protected sources themselves (restore onto the original, which the runbook allows only
 *   with `overwrite: true`);
 * - directories of the environment's EFS file system, mounted into the functions (IAM: ClientWrite
 *   through its access point; see FileSystemMount).
 * It reads the primary vault and the DR vault (in the DR region, its key found by alias).
 */
export class RestoreWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<'resolve' | 'plan' | 'shard' | 'verify', LifeboatFunction>;

  constructor(scope: Construct, id: string, props: RestoreWorkflowProps) {
    super(scope, id);
    const { plans, sources } = validatePlans(this, 'RestoreWorkflow', { plans: props.plans });
    const stack = Stack.of(this);
    const dr = props.drVault;
    const drAccess = replicaVaultAccess(stack, dr);
    const common = {
      LIFEBOAT_ENVIRONMENT: props.environmentName,
      // The restore-target rule the functions check at input validation, the same names IAM grants below.
      LIFEBOAT_RESTORE_TARGET_PREFIX: props.restoreTargetPrefix,
      VAULT_BUCKET: props.vault.bucketName,
      VAULT_KEY_ARN: props.vaultKey.keyArn,
      ...drAccess.environment,
      CATALOG_TABLE: props.catalog.tableName,
      LIFEBOAT_PLANS: stack.toJsonString(plans),
      // Resolve refuses directory targets outside the mount (the rest of a Lambda's file system is read-only).
      ...(props.fileSystem ? { LIFEBOAT_MOUNT_PATH: props.fileSystem.mountPath } : {}),
    };
    const files = (access: FileSystemAccess) => (props.fileSystem ? { files: { mount: props.fileSystem, access } } : {});

    // Directory targets (when a file system is configured, docs/ARCHITECTURE.md "File systems in AWS (EFS)"): resolve
    // only looks (lstat/readdir: absent or empty?); plan creates the directory, shards write entries, verify reads them
    // back and then gives directories their final mode and mtime (chmod/utimes), so those three write.
    const resolve = new LifeboatFunction(this, 'ResolveRestore', {
      handler: 'resolve-restore',
      environment: common,
      ...files('read'),
    });
    const plan = new LifeboatFunction(this, 'PlanRestore', { handler: 'plan-restore', environment: common, ...files('write') });
    const shard = new LifeboatFunction(this, 'RestoreShard', { handler: 'restore-shard', environment: common, ...files('write') });
    const verify = new LifeboatFunction(this, 'VerifyRestore', { handler: 'verify-restore', environment: common, ...files('write') });
    this.functions = { resolve, plan, shard, verify };
    const all = [resolve, plan, shard, verify];

    // Vaults: read-only, both regions.
    const drBucketArn = `arn:${stack.partition}:s3:::${dr.bucketName}`;
    const drKeyArns = drAccess.keyArns;
    for (const fn of all) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: VAULT_READ_PREFIXES.map((p) => props.vault.arnForObjects(p)) }));
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: VAULT_READ_PREFIXES.map((p) => `${drBucketArn}/${p}`) }));
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [props.vault.bucketArn, drBucketArn],
          conditions: { StringLike: { 's3:prefix': VAULT_LIST_PREFIXES } },
        }),
      );
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.vaultKey.keyArn] }));
      // The DR key is named by its alias (another region, another stack): Decrypt on exactly the key that carries it.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [drKeyArns],
          conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [dr.keyAlias] } },
        }),
      );
    }
    // Restore plans: written by plan, read by shard and verify (SSE-KMS under the vault key).
    plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [props.vault.arnForObjects(PLAN_PREFIX)] }));
    plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [props.vaultKey.keyArn] }));
    for (const fn of [shard, verify]) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.vault.arnForObjects(PLAN_PREFIX)] }));

    // Catalog: resolve reads backups by id and by source (Query on the table, no index).
    props.catalogKey.grantDecrypt(resolve);
    resolve.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [props.catalog.tableArn] }));

    // Targets: new ones by name pattern, and the protected sources themselves (overwrite).
    const targetPrefix = props.restoreTargetPrefix;
    const s3Sources = sources.filter((s) => s.bucket !== undefined);
    const tableSources = sources.filter((s) => s.table !== undefined);
    const targetBuckets = [`arn:${stack.partition}:s3:::${targetPrefix}*`, ...s3Sources.map((s) => s.bucket?.bucketArn ?? '')];
    const targetObjects = [`arn:${stack.partition}:s3:::${targetPrefix}*/*`, ...s3Sources.map(sourceObjectsArn)];
    const table = (name: string) => Arn.format({ service: 'dynamodb', resource: 'table', resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
    const newTables = [table(`${targetPrefix}*`)];
    const targetTables = [...newTables, ...tableSources.map((s) => s.table?.tableArn ?? '')];
    // HeadBucket and "is the prefix empty" (resolve), HeadObject answering 404 (verify) need ListBucket.
    for (const fn of [resolve, verify]) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: targetBuckets }));
    resolve.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeTable'], resources: targetTables }));
    plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeTable'], resources: targetTables }));
    plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:CreateTable', 'dynamodb:UpdateTimeToLive', 'dynamodb:DescribeTimeToLive'], resources: newTables }));
    shard.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'], resources: targetObjects }));
    shard.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:BatchWriteItem'], resources: targetTables }));
    verify.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectTagging'], resources: targetObjects }));
    verify.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: targetTables }));
    // Sources encrypted with their own KMS key: a restore onto them writes (shard) and reads back (verify) through it.
    const bucketKeys = s3Sources.flatMap((s) => (s.bucket?.encryptionKey ? [s.bucket.encryptionKey.keyArn] : []));
    const tableKeys = tableSources.flatMap((s) => (s.table?.encryptionKey ? [s.table.encryptionKey.keyArn] : []));
    if (bucketKeys.length > 0) {
      shard.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: bucketKeys }));
      verify.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: bucketKeys }));
    }
    if (tableKeys.length > 0) {
      shard.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: tableKeys }));
      verify.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:DescribeKey'], resources: tableKeys }));
    }

    // The state machine.
    const resolveTask = lifeboatTask(this, 'Validate and resolve', 'Validates the request field by field, resolves the backup (by id, or the newest committed at or before pointInTime) in the chosen vault and checks that the target may and can receive it (the source itself only with overwrite). Writes nothing.', resolve, '$.resolved', { 'request.$': '$', 'restoreId.$': '$$.Execution.Name' });
    const planTask = lifeboatTask(this, 'Plan restore shards', 'Reads the backup\'s manifest, prepares the target (creates the table or directory) and stores the shard plan in the vault under restore-plans/.', plan, '$.plan', { 'resolved.$': '$.resolved' });
    const shardTask = lifeboatTask(this, 'Restore shard', 'Restores one shard of the backup\'s entries into the target (objects, items or files) from the vault.', shard, '$');
    const restoreShards = new sfn.Map(this, 'Restore shards', {
      comment: 'Runs one Restore shard per entry of the restore plan, in parallel up to the plans\' largest maxConcurrency; any shard failing fails the restore.',
      itemsPath: '$.plan.shards',
      maxConcurrency: Math.max(...plans.map((p) => p.maxConcurrency)),
      resultPath: '$.shardResults',
    }).itemProcessor(shardTask);
    const verifyTask = lifeboatTask(this, 'Verify restore', 'Reads the restored target back and compares it with the backup\'s manifest, then sets the directories\' final modes and times; its report is the execution\'s output.', verify, '$.report', { 'planKey.$': '$.plan.planKey' });
    const report = new sfn.Succeed(this, 'Restore report', { comment: 'The restore is complete and verified; the execution\'s output is the verification report.', outputPath: '$.report' });

    const failureReport = failureReportState(this, {
      reportComment: 'Collects the failed step\'s error and cause with the request and execution name, for the Fail state and the execution history.',
      failName: 'Restore failed',
      failComment: 'Fails the execution with the failed step\'s own error name and message.',
    });
    for (const step of [resolveTask, planTask, restoreShards, verifyTask]) step.addCatch(failureReport, { errors: ['States.ALL'], resultPath: '$.error' });

    const definition = resolveTask.next(planTask).next(restoreShards).next(verifyTask).next(report);
    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition: definition, timeout: WORKFLOW_TIMEOUT });

    acknowledgeScopedWildcards(this, [
      ...[...VAULT_READ_PREFIXES, PLAN_PREFIX].map((p) => props.vault.arnForObjects(p)),
      ...VAULT_READ_PREFIXES.map((p) => `${drBucketArn}/${p}`),
      drKeyArns,
      ...targetBuckets,
      ...targetObjects,
      ...targetTables,
      ...all.map((fn) => `${fn.functionArn}:*`),
    ]);
    for (const role of [...all.map((fn) => fn.role), this.stateMachine.role]) if (role) acknowledgeXRayWildcard(role);
  }
}
