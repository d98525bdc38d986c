import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { loadLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * A drill's restores keep their pins until the drill's cleanup step, which removes them (lambdas/drill/drill-pins.ts,
 * review 41b F4): the cleanup function of both drills may UpdateItem the backup's record in its region's catalog and
 * nothing else of the catalog, evaluated with the IAM policy simulator on the synthesized policies of the sample
 * config, which synthesizes with cdk-nag's AwsSolutions checks clean.
 */
const ACCOUNT = '000000000000';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, sample), { nag: true });
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

it('synthesizes with no unacknowledged cdk-nag finding', () => {
  expect(synthesized.violations()).toEqual([]);
  expect(synthesized.synthError).toBeUndefined();
});

it.each([
  ['primary', 'us-east-1'],
  ['dr', 'us-west-2'],
] as const)('the %s drill\'s cleanup may remove a pin from a backup record of its catalog (UpdateItem on the table) and a target claim (DeleteItem of TARGET# items only), nothing more of the catalog', async (side, region) => {
  const stack = side === 'primary' ? dev.primary : dev.dr;
  const drill = side === 'primary' ? dev.protection.drillWorkflow : dev.protection.drDrillWorkflow;
  const policies = new DeployedPolicies(Template.fromStack(stack).toJSON() as CfnTemplate, { account: ACCOUNT, region });
  const role = drill.functions.cleanup.role;
  if (!role) throw new Error('the cleanup function has no role');
  const cleanup = principalOfRole(policies, logicalId(role));
  const table = `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${dev.protection.names.catalogTable}`;
  const decisions: Array<[string, string, string, string]> = [];
  const claim = 'TARGET#s3#lifeboat-dev-drill-x';
  const record = 'BACKUP#20260301T100000Z-1a2b3c4d';
  for (const [action, arn, item] of [
    ['dynamodb:UpdateItem', table, record],
    ['dynamodb:UpdateItem', `${table}/index/byPlan`, record],
    ['dynamodb:PutItem', table, claim],
    ['dynamodb:DeleteItem', table, claim],
    ['dynamodb:DeleteItem', table, record],
    ['dynamodb:DeleteItem', table, 'APPROVALS'],
    ['dynamodb:GetItem', table, claim],
    ['dynamodb:Query', `${table}/index/byPlan`, record],
  ] as const) {
    decisions.push([action, arn.slice(table.length) || 'table', item, await simulatedDecision(cleanup, action, { arn, account: ACCOUNT }, { 'dynamodb:LeadingKeys': [item] })]);
  }
  expect(decisions).toEqual([
    ['dynamodb:UpdateItem', 'table', record, 'Allowed'],
    ['dynamodb:UpdateItem', '/index/byPlan', record, 'ImplicitlyDenied'],
    ['dynamodb:PutItem', 'table', claim, 'ImplicitlyDenied'],
    ['dynamodb:DeleteItem', 'table', claim, 'Allowed'],
    ['dynamodb:DeleteItem', 'table', record, 'ImplicitlyDenied'],
    ['dynamodb:DeleteItem', 'table', 'APPROVALS', 'ImplicitlyDenied'],
    ['dynamodb:GetItem', 'table', claim, 'ImplicitlyDenied'],
    ['dynamodb:Query', '/index/byPlan', record, 'ImplicitlyDenied'],
  ]);
});
