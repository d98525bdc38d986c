import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { sampleEnvironmentTemplates } from './sample-environment-templates';
import { synthesizeApp } from './synth-app';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';

/** The repair-index runbook's state machine and what its one function may do, evaluated by the IAM simulator (cdk-nag: lifeboat-stacks.test.ts). */
let primary: Template;
beforeAll(async () => {
  ({ primary } = await sampleEnvironmentTemplates('dev'));
});

type Resource = { Properties?: Record<string, unknown> };
const ACCOUNT = '000000000000';
const PRIMARY_VAULT = 'lifeboat-dev-vault-000000000000-us-east-1';
const DR_VAULT = 'lifeboat-dev-vault-000000000000-us-west-2';
const CREATE = { 's3:if-none-match': '*', 's3:ObjectCreationOperation': 'true' };

function repairDefinition(): { States: Record<string, Record<string, unknown>>; StartAt: string } {
  const machines = primary.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'lifeboat-dev-repair-index' } }) as Record<string, Resource>;
  const [machine] = Object.values(machines);
  if (!machine) throw new Error('no repair-index state machine');
  const parts = ((machine.Properties?.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]).map((p) => (typeof p === 'string' ? p : 'TOKEN'));
  return JSON.parse(parts.join('')) as { States: Record<string, Record<string, unknown>>; StartAt: string };
}

function repairRole(): string {
  const fns = primary.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'repair-index' }) } } }) as Record<string, Resource>;
  expect(Object.keys(fns)).toHaveLength(1);
  const [fn] = Object.values(fns);
  return (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

it('defines lifeboat-dev-repair-index: Repair index → Repair report, Retry on TransientError, Catch to a failure report; no approval step', () => {
  const definition = repairDefinition();
  expect(definition.StartAt).toBe('Input as JSON text');
  expect(definition.States['Input is an object?']?.Default).toBe('Repair index');
  expect(Object.keys(definition.States).sort()).toEqual(['Failure report', 'Input as JSON text', 'Input is an object?', 'Input refused', 'Repair failed', 'Repair index', 'Repair report']);
  const task = definition.States['Repair index'] ?? {};
  expect(task).toMatchObject({ Type: 'Task', Next: 'Repair report', ResultPath: '$.report' });
  expect(task.Retry).toEqual(expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['TransientError'] })]));
  expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failure report' }]);
  expect(definition.States['Repair report']).toMatchObject({ Type: 'Succeed', OutputPath: '$.report' });
  expect(definition.States['Repair failed']).toMatchObject({ Type: 'Fail', ErrorPath: '$.failure.error', CausePath: '$.failure.cause' });
  primary.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'lifeboat-dev-repair-index', TracingConfiguration: { Enabled: true }, LoggingConfiguration: Match.objectLike({ Level: 'ALL' }) });
  primary.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'repair-index', DR_VAULT_BUCKET: DR_VAULT, DR_REGION: 'us-west-2' }) },
    Timeout: 900,
    VpcConfig: Match.absent(),
  });
});

