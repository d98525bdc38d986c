import { Stack, Validations } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';

/**
 * cdk-nag AwsSolutions-IAM5 flags every wildcard. Lifeboat's resource wildcards are each of a kind in
 * SCOPED_WILDCARD_KINDS, and acknowledged with that kind's reason, told from the ARN itself (an S3 object ARN, a
 * function's versions, a DynamoDB table, an EFS file system), so a reason cannot describe another kind of resource
 * than the one it is given to (audit a57E-2). A wildcard of no known kind is not acknowledged: cdk-nag reports it,
 * and an app without cdk-nag builds as before (throwing here would fail its synth for a check it does not run).
 * Each finding under `scope` is acknowledged individually — the resources by their exact text — so any
 * new wildcard fails synth. Acknowledgements are metadata on our own constructs: they matter only to an
 * app that runs cdk-nag (ours and our tests do), and change nothing for one that does not.
 *
 * `scopedResources`: the wildcard ARNs as the policies use them (tokens allowed; those with no `*` are ignored).
 */
export function acknowledgeScopedWildcards(scope: IConstruct, scopedResources: readonly string[]): void {
  const validations = Validations.of(scope);
  const stack = Stack.of(scope);
  const resources = scopedResources.map((r) => nagResourceText(stack.resolve(r))).filter((r) => r.includes('*'));
  for (const resource of new Set(resources)) {
    const reason = scopedWildcardReason(resource);
    if (reason !== undefined) validations.acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
  }
  for (const { finding, reason: why } of SCOPED_ACTION_FINDINGS) validations.acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: why });
}

/** The reason of the first kind whose pattern matches a wildcard resource as cdk-nag writes it (`<Id.Arn>` for a token). */
function scopedWildcardReason(resource: string): string | undefined {
  return SCOPED_WILDCARD_KINDS.find((k) => k.pattern.test(resource))?.reason;
}

/**
 * A whole-ARN pattern as cdk-nag writes it: `{seg}` is one ARN field, literal or a pseudo-parameter such as
 * `<AWS::Partition>`, whose own colons a plain `[^:]*` would take for field separators.
 */
function arnPattern(source: string): RegExp {
  return new RegExp(`^${source.replace(/\{seg\}/g, '(?:<[^>]*>|[^:<>]*)')}$`);
}

/**
 * The kinds of resource wildcard Lifeboat's policies use, each with why no narrower ARN can say it. Order matters:
 * a wildcard in a bucket's name is a bucket prefix before an object prefix of one bucket is looked for.
 */
const SCOPED_WILDCARD_KINDS: readonly { kind: string; pattern: RegExp; reason: string }[] = [
  {
    kind: 'function versions',
    pattern: arnPattern('(<[^>]+\\.Arn>|arn:{seg}:lambda:{seg}:{seg}:function:[^:*]+):\\*'),
    reason: 'Wildcard scoped to the versions of one Lambda function (its ARN:*): Step Functions may invoke any version of it, as CDK\'s LambdaInvoke grants.',
  },
  {
    kind: 'stack ids',
    pattern: arnPattern('arn:{seg}:cloudformation:{seg}:{seg}:stack/[^/*]+/\\*'),
    reason: 'Wildcard scoped to the ids of one CloudFormation stack by its name: a stack deleted and deployed again gets a new id.',
  },
  {
    kind: 'DynamoDB tables by name prefix',
    pattern: arnPattern('arn:{seg}:dynamodb:{seg}:{seg}:table/[^/*]+\\*'),
    reason:
      'DynamoDB tables of one account and region whose names start with this environment\'s restore-target or drill-scratch prefix (<prefix>-restore-*, <prefix>-drill-*): restores and drills create their target tables at run time, named then, so none has an ARN at deploy time.',
  },
  {
    kind: 'EFS file systems of the DR region',
    pattern: arnPattern('arn:{seg}:elasticfilesystem:{seg}:{seg}:file-system/\\*'),
    reason:
      'EFS file systems of one account in the DR region, for the file-system mirror\'s replication only: CreateReplicationConfiguration on the one source file system has EFS create the read-only destination file system with the caller\'s rights, so elasticfilesystem:CreateFileSystem is checked on a file system whose id EFS gives only once it exists and no ARN can name beforehand; DescribeFileSystems reads that replica (its key, on an update), whose id only the replication configuration tells at run time.',
  },
  {
    kind: 'S3 buckets by name prefix',
    pattern: arnPattern('arn:{seg}:s3:::[^/]*\\*[^/]*(/\\*)?'),
    reason:
      'S3 buckets whose names start with this environment\'s restore-target or drill-scratch prefix (<prefix>-restore-*, <prefix>-drill-*), and their objects: restores and drills create or fill these buckets at run time, named then, so none has an ARN at deploy time.',
  },
  {
    kind: 'S3 object key prefix of one bucket',
    pattern: arnPattern('(<[^>]+\\.Arn>|arn:{seg}:s3:::[^/*]+)/.*\\*'),
    reason: 'S3 object actions on a key prefix of one bucket, named exactly (every key of it for a source whose prefix is empty).',
  },
];

