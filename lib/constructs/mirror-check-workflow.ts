import { Arn, ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type EfsAccessConfig, mirrorOf } from '../../config/lifeboat-config';
import { FileSystemMount } from './file-system-mount';
import { LifeboatFunction } from './lifeboat-function';
import { type LifeboatPlan } from './lifeboat-plan';
import { lifeboatTask } from './lifeboat-task';
import { failureReport as failureReportState, loggedStateMachine } from './logged-state-machine';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { NAME_IN_OTHER_REGION, plansInStack } from './plans-in-stack';
import { validatePlans } from './validated-plans';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { scheduleDelivery } from './schedule-delivery';
import { schedulerPrincipal } from './scheduler-principal';
import { statementsByOwner } from './bucket-owner-condition';
import { catalogPartitionStatement } from './catalog-partition-grant';
import { canonicalScheduleExpression } from '../../config/schedule-expression';

export type MirrorCheckWorkflowProps = {
  readonly environmentName: string;
  /** `<prefix>-mirror-check`: the state machine's and the schedule's name. */
  readonly stateMachineName: string;
  readonly plans: readonly LifeboatPlan[];
  /** The region of the sources (the protection's stack). */
  readonly primaryRegion: string;
  /** `<prefix>-mirror-`: the mirror bucket of a source is this plus its name. */
  readonly mirrorBucketPrefix: string;
  /** The DR catalog (this stack's) and its key: the `MIRROR#<source>` items. */
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
  /** Scheduler expression (UTC) and entries per source per run. */
  readonly schedule: {
    readonly expression: string;
    /** Entries compared per source per run. @default 1000 (lambdas/mirror/mirror-defaults.ts, DEFAULT_MIRROR_SAMPLES) */
    readonly samples?: number;
  };
  /** Where Scheduler puts a start it could not deliver after its retries. @default none */
  readonly deadLetterQueue?: sqs.IQueue;
  /** The protected EFS file system (in `primaryRegion`): a mirrored file-system source's replication state is read from it. @default file-system mirrors are not checked */
  readonly fileSystemId?: string;
  /**
   * The replica of that file system in this region, mounted into the check, and the primary region's mount
   * path the sources' paths are under: the check then compares the primary region's file samples with it.
   * @default file-system mirrors are judged by EFS's replication state and lag only
   */
  readonly fileSystemReplica?: { readonly mount: EfsAccessConfig; readonly sourceMountPath: string };
};

/** The state machine stops waiting well after the function's own limit. */
const WORKFLOW_TIMEOUT = Duration.minutes(15);

/**
 * The mirror check `<prefix>-mirror-check` (docs/ARCHITECTURE.md, "Mirrors"), in the DR region's stack so
 * that it runs, and its last results stay readable, with the primary region down; the failover runbook
 * beside it reads them. One task compares a window of each mirrored source with its mirror (S3: key,
 * size, ETag from the two listings; DynamoDB: items by key from the replica), measures the lag and
 * records `MIRROR#<source>` in the DR catalog (a file-system mirror: EFS's replication status and time
 * since its last sync, read with DescribeReplicationConfigurations; contents are not compared); then a Choice fails the execution (`MirrorCheckFailed`,
 * the cause naming the first differing key and the lag) when a mirror differs, so an alarm on failed
 * executions sees it. Access: list the sources (by name, in the primary region) and their mirrors, read
 * the mirrored tables and their replicas, and the catalog's MIRROR items: nothing is written but the catalog.
 */
