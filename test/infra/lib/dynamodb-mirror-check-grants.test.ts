import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { LifeboatProtection, LifeboatSource } from '../../../lib';
import { synthesizeApp } from './synth-app';
import { USER_APP_ENV } from './user-app-fixture';

/**
 * What the DR mirror check may do with a mirrored DynamoDB table (lib/constructs/mirror-check-workflow.ts):
 * Scan it and re-read single items (GetItem) in the primary region, scan its replica and read single items
 * of it in the DR region (items only the replica holds), and describe both; nothing that writes, nothing of other tables.
 */
const ENV = USER_APP_ENV;
type Resource = { Properties?: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

const s = synthesizeApp((app) => {
  const stack = new Stack(app, 'Shop', { env: ENV });
  const orders = new dynamodb.TableV2(stack, 'Orders', { tableName: 'shop-orders', partitionKey: { name: 'pk', type: dynamodb.AttributeType.BINARY } });
  const protection = new LifeboatProtection(stack, 'Lifeboat', {
    prefix: 'shop',
    drRegion: 'us-west-2',
    plans: [
      {
        name: 'daily',
        schedule: 'rate(1 day)',
        strategy: 'incremental',
        retention: { keepLast: 7 },
        objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
        sources: [LifeboatSource.dynamoDbTable('orders', orders, { mirror: true })],
      },
    ],
  });
  return { stack, protection };
});

/** The mirror check's statements on DynamoDB tables other than the catalog, as [actions, table ARN]. */
function tableGrants(): Array<[string[], string]> {
  const dr = Template.fromStack(s.built.protection.drStack);
  const [fn] = Object.values(dr.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'mirror-check' }) } } }) as Record<string, Resource>);
  const role = (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements = Object.values(dr.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  return statements
    .filter((st) => JSON.stringify(st.Resource).includes(':table/shop-orders'))
    .map((st): [string[], string] => [asArray(st.Action).sort(), JSON.stringify(st.Resource)]);
}

it('synthesizes', () => {
  expect(s.synthError).toBeUndefined();
});

it('lets the check Scan and GetItem the source table and its replica, each in its region, and nothing else of them', () => {
  const grants = tableGrants();
  expect(grants).toEqual([
    [['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Scan'], expect.stringContaining(`:dynamodb:${ENV.region}:${ENV.account}:table/shop-orders`)],
    [['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Scan'], expect.stringContaining(`:dynamodb:us-west-2:${ENV.account}:table/shop-orders`)],
  ]);
});