/**
 * The action wildcards our policies contain: only those of CDK's grantEncryptDecrypt/grantDecrypt on the
 * catalog key (no S3 action wildcard: every S3 statement names its actions, so none can include
 * s3:DeleteObjectVersion by accident).
 */
const SCOPED_ACTION_FINDINGS = [
  {
    finding: 'Action::kms:ReEncrypt*',
    reason: 'grantEncryptDecrypt on the catalog key (one key, whose key policy allows its use through DynamoDB only): ReEncryptFrom/ReEncryptTo, which DynamoDB may call when the table key is rotated.',
  },
  {
    finding: 'Action::kms:GenerateDataKey*',
    reason: 'grantEncryptDecrypt on the catalog key (one key, whose key policy allows its use through DynamoDB only): the GenerateDataKey variants DynamoDB calls for a customer-managed table key.',
  },
];

/**
 * Active tracing grants xray:PutTraceSegments/PutTelemetryRecords, which only accept Resource "*".
 * Acknowledged on the role's default policy (where CDK puts those statements), not the whole role,
 * so that a `*` in any other policy of the role (the ENI policy of a VPC function) needs its own reason.
 */
export function acknowledgeXRayWildcard(role: IConstruct): void {
  Validations.of(role.node.tryFindChild('DefaultPolicy') ?? role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
  });
}

/**
 * cdk-nag AwsSolutions-L1 flags a function whose runtime is not the newest its aws-cdk-lib knows. Lifeboat's
 * functions run prebuilt bundles made for node24 (dist/handlers), so a user whose aws-cdk-lib knows a newer runtime
 * would have their synth fail on every one of them, which they cannot change. Acknowledged on each of our own functions only;
 * moving the bundles to a newer runtime is a Lifeboat release's decision.
 */
export function acknowledgeBundledRuntime(fn: IConstruct, runtime: string): void {
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: `Lifeboat's prebuilt handler bundles target ${runtime}, a runtime AWS Lambda supports; moving them to a newer runtime is a Lifeboat release's decision, not the app's.`,
  });
}

/** The approver's SendTaskSuccess/Failure/Heartbeat, which IAM matches only with Resource "*" (approval-step.ts). */
export function acknowledgeTaskResponseWildcard(policy: IConstruct): void {
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'Approvals: states:SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat support no resource-level permissions; the task token names the execution.',
  });
}

/**
 * The approver's states:DescribeExecution on the executions of the one runbook it approves
 * (`execution:<state machine name>:*`, CDK's grantExecution), whose names are made at run time.
 * Acknowledged on the approver's policy, each resource by its text.
 */
export function acknowledgeApproverExecutionsWildcard(policy: IConstruct, executions: readonly string[]): void {
  const stack = Stack.of(policy);
  for (const resource of new Set(executions.map((r) => nagResourceText(stack.resolve(r))).filter((r) => r.includes('*')))) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason: 'Approvals: states:DescribeExecution and states:GetExecutionHistory on the executions of the one runbook the approver answers (lifeboat approve tells a console-approved or ended execution from one that waits, and its own earlier answer whose reply was lost from another\'s), whose names Step Functions makes at run time.',
    });
  }
}

