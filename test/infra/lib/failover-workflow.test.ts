import { type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { loadLifeboatConfig } from '../../../config/load-config';
import { resolvedStateMachines } from '../../../local/assembly/deploy-checks/resolved-state-machines';
import { checkStateMachineDefinition } from '../../../local/assembly/deploy-checks/state-machine-definition-check';
import { type CfnTemplate } from '../../../local/assembly/synthesized-stack';
import { type AslDefinition } from '../../../local/executor/state-machine-definition';
import { INLINE_MAP_WAVE_MARGIN } from '../../../lib/constructs/inline-map-waves';
import { APPROVAL_TIMEOUT, WORKFLOW_TIMEOUT } from '../../../lib/lifeboat-defaults';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { type LifeboatFunction } from '../../../lib/constructs/lifeboat-function';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { type CfnTemplate as PoliciesTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * The failover state machine after its sources are restored (audit R22 F2): the report runs whether or not every
 * source's restore succeeded (each iteration catches its own failure), and the execution then fails with
 * FailoverIncompleteError, the report's cause, when a source failed; it succeeds with the report otherwise.
 */
const ACCOUNT = '000000000000';
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
  // Its result alone, at report, replaces the state: every source's report in $.restored took it past 256 KiB (review r58I F2).
  expect(report).toMatchObject({ ResultSelector: { 'report.$': '$' }, Next: 'Every source restored?', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failure report' }] });
  expect(report).not.toHaveProperty('ResultPath');
});

it('fails the execution with FailoverIncompleteError and the report\'s cause when the report has one, and succeeds with the report otherwise', () => {
  expect(state('Every source restored?')).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.report.incompleteCause', IsPresent: true, Next: 'Failover incomplete' }], Default: 'Failover complete' });
  expect(state('Failover incomplete')).toMatchObject({ Type: 'Fail', Error: 'FailoverIncompleteError', CausePath: '$.report.incompleteCause' });
  expect(state('Failover complete')).toMatchObject({ Type: 'Succeed', OutputPath: '$.report' });
});

it('is valid Amazon States Language (asl-validator) with a Comment on every state', () => {
  expect(checkStateMachineDefinition(definition, { stack: dev!.dr.stackName, logicalId: names.failoverStateMachine })).toEqual([]);
});

// Audit h6-1: the failover grants each child its request in the catalog after the approval; only its start function may
// write a grant (and no other catalog item by that right), the child's resolve may take one but never put a new one, and
// its verify and abandon may neither put nor update one (review r15-F3: an UpdateItem creates the item it names).
it('the failover\'s start may PutItem only failover grants (LeadingKeys FAILOVER_GRANTS); its children\'s resolve may read and take them, never put one', async () => {
  const region = 'us-west-2';
  const policies = new DeployedPolicies(Template.fromStack(dev!.dr).toJSON() as PoliciesTemplate, { account: ACCOUNT, region });
  const principal = (fn: IConstruct) => {
    const role = (fn as LifeboatFunction).role;
    if (!role) throw new Error('the function has no role');
    return principalOfRole(policies, Stack.of(role).getLogicalId(role.node.defaultChild as CfnElement));
  };
  const failover = dev!.protection.failoverWorkflow;
  const start = principal(failover.functions.start);
  const resolve = principal(failover.node.findChild('FailoverResolveRestore'));
  // Review r15-F3: UpdateItem creates the item it names, so a catalog-wide UpdateItem could forge a grant.
  const verify = principal(failover.node.findChild('FailoverVerifyRestore'));
  const abandon = principal(failover.node.findChild('FailoverAbandonRestore'));
  const table = { arn: `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${names.catalogTable}`, account: ACCOUNT };
  const decisions: Array<[string, string, string, string]> = [];
  for (const [who, subject, action, pk] of [
    ['start', start, 'dynamodb:PutItem', 'FAILOVER_GRANTS'],
    ['start', start, 'dynamodb:PutItem', 'APPROVALS'],
    ['start', start, 'dynamodb:PutItem', 'BACKUP#20260301T100000Z-1a2b3c4d'],
    ['resolve', resolve, 'dynamodb:GetItem', 'FAILOVER_GRANTS'],
    ['resolve', resolve, 'dynamodb:PutItem', 'FAILOVER_GRANTS'],
    ['verify', verify, 'dynamodb:PutItem', 'FAILOVER_GRANTS'],
    ['verify', verify, 'dynamodb:UpdateItem', 'FAILOVER_GRANTS'],
    ['abandon', abandon, 'dynamodb:PutItem', 'FAILOVER_GRANTS'],
    ['abandon', abandon, 'dynamodb:UpdateItem', 'FAILOVER_GRANTS'],
    ['abandon', abandon, 'dynamodb:UpdateItem', 'BACKUP#20260301T100000Z-1a2b3c4d'],
  ] as const) {
    decisions.push([who, action, pk, await simulatedDecision(subject, action, table, { 'dynamodb:LeadingKeys': [pk] })]);
  }
  expect(decisions).toEqual([
    ['start', 'dynamodb:PutItem', 'FAILOVER_GRANTS', 'Allowed'],
    ['start', 'dynamodb:PutItem', 'APPROVALS', 'ImplicitlyDenied'],
    ['start', 'dynamodb:PutItem', 'BACKUP#20260301T100000Z-1a2b3c4d', 'ImplicitlyDenied'],
    ['resolve', 'dynamodb:GetItem', 'FAILOVER_GRANTS', 'Allowed'],
    ['resolve', 'dynamodb:PutItem', 'FAILOVER_GRANTS', 'ImplicitlyDenied'],
    ['verify', 'dynamodb:PutItem', 'FAILOVER_GRANTS', 'ExplicitlyDenied'],
    ['verify', 'dynamodb:UpdateItem', 'FAILOVER_GRANTS', 'ExplicitlyDenied'],
    ['abandon', 'dynamodb:PutItem', 'FAILOVER_GRANTS', 'ExplicitlyDenied'],
    ['abandon', 'dynamodb:UpdateItem', 'FAILOVER_GRANTS', 'ExplicitlyDenied'],
    // Its unpin (restore-pin.ts) still works.
    ['abandon', 'dynamodb:UpdateItem', 'BACKUP#20260301T100000Z-1a2b3c4d', 'Allowed'],
  ]);
  // The statements themselves name the partition: the grant write is no wider than it.
  Template.fromStack(dev!.dr).hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'dynamodb:PutItem', Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['FAILOVER_GRANTS'] } } })]) },
  });
});

