import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { catalogPartitionStatement } from './catalog-partition-grant';
import { type FileSystemMount } from './file-system-mount';
import { LifeboatFunction } from './lifeboat-function';
import { type LifeboatPlan } from './lifeboat-plan';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { plansInStack } from './plans-in-stack';
import { replicaCatalogAccess, type ReplicaCatalogLocation } from './replica-catalog-location';
import { scheduleDelivery } from './schedule-delivery';
import { sendFailedInvocationsTo } from './failed-invocations-destination';
import { validatePlans } from './validated-plans';
import { schedulerPrincipal } from './scheduler-principal';
import { canonicalScheduleExpression } from '../../config/schedule-expression';

export type FileMirrorSamplerProps = {
  readonly environmentName: string;
  /** The sampler's function and schedule name: `<prefix>-file-mirror-sample`. */
  readonly name: string;
  readonly plans: readonly LifeboatPlan[];
  /** The protection's mount of its EFS file system (read only here). */
  readonly mount: FileSystemMount;
  /** This region's catalog: every Lifeboat function's runtime names it (CATALOG_TABLE); the sampler has no access to it. */
  readonly catalog: dynamodb.ITable;
  /** The DR region's catalog, where the samples go for the DR mirror check. */
  readonly drCatalog: ReplicaCatalogLocation;
  /**
   * The mirror check's schedule: sampling runs on the same one, so each check finds samples of its own period. Those are
   * usually read after EFS's last sync: the check keeps them and judges them at its next run (file-samples-awaiting-sync.ts).
   */
  readonly schedule: {
    readonly expression: string;
    /** Files sampled per mirrored file-system source per run, at most 10000. @default 100 (lambdas/mirror/mirror-defaults.ts, DEFAULT_FILE_MIRROR_SAMPLES) */
    readonly samples?: number;
  };
  /** Where Scheduler puts an invocation it could not deliver after its retries, and Lambda a sampling that failed after its own. @default none */
  readonly deadLetterQueue?: sqs.IQueue;
};

/**
 * The primary region's half of the file-system mirror check (docs/ARCHITECTURE.md, "Mirrors"): a
 * function that mounts the protected file system read-only and, on the mirror check's schedule, reads the
 * next window of each mirrored file-system source (size, mtime, SHA-256) into the DR catalog
 * (`MIRROR#<source>` / `FILE-SAMPLES`), where the DR mirror check compares it with the replica. The two
 * regions cannot mount each other's file systems; the catalog carries the samples across. Access:
 * ClientMount through the access point, and Get/Put of `MIRROR#` items in the DR catalog under its key.
 */
export class FileMirrorSampler extends Construct {
  readonly function: LifeboatFunction;
  readonly schedule: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: FileMirrorSamplerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { plans } = validatePlans(this, 'FileMirrorSampler', { plans: props.plans });
    const drCatalog = replicaCatalogAccess(stack, props.drCatalog);
    const sample = new LifeboatFunction(this, 'SampleFiles', {
      handler: 'file-mirror-sample',
      files: { mount: props.mount, access: 'read' },
      environment: {
        LIFEBOAT_ENVIRONMENT: props.environmentName,
        CATALOG_TABLE: props.catalog.tableName,
        LIFEBOAT_PLANS: stack.toJsonString(plansInStack(this, plans)),
        ...drCatalog.environment,
        DR_REGION: props.drCatalog.region,
      },
    });
    this.function = sample;
    sample.addToRolePolicy(catalogPartitionStatement(drCatalog, ['dynamodb:GetItem', 'dynamodb:PutItem'], ['MIRROR#*']));
    sample.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.drCatalog.keyArn],
      }),
    );

    const role = new iam.Role(this, 'ScheduleRole', { assumedBy: schedulerPrincipal(this), description: `Lifeboat ${props.environmentName}: starts the file-system mirror sampling` });
    sample.grantInvoke(role);
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      name: props.name,
      description: `Lifeboat ${props.environmentName}: samples the mirrored file-system sources for the DR mirror check`,
      scheduleExpression: canonicalScheduleExpression(props.schedule.expression),
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: sample.functionArn,
        roleArn: role.roleArn,
        input: JSON.stringify(props.schedule.samples !== undefined ? { samples: Math.min(props.schedule.samples, 10_000) } : {}),
        ...scheduleDelivery(role, props.deadLetterQueue),
      },
    });
    // Scheduler invokes the function asynchronously: its dead-letter config never sees the function's own errors.
    if (props.deadLetterQueue) sendFailedInvocationsTo(sample, props.deadLetterQueue);
    acknowledgeScopedWildcards(this, [`${sample.functionArn}:*`]);
    for (const r of [sample.role, role]) if (r) acknowledgeXRayWildcard(r);
  }
}
