import { Annotations, Aspects, CfnResource, type IAspect, type IStackSynthesizer, PERMISSIONS_BOUNDARY_CONTEXT_KEY, PermissionsBoundary, Stack, TagManager, Token } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { type DrStackSynthesizer } from './dr-stack-synthesizer';

/**
 * What the default DR stack takes from the user's stack (audit a59B F5): it is a sibling, not a child, so none of the
 * user's stack's settings reach it by the construct tree. Without these a DR stack of a stack deployed with its own
 * bootstrap qualifier looked for the default bootstrap, its roles had no permissions boundary where the organization
 * requires one, and it could be deleted and carried none of the stack's tags.
 *
 * The boundary: in a DR stack of another account, a policy of the user's stack's account is taken by its name in the
 * DR account (boundaryArnIn): the organization's convention is one policy of that name in each account.
 *
 * The synthesizer: as drStackSynthesizerLike decides (a copy of the user's stack's own, or the App's default, with a
 * synth warning when the user's could not be carried).
 */
export type DrStackSettings = { synthesizer?: IStackSynthesizer; permissionsBoundary?: PermissionsBoundary; terminationProtection: boolean };

export function drStackSettingsLike(stack: Stack, drAccount: string | undefined, synthesizer: DrStackSynthesizer): DrStackSettings {
  const settings: { synthesizer?: IStackSynthesizer; permissionsBoundary?: PermissionsBoundary; terminationProtection: boolean } = {
    terminationProtection: stack.terminationProtection,
  };
  if (synthesizer.kind === 'copy') settings.synthesizer = synthesizer.synthesizer;
  // The stack's own boundary (its permissionsBoundary prop) or its Stage's, as CDK stores either: a Stack reads it when
  // constructed, so it is passed as the DR stack's prop rather than set as context afterwards.
  const boundary = stack.node.tryGetContext(PERMISSIONS_BOUNDARY_CONTEXT_KEY) as { name?: string; arn?: string } | undefined;
  if (boundary?.arn !== undefined) settings.permissionsBoundary = PermissionsBoundary.fromArn(boundaryArnIn(boundary.arn, stack, drAccount));
  else if (boundary?.name !== undefined) settings.permissionsBoundary = PermissionsBoundary.fromName(boundary.name);
  return settings;
}

/**
 * The boundary's ARN for a DR stack in `drAccount` (review r60D F2): a policy of the user's stack's own account becomes
 * the same-named policy of the DR account, as IAM takes a boundary of the role's own account only (CreateRole refuses
 * another's). Any other ARN (an AWS managed policy, one with `${AWS::AccountId}`, each DR stack's own) stays as given.
 */
function boundaryArnIn(arn: string, stack: Stack, drAccount: string | undefined): string {
  if (drAccount === undefined || Token.isUnresolved(stack.account) || drAccount === stack.account) return arn;
  const parts = arn.split(':');
  if (parts[0] !== 'arn' || parts[2] !== 'iam' || parts[4] !== stack.account) return arn;
  parts[4] = drAccount;
  return parts.join(':');
}

/**
 * The user's stack's tags on the DR stack and its resources: those of its `tags` prop and of Tags.of(stack) alike, read
 * as aspects run (the user's stack, built before the protection made the DR stack, is visited first, so its Tags.of
 * aspects have tagged it by then). At the lowest priority, so a tag the user gives the DR stack itself wins. A tag whose
 * key or value refers to a resource or parameter of the user's stack is left out, with a warning (CarriedTags).
 */
export function carryStackTags(from: Stack, to: Stack): void {
  Aspects.of(to).add(new CarriedTags(from));
}

class CarriedTags implements IAspect {
  /** The keys of tags left out, warned of once. */
  private readonly skipped = new Set<string>();

  constructor(private readonly from: Stack) {}

  visit(node: IConstruct): void {
    if (!TagManager.isTaggable(node)) return;
    for (const [key, value] of Object.entries(this.from.tags.tagValues())) {
      // A Ref or GetAtt of the user's stack's own would be, in the DR stack, a cross-stack reference back to the stack
      // that depends on the DR stack: a cycle synth refuses (review r60D F4). A literal, a Lazy of one or a pseudo
      // parameter (Aws.ACCOUNT_ID: the DR stack's own then) references nothing and is carried (review r60H F3).
      if (this.referencesStack(key) || this.referencesStack(value)) this.skip(key);
      else node.tags.setTag(key, value, 0);
    }
  }

