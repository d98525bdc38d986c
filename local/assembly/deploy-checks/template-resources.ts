import { resolveValue, templateParameters } from '../../cloud/cfn-intrinsics';
import { type CfnResource, type SynthesizedStack } from '../synthesized-stack';

/** One resource of a synthesized stack, with where it is. */
export type LocatedResource = { readonly stack: SynthesizedStack; readonly logicalId: string; readonly resource: CfnResource };

/** The resources of `type` in the stacks, in template order. */
export function resourcesOfType(stacks: readonly SynthesizedStack[], type: string): LocatedResource[] {
  return stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {})
      .filter(([, resource]) => resource.Type === type)
      .map(([logicalId, resource]) => ({ stack, logicalId, resource })),
  );
}

/** Thrown inside `deployTimeValue` only, to leave an expression it cannot evaluate unchecked. */
class UnknownBeforeDeploy extends Error {}

/**
 * The value a property will have once CloudFormation evaluates it, where that is known offline:
 * literals, and names built from pseudo parameters (account, region, stack name) and template
 * parameters' defaults with Fn::Join/Sub/Select/Split. Undefined where it depends on another
 * resource (Ref, Fn::GetAtt) — those values AWS makes itself, so there is nothing to check.
 */
export function deployTimeValue(stack: SynthesizedStack, value: unknown): unknown {
  try {
    return resolveValue(
      value,
      {
        stackName: stack.stackName,
        region: stack.region,
        account: stack.account,
        parameters: templateParameters(stack.template),
        physicalIds: {},
        fail: () => {
          throw new UnknownBeforeDeploy();
        },
      },
      '',
    );
  } catch (err) {
    if (err instanceof UnknownBeforeDeploy) return undefined;
    throw err;
  }
}

/** A string property as deployed (see deployTimeValue); undefined when absent or not known offline. */
export function deployTimeString(stack: SynthesizedStack, value: unknown): string | undefined {
  const resolved = value === undefined ? undefined : deployTimeValue(stack, value);
  return typeof resolved === 'string' ? resolved : undefined;
}

/** A number property (CloudFormation also takes numbers as strings); undefined when absent or not a literal. */
export function deployTimeNumber(stack: SynthesizedStack, value: unknown): number | undefined {
  const resolved = value === undefined ? undefined : deployTimeValue(stack, value);
  if (typeof resolved === 'number') return resolved;
  if (typeof resolved === 'string' && /^-?\d+(\.\d+)?$/.test(resolved)) return Number(resolved);
  return undefined;
}
