import { CfnOutput, CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { type IConstruct } from 'constructs';

/** Lambda Developer Guide, "Lambda quotas": 4 KB for all of a function's environment variables together. */
export const MAX_LAMBDA_ENVIRONMENT_BYTES = 4096;

// The longest values a deploy-time name or ARN can take, so that a template that fits here fits in
// every account and region. S3 bucket names: 63 characters; DynamoDB table names: 255.
const LONGEST_BUCKET_NAME = 63;
const LONGEST_TABLE_NAME = 255;
// A resource created without a name gets one CloudFormation generates at deploy: the stack's name, the
// logical id and a random suffix, cut to the service's limit (CloudFormation Template Reference, "Custom
// naming": "MyStack-MyBucket-abcdefghijk1"; a bucket's lowercased, as long). The suffixes seen are 12
// or 13 characters; the longer counts.
const GENERATED_SUFFIX = 'x'.repeat(13);
// The longest partition (aws-us-gov) and region name (us-isof-south-1) AWS has.
const LONGEST_PARTITION = 'aws-us-gov';
const LONGEST_REGION = 'x'.repeat('us-isof-south-1'.length);
const ACCOUNT = '0'.repeat(12);
// A key id is a UUID (36 characters); a multi-Region key's mrk- plus 32 hex digits is as long.
const KEY_ID = 'x'.repeat(36);
const URL_SUFFIX = 'amazonaws.com.cn';
// What resolves to a KMS key's ARN: the key, and the custom resource that looks up the DR keys' ARNs (dr-key-arns.ts).
const KEY_ARN_TYPES: ReadonlySet<string> = new Set(['AWS::KMS::Key', 'Custom::LifeboatKeyArn']);

/**
 * The size of a function's environment as Lambda measures it against its 4 KB: the JSON of the
 * Variables map, not the sum of names and values, so every quote inside a value (LIFEBOAT_PLANS is
 * JSON) counts twice once escaped as \". AWS's own error shows it, e.g. "exceeded the 4KB limit.
 * String measured: {\"RUNNER_CONFIG\":\"[{\\\"arn\\\"…"
 * (github.com/github-aws-runners/terraform-aws-github-runner/issues/3594). A value CloudFormation
 * resolves at deploy counts at the longest it can resolve to (our own names as the names we give;
 * a name CloudFormation generates as long as its stack name, logical id and random suffix make it,
 * a user's token at AWS's maximum), so a synth that passes cannot fail to deploy in a longer region,
 * partition or account.
 */
export function longestEnvironmentBytes(scope: IConstruct, variables: Readonly<Record<string, string>>): { bytes: number; largest: string } {
  const stack = Stack.of(scope);
  const longest = new LongestValues(stack);
  const resolved: Record<string, string> = {};
  let largest = '';
  for (const [key, value] of Object.entries(variables)) {
    resolved[key] = Token.isUnresolved(value) ? longest.of(stack.resolve(value)) : value;
    if (largest === '' || (resolved[key]?.length ?? 0) > (resolved[largest]?.length ?? 0)) largest = key;
  }
  return { bytes: Buffer.byteLength(JSON.stringify(resolved)), largest };
}

/** Evaluates CloudFormation expressions of one stack to the longest text each can resolve to. */
class LongestValues {
  private resources?: Map<string, CfnResource>;

  constructor(private readonly stack: Stack) {}

  of(expression: unknown): string {
    if (typeof expression === 'string') return expression;
    // A part a lazy value left out (resolved to undefined): CloudFormation never sees it.
    if (expression === undefined) return '';
    if (typeof expression === 'number' || typeof expression === 'boolean') return String(expression);
    const [entry] = expression !== null && typeof expression === 'object' ? Object.entries(expression) : [];
    const [fn, arg] = entry ?? [];
    if (fn === 'Ref' && typeof arg === 'string') return this.ref(arg) ?? this.unknown(expression);
    if (fn === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
      return (arg[1] as unknown[]).map((part) => this.of(part)).join(arg[0]);
    }
    if (fn === 'Fn::GetAtt' && Array.isArray(arg) && typeof arg[0] === 'string' && arg[1] === 'Arn') return this.arn(arg[0]) ?? this.unknown(expression);
    if (fn === 'Fn::ImportValue' && typeof arg === 'string') return this.imported(arg) ?? this.unknown(expression);
    return this.unknown(expression);
  }

  private ref(name: string): string | undefined {
    switch (name) {
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::Region':
        return this.region();
      case 'AWS::Partition':
        return this.partition();
      case 'AWS::URLSuffix':
        return URL_SUFFIX;
      case 'AWS::StackName':
        return this.stack.stackName;
    }
    const resource = this.resource(name);
    if (resource instanceof s3.CfnBucket) return this.name(resource.bucketName, name, LONGEST_BUCKET_NAME);
    if (resource instanceof dynamodb.CfnTable || resource instanceof dynamodb.CfnGlobalTable) return this.name(resource.tableName, name, LONGEST_TABLE_NAME);
    if (resource?.cfnResourceType === 'AWS::KMS::Key') return KEY_ID;
    return undefined;
  }

  /**
   * A bucket's or table's name: the one the template gives, or the one CloudFormation generates. An
   * L2 construct built without a name (new s3.Bucket(this, 'Media')) still sets the property, to a
   * token that resolves to undefined, so only the resolved value tells a generated name.
   */
  private name(given: string | undefined, logicalId: string, limit: number): string {
    const resolved: unknown = given === undefined ? undefined : this.stack.resolve(given);
    if (resolved !== undefined) return this.of(resolved);
    const stackName = Token.isUnresolved(this.stack.stackName) ? 'x'.repeat(limit) : this.stack.stackName;
    return `${stackName}-${logicalId}-${GENERATED_SUFFIX}`.slice(0, limit);
  }

  private arn(logicalId: string): string | undefined {
    const resource = this.resource(logicalId);
    if (resource === undefined) return undefined;
    if (KEY_ARN_TYPES.has(resource.cfnResourceType)) return `arn:${this.partition()}:kms:${this.region()}:${ACCOUNT}:key/${KEY_ID}`;
    const name = this.ref(logicalId);
    if (name === undefined) return undefined;
    if (resource instanceof s3.CfnBucket) return `arn:${this.partition()}:s3:::${name}`;
    if (resource instanceof dynamodb.CfnTable || resource instanceof dynamodb.CfnGlobalTable) return `arn:${this.partition()}:dynamodb:${this.region()}:${ACCOUNT}:table/${name}`;
    return undefined;
  }

  /** A value another stack of the app exports (a cross-stack reference): its own expression there. */
  private imported(exportName: string): string | undefined {
    const output = this.stack.node.root.node.findAll().find((c): c is CfnOutput => c instanceof CfnOutput && Stack.of(c).resolve(c.exportName) === exportName);
    return output ? new LongestValues(Stack.of(output)).of(Stack.of(output).resolve(output.value)) : undefined;
  }

  private region(): string {
    return Token.isUnresolved(this.stack.region) ? LONGEST_REGION : this.stack.region;
  }

  private partition(): string {
    if (Token.isUnresolved(this.stack.region)) return LONGEST_PARTITION;
    return RegionInfo.get(this.stack.region).partition ?? LONGEST_PARTITION;
  }

  private resource(logicalId: string): CfnResource | undefined {
    this.resources ??= new Map(
      this.stack.node
        .findAll()
        .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === this.stack)
        .map((r) => [String(this.stack.resolve(r.logicalId)), r]),
    );
    return this.resources.get(logicalId);
  }

  // Anything else (an attribute only AWS knows): its expression's length stands in for it, as in the local deploy check.
  private unknown(expression: unknown): string {
    return JSON.stringify(expression).replace(/["\\]/g, 'x');
  }
}
