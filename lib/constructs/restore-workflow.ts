import { Arn, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { resourceNames } from '../stacks/resource-names';
import { LifeboatFunction } from './lifeboat-function';
import { lifeboatTask } from './lifeboat-task';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard, arnFinding } from './nag-acknowledgements';

export type RestoreWorkflowProps = {
  readonly environment: EnvironmentConfig;
  readonly vault: s3.IBucket;
  readonly vaultKey: kms.IKey;
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
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
 * - S3 buckets and DynamoDB tables named `lifeboat-<env>-restore-*` (new targets);
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
    const env = props.environment;
    const stack = Stack.of(this);
    const names = resourceNames(env);
    const drKeyAliasArn = `arn:${stack.partition}:kms:${env.drRegion}:${env.account}:${names.drVaultKeyAlias}`;
    const common = {
      LIFEBOAT_ENVIRONMENT: env.name,
      VAULT_BUCKET: props.vault.bucketName,
      VAULT_KEY_ARN: props.vaultKey.keyArn,
      DR_VAULT_BUCKET: names.drVault,
      DR_REGION: env.drRegion,
      DR_VAULT_KEY_ARN: drKeyAliasArn,
      CATALOG_TABLE: props.catalog.tableName,
      LIFEBOAT_PLANS: JSON.stringify(env.plans),
      // Resolve refuses directory targets outside the mount (the rest of a Lambda's file system is read-only).
      ...(env.fileSystem ? { LIFEBOAT_MOUNT_PATH: env.fileSystem.efs.mountPath } : {}),
    };

    // Directory targets (when a file system is configured, docs/ARCHITECTURE.md "File systems in AWS (EFS)"): resolve
    // only looks (lstat/readdir: absent or empty?); plan creates the directory, shards write entries, verify reads them
    // back and then gives directories their final mode and mtime (chmod/utimes), so those three write.
    const resolve = new LifeboatFunction(this, 'ResolveRestore', {
      handler: 'resolve-restore',
      environment: common,
      memorySize: 512,
      timeout: Duration.minutes(2),
      files: { environment: env, access: 'read' },
    });
    const plan = new LifeboatFunction(this, 'PlanRestore', { handler: 'plan-restore', environment: common, memorySize: 1024, files: { environment: env, access: 'write' } });
    const shard = new LifeboatFunction(this, 'RestoreShard', { handler: 'restore-shard', environment: common, memorySize: 2048, files: { environment: env, access: 'write' } });
    const verify = new LifeboatFunction(this, 'VerifyRestore', { handler: 'verify-restore', environment: common, memorySize: 2048, files: { environment: env, access: 'write' } });
    this.functions = { resolve, plan, shard, verify };
    const all = [resolve, plan, shard, verify];

    // Vaults: read-only, both regions.
    const drBucketArn = `arn:${stack.partition}:s3:::${names.drVault}`;
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
          resources: [`arn:${stack.partition}:kms:${env.drRegion}:${env.account}:key/*`],
          conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [names.drVaultKeyAlias] } },
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

    // Targets.
    const sources = env.plans.flatMap((p) => p.sources);
    const targetBuckets = [`arn:${stack.partition}:s3:::${names.restoreTargetPrefix}*`, ...sources.flatMap((s) => (s.type === 's3' ? [`arn:${stack.partition}:s3:::${s.bucket}`] : []))];
    const targetObjects = [
      `arn:${stack.partition}:s3:::${names.restoreTargetPrefix}*/*`,
      ...sources.flatMap((s) => (s.type === 's3' ? [`arn:${stack.partition}:s3:::${s.bucket}/${s.prefix}*`] : [])),
    ];
    const table = (name: string) => Arn.format({ service: 'dynamodb', resource: 'table', resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
    const newTables = [table(`${names.restoreTargetPrefix}*`)];
    const targetTables = [...newTables, ...sources.flatMap((s) => (s.type === 'dynamodb' ? [table(s.table)] : []))];
    // HeadBucket and "is the prefix empty" (resolve), HeadObject answering 404 (verify) need ListBucket.
    for (const fn of [resolve, verify]) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: targetBuckets }));
    resolve.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeTable'], resources: targetTables }));
    plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeTable'], resources: targetTables }));
    plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:CreateTable', 'dynamodb:UpdateTimeToLive', 'dynamodb:DescribeTimeToLive'], resources: newTables }));
    shard.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'], resources: targetObjects }));
    shard.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:BatchWriteItem'], resources: targetTables }));
    verify.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectTagging'], resources: targetObjects }));
    verify.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: targetTables }));

    // The state machine.
    const resolveTask = lifeboatTask(this, 'Validate and resolve', resolve, '$.resolved', { 'request.$': '$', 'restoreId.$': '$$.Execution.Name' });
    const planTask = lifeboatTask(this, 'Plan restore shards', plan, '$.plan', { 'resolved.$': '$.resolved' });
    const shardTask = lifeboatTask(this, 'Restore shard', shard, '$');
    const restoreShards = new sfn.Map(this, 'Restore shards', {
      itemsPath: '$.plan.shards',
      maxConcurrency: Math.max(...env.plans.map((p) => p.maxConcurrency)),
      resultPath: '$.shardResults',
    }).itemProcessor(shardTask);
    const verifyTask = lifeboatTask(this, 'Verify restore', verify, '$.report', { 'planKey.$': '$.plan.planKey' });
    const report = new sfn.Succeed(this, 'Restore report', { outputPath: '$.report' });

    const failureReport = new sfn.Pass(this, 'Failure report', {
      parameters: { 'error.$': '$.error.Error', 'cause.$': '$.error.Cause', 'request.$': '$$.Execution.Input', 'execution.$': '$$.Execution.Name' },
      resultPath: '$.failure',
    });
    const failed = new sfn.Fail(this, 'Restore failed', { errorPath: '$.failure.error', causePath: '$.failure.cause' });
    failureReport.next(failed);
    for (const step of [resolveTask, planTask, restoreShards, verifyTask]) step.addCatch(failureReport, { errors: ['States.ALL'], resultPath: '$.error' });

    const definition = resolveTask.next(planTask).next(restoreShards).next(verifyTask).next(report);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/lifeboat-${env.name}-restore`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: names.restoreStateMachine,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      timeout: Duration.hours(24),
    });

    acknowledgeScopedWildcards(this, [
      ...[...VAULT_READ_PREFIXES.filter((p) => p.endsWith('*')), PLAN_PREFIX].map((p) => arnFinding(props.vault, `/${p}`)),
      ...VAULT_READ_PREFIXES.filter((p) => p.endsWith('*')).map((p) => `arn:<AWS::Partition>:s3:::${names.drVault}/${p}`),
      `arn:<AWS::Partition>:kms:${env.drRegion}:${env.account}:key/*`,
      ...[...targetBuckets, ...targetObjects, ...targetTables].filter((r) => r.includes('*')).map((r) => stack.resolve(r) as unknown).map(findingText),
      ...all.map((fn) => arnFinding(fn, ':*')),
    ]);
    for (const role of [...all.map((fn) => fn.role), this.stateMachine.role]) if (role) acknowledgeXRayWildcard(role);
  }
}

/** cdk-nag's text for a resolved ARN: `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},…]]}` becomes `arn:<AWS::Partition>:…`. */
function findingText(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return JSON.stringify(resolved);
  return join[1].map((part) => (typeof part === 'string' ? part : `<${(part as { Ref?: string }).Ref ?? JSON.stringify(part)}>`)).join(join[0]);
}


