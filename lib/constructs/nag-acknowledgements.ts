import { Stack, Validations } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';

/**
 * cdk-nag AwsSolutions-IAM5 flags every wildcard. Lifeboat's wildcards are each narrowed to one
 * resource: S3 object actions on a key prefix of one bucket, KMS ReEncrypt and GenerateDataKey
 * variants on one key, invocation of the versions of one function. Each finding under `scope` is
 * acknowledged individually — the resource ones by their exact text — so any new wildcard fails synth.
 * Acknowledgements are metadata on our own constructs: they matter only to an app that runs cdk-nag
 * (ours and our tests do), and change nothing for one that does not.
 *
 * `scopedResources`: the wildcard ARNs as the policies use them (tokens allowed; those with no `*` are ignored).
 */
export function acknowledgeScopedWildcards(scope: IConstruct, scopedResources: readonly string[]): void {
  const validations = Validations.of(scope);
  const reason =
    'Wildcard scoped to one resource: S3 object actions on a key prefix of one bucket, KMS ReEncrypt/GenerateDataKey variants on one key, the versions of one Lambda function.';
  const stack = Stack.of(scope);
  const resources = scopedResources.map((r) => nagResourceText(stack.resolve(r))).filter((r) => r.includes('*'));
  const findings = [...SCOPED_ACTION_FINDINGS, ...resources.map((r) => `Resource::${r}`)];
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
