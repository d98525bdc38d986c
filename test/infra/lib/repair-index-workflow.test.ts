import { Match, type Template } from 'aws-cdk-lib/assertions';
import { sampleEnvironmentTemplates } from './sample-environment-templates';
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
  }
  const forEach = (side: string) => [
    ...['config', 'keys/k1', 'data/ab/abcd', 'index/i1', 'prune/condemned/c1', 'snapshots/s1', 'manifest/m1'].map((k) => `s3:GetObject ${side}/${k}: Allowed`),
    // No lock: the repair takes no prune lease (vault/repair/repair-index.ts, "Concurrency").
    `s3:GetObject ${side}/prune/running/r1: ImplicitlyDenied`,
    `s3:PutObject ${side}/index/i2 create-only: Allowed`,
    `s3:PutObject ${side}/data/ab/abce create-only: Allowed`,
    `s3:PutObject ${side}/index/i2: ImplicitlyDenied`,
    `s3:PutObject ${side}/snapshots/s2 create-only: ImplicitlyDenied`,
    `s3:DeleteObject ${side}/index/i1: Allowed`,
    `s3:DeleteObject ${side}/data/ab/abcd: ImplicitlyDenied`,
    `s3:DeleteObject ${side}/snapshots/s1: ImplicitlyDenied`,
  ];
  expect(decisions).toEqual([...forEach('primary'), ...forEach('dr')]);
  const table = { arn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/lifeboat-dev-catalog`, account: ACCOUNT };
  for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']) expect([action, await simulatedDecision(repair, action, table)]).toEqual([action, 'ImplicitlyDenied']);
});
