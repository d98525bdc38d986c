import { Validations } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';

/**
 * The kinds of wildcard resource Lifeboat acknowledges for cdk-nag (AwsSolutions-IAM5), told by the ARN's service
 * and shape, and what a reason must say to be about that kind (audit a57E-2: one reason, about S3 key prefixes,
 * was given to DynamoDB tables, drill buckets and every EFS file system of a region).
 */
const KINDS: readonly { kind: string; arn: RegExp; says: RegExp }[] = [
  { kind: 'function versions', arn: /(\.Arn>|:lambda:.*:function:[^:*]+):\*$/, says: /versions of one Lambda function/ },
  { kind: 'stack ids', arn: /:cloudformation:.*:stack\/[^/*]+\/\*$/, says: /ids of one CloudFormation stack/ },
  { kind: 'DynamoDB tables', arn: /:dynamodb:.*:table\/[^/]*\*$/, says: /DynamoDB tables/ },
  { kind: 'EFS file systems', arn: /:elasticfilesystem:.*:file-system\/\*$/, says: /EFS file systems.*replication.*CreateFileSystem/ },
  { kind: 'S3 buckets by name prefix', arn: /:s3:::[^/]*\*/, says: /S3 buckets whose names start with/ },
  { kind: 'S3 object key prefix of one bucket', arn: /(\.Arn>|:s3:::[^/*]+)\/.*\*$/, says: /key prefix of one bucket/ },
];

/** Each acknowledged wildcard resource of a kind above under `root`, with whether its reason names its kind and no other. */
export function wildcardReasonsByKind(root: IConstruct): { resource: string; kind: string; namesItsKind: boolean; namesOtherKinds: string[] }[] {
  const seen = new Map<string, { resource: string; kind: string; namesItsKind: boolean; namesOtherKinds: string[] }>();
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const resource = /AwsSolutions-IAM5\[Resource::(.*)\]$/.exec(id)?.[1];
        const kind = resource === undefined ? undefined : KINDS.find((k) => k.arn.test(resource));
        if (resource === undefined || !kind) continue;
        const row = { resource, kind: kind.kind, namesItsKind: kind.says.test(reason), namesOtherKinds: KINDS.filter((k) => k !== kind && k.says.test(reason)).map((k) => k.kind) };
        seen.set(`${resource}\n${reason}`, row);
      }
    }
  }
  return [...seen.values()];
}
