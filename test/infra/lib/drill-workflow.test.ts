import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { lifeboatConfigSchema, type ProtectionPlanConfig } from '../../../config/lifeboat-config';
import { drillStateBytes, drillStateSource, failoverStateBytes, failoverStateSource } from '../../../config/parent-state-size';
import { loadLifeboatConfig } from '../../../config/load-config';
import { DRILLS_PK } from '../../../lambdas/catalog/drill-record';
import { resolvedStateMachines } from '../../../local/assembly/deploy-checks/resolved-state-machines';
import { type CfnTemplate } from '../../../local/assembly/synthesized-stack';
import { type AslDefinition } from '../../../local/executor/state-machine-definition';
import { DRILL_WAVE_MARGIN } from '../../../lib/constructs/drill-timeouts';
import { drillOutlastsScheduleWarning, shortestScheduleGapMs } from '../../../lib/constructs/drill-schedule-overlap';
import { checkParentStateSize } from '../../../lib/constructs/parent-state-check';
import { parseScheduleExpression } from '../../../config/schedule-expression';
import { WORKFLOW_TIMEOUT } from '../../../lib/lifeboat-defaults';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { type CfnTemplate as PolicyTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { tempOutdir } from '../../support/temp-outdir';
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
    // Its result alone, at report, replaces the state: every source's report beside the record took it past 256 KiB (review r58I F2).
    expect(state('Record drill')).toMatchObject({ ResultSelector: { 'report.$': '$' }, Next: 'Verdict?' });
    expect(state('Record drill')).not.toHaveProperty('ResultPath');
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

it.each([
  ['primary', 'us-east-1'],
  ['dr', 'us-west-2'],
] as const)('the %s drill\'s cleanup may read and put the lifecycle configuration of scratch buckets of its account only (audit aW1-1)', async (side, region) => {
  const account = '000000000000';
  const stack = side === 'primary' ? dev.primary : dev.dr;
  const role = (side === 'primary' ? dev.protection.drillWorkflow : dev.protection.drDrillWorkflow).functions.cleanup.role;
  if (!role) throw new Error('the cleanup function has no role');
  const policies = new DeployedPolicies(Template.fromStack(stack).toJSON() as PolicyTemplate, { account, region });
  const cleanup = principalOfRole(policies, Stack.of(role).getLogicalId(role.node.defaultChild as CfnElement));
  const decisions: string[] = [];
  for (const action of ['s3:PutLifecycleConfiguration', 's3:GetLifecycleConfiguration']) {
    for (const [bucket, owner] of [[`${names.drillTargetPrefix}0a0b0c0d-assets`, account], [`${names.drillTargetPrefix}0a0b0c0d-assets`, '222222222222'], ['lifeboat-dev-assets', account]] as const) {
      decisions.push(`${action} ${bucket} of ${owner}: ${await simulatedDecision(cleanup, action, { arn: `arn:aws:s3:::${bucket}`, account: owner }, { 's3:ResourceAccount': owner })}`);
    }
  }
  expect(decisions).toEqual(
    ['s3:PutLifecycleConfiguration', 's3:GetLifecycleConfiguration'].flatMap((action) => [
      `${action} ${names.drillTargetPrefix}0a0b0c0d-assets of ${account}: Allowed`,
      `${action} ${names.drillTargetPrefix}0a0b0c0d-assets of 222222222222: ImplicitlyDenied`,
      `${action} lifeboat-dev-assets of ${account}: ImplicitlyDenied`,
    ]),
  );
});

/**
 * A drill of more than 40 sources restores them in waves (Step Functions runs 40 iterations of an inline Map at once):
 * its timeout covers each wave's child restore timeout and the tail of its own steps, so the last wave's restores time
 * out before the drill does and its Catch, cleanup and record still run (audit aV3-2: with 41 sources, the second wave
 * outran the drill's 24 h, which ended States.Timeout with no cleanup and no record). 40 sources keep 24 h.
 */
describe('a drill of many sources', () => {
  const environment = (name: string, sources: number) => ({
    name,
    account: '000000000000',
    primaryRegion: 'us-east-1',
    drRegion: 'us-west-2',
    plans: [
      {
        name: 'many',
        schedule: 'rate(1 day)',
        strategy: 'full',
        retention: { keepLast: 3 },
        objectives: { rpoMinutes: 1440, rtoMinutes: 600 },
        // Daily: shorter than a drill of two waves (44.8 h), which synth warns of (review rG F4).
        drill: { schedule: 'rate(1 day)' },
        sources: Array.from({ length: sources }, (_, i) => ({ type: 's3', name: `s${i}`, bucket: `${name}-s${i}` })),
      },
    ],
  });
  const manyConfig = lifeboatConfigSchema.parse({ environments: [environment('w40', 40), environment('w41', 41)] });
  const many = synthesizeApp((app) => buildLifeboatApp(app, manyConfig));

  /** TimeoutSeconds of the drill and of its child restore, and the Map's MaxConcurrency, in `env`'s primary stack. */
  function timeoutsOf(env: string): { drill: number; child: number; maxConcurrency: unknown } {
    const built = many.built.get(env);
    const envConfig = manyConfig.environments.find((e) => e.name === env);
    if (!built || !envConfig) throw new Error(`no environment ${env}`);
    const envNames = resourceNames(envConfig);
    const template = Template.fromStack(built.primary).toJSON() as CfnTemplate;
    const { machines } = resolvedStateMachines([{ stackName: built.primary.stackName, role: 'primary', account: '111111111111', region: 'us-east-1', template, assemblyDir: many.assemblyDir }]);
    const byName = (name: string) => {
      const [logicalId] = Object.keys(Template.fromStack(built.primary).findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: name } }));
      const machine = machines.find((m) => m.logicalId === logicalId);
      if (!machine) throw new Error(`no state machine ${name}`);
      return machine.definition as AslDefinition & { TimeoutSeconds?: number };
    };
    const drill = byName(envNames.drillStateMachine);
    const child = byName(`${envNames.drillStateMachine}-restore-source`);
    return { drill: drill.TimeoutSeconds ?? 0, child: child.TimeoutSeconds ?? 0, maxConcurrency: (drill.States['Restore sources'] as Record<string, unknown>).MaxConcurrency };
  }

  it('keeps 24 h for 40 sources, one wave: each child restore ends before the drill by the tail of its steps', () => {
    const { drill, child, maxConcurrency } = timeoutsOf('w40');
    expect(drill).toBe(WORKFLOW_TIMEOUT.toSeconds());
    expect(child).toBeLessThan(drill);
    expect(maxConcurrency).toBe(40);
  });

  it('covers two waves of child restores, a margin and the tail for 41 sources', () => {
    const one = timeoutsOf('w40');
    const { drill, child } = timeoutsOf('w41');
    const tail = one.drill - one.child;
    expect(child).toBe(one.child);
    expect(drill).toBe(2 * child + DRILL_WAVE_MARGIN.toSeconds() + tail);
  });

  it('warns at synth of a plan of two waves drilled daily, whose drill may run beside the next one (review rG F4)', () => {
    const drillWarnings = (env: string) => {
      const built = many.built.get(env);
      if (!built) throw new Error(`no environment ${env}`);
      return Annotations.fromStack(built.dr).findWarning('*', Match.stringLikeRegexp('drill schedule'));
    };
    const [warning, ...others] = drillWarnings('w41');
    expect(others).toEqual([]);
    expect(String(warning?.entry.data)).toMatch(/plan "many": its 41 sources restore in 2 waves in a drill, whose timeout is 44\.8 h, but its drill schedule rate\(1 day\) fires every 24 h.*at least 44\.8 h apart/);
    // One wave: its 24 h timeout bounds a restore gone wrong, and a daily drill is what most plans have.
    expect(drillWarnings('w40')).toEqual([]);
  });

  it('warns at synth of a plan whose drill or failover state can pass 256 KiB at worst, naming how many sources stay within it (review r58I F2)', () => {
    const stateWarnings = (env: string, stack: 'primary' | 'dr') => {
      const built = many.built.get(env);
      if (!built) throw new Error(`no environment ${env}`);
      return Annotations.fromStack(built[stack]).findWarning('*', Match.stringLikeRegexp('in its Step Functions state'));
    };
    // 41 sources of the shortest names are about all LIFEBOAT_PLANS holds in a function's 4 KB environment (synth refuses
    // more): the drill's and the failover's states hold them at worst.
    expect([...stateWarnings('w40', 'primary'), ...stateWarnings('w40', 'dr'), ...stateWarnings('w41', 'primary'), ...stateWarnings('w41', 'dr')]).toEqual([]);
    // More, as a protection whose plans the functions read elsewhere could have: warned of, per plan and workflow.
    const stack = new Stack(new App({ outdir: tempOutdir() }), 'Warned');
    const sources = Array.from({ length: 60 }, (_, i) => ({ type: 's3' as const, name: `s${i}`, bucket: `b-s${i}`, prefix: '' }));
    const plan = { name: 'many', sources } as unknown as ProtectionPlanConfig;
    checkParentStateSize(stack, { kind: 'drill', construct: 'DrillWorkflow', stateSource: (source) => drillStateSource(source, undefined), stateBytes: drillStateBytes }, [plan]);
    checkParentStateSize(stack, { kind: 'failover', construct: 'FailoverWorkflow', stateSource: (source) => failoverStateSource(source, 'lifeboat-dev-restore-', undefined), stateBytes: failoverStateBytes }, [plan]);
    expect(stack.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data))).toEqual([
      expect.stringMatching(/^Plan many has 60 sources: a drill of it can carry up to \d+ KiB in its Step Functions state when every source's report, error and note is as long as the workflow lets it be \(config\/parent-state-size\.ts\), over the limit of 256 KiB, and would then end States\.DataLimitExceeded with its pins and scratch targets left and no record; split it into plans of at most 57 of these sources/),
      expect.stringMatching(/^Plan many has 60 sources: a failover of it can carry up to \d+ KiB .* with no report, its sources restored or not; split it into plans of at most 45 of these sources/),
    ]);
  });

  it('refuses at synth a plan whose drill or failover state passes 256 KiB with every source restored and nothing to list', () => {
    const stack = new Stack(new App({ outdir: tempOutdir() }), 'Refused');
    const sources = Array.from({ length: 300 }, (_, i) => ({ type: 's3' as const, name: `s${i}`, bucket: `b-s${i}`, prefix: '' }));
    const plan = { name: 'huge', sources } as unknown as ProtectionPlanConfig;
    expect(() => checkParentStateSize(stack, { kind: 'drill', construct: 'DrillWorkflow', stateSource: (source) => drillStateSource(source, undefined), stateBytes: drillStateBytes }, [plan])).toThrow(
      /^Invalid props of DrillWorkflow Refused:\n {2}- plans\[0\]\.sources: plan huge has 300 sources: a drill of it would carry at least 260 KiB in its Step Functions state, over the limit of 256 KiB \(States\.DataLimitExceeded\); split it into plans of at most 56 of these sources/,
    );
  });

  it('takes the shortest gap of a drill schedule: a rate\'s period, a cron\'s closest fires, none for at()', () => {
    const hour = 3_600_000;
    expect(shortestScheduleGapMs(parseScheduleExpression('rate(2 days)'))).toBe(48 * hour);
    expect(shortestScheduleGapMs(parseScheduleExpression('cron(0 1,13 * * ? *)'))).toBe(12 * hour);
    expect(shortestScheduleGapMs(parseScheduleExpression('cron(0 4 ? * MON,THU *)'))).toBe(72 * hour);
    expect(shortestScheduleGapMs(parseScheduleExpression('cron(30 23 L * ? *)'))).toBe(28 * 24 * hour);
    // A leap year brings the 29th's fires closer: 29 February to 29 March (review rC F3).
    expect(shortestScheduleGapMs(parseScheduleExpression('cron(0 4 29 * ? *)'))).toBe(29 * 24 * hour);
    // May and July both have a fifth Monday, 63 days apart, only in a common year starting on a Sunday or a leap year on a
    // Saturday (2006, 2017, 2023, 2028): a year's scan, or four years', would not meet one.
    expect(shortestScheduleGapMs(parseScheduleExpression('cron(0 4 ? 5,7 MON#5 *)'))).toBe(63 * 24 * hour);
    expect(shortestScheduleGapMs(parseScheduleExpression('at(2030-01-01T00:00:00)'))).toBeUndefined();
    const plan = (schedule: string) => ({ name: 'many', sources: Array.from({ length: 41 }), drill: { schedule } });
    const twoWaves = Duration.minutes(2688);
    expect(drillOutlastsScheduleWarning(plan('cron(0 4 ? * SUN *)'), 2, twoWaves)).toBeUndefined();
    expect(drillOutlastsScheduleWarning(plan('cron(0 4 ? * MON,THU *)'), 2, twoWaves)).toBeUndefined();
    expect(drillOutlastsScheduleWarning(plan('cron(0 4 ? * MON,TUE *)'), 2, twoWaves)).toMatch(/fires every 24 h at the shortest/);
    expect(drillOutlastsScheduleWarning(plan('rate(1 hour)'), 1, Duration.hours(24))).toBeUndefined();
  });
});