/**
 * A failover of more than 40 sources restores them in waves (Step Functions runs 40 iterations of an inline Map at
 * once, each child's timeout counting from its own start): its timeout covers each wave's child timeout, the approval's
 * wait and its steps, so the last wave's restores time out before the failover does and its report and
 * FailoverIncompleteError still come (review rG F1: with 41 sources the second wave outran the failover's 36.7 h, which
 * ended States.Timeout, no report naming the live sources). Each grant outlasts the failover by a day. 40 sources keep
 * one child's timeout.
 */
describe('a failover of many sources', () => {
  const environment = (name: string, sources: number) => ({
    name,
    account: ACCOUNT,
    primaryRegion: 'us-east-1',
    drRegion: 'us-west-2',
    plans: [
      {
        name: 'many',
        schedule: 'rate(1 day)',
        strategy: 'full',
        retention: { keepLast: 3 },
        objectives: { rpoMinutes: 1440, rtoMinutes: 600 },
        sources: Array.from({ length: sources }, (_, i) => ({ type: 's3', name: `s${i}`, bucket: `${name}-source-${i}` })),
      },
    ],
  });
  const manyConfig = lifeboatConfigSchema.parse({ environments: [environment('w40', 40), environment('w41', 41)] });
  const many = synthesizeApp((app) => buildLifeboatApp(app, manyConfig));

  /** TimeoutSeconds of the failover and of its child restore, the Map's MaxConcurrency and the grants' seconds, in `env`'s DR stack. */
  function timeoutsOf(env: string): { failover: number; child: number; maxConcurrency: unknown; grantSeconds: unknown } {
    const built = many.built.get(env);
    const envConfig = manyConfig.environments.find((e) => e.name === env);
    if (!built || !envConfig) throw new Error(`no environment ${env}`);
    const envNames = resourceNames(envConfig);
    const template = Template.fromStack(built.dr);
    const { machines } = resolvedStateMachines([{ stackName: built.dr.stackName, role: 'dr', account: '111111111111', region: 'us-west-2', template: template.toJSON() as CfnTemplate, assemblyDir: many.assemblyDir }]);
    const byName = (name: string) => {
      const [logicalId] = Object.keys(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: name } }));
      const machine = machines.find((m) => m.logicalId === logicalId);
      if (!machine) throw new Error(`no state machine ${name}`);
      return machine.definition as AslDefinition & { TimeoutSeconds?: number };
    };
    const failover = byName(envNames.failoverStateMachine);
    const child = byName(`${envNames.failoverStateMachine}-restore-source`);
    const start = built.protection.failoverWorkflow.functions.start;
    const startResource = template.toJSON().Resources[built.dr.getLogicalId(start.node.defaultChild as CfnElement)] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    return {
      failover: failover.TimeoutSeconds ?? 0,
      child: child.TimeoutSeconds ?? 0,
      maxConcurrency: (failover.States['Restore sources'] as Record<string, unknown>).MaxConcurrency,
      grantSeconds: startResource.Properties.Environment.Variables.LIFEBOAT_FAILOVER_GRANT_SECONDS,
    };
  }

  it('keeps one child\'s timeout plus the approval\'s wait and its steps for 40 sources, one wave', () => {
    const { failover, child, maxConcurrency, grantSeconds } = timeoutsOf('w40');
    expect(child).toBe(WORKFLOW_TIMEOUT.toSeconds());
    expect(failover - child).toBeGreaterThan(APPROVAL_TIMEOUT.toSeconds());
    expect(failover - child).toBeLessThan(APPROVAL_TIMEOUT.toSeconds() + Duration.hours(1).toSeconds());
    expect(maxConcurrency).toBe(40);
    expect(grantSeconds).toBe(String(failover + Duration.days(1).toSeconds()));
  });

  it('covers two waves of child restores, a margin, the approval\'s wait and its steps for 41 sources; the grants follow', () => {
    const one = timeoutsOf('w40');
    const { failover, child, maxConcurrency, grantSeconds } = timeoutsOf('w41');
    const tail = one.failover - one.child;
    expect(child).toBe(one.child);
    expect(failover).toBe(2 * child + INLINE_MAP_WAVE_MARGIN.toSeconds() + tail);
    expect(maxConcurrency).toBe(40);
    expect(grantSeconds).toBe(String(failover + Duration.days(1).toSeconds()));
  });
});