/**
 * The drill's compare function's kms:Decrypt on `arn:…:kms:<region>:<account>:key/*` (drill-workflow.ts, liveComparison):
 * for a source bucket whose key is created in a stack of another region, whose ARN the drill's stack cannot reference.
 * Acknowledged on the function's role, each resource by its text.
 */
export function acknowledgeSourceKeysThroughS3(role: IConstruct, keyPatterns: readonly string[]): void {
  const stack = Stack.of(role);
  for (const resource of new Set(keyPatterns.map((r) => nagResourceText(stack.resolve(r))))) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason:
        'Drill live comparison: kms:Decrypt on the keys of one account and region only through S3 of that region (kms:ViaService) and only with the encryption context of a compared source bucket or its objects under the source prefix (kms:EncryptionContext:aws:s3:arn), so no more than its s3:GetObject reads; the bucket\'s key is created in a stack of another region, whose ARN this stack cannot reference (the cross-region reference would be a dependency cycle).',
    });
  }
}

/**
 * A resolved resource as cdk-nag writes it in a finding: `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},…]]}`
 * becomes `arn:<AWS::Partition>:…`, `{"Fn::GetAtt":["Id","Arn"]}` becomes `<Id.Arn>` (cdk-nag's flattenCfnReference).
 */
function nagResourceText(resolved: unknown): string {
  if (resolved === undefined) return '';
  if (typeof resolved === 'string') return resolved.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const node = resolved as Record<string, unknown>;
  const join = node['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(nagResourceText).join(join[0]);
  if (node['Fn::Sub'] !== undefined) return nagResourceText(node['Fn::Sub']);
  const getAtt = node['Fn::GetAtt'] as [unknown, unknown] | undefined;
  if (getAtt) return `<${nagResourceText(getAtt[0])}.${nagResourceText(getAtt[1])}>`;
  if (node['Fn::ImportValue'] !== undefined) return nagResourceText(node['Fn::ImportValue']);
  if (node.Ref !== undefined) return `<${nagResourceText(node.Ref)}>`;
  return JSON.stringify(resolved);
}

/**
 * A Distributed Map's state machine may start, describe, stop and redrive its own child executions:
 * CDK's DistributedMapPolicy names them `execution:<this state machine's name>:*` (and `/*:*` for map
 * runs), which no narrower ARN can say. Acknowledged on that policy only, each resource by its text.
 */
export function acknowledgeDistributedMapWildcards(stateMachine: IConstruct): void {
  const policy = stateMachine.node.tryFindChild('DistributedMapPolicy');
  if (!policy) return;
  const stack = Stack.of(stateMachine);
  const document = stack.resolve((policy as unknown as { document: { toJSON(): unknown } }).document.toJSON()) as { Statement?: { Resource?: unknown }[] };
  const resources = (document.Statement ?? []).flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).map(nagResourceText);
  for (const resource of new Set(resources.filter((r) => r.includes('*')))) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason: 'Distributed Map: the state machine starts, describes, stops and redrives its own child executions and map runs, whose names Step Functions makes at run time.',
    });
  }
}

/**
 * What a `.sync` StepFunctionsStartExecution adds to the parent's role beside states:StartExecution on the
 * child: Describe/StopExecution on the child's executions, whose names Step Functions makes at run time
 * (`execution:<child>*`). Acknowledged by their exact text, so any other wildcard still fails synth.
 */
export function acknowledgeChildExecutionWildcards(parent: IConstruct & { role: IConstruct }): void {
  const policy = parent.role.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  const stack = Stack.of(parent);
  const document = stack.resolve((policy as unknown as { document: { toJSON(): unknown } }).document.toJSON()) as { Statement?: { Action?: unknown; Resource?: unknown }[] };
  const resources = (document.Statement ?? [])
    .filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('states:DescribeExecution'))
    .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
    .map(nagResourceText);
  for (const resource of new Set(resources.filter((r) => r.includes('*')))) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason: 'Nested restore (startExecution.sync:2): the parent describes and stops the executions of its one restore-source state machine, whose names Step Functions makes at run time.',
    });
  }
}
