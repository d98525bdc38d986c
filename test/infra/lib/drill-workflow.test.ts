import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig } from '../../../config/load-config';
import { DRILLS_PK } from '../../../lambdas/catalog/drill-record';
import { resolvedStateMachines } from '../../../local/assembly/deploy-checks/resolved-state-machines';
import { type CfnTemplate } from '../../../local/assembly/synthesized-stack';
import { type AslDefinition } from '../../../local/executor/state-machine-definition';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { type CfnTemplate as PolicyTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * The drill state machine's contracts (docs/ARCHITECTURE.md, "The drill workflow"), in both stacks: the RTO ends
 * when `Compare with live sources` is entered (`$$.State.EnteredTime`, which a Retry does not move: audit R36 F6),
 * and a failed cleanup step's error reaches the record (`$.cleanupError` in the whole state it is given: R36 F2).
 * The record step writes only the catalog's DRILLS partition (review r3-F1), by the IAM policy simulator.
 */
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const synth = synthesizeApp((app) => buildLifeboatApp(app, config));
const dev = synth.built.get('dev');
const devConfig = config.environments.find((e) => e.name === 'dev');
if (!dev || !devConfig) throw new Error('the sample config defines the dev environment');
const names = resourceNames(devConfig);

function drillDefinition(side: 'primary' | 'dr'): AslDefinition {
  const stack = side === 'primary' ? dev!.primary : dev!.dr;
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const [logicalId] = Object.keys(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: names.drillStateMachine } }));
  const region = side === 'primary' ? 'us-east-1' : 'us-west-2';
  const { machines } = resolvedStateMachines([{ stackName: stack.stackName, role: side, account: '111111111111', region, template, assemblyDir: synth.assemblyDir }]);
  const machine = machines.find((m) => m.logicalId === logicalId);
  if (!machine) throw new Error(`no state machine ${names.drillStateMachine} in the ${side} stack`);
  return machine.definition;
}

/** The payload a Lambda task gives its function: `Payload` of a lambda:invoke task, else its Parameters. */
function payloadOf(state: Record<string, unknown>): Record<string, unknown> {
  const parameters = state.Parameters as Record<string, unknown>;
  return (parameters.Payload as Record<string, unknown> | undefined) ?? parameters;
}

describe.each([['primary'], ['dr']] as const)('the %s stack\'s drill', (side) => {
  const definition = drillDefinition(side);
  const state = (name: string) => definition.States[name] as Record<string, unknown>;

  it('gives Compare with live sources the time its state was entered as verifiedAt, the end of the RTO', () => {
    expect(payloadOf(state('Compare with live sources'))).toEqual({ 'drill.$': '$.drill', 'restored.$': '$.restored', 'verifiedAt.$': '$$.State.EnteredTime' });
  });

  it('records a drill whose cleanup failed, with the cleanup\'s error in the state the record step reads', () => {
    expect(state('Clean up scratch')).toMatchObject({ Next: 'Record drill', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.cleanupError', Next: 'Record drill' }] });
    expect(payloadOf(state('Record drill'))).toMatchObject({ 'state.$': '$' });
  });
});

it.each([
  ['primary', 'us-east-1'],
  ['dr', 'us-west-2'],
] as const)('the %s drill\'s record step writes only the DRILLS partition of its catalog: no backup record, lease or approval (review r3-F1)', async (side, region) => {
  const account = '000000000000';
  const stack = side === 'primary' ? dev.primary : dev.dr;
  const role = (side === 'primary' ? dev.protection.drillWorkflow : dev.protection.drDrillWorkflow).functions.record.role;
  if (!role) throw new Error('the record function has no role');
  const policies = new DeployedPolicies(Template.fromStack(stack).toJSON() as PolicyTemplate, { account, region });
  const record = principalOfRole(policies, Stack.of(role).getLogicalId(role.node.defaultChild as CfnElement));
  const table = { arn: `arn:aws:dynamodb:${region}:${account}:table/${dev.protection.names.catalogTable}`, account };
  // DRILLS_PK is what DrillLog.record writes, its one catalog call: renaming it without the grant fails here (review r3-F2).
  const decisions: string[] = [];
  for (const partition of [DRILLS_PK, 'BACKUP#20261201T000000Z-aaaaaaaa', 'LOCK#daily', 'APPROVALS', 'SCRUB#RUNS']) {
    decisions.push(`${partition}: ${await simulatedDecision(record, 'dynamodb:PutItem', table, { 'dynamodb:LeadingKeys': [partition] })}`);
  }
  expect(decisions).toEqual([
    `${DRILLS_PK}: Allowed`,
    'BACKUP#20261201T000000Z-aaaaaaaa: ImplicitlyDenied',
    'LOCK#daily: ImplicitlyDenied',
    'APPROVALS: ImplicitlyDenied',
    'SCRUB#RUNS: ImplicitlyDenied',
  ]);
});