it('may read both vaults, create (never replace) index objects and packs, delete index objects only, and touch no catalog', async () => {
  const policies = new DeployedPolicies(primary.toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' });
  const repair = principalOfRole(policies, repairRole());
  const object = (bucket: string, key: string) => ({ arn: `arn:aws:s3:::${bucket}/${key}`, account: ACCOUNT });
  const decisions: string[] = [];
  const ask = async (action: string, bucket: string, key: string, context: Record<string, string> = {}) =>
    decisions.push(`${action} ${bucket === PRIMARY_VAULT ? 'primary' : 'dr'}/${key}${context['s3:if-none-match'] ? ' create-only' : ''}: ${await simulatedDecision(repair, action, object(bucket, key), context)}`);
  for (const bucket of [PRIMARY_VAULT, DR_VAULT]) {
    for (const key of ['config', 'keys/k1', 'data/ab/abcd', 'index/i1', 'prune/condemned/c1', 'snapshots/s1', 'manifest/m1']) await ask('s3:GetObject', bucket, key);
    await ask('s3:GetObject', bucket, 'prune/running/r1');
    await ask('s3:PutObject', bucket, 'index/i2', CREATE);
    await ask('s3:PutObject', bucket, 'data/ab/abce', CREATE);
    await ask('s3:PutObject', bucket, 'index/i2');
    await ask('s3:PutObject', bucket, 'snapshots/s2', CREATE);
    await ask('s3:DeleteObject', bucket, 'index/i1');
    await ask('s3:DeleteObject', bucket, 'data/ab/abcd');
    await ask('s3:DeleteObject', bucket, 'snapshots/s1');
    await ask('s3:PutObject', bucket, 'prune/condemned/c2');
    await ask('s3:PutObject', bucket, 'prune/running/r2');
  }
  const forEach = (side: string) => [
    ...['config', 'keys/k1', 'data/ab/abcd', 'index/i1', 'prune/condemned/c1', 'snapshots/s1', 'manifest/m1'].map((k) => `s3:GetObject ${side}/${k}: Allowed`),
    // Read, never written: the runbook refuses while a prune runs, and takes no lease of its own.
    `s3:GetObject ${side}/prune/running/r1: Allowed`,
    `s3:PutObject ${side}/index/i2 create-only: Allowed`,
    `s3:PutObject ${side}/data/ab/abce create-only: Allowed`,
    `s3:PutObject ${side}/index/i2: ImplicitlyDenied`,
    `s3:PutObject ${side}/snapshots/s2 create-only: ImplicitlyDenied`,
    `s3:DeleteObject ${side}/index/i1: Allowed`,
    `s3:DeleteObject ${side}/data/ab/abcd: ImplicitlyDenied`,
    `s3:DeleteObject ${side}/snapshots/s1: ImplicitlyDenied`,
    // No Object Lock in the sample: every delete goes through, so no tombstone is ever written.
    `s3:PutObject ${side}/prune/condemned/c2: ImplicitlyDenied`,
    `s3:PutObject ${side}/prune/running/r2: ImplicitlyDenied`,
  ];
  expect(decisions).toEqual([...forEach('primary'), ...forEach('dr')]);
  const table = { arn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/lifeboat-dev-catalog`, account: ACCOUNT };
  for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']) expect([action, await simulatedDecision(repair, action, table)]).toEqual([action, 'ImplicitlyDenied']);
});

describe('with immutability (Object Lock)', () => {
  let locked: DeployedPolicies;
  let role: string;
  beforeAll(() => {
    const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
    const config = { ...sample, environments: sample.environments.map((e) => ({ ...e, immutability: { mode: 'GOVERNANCE' as const, days: 30 } })) };
    const dev = synthesizeApp((app) => buildLifeboatApp(app, config)).built.get('dev');
    if (!dev) throw new Error('the sample config defines the dev environment');
    locked = new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' });
    role = Stack.of(dev.protection.repairIndexWorkflow).getLogicalId(dev.protection.repairIndexWorkflow.function.role?.node.defaultChild as CfnElement);
  });

  it('may write the tombstone (prune/condemned/*, a plain PUT) in both vaults, and read the lock of the index objects it deletes', async () => {
    const repair = principalOfRole(locked, role);
    const decisions: string[] = [];
    for (const bucket of [PRIMARY_VAULT, DR_VAULT]) {
      for (const [action, key] of [
        ['s3:PutObject', 'prune/condemned/c2'],
        ['s3:GetObjectRetention', 'index/i1'],
        ['s3:GetObjectLegalHold', 'index/i1'],
        ['s3:PutObject', 'prune/running/r2'],
        ['s3:PutObject', 'prune/policy'],
        ['s3:DeleteObject', 'prune/condemned/c2'],
      ] as const) {
        decisions.push(`${action} ${bucket === PRIMARY_VAULT ? 'primary' : 'dr'}/${key}: ${await simulatedDecision(repair, action, { arn: `arn:aws:s3:::${bucket}/${key}`, account: ACCOUNT })}`);
      }
    }
    const forEach = (side: string) => [
      `s3:PutObject ${side}/prune/condemned/c2: Allowed`,
      `s3:GetObjectRetention ${side}/index/i1: Allowed`,
      `s3:GetObjectLegalHold ${side}/index/i1: Allowed`,
      `s3:PutObject ${side}/prune/running/r2: ImplicitlyDenied`,
      `s3:PutObject ${side}/prune/policy: ImplicitlyDenied`,
      `s3:DeleteObject ${side}/prune/condemned/c2: ImplicitlyDenied`,
    ];
    expect(decisions).toEqual([...forEach('primary'), ...forEach('dr')]);
  });
});
