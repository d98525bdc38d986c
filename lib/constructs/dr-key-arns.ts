import { CustomResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type CfnKey, type Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { LifeboatFunction } from './lifeboat-function';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { drInAnotherAccount } from './protection-physical-names';

/** Read by the local cloud too (local/executor/stack-resources.ts resolves its `Arn`). */
export const KEY_ARN_RESOURCE_TYPE = 'Custom::LifeboatKeyArn';

export type DrKeyArnsProps = {
  readonly environmentName: string;
  /** The DR stack: another region, deployed before the stack of this construct. */
  readonly drStack: Stack;
  /** Where the reader role goes when the DR stack is in another account: a construct of the DR stack. */
  readonly drScope: Construct;
  readonly vaultKey: Key;
  readonly catalogKey: Key;
  /**
   * Fixed role names for a DR stack in another account (lifeboat-names.ts, drKeyLookupRole/drKeyReaderRole):
   * the lookup's role here, and the role of the DR stack it assumes, which trusts exactly that role.
   */
  readonly roleNames: { readonly lookup: string; readonly reader: string };
};

/**
 * The ARNs of the DR vault's and DR catalog's keys (and, through `keyArn`, of the mirrors' key), for the
 * primary region's functions, policies and replication rules (docs/SECURITY.md, "The DR keys by ARN").
 * CloudFormation has no cross-region references, so a custom resource reads each key's id from the DR
 * stack (DescribeStackResource) once, when this stack deploys; the functions are granted, and use,
 * exactly those keys. Moving an alias afterwards changes nothing,
 * and only an update of the DR stack can change which key it is.
 *
 * A DR stack in another account cannot be described from here: the DR stack then holds a reader role
 * that may describe it, trusted only by this lookup's role (both fixed names), which the lookup assumes.
 */
export class DrKeyArns extends Construct {
  readonly vaultKeyArn: string;
  readonly catalogKeyArn: string;
  /** The DR stack's role the lookup assumes, when that stack is in another account. */
  readonly readerRole?: iam.Role;
  private readonly lookup: LifeboatFunction;
  private readonly drStack: Stack;
  private readonly readerRoleArn: string | undefined;

  constructor(scope: Construct, id: string, props: DrKeyArnsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const drStack = props.drStack;
    const crossAccount = drInAnotherAccount(stack, drStack.account);
    const lookup = new LifeboatFunction(this, 'Lookup', {
      handler: 'stack-key-arn',
      environment: { LIFEBOAT_ENVIRONMENT: props.environmentName },
      ...(crossAccount ? { roleName: props.roleNames.lookup } : {}),
    });
    // One stack: its name, any of its ids (a stack deleted and deployed again gets a new one).
    const drStackArns = `arn:${drStack.partition}:cloudformation:${drStack.region}:${drStack.account}:stack/${drStack.stackName}/*`;
    const describe = new iam.PolicyStatement({ actions: ['cloudformation:DescribeStackResource'], resources: [drStackArns] });
    let readerRoleArn: string | undefined;
    if (crossAccount) {
      const lookupRoleArn = `arn:${stack.partition}:iam::${stack.account}:role/${props.roleNames.lookup}`;
      // Trusted by account and narrowed by ARN: a trust policy naming a role that does not exist yet (the primary deploys second) is refused.
      const reader = new iam.Role(props.drScope, 'DrKeyReader', {
        roleName: props.roleNames.reader,
        assumedBy: new iam.AccountPrincipal(stack.account).withConditions({ ArnEquals: { 'aws:PrincipalArn': lookupRoleArn } }),
        description: `Lifeboat ${props.environmentName}: the primary account's DR-key lookup reads the DR keys' ids with it`,
      });
      reader.addToPolicy(describe);
      acknowledgeScopedWildcards(reader, [drStackArns]);
      this.readerRole = reader;
      readerRoleArn = `arn:${drStack.partition}:iam::${drStack.account}:role/${props.roleNames.reader}`;
      lookup.addToRolePolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [readerRoleArn] }));
    } else {
      lookup.addToRolePolicy(describe);
      acknowledgeScopedWildcards(this, [drStackArns]);
    }
    if (lookup.role) acknowledgeXRayWildcard(lookup.role);
    this.lookup = lookup;
    this.drStack = drStack;
    this.readerRoleArn = readerRoleArn;
    this.vaultKeyArn = this.keyArn('VaultKey', props.vaultKey);
    this.catalogKeyArn = this.keyArn('CatalogKey', props.catalogKey);
  }

  /**
   * The ARN of another key of the DR stack (the mirrors' key, source-mirrors.ts), read the same way: a lookup `id`
   * of this construct that pins the key by its stack and logical id when this stack deploys.
   */
  keyArn(id: string, key: Key): string {
    if (Stack.of(key) !== this.drStack) throw new Error(`DrKeyArns ${this.node.path}: key ${key.node.path} is not in the DR stack ${this.drStack.stackName}`);
    return new CustomResource(this, id, {
      serviceToken: this.lookup.functionArn,
      resourceType: KEY_ARN_RESOURCE_TYPE,
      properties: {
        StackName: this.drStack.stackName,
        LogicalResourceId: (key.node.defaultChild as CfnKey).logicalId,
        Region: this.drStack.region,
        Account: this.drStack.account,
        ...(this.readerRoleArn !== undefined ? { RoleArn: this.readerRoleArn } : {}),
      },
    }).getAttString('Arn');
  }
}
