import { Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig } from '../../../config/load-config';
import { resolvedStateMachines } from '../../../local/assembly/deploy-checks/resolved-state-machines';
import { checkStateMachineDefinition } from '../../../local/assembly/deploy-checks/state-machine-definition-check';
import { type CfnTemplate } from '../../../local/assembly/synthesized-stack';
import { type AslDefinition } from '../../../local/executor/state-machine-definition';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { synthesizeApp } from './synth-app';

/**
 * The failover state machine after its sources are restored (audit R22 F2): the report runs whether or not every
 * source's restore succeeded (each iteration catches its own failure), and the execution then fails with
 * FailoverIncompleteError, the report's cause, when a source failed; it succeeds with the report otherwise.
 */
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const synth = synthesizeApp((app) => buildLifeboatApp(app, config));
const dev = synth.built.get('dev');
const devConfig = config.environments.find((e) => e.name === 'dev');
if (!dev || !devConfig) throw new Error('the sample config defines the dev environment');
const names = resourceNames(devConfig);

/** The failover's definition with its references resolved as the local executor and the deploy-time checks resolve them. */
function failoverDefinition(): AslDefinition {
  const stack = dev!.dr;
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const [logicalId] = Object.keys(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: names.failoverStateMachine } }));
  const { machines, findings } = resolvedStateMachines([{ stackName: stack.stackName, role: 'dr', account: '111111111111', region: 'us-west-2', template, assemblyDir: synth.assemblyDir }]);
  expect(findings).toEqual([]);
  const machine = machines.find((m) => m.logicalId === logicalId);
  if (!machine) throw new Error(`no state machine ${names.failoverStateMachine}`);
  return machine.definition;
}

const definition = failoverDefinition();
const state = (name: string) => definition.States[name] as Record<string, unknown>;

it('runs the report after Restore sources, with the execution\'s input for the finishing input; a failing step still goes to Failure report', () => {
  expect(state('Restore sources')).toMatchObject({ Type: 'Map', ItemsPath: '$.failover.restores', ResultPath: '$.restored', Next: 'Failover report', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failure report' }] });
  const report = state('Failover report');
  expect(report.Parameters).toEqual({ 'failover.$': '$.failover', 'restored.$': '$.restored', 'request.$': '$$.Execution.Input' });
  expect(report).toMatchObject({ ResultPath: '$.report', Next: 'Every source restored?', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failure report' }] });
});

it('fails the execution with FailoverIncompleteError and the report\'s cause when the report has one, and succeeds with the report otherwise', () => {
  expect(state('Every source restored?')).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.report.incompleteCause', IsPresent: true, Next: 'Failover incomplete' }], Default: 'Failover complete' });
  expect(state('Failover incomplete')).toMatchObject({ Type: 'Fail', Error: 'FailoverIncompleteError', CausePath: '$.report.incompleteCause' });
  expect(state('Failover complete')).toMatchObject({ Type: 'Succeed', OutputPath: '$.report' });
});

it('is valid Amazon States Language (asl-validator) with a Comment on every state', () => {
  expect(checkStateMachineDefinition(definition, { stack: dev!.dr.stackName, logicalId: names.failoverStateMachine })).toEqual([]);
});
