import { type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { resolveValue } from '../../../../local/cloud/cfn-intrinsics';
import { deriveTableName } from '../../../../local/cloud/provision-from-templates';
import { stackResources } from '../../../../local/executor/stack-resources';

/**
 * The names a function's environment gets locally (local/executor/stack-resources.ts) must be the ones the local
 * cloud provisioned (local/cloud/provision-from-templates.ts): a TableV2 is an AWS::DynamoDB::GlobalTable, which
 * the provisioner names by its TableName or deriveTableName, as a Table; resolving it to `<stack>-<logical id>`
 * pointed a protection of a TableV2 at a table that does not exist locally.
 */
const KEY = { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] };
const stack: SynthesizedStack = {
  stackName: 'Shop',
  role: 'primary',
  account: '111111111111',
  region: 'eu-west-1',
  assemblyDir: '/nonexistent',
  template: {
    Resources: {
      Orders: { Type: 'AWS::DynamoDB::GlobalTable', Properties: { ...KEY, Replicas: [{ Region: 'eu-west-1' }] } },
      Named: { Type: 'AWS::DynamoDB::GlobalTable', Properties: { ...KEY, TableName: { 'Fn::Sub': 'shop-orders-${AWS::Region}' }, Replicas: [{ Region: 'eu-west-1' }] } },
      Snapshot: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Environment: {
            Variables: {
              ORDERS: { Ref: 'Orders' },
              ORDERS_ARN: { 'Fn::GetAtt': ['Orders', 'Arn'] },
              NAMED: { Ref: 'Named' },
              NAMED_ARN: { 'Fn::GetAtt': ['Named', 'Arn'] },
            },
          },
        },
      },
    },
  },
};

describe('stackResources', () => {
  it('resolves a TableV2 (AWS::DynamoDB::GlobalTable) to the name and table ARN the local cloud provisions it under', () => {
    const resources = stackResources(stack);
    const variables = (stack.template.Resources?.Snapshot?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    const derived = deriveTableName('Shop', 'Orders');
    expect(resolveValue(variables, resources.context('Snapshot', 'Environment.Variables'), 'Environment.Variables')).toEqual({
      ORDERS: derived,
      ORDERS_ARN: `arn:aws:dynamodb:eu-west-1:111111111111:table/${derived}`,
      NAMED: 'shop-orders-eu-west-1',
      NAMED_ARN: 'arn:aws:dynamodb:eu-west-1:111111111111:table/shop-orders-eu-west-1',
    });
  });
});
