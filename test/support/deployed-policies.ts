/**
 * The policies of synthesized CloudFormation templates as IAM would see them once deployed: intrinsics
 * (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, pseudo parameters) resolved to plausible physical values, so an
 * IAM policy simulator can evaluate them. Physical names that CloudFormation generates are made up from
 * the logical id (a role `arn:aws:iam::<account>:role/<logicalId>`, a key `key/<logicalId>`); names the
 * template fixes (BucketName, TableName, RoleName) are used as they are.
 */

type CfnResource = { Type: string; Properties?: Record<string, unknown> };
export type CfnTemplate = { Resources: Record<string, CfnResource> };
export type StackPlacement = { readonly account: string; readonly region: string };
type PolicyDocument = { Version?: string; Statement: unknown[] };

export class DeployedPolicies {
  constructor(
    private readonly template: CfnTemplate,
    readonly placement: StackPlacement,
  ) {}

  /** A value of the template with every intrinsic resolved. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (typeof value !== 'object' || value === null) return value;
    const node = value as Record<string, unknown>;
    if ('Ref' in node) return this.ref(String(node.Ref));
    if ('Fn::GetAtt' in node) {
      const [id, attribute] = node['Fn::GetAtt'] as [string, string];
      return this.getAtt(id, attribute);
    }
    if ('Fn::Join' in node) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return (this.resolve(parts) as unknown[]).map(String).join(separator);
    }
    if ('Fn::Sub' in node) {
      const text = String(Array.isArray(node['Fn::Sub']) ? (node['Fn::Sub'] as unknown[])[0] : node['Fn::Sub']);
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        const [id, attribute] = name.split('.');
        return String(attribute ? this.getAtt(id ?? '', attribute) : this.ref(id ?? ''));
      });
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, this.resolve(v)]));
  }

  /** The logical id of the role whose CfnRole is `roleLogicalId`'s, as a deployed ARN. */
  roleArn(roleLogicalId: string): string {
    return String(this.getAtt(roleLogicalId, 'Arn'));
  }

  /** Every identity policy of a role: its inline policies and the AWS::IAM::Policy resources attached to it. */
  identityPolicies(roleLogicalId: string): { name: string; policy: PolicyDocument }[] {
    const role = this.resource(roleLogicalId);
    const inline = ((role.Properties?.Policies as { PolicyName: string; PolicyDocument: unknown }[] | undefined) ?? []).map((p) => ({ name: p.PolicyName, policy: this.resolve(p.PolicyDocument) as PolicyDocument }));
    const attached = Object.entries(this.template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && ((r.Properties?.Roles as unknown[] | undefined) ?? []).some((ref) => (ref as { Ref?: string }).Ref === roleLogicalId))
      .map(([id, r]) => ({ name: id, policy: this.resolve(r.Properties?.PolicyDocument) as PolicyDocument }));
    return [...inline, ...attached];
  }

  /** The tags of a role as aws:PrincipalTag/<key> context variables. */
  principalTags(roleLogicalId: string): Record<string, string> {
    const tags = (this.resource(roleLogicalId).Properties?.Tags as { Key: string; Value: string }[] | undefined) ?? [];
    return Object.fromEntries(tags.map((t) => [`aws:PrincipalTag/${t.Key}`, String(this.resolve(t.Value))]));
  }

  /** The logical ids of the roles the state machines run as (their RoleArn's Fn::GetAtt). */
  stateMachineRoleIds(): string[] {
    return Object.values(this.template.Resources)
      .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')
      .map((r) => (r.Properties?.RoleArn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0])
      .filter((id): id is string => id !== undefined);
  }

  /** The logical ids of every resource of a type. */
  idsOf(type: string): string[] {
    return Object.entries(this.template.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
  }

  /** The bucket policy of the bucket with logical id `bucketLogicalId`. */
  bucketPolicy(bucketLogicalId: string): PolicyDocument | undefined {
    const policy = Object.values(this.template.Resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && (r.Properties?.Bucket as { Ref?: string } | undefined)?.Ref === bucketLogicalId);
    return policy ? (this.resolve(policy.Properties?.PolicyDocument) as PolicyDocument) : undefined;
  }

  keyPolicy(keyLogicalId: string): PolicyDocument {
    return this.resolve(this.resource(keyLogicalId).Properties?.KeyPolicy) as PolicyDocument;
  }

  private resource(id: string): CfnResource {
    const resource = this.template.Resources[id];
    if (!resource) throw new Error(`the template has no resource ${id}`);
    return resource;
  }

  private ref(id: string): unknown {
    const { account, region } = this.placement;
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::AccountId': account, 'AWS::Region': region, 'AWS::URLSuffix': 'amazonaws.com' };
    if (pseudo[id] !== undefined) return pseudo[id];
    const resource = this.template.Resources[id];
    if (!resource) return id;
    const fixed = { 'AWS::S3::Bucket': 'BucketName', 'AWS::DynamoDB::Table': 'TableName', 'AWS::IAM::Role': 'RoleName' }[resource.Type];
    const name = fixed ? resource.Properties?.[fixed] : undefined;
    if (resource.Type === 'AWS::S3::Bucket') return name !== undefined ? this.resolve(name) : id.toLowerCase();
    return name !== undefined ? this.resolve(name) : id;
  }

  private getAtt(id: string, attribute: string): unknown {
    const { account, region } = this.placement;
    const resource = this.template.Resources[id];
    if (!resource) throw new Error(`Fn::GetAtt of unknown resource ${id}`);
    const name = String(this.ref(id));
    if (attribute !== 'Arn') return `${id}.${attribute}`;
    switch (resource.Type) {
      // lib/constructs/dr-key-arns.ts: the ARN of the key of another stack (the DR stack), as that stack's own keys resolve.
      case 'Custom::LifeboatKeyArn':
        return `arn:aws:kms:${String(this.resolve(resource.Properties?.Region))}:${String(this.resolve(resource.Properties?.Account ?? account))}:key/${String(this.resolve(resource.Properties?.LogicalResourceId))}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${account}:key/${id}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role/${name}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${account}:function:${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${account}:log-group:${String(this.resolve(resource.Properties?.LogGroupName ?? id))}:*`;
      default:
        return `arn:aws:${resource.Type.split('::')[1]?.toLowerCase() ?? 'unknown'}:${region}:${account}:${id}`;
    }
  }
}
