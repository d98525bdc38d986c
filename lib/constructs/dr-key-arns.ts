import { CustomResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type CfnKey, type Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { LifeboatFunction } from './lifeboat-function';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';

/** Read by the local cloud too (local/executor/stack-resources.ts resolves its `Arn`). */
export const KEY_ARN_RESOURCE_TYPE = 'Custom::LifeboatKeyArn';

export type DrKeyArnsProps = {
  readonly environmentName: string;
  /** The DR stack: same account, another region; deployed before the stack of this construct. */
  readonly drStack: Stack;
  readonly vaultKey: Key;
  readonly catalogKey: Key;
};

/**
 * The ARNs of the DR vault's and DR catalog's keys, for the primary region's functions and policies
 * (docs/SECURITY.md, "The DR key by ARN"). CloudFormation has no cross-region references, so a custom
 * resource reads each key's id from the DR stack (DescribeStackResource) once, when this stack deploys;
 * the functions are granted, and use, exactly those keys. Moving an alias afterwards changes nothing,
 * and only an update of the DR stack can change which key it is.
 */
export class DrKeyArns extends Construct {
  readonly vaultKeyArn: string;
  readonly catalogKeyArn: string;

  constructor(scope: Construct, id: string, props: DrKeyArnsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const drStack = props.drStack;
    const lookup = new LifeboatFunction(this, 'Lookup', { handler: 'stack-key-arn', environment: { LIFEBOAT_ENVIRONMENT: props.environmentName } });
    // One stack: its name, any of its ids (a stack deleted and deployed again gets a new one).
    const drStackArns = `arn:${stack.partition}:cloudformation:${drStack.region}:${drStack.account}:stack/${drStack.stackName}/*`;
    lookup.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudformation:DescribeStackResource'], resources: [drStackArns] }));
    if (lookup.role) acknowledgeXRayWildcard(lookup.role);
    acknowledgeScopedWildcards(this, [drStackArns]);
    const arnOf = (name: string, key: Key): string =>
      new CustomResource(this, name, {
        serviceToken: lookup.functionArn,
        resourceType: KEY_ARN_RESOURCE_TYPE,
        properties: { StackName: drStack.stackName, LogicalResourceId: (key.node.defaultChild as CfnKey).logicalId, Region: drStack.region },
      }).getAttString('Arn');
    this.vaultKeyArn = arnOf('VaultKey', props.vaultKey);
    this.catalogKeyArn = arnOf('CatalogKey', props.catalogKey);
  }
}
