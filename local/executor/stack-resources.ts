import { resolveString, type ResolveContext } from '../cloud/cfn-intrinsics';
import { deriveBucketName, deriveTableName } from '../cloud/provision-from-templates';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { UnresolvableIntrinsicError } from './errors';

/**
 * The physical names and ARNs that the resources of one synthesized stack have locally. Buckets and
 * tables get the names the local cloud provisioned them under; functions, keys and the rest get
 * deterministic names, so a Ref or Fn::GetAtt in a state machine definition or a function's
 * environment resolves to the same value in every run.
 */
export type StackResources = {
  readonly stack: SynthesizedStack;
  physicalId(logicalId: string): string;
  arn(logicalId: string): string;
  /** ResolveContext for a property of `logicalId`; errors name the stack, resource and property. */
  context(logicalId: string, expression: string): ResolveContext;
};

const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::DynamoDB::Table': 'TableName',
  // A TableV2: the local cloud provisions it as it does a Table (provision-from-templates.ts), so it resolves alike.
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
};

/** lib/constructs/dr-key-arns.ts: the ARN of a key of another stack, read at deploy time. */
const KEY_ARN_TYPE = 'Custom::LifeboatKeyArn';

/** Types whose `Ref` is their ARN, not their name (CloudFormation's return values). */
const REF_RETURNS_ARN: ReadonlySet<string> = new Set(['AWS::StepFunctions::StateMachine']);

export function stackResources(stack: SynthesizedStack): StackResources {
  const resources = stack.template.Resources ?? {};
  const parameters = stack.template.Parameters ?? {};
  const physicalIds: Record<string, string> = {};
  // What `Ref` returns: the physical id, except where CloudFormation returns an ARN (a state machine's Ref is its ARN).
  const refValues: Record<string, string> = {};
  const self: StackResources = {
    stack,
    physicalId: (logicalId) => {
      const known = physicalIds[logicalId];
      if (known === undefined) throw new UnresolvableIntrinsicError(stack.stackName, logicalId, 'Ref', logicalId, 'no such resource in the template');
      return known;
    },
    arn: (logicalId) => arnOf(stack, resources[logicalId]?.Type ?? '', self.physicalId(logicalId), logicalId),
    context: (logicalId, expression) => ({
      stackName: stack.stackName,
      region: stack.region,
      account: stack.account,
      parameters,
      physicalIds: refValues,
      fail: (propertyPath, reason) => {
        throw new UnresolvableIntrinsicError(stack.stackName, logicalId, propertyPath, expression, reason);
      },
      getAtt: (target, attribute, propertyPath) => {
        if (attribute === 'Arn' && resources[target]?.Type === KEY_ARN_TYPE) return keyArnOf(target, propertyPath);
        if (attribute === 'Arn') return self.arn(target);
        throw new UnresolvableIntrinsicError(stack.stackName, logicalId, propertyPath, `${target}.${attribute}`, 'only the Arn attribute is known locally');
      },
    }),
  };
  // The key's local ARN, as the other stack's own resources give it (arnOf: `key/<logical id>`): what the custom resource answers in AWS.
  const keyArnOf = (logicalId: string, propertyPath: string): string => {
    const props = resources[logicalId]?.Properties ?? {};
    const ctx = self.context(logicalId, `${logicalId}.Arn`);
    const region = resolveString(props.Region, ctx, `${propertyPath} → ${logicalId}.Properties.Region`);
    const keyLogicalId = resolveString(props.LogicalResourceId, ctx, `${propertyPath} → ${logicalId}.Properties.LogicalResourceId`);
    const account = props.Account !== undefined ? resolveString(props.Account, ctx, `${propertyPath} → ${logicalId}.Properties.Account`) : stack.account;
    return `arn:aws:kms:${region}:${account}:key/${keyLogicalId}`;
  };
  // Names first (a name may only use pseudo parameters), so Refs between resources resolve afterwards.
  for (const [logicalId, resource] of Object.entries(resources)) {
    const nameProperty = NAME_PROPERTY[resource.Type];
    const explicit = nameProperty ? resource.Properties?.[nameProperty] : undefined;
    if (explicit !== undefined) {
      physicalIds[logicalId] = resolveString(explicit, self.context(logicalId, nameProperty ?? ''), `Properties.${nameProperty ?? ''}`);
    } else if (resource.Type === 'AWS::S3::Bucket') {
      physicalIds[logicalId] = deriveBucketName(stack.stackName, logicalId);
    } else if (resource.Type === 'AWS::DynamoDB::Table' || resource.Type === 'AWS::DynamoDB::GlobalTable') {
      physicalIds[logicalId] = deriveTableName(stack.stackName, logicalId);
    } else {
      physicalIds[logicalId] = `${stack.stackName}-${logicalId}`.slice(0, 64);
    }
    refValues[logicalId] = REF_RETURNS_ARN.has(resource.Type) ? self.arn(logicalId) : (physicalIds[logicalId] ?? '');
  }
  return self;
}

function arnOf(stack: SynthesizedStack, type: string, name: string, logicalId: string): string {
  const { region, account } = stack;
  switch (type) {
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${name}`;
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${region}:${account}:function:${name}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${region}:${account}:stateMachine:${name}`;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${region}:${account}:key/${logicalId}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${account}:role/${name}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${region}:${account}:log-group:${name}:*`;
    default:
      return `arn:aws:cloudformation:${region}:${account}:resource/${stack.stackName}/${logicalId}`;
  }
}
