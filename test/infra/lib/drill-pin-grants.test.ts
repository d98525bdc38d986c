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
] as const)('the %s drill\'s cleanup may remove a pin from a backup record of its catalog (UpdateItem on the table) and a target claim (DeleteItem on the table), nothing more of the catalog', async (side, region) => {
  const stack = side === 'primary' ? dev.primary : dev.dr;
  const drill = side === 'primary' ? dev.protection.drillWorkflow : dev.protection.drDrillWorkflow;
  const policies = new DeployedPolicies(Template.fromStack(stack).toJSON() as CfnTemplate, { account: ACCOUNT, region });
  const role = drill.functions.cleanup.role;
  if (!role) throw new Error('the cleanup function has no role');
  const cleanup = principalOfRole(policies, logicalId(role));
  const table = `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${dev.protection.names.catalogTable}`;
  const decisions: Array<[string, string, string]> = [];
  for (const [action, arn] of [
    ['dynamodb:UpdateItem', table],
    ['dynamodb:UpdateItem', `${table}/index/byPlan`],
    ['dynamodb:PutItem', table],
    ['dynamodb:DeleteItem', table],
    ['dynamodb:GetItem', table],
    ['dynamodb:Query', `${table}/index/byPlan`],
  ] as const) {
    decisions.push([action, arn.slice(table.length) || 'table', await simulatedDecision(cleanup, action, { arn, account: ACCOUNT })]);
  }
  expect(decisions).toEqual([
    ['dynamodb:UpdateItem', 'table', 'Allowed'],
    ['dynamodb:UpdateItem', '/index/byPlan', 'ImplicitlyDenied'],
    ['dynamodb:PutItem', 'table', 'ImplicitlyDenied'],
    ['dynamodb:DeleteItem', 'table', 'Allowed'],
    ['dynamodb:GetItem', 'table', 'ImplicitlyDenied'],
    ['dynamodb:Query', '/index/byPlan', 'ImplicitlyDenied'],
  ]);
});
