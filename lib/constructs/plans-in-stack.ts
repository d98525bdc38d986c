import { Aws, CfnParameter, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type IConstruct } from 'constructs';
import { type ProtectionPlanConfig, type SourceConfig } from '../../config/lifeboat-config';
import { NAME_IN_OTHER_REGION } from '../../config/names-in-other-region';

// Defined in config/, where the functions that must recognize it (the drill's comparison, the mirror check) find it too.
export { NAME_IN_OTHER_REGION };

/** The bucket or table behind a token name, and the deployed name its source's options gave for other stacks (`deployedName`). */
type RememberedName = { readonly resource: IConstruct; readonly deployedName?: string };

/**
 * The bucket or table behind each token a LifeboatSource put in its config as a bucket or table name (the source's, its
 * inventory bucket's). Keyed by the token's string, which is unique in the process and is what the plans carry: the
 * workflows receive plain configs, in which the resource is no longer at hand.
 */
const RESOURCE_OF_NAME = new Map<string, RememberedName>();

/**
 * Called by LifeboatSource for every bucket or table name it puts in a config: a token's resource is looked up by plansInStack.
 * Returns the other deployed name an earlier source gave the same resource, if any (the caller refuses the conflict).
 */
export function rememberSourceName(name: string, resource: IConstruct, deployedName?: string): string | undefined {
  if (!Token.isUnresolved(name)) return undefined;
  const earlier = RESOURCE_OF_NAME.get(name)?.deployedName;
  if (earlier !== undefined && deployedName !== undefined && earlier !== deployedName) return earlier;
  RESOURCE_OF_NAME.set(name, { resource, ...((deployedName ?? earlier) !== undefined ? { deployedName: deployedName ?? earlier } : {}) });
  return undefined;
}

/** The `deployedName` a source gave the resource behind a token name, if any: the name it has although its template gives none. */
export function deployedNameOf(name: string): string | undefined {
  return Token.isUnresolved(name) ? RESOURCE_OF_NAME.get(name)?.deployedName : undefined;
}

/** A source's name as another stack may use it, or what about it is unknown there (a phrase for an operator's message). */
export type NameElsewhere = { readonly name: string } | { readonly unknown: string };

/**
 * Pseudo parameters whose value is the same in the DR stack as in the primary one, when both are in one account: mirrors are
 * same-account only, and an account lives in one partition, whose URL suffix every region of it shares. Not AWS::Region.
 */
const SAME_IN_DR_STACK: Readonly<Record<string, string>> = { 'AWS::AccountId': Aws.ACCOUNT_ID, 'AWS::Partition': Aws.PARTITION, 'AWS::URLSuffix': Aws.URL_SUFFIX };

/**
 * A source's bucket or table name as a stack of another region (`sameAccount`: and the same account) may use it: the name
 * itself when it is a literal; for a token, the source's `deployedName`, else the name its resource was given in its own stack
 * (`bucketName`, `tableName`), read there, when that is a literal or, in the same account, built only of literals and the
 * pseudo parameters of SAME_IN_DR_STACK (rendered as those parameters in the other stack); otherwise what is unknown.
 * Never by resolving the token in the other stack: for a resource whose physical name CDK generates when needed (`TableV2`),
 * that resolution writes a generated TableName into the user's table, which CloudFormation applies as a replacement by a new,
 * empty table (audit a1 F1); a parameter, SSM value or Fn::ImportValue would be copied into a stack of another region, where
 * CloudFormation cannot resolve it (imports are same-region only) or CDK finds a cycle (F2).
 */
export function sourceNameElsewhere(name: string, sameAccount: boolean): NameElsewhere {
  if (!Token.isUnresolved(name)) return { name };
  const remembered = RESOURCE_OF_NAME.get(name);
  if (remembered === undefined) return { unknown: 'it is a token Lifeboat cannot trace to its bucket or table' };
  if (remembered.deployedName !== undefined) return { name: remembered.deployedName };
  return resourceNameElsewhere(remembered.resource, name, sameAccount);
}

/**
 * The physical name a bucket or table of this app is given in its CloudFormation resource (`bucketName`, `tableName`:
 * undefined when CloudFormation generates it), or undefined for a resource this app does not define (an import).
 */
export function physicalNameGiven(resource: IConstruct | undefined): { given: unknown } | undefined {
  const cfn = resource?.node.defaultChild;
  if (cfn instanceof s3.CfnBucket) return { given: cfn.bucketName };
  if (cfn instanceof dynamodb.CfnTable || cfn instanceof dynamodb.CfnGlobalTable) return { given: cfn.tableName };
  return undefined;
}