  /** Whether `text`, resolved in the user's stack, refers to anything of a stack (a Ref, GetAtt or ImportValue). */
  private referencesStack(text: string): boolean {
    return Token.isUnresolved(text) && refersToStack(this.from.resolve(text));
  }

  private skip(key: string): void {
    if (this.skipped.has(key)) return;
    this.skipped.add(key);
    const shown = Token.isUnresolved(key) ? JSON.stringify(this.from.resolve(key)) : key;
    const id = Token.isUnresolved(key) ? 'lifeboat:dr-tag-key-not-carried' : `lifeboat:dr-tag-not-carried-${key}`;
    Annotations.of(this.from).addWarningV2(
      id,
      `tag ${shown} of ${this.from.node.path} refers to a resource or parameter of this stack (a token resolving to a Ref, GetAtt or ImportValue), ` +
        'which the DR stack cannot take from this stack (a cyclic reference): it is not on the DR stack; give it a value of its own there ' +
        `(Tags.of(protection.drStack).add('${Token.isUnresolved(key) ? '<key>' : key}', …)), or pass drStack`,
    );
  }
}

/** Whether a resolved CloudFormation value holds a Ref (but of a pseudo parameter), a GetAtt, an ImportValue or a Sub of one. */
function refersToStack(resolved: unknown): boolean {
  if (Array.isArray(resolved)) return resolved.some(refersToStack);
  if (typeof resolved !== 'object' || resolved === null) return false;
  return Object.entries(resolved).some(([intrinsic, argument]) => {
    if (intrinsic === 'Ref') return typeof argument !== 'string' || !argument.startsWith('AWS::');
    if (intrinsic === 'Fn::GetAtt' || intrinsic === 'Fn::ImportValue') return true;
    if (intrinsic === 'Fn::Sub') return subRefersToStack(argument);
    return refersToStack(argument);
  });
}

/** A Fn::Sub's `${Name}` / `${Name.Attr}` other than a pseudo parameter or one of its own variables. */
function subRefersToStack(argument: unknown): boolean {
  const [template, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof template !== 'string') return true;
  const own = typeof variables === 'object' && variables !== null ? Object.keys(variables) : [];
  const names = [...template.matchAll(/\$\{(?!!)([^}]+)\}/g)].map((match) => match[1] ?? '');
  return names.some((name) => !name.startsWith('AWS::') && !own.includes(name)) || refersToStack(variables);
}

/**
 * A warning when the protection's own roles in the user's stack carry a permissions boundary and the DR stack's do not
 * (review r60D F3): one applied as an Aspect (iam.PermissionsBoundary.of(stack).apply) is in no prop or context the DR
 * stack could take. Only the protection's roles are compared (review r60H F2): a role of the user's own bounded by its
 * own prop says nothing of an Aspect, and the warning would fail `cdk synth --strict` for nothing.
 * Checked as synth validates the tree, after every aspect has run: only then do the roles carry what aspects give them.
 */
export function warnOfBoundaryNotCarried(protection: IConstruct, to: Stack): void {
  const from = Stack.of(protection);
  to.node.addValidation({
    validate: () => {
      const unbounded = roleBoundaries(to, to).filter((boundary) => boundary === undefined).length;
      const bounded = roleBoundaries(protection, from).filter((boundary) => boundary !== undefined).length;
      if (bounded > 0 && unbounded > 0) {
        Annotations.of(from).addWarningV2(
          'lifeboat:dr-boundary-not-carried',
          `${bounded} roles of ${protection.node.path} have a permissions boundary and ${unbounded} of its DR stack ${to.stackName} have none: a boundary applied ` +
            'as an Aspect (iam.PermissionsBoundary.of(stack).apply) does not reach the DR stack. Apply it to the protection\'s drStack too ' +
            '(iam.PermissionsBoundary.of(protection.drStack).apply(...)), give the stack its permissionsBoundary prop, or pass drStack',
        );
      }
      return [];
    },
  });
}

/** The PermissionsBoundary of each IAM role under `scope` in the stack (not in its nested stacks), as it will be synthesized. */
function roleBoundaries(scope: IConstruct, stack: Stack): unknown[] {
  return scope.node
    .findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::IAM::Role' && c.stack === stack)
    .map((role) => {
      const fragment = stack.resolve(role._toCloudFormation()) as { Resources?: Record<string, { Properties?: { PermissionsBoundary?: unknown } }> };
      return Object.values(fragment.Resources ?? {})[0]?.Properties?.PermissionsBoundary;
    });
}
