import { Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type IConstruct } from 'constructs';
import { type ProtectionPlanConfig, type SourceConfig } from '../../config/lifeboat-config';
import { NAME_IN_OTHER_REGION } from '../../config/names-in-other-region';

// Defined in config/, where the functions that must recognize it (the drill's comparison, the mirror check) find it too.
export { NAME_IN_OTHER_REGION };

/**
 * The bucket or table behind each token a LifeboatSource put in its config as a bucket or table name (the source's, its
 * inventory bucket's). Keyed by the token's string, which is unique in the process and is what the plans carry: the
 * workflows receive plain configs, in which the resource is no longer at hand.
 */
const RESOURCE_OF_NAME = new Map<string, IConstruct>();

/** Called by LifeboatSource for every bucket or table name it puts in a config: a token's resource is looked up by plansInStack. */
export function rememberSourceName(name: string, resource: IConstruct): void {
  if (Token.isUnresolved(name)) RESOURCE_OF_NAME.set(name, resource);
}

/**
 * A source's bucket or table name as a stack of another region or account may use it: the name itself when it is a literal;
 * for a token, the literal name its resource was given in its own stack (`bucketName`, `tableName`), read there; otherwise
 * undefined. Never by resolving the token in the other stack: for a resource whose physical name CDK generates when needed
 * (`TableV2`), that resolution writes a generated TableName into the user's table, which CloudFormation applies as a
 * replacement by a new, empty table (audit a1 F1); a parameter, SSM value or Fn::ImportValue would be copied into a stack
 * of another region, where CloudFormation cannot resolve it (imports are same-region only) or CDK finds a cycle (F2).
 */
export function literalSourceName(name: string): string | undefined {
  if (!Token.isUnresolved(name)) return name;
  const resource = RESOURCE_OF_NAME.get(name);
  if (resource === undefined) return undefined;
  const cfn = resource.node.defaultChild;
  const given: unknown = cfn instanceof s3.CfnBucket ? cfn.bucketName : cfn instanceof dynamodb.CfnTable || cfn instanceof dynamodb.CfnGlobalTable ? cfn.tableName : name;
  if (given === undefined) return undefined;
  // In the resource's own stack, where a reference resolves to itself and generates nothing.
  const resolved: unknown = Stack.of(resource).resolve(given);
  return typeof resolved === 'string' ? resolved : undefined;
}

/**
 * The plans as the functions of `scope`'s stack receive them (LIFEBOAT_PLANS). In the sources' own environment, unchanged.
 * In another one (the DR region's stack), a bucket or table name is kept only when it is a literal there (literalSourceName)
 * and otherwise replaced by NAME_IN_OTHER_REGION: the DR path never writes a source, and the functions that would read one
 * there (the DR drill's live comparison, the mirror check) leave such a source out and say why. A mirrored source must have
 * a literal name, which LifeboatProtection checks.
 */
export function plansInStack(scope: IConstruct, plans: readonly ProtectionPlanConfig[]): ProtectionPlanConfig[] {
  const stack = Stack.of(scope);
  const known = (name: string): string => {
    if (!Token.isUnresolved(name)) return name;
    const resource = RESOURCE_OF_NAME.get(name);
    if (resource === undefined) return unknownToken(stack, name);
    if (sameEnvironment(Stack.of(resource), stack)) return name;
    return literalSourceName(name) ?? NAME_IN_OTHER_REGION;
  };
  const source = (s: SourceConfig): SourceConfig => {
    if (s.type === 's3') return { ...s, bucket: known(s.bucket), ...(s.inventory ? { inventory: { ...s.inventory, bucket: known(s.inventory.bucket) } } : {}) };
    if (s.type === 'dynamodb') return { ...s, table: known(s.table) };
    return s;
  };
  return plans.map((p) => ({ ...p, sources: p.sources.map(source) }));
}

/** As CDK tells environments apart (Resource.getResourceNameAttribute): a stack of the same account and region may reference the resource. */
function sameEnvironment(a: Stack, b: Stack): boolean {
  return a === b || (a.account === b.account && a.region === b.region);
}

/**
 * A token no LifeboatSource put there (a plan config built by hand, as some workflow tests do): kept when `stack` can
 * resolve it, else the stand-in.
 */
function unknownToken(stack: Stack, name: string): string {
  try {
    stack.resolve(name);
    return name;
  } catch {
    return NAME_IN_OTHER_REGION;
  }
}