/** `resource`'s own name (`name`, its token) as sourceNameElsewhere judges it, `deployedName` aside. */
export function resourceNameElsewhere(resource: IConstruct, name: string, sameAccount: boolean): NameElsewhere {
  if (!Token.isUnresolved(name)) return { name };
  const given: unknown = (physicalNameGiven(resource) ?? { given: name }).given;
  const generated = { unknown: 'CloudFormation generates it at deploy (no physical name is given)' };
  if (given === undefined) return generated;
  // In the resource's own stack, where a reference resolves to itself and generates nothing (a name CDK would generate when
  // needed, TableV2's, resolves to undefined there).
  const stack = Stack.of(resource);
  const resolved: unknown = stack.resolve(given);
  if (resolved === undefined) return generated;
  if (typeof resolved === 'string') return { name: resolved };
  const parts = joinedParts(resolved);
  const unknown = parts.flatMap((part) => (typeof part === 'string' || (sameAccount && isSameInDrStack(part)) ? [] : [describePart(part, stack)]));
  if (unknown.length > 0) return { unknown: `it depends on ${[...new Set(unknown)].join(' and ')}, which only the primary stack resolves` };
  return { name: parts.map((part) => (typeof part === 'string' ? part : SAME_IN_DR_STACK[(part as { Ref: string }).Ref])).join('') };
}

/** The parts of a resolved name: those of a flat `Fn::Join` with no separator, else the expression itself as one part. */
function joinedParts(resolved: unknown): unknown[] {
  if (typeof resolved === 'object' && resolved !== null && 'Fn::Join' in resolved) {
    const join: unknown = resolved['Fn::Join'];
    if (Array.isArray(join) && join[0] === '' && Array.isArray(join[1])) return join[1] as unknown[];
  }
  return [resolved];
}

function refOf(part: unknown): string | undefined {
  if (typeof part !== 'object' || part === null || !('Ref' in part)) return undefined;
  const ref: unknown = part.Ref;
  return typeof ref === 'string' ? ref : undefined;
}

function isSameInDrStack(part: unknown): boolean {
  const ref = refOf(part);
  return ref !== undefined && ref in SAME_IN_DR_STACK;
}

/** An operator's name for an unknown part of a source's name: what to make a literal. */
function describePart(part: unknown, stack: Stack): string {
  const ref = refOf(part);
  if (ref === 'AWS::AccountId') return 'the account (AWS::AccountId; the DR stack is in another account)';
  if (ref === 'AWS::Region') return 'the primary region (AWS::Region, which names the DR region in the DR stack)';
  if (ref?.startsWith('AWS::') === true) return `the pseudo parameter ${ref}`;
  if (ref !== undefined) {
    const parameter = stack.node.findAll().find((c): c is CfnParameter => c instanceof CfnParameter && stack.resolve(c.logicalId) === ref);
    if (parameter?.type.startsWith('AWS::SSM::Parameter::Value') === true && typeof parameter.default === 'string') return `the SSM parameter ${parameter.default}`;
    return `the parameter ${ref}`;
  }
  if (typeof part === 'object' && part !== null && 'Fn::ImportValue' in part) return `an import (Fn::ImportValue ${JSON.stringify(part['Fn::ImportValue'])}; imports are same-region only)`;
  return `a value of the primary stack (${JSON.stringify(part)})`;
}

/**
 * The plans as the functions of `scope`'s stack receive them (LIFEBOAT_PLANS). In the sources' own environment, unchanged.
 * In another one (the DR region's stack), a bucket or table name is kept only when it is known there (sourceNameElsewhere)
 * and otherwise replaced by NAME_IN_OTHER_REGION: the DR path never writes a source, and the functions that would read one
 * there (the DR drill's live comparison, the mirror check) leave such a source out and say why. A mirrored source must have
 * a literal name, which LifeboatProtection checks.
 */
export function plansInStack(scope: IConstruct, plans: readonly ProtectionPlanConfig[]): ProtectionPlanConfig[] {
  const stack = Stack.of(scope);
  const known = (name: string): string => {
    if (!Token.isUnresolved(name)) return name;
    const remembered = RESOURCE_OF_NAME.get(name);
    if (remembered === undefined) return unknownToken(stack, name);
    const home = Stack.of(remembered.resource);
    if (sameEnvironment(home, stack)) return name;
    const elsewhere = sourceNameElsewhere(name, mayShareAccount(home, stack));
    return 'name' in elsewhere ? elsewhere.name : NAME_IN_OTHER_REGION;
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

/** Unless both accounts are literals that differ: an environment-agnostic stack's account is the one it is deployed into. */
function mayShareAccount(a: Stack, b: Stack): boolean {
  return Token.isUnresolved(a.account) || Token.isUnresolved(b.account) || a.account === b.account;
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
