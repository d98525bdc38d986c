import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { FORMAT_MARKER_KEY } from '../../../lambdas/catalog/catalog-format-marker-key';
import { SCRUB_LEASE_PK } from '../../../lambdas/catalog/scrub-lease';
import { SCRUB_RUNS_PK } from '../../../lambdas/catalog/scrub-record';
import { LifeboatProtection, type LifeboatScrubOptions, LifeboatSource } from '../../../lib';
import { drKeyArnRef } from './dr-key-arn';
import { sampleEnvironmentTemplates } from './sample-environment-templates';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { templateOnlyApp } from '../../support/template-only-app';

/** The scrub runbook's state machine, the exact grants of its one function, and its schedule (cdk-nag: lifeboat-stacks.test.ts). */
let primary: Template;
let dr: Template;
beforeAll(async () => {
  ({ primary, dr } = await sampleEnvironmentTemplates('dev'));
});

type Resource = { Properties?: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const PRIMARY_VAULT = 'lifeboat-dev-vault-000000000000-us-east-1';
const DR_VAULT = 'lifeboat-dev-vault-000000000000-us-west-2';
const ACCOUNT = '000000000000';

/** The definition as Step Functions receives it, the intrinsics replaced by TOKEN. */
function scrubDefinition(): { States: Record<string, Record<string, unknown>>; StartAt: string } {
  const machines = primary.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'lifeboat-dev-scrub' } }) as Record<string, Resource>;
  const [machine] = Object.values(machines);
  if (!machine) throw new Error('no scrub state machine');
  const parts = ((machine.Properties?.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]).map((p) => (typeof p === 'string' ? p : 'TOKEN'));
  return JSON.parse(parts.join('')) as { States: Record<string, Record<string, unknown>>; StartAt: string };
}

/** Every statement of the policies attached to a role. */
function statementsOfRole(role: string): Statement[] {
  return Object.values(primary.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${role}"`))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The logical id of the role of the function running `handler`. */
function roleOf(handler: string): string {
  const fns = primary.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: handler }) } } }) as Record<string, Resource>;
  expect(Object.keys(fns)).toHaveLength(1);
  const [fn] = Object.values(fns);
  return (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

/** Every statement of the role of the function running `handler`. */
function statementsOf(handler: string): Statement[] {
  return statementsOfRole(roleOf(handler));
}

/** The logical id of the only resource of a type whose properties match. */
function logicalId(type: string, props: Record<string, unknown>): string {
  const [id] = Object.keys(primary.findResources(type, { Properties: props }));
  if (!id) throw new Error(`no ${type} like ${JSON.stringify(props)}`);
  return id;
}

const flat = (value: unknown): string => JSON.stringify(value);

/** Action → the resources it is granted on, as they appear in the template. */
function byAction(statements: Statement[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const s of statements) {
    expect(s.Effect).toBe('Allow');
    for (const a of [s.Action].flat()) map.set(a, [...(map.get(a) ?? []), ...[s.Resource].flat().map(flat)]);
  }
  return map;
}

it('defines lifeboat-dev-scrub: Scrub → Scrub report, Retry on TransientError, Catch to a failure report that fails with the error', () => {
  const definition = scrubDefinition();
  // Every runbook starts by refusing an input that is no JSON object (lib/constructs/logged-state-machine.ts).
  expect(definition.StartAt).toBe('Input as JSON text');
  expect(definition.States['Input as JSON text']?.Next).toBe('Input is an object?');
  expect(definition.States['Input is an object?']?.Default).toBe('Scrub');
  expect(Object.keys(definition.States).sort()).toEqual(['Failure report', 'Input as JSON text', 'Input is an object?', 'Input refused', 'Scrub', 'Scrub failed', 'Scrub report']);
  const task = definition.States['Scrub'] ?? {};
  expect(task).toMatchObject({ Type: 'Task', Next: 'Scrub report', ResultPath: '$.report' });
  // The execution holds the scrub lease, so that its retry takes the lease a failed release left (review rEE F3).
  expect((task as { Parameters?: unknown }).Parameters).toEqual({ 'request.$': '$', 'execution.$': '$$.Execution.Id' });
  expect(task.Retry).toEqual(expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['TransientError'], BackoffRate: 2, JitterStrategy: 'FULL' })]));
  expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failure report' }]);
  expect(definition.States['Scrub report']).toMatchObject({ Type: 'Succeed', OutputPath: '$.report' });
  expect(definition.States['Failure report']).toMatchObject({ Type: 'Pass', Next: 'Scrub failed' });
  expect(definition.States['Scrub failed']).toMatchObject({ Type: 'Fail', ErrorPath: '$.failure.error', CausePath: '$.failure.cause' });
  for (const [name, state] of Object.entries(definition.States)) expect({ name, comment: typeof state.Comment === 'string' && state.Comment.length > 20 }).toEqual({ name, comment: true });
  primary.hasResourceProperties('AWS::StepFunctions::StateMachine', {
    StateMachineName: 'lifeboat-dev-scrub',
    TracingConfiguration: { Enabled: true },
    LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
  });
  primary.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/lifeboat-dev-scrub' });
});

