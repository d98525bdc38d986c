import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';

/**
 * cdk-nag AwsSolutions-IAM5 flags every wildcard. Lifeboat's wildcards are each narrowed to one
 * resource: S3 object actions on a key prefix of one bucket, KMS ReEncrypt and GenerateDataKey
 * variants on one key, invocation of the versions of one function. Each finding under `scope` is
 * acknowledged individually — the resource ones by their exact text — so any new wildcard fails synth.
 */
export function acknowledgeScopedWildcards(scope: IConstruct, scopedResources: readonly string[]): void {
  const validations = Validations.of(scope);
  const reason =
    'Wildcard scoped to one resource: S3 object actions on a key prefix of one bucket, KMS ReEncrypt/GenerateDataKey variants on one key, the versions of one Lambda function.';
  const findings = [...SCOPED_ACTION_FINDINGS, ...scopedResources.map((r) => `Resource::${r}`)];
  for (const finding of new Set(findings)) validations.acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
}

/** Action wildcards CDK's grant methods emit on single-resource grants (grantRead/Put, grantEncryptDecrypt). */
const SCOPED_ACTION_FINDINGS = [
  'Action::kms:ReEncrypt*',
  'Action::kms:GenerateDataKey*',
  'Action::s3:GetObject*',
  'Action::s3:GetBucket*',
  'Action::s3:List*',
  'Action::s3:Abort*',
  'Action::s3:DeleteObject*',
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

/** The IAM5 finding text for `<LogicalId.Arn>suffix` of a construct's CloudFormation resource. */
export function arnFinding(construct: IConstruct, suffix: string): string {
  const stack = Stack.of(construct);
  const cfn = construct.node.defaultChild as CfnElement;
  return `<${stack.resolve(stack.getLogicalId(cfn)) as string}.Arn>${suffix}`;
}