export class MirrorCheckWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly function: LifeboatFunction;
  readonly schedule: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: MirrorCheckWorkflowProps) {
    super(scope, id);
    const { plans } = validatePlans(this, 'MirrorCheckWorkflow', { plans: props.plans });
    const stack = Stack.of(this);
    const plansHere = plansInStack(this, plans);
    const mirroredFileSystem = plansHere.some((p) => p.sources.some((s) => s.type === 'filesystem' && mirrorOf(s) !== undefined)) ? props.fileSystemId : undefined;
    const replica = mirroredFileSystem ? props.fileSystemReplica : undefined;
    const replicaMount = replica ? FileSystemMount.forReplica(this, replica.mount) : undefined;
    const check = new LifeboatFunction(this, 'CheckMirrors', {
      handler: 'mirror-check',
      ...(replicaMount ? { files: { mount: replicaMount, access: 'read' as const } } : {}),
      environment: {
        LIFEBOAT_ENVIRONMENT: props.environmentName,
        LIFEBOAT_HOME_VAULT: 'dr',
        CATALOG_TABLE: props.catalog.tableName,
        LIFEBOAT_PLANS: stack.toJsonString(plansHere),
        LIFEBOAT_PRIMARY_REGION: props.primaryRegion,
        LIFEBOAT_MIRROR_BUCKET_PREFIX: props.mirrorBucketPrefix,
        ...(mirroredFileSystem ? { LIFEBOAT_MIRROR_FILE_SYSTEM_ID: mirroredFileSystem } : {}),
        ...(replica && replicaMount
          ? { LIFEBOAT_MIRROR_REPLICA_FILE_SYSTEM_ID: replica.mount.fileSystemId, LIFEBOAT_MOUNT_PATH: replicaMount.mountPath, LIFEBOAT_SOURCE_MOUNT_PATH: replica.sourceMountPath }
          : {}),
      },
    });
    this.function = check;
    const wildcards: string[] = [`${check.functionArn}:*`];
    const tableKeys = new Map(props.plans.flatMap((p) => p.sources).flatMap((s) => (s.table?.encryptionKey ? [[s.name, s.table.encryptionKey.keyArn] as const] : [])));
    for (const source of plansHere.flatMap((p) => p.sources).filter((s) => mirrorOf(s) !== undefined)) {
      if (source.type === 's3') {
        // Each bucket pinned to the account that must own it (bucket-owner-condition.ts): the mirror is ours, the source its owner's.
        const buckets = [{ arn: `arn:${stack.partition}:s3:::${props.mirrorBucketPrefix}${source.name}`, account: stack.account }];
        if (source.bucket !== NAME_IN_OTHER_REGION) buckets.push({ arn: `arn:${stack.partition}:s3:::${source.bucket}`, account: source.account ?? stack.account });
        for (const statement of statementsByOwner(['s3:ListBucket'], buckets)) check.addToRolePolicy(statement);
      } else if (source.type === 'dynamodb' && source.table !== NAME_IN_OTHER_REGION) {
        const tableIn = (region: string) => Arn.format({ service: 'dynamodb', region, resource: 'table', resourceName: source.table, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
        // Scan walks the source and its replica window by window (the replica's for items only it holds: dynamodb-mirror-pass.ts);
        // GetItem re-reads, strongly consistent, the keys earlier runs found different (dynamodb-mirror-recheck.ts).
        check.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:DescribeTable'], resources: [tableIn(props.primaryRegion)] }));
        check.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:DescribeTable'], resources: [tableIn(stack.region)] }));
        // A reader of a table under a customer managed key needs that key's decrypt, as the backup shard's Scan gets it
        // (source-access.ts): only through DynamoDB of the primary region. A key known only as a token of the primary
        // stack (a key construct) cannot be named from this region's stack, nor can the replica's key in this region,
        // which the config does not name: their key policies must admit the check (docs/ARCHITECTURE.md, "Mirrors").
        const keyArn = tableKeys.get(source.name);
        if (keyArn !== undefined && !Token.isUnresolved(keyArn)) {
          check.addToRolePolicy(
            new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:DescribeKey'], resources: [keyArn], conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${props.primaryRegion}.amazonaws.com` } } }),
          );
        }
      }
    }
    if (mirroredFileSystem) {
      // The replication state only (EFS's API in the sources' region): the check mounts nothing.
      const fileSystemArn = Arn.format({ service: 'elasticfilesystem', region: props.primaryRegion, resource: 'file-system', resourceName: mirroredFileSystem, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
      check.addToRolePolicy(new iam.PolicyStatement({ actions: ['elasticfilesystem:DescribeReplicationConfigurations'], resources: [fileSystemArn] }));
    }
    check.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem', 'dynamodb:PutItem'], ['MIRROR#*']));
    props.catalogKey.grantEncryptDecrypt(check);

    const checkTask = lifeboatTask(
      this,
      'Check mirrors',
      'Compares a window of each mirrored source with its mirror in this region (S3: key, size and ETag; DynamoDB: items by key), measures the replication lag and records MIRROR#<source> in the DR catalog.',
      check,
      '$.check',
    );
    const passed = new sfn.Succeed(this, 'Mirrors equal', { comment: 'Every mirror is equal to its source in the window compared; the output is the check.', outputPath: '$.check' });
    const differs = new sfn.Fail(this, 'Mirror differs', {
      comment: 'Fails the execution with MirrorCheckFailed, the cause naming the first differing key and the lag, so that an alarm on failed executions sees it.',
      error: 'MirrorCheckFailed',
      causePath: '$.check.cause',
    });
    const choice = new sfn.Choice(this, 'All mirrors equal?', { comment: 'Passed when every mirrored source matched its mirror.' })
      .when(sfn.Condition.booleanEquals('$.check.passed', true), passed)
      .otherwise(differs);
    const failureReport = failureReportState(this, {
      reportComment: 'Collects the error and cause of the failed check with the request and execution name, for the Fail state and the execution history.',
      failName: 'Check failed',
      failComment: 'Fails the execution with the check\'s own error name and message.',
    });
    checkTask.addCatch(failureReport, { errors: ['States.ALL'], resultPath: '$.error' });
    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition: checkTask.next(choice), timeout: WORKFLOW_TIMEOUT });

    const role = new iam.Role(this, 'ScheduleRole', { assumedBy: schedulerPrincipal(this), description: `Lifeboat ${props.environmentName}: starts scheduled mirror checks` });
    this.stateMachine.grantStartExecution(role);
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      name: props.stateMachineName,
      description: `Lifeboat mirror check of ${props.environmentName}: each mirror compared with its source, the lag recorded`,
      scheduleExpression: canonicalScheduleExpression(props.schedule.expression),
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.stateMachine.stateMachineArn,
        roleArn: role.roleArn,
        input: JSON.stringify(props.schedule.samples !== undefined ? { samples: props.schedule.samples } : {}),
        ...scheduleDelivery(role, props.deadLetterQueue),
      },
    });
    acknowledgeScopedWildcards(this, wildcards);
    for (const r of [check.role, this.stateMachine.role]) if (r) acknowledgeXRayWildcard(r);
  }
}