it('runs the scrub in one function outside any VPC, with Lambda\'s full 15 minutes', () => {
  primary.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'scrub-vaults', CATALOG_TABLE: { Ref: logicalId('AWS::DynamoDB::Table', { TableName: 'lifeboat-dev-catalog' }) }, DR_VAULT_BUCKET: DR_VAULT, DR_REGION: 'us-west-2' }) },
    Timeout: 900,
    MemorySize: 2048,
    VpcConfig: Match.absent(),
    FileSystemConfigs: Match.absent(),
  });
});

it('grants exactly: read and list both vaults, write only what replication writes (and config), both vault keys, PutItem/Query on the catalog, UpdateItem/GetItem of its format marker, Query of both catalogs\' plans', () => {
  const vault = logicalId('AWS::S3::Bucket', { BucketName: PRIMARY_VAULT });
  const vaultKeyAlias = logicalId('AWS::KMS::Alias', { AliasName: 'alias/lifeboat-dev-vault' });
  const vaultKeyId = (primary.findResources('AWS::KMS::Alias')[vaultKeyAlias]?.Properties?.TargetKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const table = logicalId('AWS::DynamoDB::Table', { TableName: 'lifeboat-dev-catalog' });
  const statements = statementsOf('scrub-vaults');
  const grants = byAction(statements);
  expect([...grants.keys()].sort()).toEqual(
    [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:AbortMultipartUpload',
      's3:GetBucketObjectLockConfiguration',
      's3:GetObject',
      's3:GetObjectLegalHold',
      's3:GetObjectTagging',
      's3:ListBucket',
      's3:PutObject',
      's3:PutObjectLegalHold',
      's3:PutObjectTagging',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ].sort(),
  );
  const keysIn = (resources: string[]): { primary: string[]; dr: string[] } => ({
    primary: resources.flatMap((r) => (r.includes(`"${vault}","Arn"]},"/`) ? [r.slice(r.indexOf('"/') + 2, r.lastIndexOf('"'))] : [])).sort(),
    dr: resources.flatMap((r) => (r.includes(`:s3:::${DR_VAULT}/`) ? [r.slice(r.indexOf(`${DR_VAULT}/`) + DR_VAULT.length + 1, r.lastIndexOf('"'))] : [])).sort(),
  });
  // prune/running/*: the leases a repair that copied a snapshot in waits on (look-after-copy.ts); prune/condemned/*: the tombstones naming superseded index objects (scrub-vaults.ts).
  const read = ['config', 'data/*', 'index/*', 'keys/*', 'manifest/*', 'prune/condemned/*', 'prune/running/*', 'snapshots/*'];
  const written = ['config', 'data/*', 'index/*', 'manifest/*', 'snapshots/*'];
  expect(grants.get('s3:GetObject')).toHaveLength(16);
  expect(keysIn(grants.get('s3:GetObject') ?? [])).toEqual({ primary: read, dr: read });
  // Never keys/* (each vault's own), plans/ or parts/ (working objects).
  expect(grants.get('s3:PutObject')).toHaveLength(10);
  expect(keysIn(grants.get('s3:PutObject') ?? [])).toEqual({ primary: written, dr: written });
  expect(keysIn(grants.get('s3:AbortMultipartUpload') ?? [])).toEqual({ primary: ['data/*'], dr: ['data/*'] });
  // A repair over a held damaged copy writes the new version held (review r61Q F1): the hold read, and set with the write
  // on what a repair writes only; never lifted (the request's status must be ON).
  for (const action of ['s3:GetObjectLegalHold', 's3:PutObjectLegalHold']) expect([action, keysIn(grants.get(action) ?? [])]).toEqual([action, { primary: written, dr: written }]);
  expect(statements.filter((s) => [s.Action].flat().includes('s3:PutObjectLegalHold')).map((s) => [s.Action, s.Condition])).toEqual([
    ['s3:PutObjectLegalHold', { StringEquals: { 's3:object-lock-legal-hold': 'ON' } }],
  ]);
  // A repaired pack keeps its tier tag: the healthy copy's tags read, and written with the repair; packs only.
  for (const action of ['s3:GetObjectTagging', 's3:PutObjectTagging']) expect([action, keysIn(grants.get(action) ?? [])]).toEqual([action, { primary: ['data/*'], dr: ['data/*'] }]);
  expect(grants.get('s3:ListBucket')).toEqual([flat({ 'Fn::GetAtt': [vault, 'Arn'] }), expect.stringContaining(`:s3:::${DR_VAULT}"`)]);
  // f65I: a repair in a vault without Object Lock reads the bucket's lock configuration (S3VaultStore.hasObjectLock);
  // without it the first repair's GetObjectLegalHold was asked and refused. Both vault buckets, never their objects.
  expect(grants.get('s3:GetBucketObjectLockConfiguration')).toEqual([flat({ 'Fn::GetAtt': [vault, 'Arn'] }), expect.stringContaining(`:s3:::${DR_VAULT}"`)]);
  // The vault keys: Decrypt and GenerateDataKey on the primary key and on the DR key by its ARN; the catalog key alone may Encrypt.
  const vaultKeyStatements = statements.filter((s) => [s.Action].flat().includes('kms:GenerateDataKey'));
  // One statement for both keys (f65I: two took the role's policy into an OverflowPolicy).
  expect(vaultKeyStatements.map((s) => [s.Action].flat().sort())).toEqual([['kms:Decrypt', 'kms:GenerateDataKey']]);
  const vaultKeys = [vaultKeyStatements[0]?.Resource].flat();
  expect(vaultKeys).toHaveLength(2);
  expect(flat(vaultKeys[0])).toContain(`"${vaultKeyId}","Arn"`);
  expect(vaultKeyStatements[0]?.Condition).toBeUndefined();
  expect(flat(vaultKeys[1])).toBe(flat(drKeyArnRef(primary, dr, 'alias/lifeboat-dev-dr-vault')));
  expect(primary.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: roleOf('scrub-vaults') }] } })).toEqual({});
  const encrypt = statements.filter((s) => [s.Action].flat().includes('kms:Encrypt'));
  expect(encrypt).toHaveLength(1);
  expect(flat(encrypt[0]?.Resource)).not.toContain(vaultKeyId);
  // The scrub log: items of the table, of its one partition only (audit d6-1), the one ScrubLog writes (SCRUB_RUNS_PK: renaming it fails here, review r3-F2); the plans' records of both catalogs (byPlan):
  // what each vault's retention forgot, the newest backup recorded in a vault, the snapshots their backup discarded.
  // And the scrub lease's one item (SCRUB_LEASE_PK, review rY F1): taken, its holder read when refused, released; no Query of it, no delete of a run.
  expect(grants.get('dynamodb:PutItem')).toEqual([flat({ 'Fn::GetAtt': [table, 'Arn'] }), flat({ 'Fn::GetAtt': [table, 'Arn'] })]);
  const onTable = statements.filter((s) => flat(s.Resource) === flat({ 'Fn::GetAtt': [table, 'Arn'] }) && [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
  expect(onTable).toEqual([
    { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:Query'], Resource: { 'Fn::GetAtt': [table, 'Arn'] }, Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [SCRUB_RUNS_PK] }, Null: { 'dynamodb:LeadingKeys': 'false' } } },
    { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: { 'Fn::GetAtt': [table, 'Arn'] }, Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [SCRUB_LEASE_PK] }, Null: { 'dynamodb:LeadingKeys': 'false' } } },
    // The format marker, raised before each run (review rZ3 F4): its own statement, FORMAT_MARKER_KEY's partition only.
    { Effect: 'Allow', Action: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], Resource: { 'Fn::GetAtt': [table, 'Arn'] }, Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [FORMAT_MARKER_KEY.pk] }, Null: { 'dynamodb:LeadingKeys': 'false' } } },
  ]);
  expect(grants.get('dynamodb:Query')).toEqual([
    flat({ 'Fn::GetAtt': [table, 'Arn'] }),
    flat({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/byPlan']] }),
    expect.stringContaining(':dynamodb:us-west-2:000000000000:table/lifeboat-dev-catalog/index/byPlan'),
  ]);
  // The plans each catalog holds, configured or not (review r60F F1): a Scan of the byPlan indexes only, never of a table.
  expect(grants.get('dynamodb:Scan')).toEqual([
    flat({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/byPlan']] }),
    expect.stringContaining(':dynamodb:us-west-2:000000000000:table/lifeboat-dev-catalog/index/byPlan'),
  ]);
  const drCatalogKey = statements.filter((s) => flat(s.Resource) === flat(drKeyArnRef(primary, dr, 'alias/lifeboat-dev-dr-catalog')));
  expect(drCatalogKey.map((s) => [s.Action].flat())).toEqual([['kms:Decrypt']]);
});

it('writes and reads only the SCRUB#RUNS partition of the catalog, the scrub lease and the format marker: no backup record, plan lease or approval (audit d6-1, review rY F1, rEE F1, rZ3 F4)', async () => {
  const policies = new DeployedPolicies(primary.toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' });
  const scrub = principalOfRole(policies, roleOf('scrub-vaults'));
  const table = { arn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/lifeboat-dev-catalog`, account: ACCOUNT };
  const decisions: string[] = [];
  for (const partition of [SCRUB_RUNS_PK, SCRUB_LEASE_PK, FORMAT_MARKER_KEY.pk, 'BACKUP#20261201T000000Z-aaaaaaaa', 'LOCK#daily', 'APPROVALS']) {
    for (const action of ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) decisions.push(`${action} ${partition}: ${await simulatedDecision(scrub, action, table, { 'dynamodb:LeadingKeys': [partition] })}`);
  }
  expect(decisions).toEqual([
    `dynamodb:PutItem ${SCRUB_RUNS_PK}: Allowed`,
    `dynamodb:Query ${SCRUB_RUNS_PK}: Allowed`,
    `dynamodb:GetItem ${SCRUB_RUNS_PK}: ImplicitlyDenied`,
    `dynamodb:UpdateItem ${SCRUB_RUNS_PK}: ImplicitlyDenied`,
    `dynamodb:DeleteItem ${SCRUB_RUNS_PK}: ImplicitlyDenied`,
    `dynamodb:PutItem ${SCRUB_LEASE_PK}: Allowed`,
    `dynamodb:Query ${SCRUB_LEASE_PK}: ImplicitlyDenied`,
    `dynamodb:GetItem ${SCRUB_LEASE_PK}: Allowed`,
    `dynamodb:UpdateItem ${SCRUB_LEASE_PK}: Allowed`,
    `dynamodb:DeleteItem ${SCRUB_LEASE_PK}: Allowed`,
    // The format marker: raised (a conditional UpdateItem) and read when the condition fails; never put whole or deleted.
    'dynamodb:PutItem FORMAT: ImplicitlyDenied',
    'dynamodb:Query FORMAT: ImplicitlyDenied',
    'dynamodb:GetItem FORMAT: Allowed',
    'dynamodb:UpdateItem FORMAT: Allowed',
    'dynamodb:DeleteItem FORMAT: ImplicitlyDenied',
    'dynamodb:PutItem BACKUP#20261201T000000Z-aaaaaaaa: ImplicitlyDenied',
    'dynamodb:Query BACKUP#20261201T000000Z-aaaaaaaa: ImplicitlyDenied',
    'dynamodb:GetItem BACKUP#20261201T000000Z-aaaaaaaa: ImplicitlyDenied',
    'dynamodb:UpdateItem BACKUP#20261201T000000Z-aaaaaaaa: ImplicitlyDenied',
    'dynamodb:DeleteItem BACKUP#20261201T000000Z-aaaaaaaa: ImplicitlyDenied',
    'dynamodb:PutItem LOCK#daily: ImplicitlyDenied',
    'dynamodb:Query LOCK#daily: ImplicitlyDenied',
    'dynamodb:GetItem LOCK#daily: ImplicitlyDenied',
    'dynamodb:UpdateItem LOCK#daily: ImplicitlyDenied',
    'dynamodb:DeleteItem LOCK#daily: ImplicitlyDenied',
    'dynamodb:PutItem APPROVALS: ImplicitlyDenied',
    'dynamodb:Query APPROVALS: ImplicitlyDenied',
    'dynamodb:GetItem APPROVALS: ImplicitlyDenied',
    'dynamodb:UpdateItem APPROVALS: ImplicitlyDenied',
    'dynamodb:DeleteItem APPROVALS: ImplicitlyDenied',
  ]);
});

it('schedules lifeboat-dev-scrub daily with input {}, by a role that may start only the scrub state machine', () => {
  const machine = logicalId('AWS::StepFunctions::StateMachine', { StateMachineName: 'lifeboat-dev-scrub' });
  const schedules = primary.findResources('AWS::Scheduler::Schedule', { Properties: { Name: 'lifeboat-dev-scrub' } }) as Record<string, Resource>;
  expect(Object.keys(schedules)).toHaveLength(1);
  const [schedule] = Object.values(schedules);
  expect(schedule?.Properties).toMatchObject({
    ScheduleExpression: 'rate(1 day)',
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: { Ref: machine }, Input: '{}', RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 } },
  });
  const role = ((schedule?.Properties?.Target as { RoleArn: { 'Fn::GetAtt': [string, string] } }).RoleArn)['Fn::GetAtt'][0];
  primary.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] } });
  // Starting the scrub, and handing an undeliverable start to the region's dead-letter queue (schedule-delivery.ts).
  expect(statementsOfRole(role)).toEqual([
    { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: machine } },
    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^AlertsDeadLetters/), 'Arn'] } },
  ]);
});

describe('LifeboatProtection scrub prop', () => {
  const protect = (scrub: LifeboatScrubOptions, planName = 'daily'): Template => {
    const app = templateOnlyApp();
    const stack = new Stack(app, 'Protected', { env: { account: '111111111111', region: 'eu-west-1' } });
    const orders = dynamodb.Table.fromTableName(stack, 'Orders', 'orders');
    new LifeboatProtection(stack, 'Protection', {
      prefix: 'acme',
      drRegion: 'eu-central-1',
      plans: [{ name: planName, schedule: 'rate(1 hour)', strategy: 'incremental', retention: { keepLast: 3 }, objectives: { rpoMinutes: 60, rtoMinutes: 60 }, sources: [LifeboatSource.dynamoDbTable('orders', orders)] }],
      scrub,
    });
    return Template.fromStack(stack);
  };

  it('takes another schedule and fraction: the fraction goes into the schedule\'s input', () => {
    protect({ schedule: 'cron(0 3 * * ? *)', fraction: 0.25 }).hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'acme-scrub',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Target: Match.objectLike({ Input: '{"fraction":0.25}' }),
    });
  });

  it('refuses a fraction outside (0, 1] and a plan named scrub (its schedule would take the scrub\'s name)', () => {
    expect(() => protect({ fraction: 0 })).toThrow(/scrub\.fraction: 0 must be above 0 and at most 1/);
    expect(() => protect({ fraction: 1.5 })).toThrow(/scrub\.fraction: 1\.5/);
    expect(() => protect({}, 'scrub')).toThrow(/a plan is named "scrub"/);
  });
});
