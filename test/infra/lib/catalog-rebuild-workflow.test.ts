import { Match, Template } from 'aws-cdk-lib/assertions';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { CATALOG_REBUILD_ROUNDS } from '../../../config/catalog-rebuild-rounds';
import { loadLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { drKeyArnRef } from './dr-key-arn';
import { synthesizeApp } from './synth-app';

/** The catalog-rebuild runbooks of both regions: state machine and the exact grants of the one function (cdk-nag: lifeboat-stacks.test.ts). */
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const dev = synthesizeApp((app) => buildLifeboatApp(app, config)).built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const primary = Template.fromStack(dev.primary);
const dr = Template.fromStack(dev.dr);

type Resource = { Properties?: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The definition as Step Functions receives it, the intrinsics replaced by their logical ids. */
function rebuildDefinition(template: Template = primary): { States: Record<string, Record<string, unknown>>; StartAt: string } {
  const machines = template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'lifeboat-dev-catalog-rebuild' } }) as Record<string, Resource>;
  const [machine] = Object.values(machines);
  if (!machine) throw new Error('no catalog-rebuild state machine');
  const parts = ((machine.Properties?.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]).map((p) => (typeof p === 'string' ? p : 'TOKEN'));
  return JSON.parse(parts.join('')) as { States: Record<string, Record<string, unknown>>; StartAt: string };
}

/** Every statement of the role of the function running `handler`, with tokens as they resolve in the template. */
function statementsOf(handler: string, template: Template = primary): Statement[] {
  const fns = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: handler }) } } }) as Record<string, Resource>;
  expect(Object.keys(fns)).toHaveLength(1);
  const [fn] = Object.values(fns);
  const role = (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${role}"`))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The logical id of the only resource of a type whose properties match. */
function logicalId(type: string, props: Record<string, unknown>, template: Template = primary): string {
  const [id] = Object.keys(template.findResources(type, { Properties: props }));
  if (!id) throw new Error(`no ${type} like ${JSON.stringify(props)}`);
  return id;
}

const flat = (value: unknown): string => JSON.stringify(value);

it('defines lifeboat-dev-catalog-rebuild: Rebuild request → Rebuild catalog → Rebuild finished? (again until done) → Rebuild report, Retry on TransientError, Catch to a failure report that fails with the error', () => {
  const definition = rebuildDefinition();
  // Every runbook starts by refusing an input that is no JSON object (lib/constructs/logged-state-machine.ts).
  expect(definition.StartAt).toBe('Input as JSON text');
  expect(definition.States['Input as JSON text']?.Next).toBe('Input is an object?');
  expect(definition.States['Input is an object?']?.Default).toBe('Rebuild request');
  expect(Object.keys(definition.States).sort()).toEqual(['Failure report', 'Input as JSON text', 'Input is an object?', 'Input refused', 'Rebuild catalog', 'Rebuild failed', 'Rebuild finished?', 'Rebuild report', 'Rebuild request']);
  const task = definition.States['Rebuild catalog'] ?? {};
  expect(definition.States['Rebuild request']).toMatchObject({ Type: 'Pass', Parameters: { 'request.$': '$' }, Next: 'Rebuild catalog' });
  expect(task).toMatchObject({ Type: 'Task', Next: 'Rebuild finished?', ResultPath: '$.rebuild' });
  expect(definition.States['Rebuild finished?']).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.rebuild.done', BooleanEquals: true, Next: 'Rebuild report' }], Default: 'Rebuild catalog' });
  // Every round's 15 minutes and an hour for retries.
  expect(definition).toMatchObject({ TimeoutSeconds: (CATALOG_REBUILD_ROUNDS * 15 + 60) * 60 });
  expect(task.Retry).toEqual(expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['TransientError'], BackoffRate: 2, JitterStrategy: 'FULL' })]));
  expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failure report' }]);
  expect(definition.States['Rebuild report']).toMatchObject({ Type: 'Succeed', OutputPath: '$.rebuild.report' });
  expect(definition.States['Failure report']).toMatchObject({ Type: 'Pass', Next: 'Rebuild failed' });
  expect(definition.States['Rebuild failed']).toMatchObject({ Type: 'Fail', ErrorPath: '$.failure.error', CausePath: '$.failure.cause' });
  for (const [name, state] of Object.entries(definition.States)) expect({ name, comment: typeof state.Comment === 'string' && state.Comment.length > 20 }).toEqual({ name, comment: true });
  primary.hasResourceProperties('AWS::StepFunctions::StateMachine', {
    StateMachineName: 'lifeboat-dev-catalog-rebuild',
    TracingConfiguration: { Enabled: true },
    LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
  });
  primary.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/lifeboat-dev-catalog-rebuild' });
});

/** A fake Rebuild catalog task as the handler answers (lambdas/handlers/rebuild-catalog.ts): not done for `rounds - 1` rounds. */
type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
function fakeRounds(rounds: number, seen: unknown[]) {
  return (input: JsonValue): JsonValue => {
    seen.push(input);
    const { rebuild } = input as { rebuild?: { round: number; created: number } };
    const round = (rebuild?.round ?? 0) + 1;
    const created = (rebuild?.created ?? 0) + 10;
    return { done: round === rounds, round, created, resumeBelow: { startedAt: `2026-0${9 - round}-01T00:00:00.000Z`, backupId: `b${round}` }, report: { outcomes: { created }, rounds: round } };
  };
}

it('runs the rebuild round after round until one answers done, each with the request and the previous round\'s result; the last round\'s summary is the output', async () => {
  const definition = rebuildDefinition();
  const seen: unknown[] = [];
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { checkArn: false, checkPaths: false } });
  const execution = machine.run({ vault: 'dr' }, { overrides: { taskResourceLocalHandlers: { 'Rebuild catalog': fakeRounds(3, seen) } } });
  expect(await execution.result).toEqual({ outcomes: { created: 30 }, rounds: 3 });
  expect(seen).toEqual([
    { request: { vault: 'dr' } },
    { request: { vault: 'dr' }, rebuild: expect.objectContaining({ done: false, round: 1, created: 10, resumeBelow: { startedAt: '2026-08-01T00:00:00.000Z', backupId: 'b1' } }) },
    { request: { vault: 'dr' }, rebuild: expect.objectContaining({ done: false, round: 2, created: 20 }) },
  ]);
});

it('runs the rebuild in one function outside any VPC, with Lambda\'s full 15 minutes', () => {
  primary.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'rebuild-catalog', CATALOG_TABLE: { Ref: logicalId('AWS::DynamoDB::Table', { TableName: 'lifeboat-dev-catalog' }) }, DR_VAULT_BUCKET: 'lifeboat-dev-vault-000000000000-us-west-2', DR_REGION: 'us-west-2' }) },
    Timeout: 900,
    VpcConfig: Match.absent(),
    FileSystemConfigs: Match.absent(),
  });
});

it('grants exactly: read both vaults (config, keys, snapshots, the snapshots\' legal hold status), Decrypt both vault keys, and GetItem/PutItem of its partitions and Query of byPlan on the catalog', () => {
  const vault = logicalId('AWS::S3::Bucket', { BucketName: 'lifeboat-dev-vault-000000000000-us-east-1' });
  const vaultKey = logicalId('AWS::KMS::Alias', { AliasName: 'alias/lifeboat-dev-vault' });
  const vaultKeyId = (primary.findResources('AWS::KMS::Alias')[vaultKey]?.Properties?.TargetKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const table = logicalId('AWS::DynamoDB::Table', { TableName: 'lifeboat-dev-catalog' });
  const statements = statementsOf('rebuild-catalog');
  const byAction = new Map<string, string[]>();
  for (const s of statements) {
    expect(s.Effect).toBe('Allow');
    for (const a of [s.Action].flat()) byAction.set(a, [...(byAction.get(a) ?? []), ...[s.Resource].flat().map(flat)]);
  }
  expect([...byAction.keys()].sort()).toEqual(
    [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:GetObjectLegalHold',
      's3:ListBucket',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ].sort(),
  );
  // Vault objects: config, key objects and snapshot objects of the two vaults, nothing else (no data/, index/, manifest/).
  const objects = byAction.get('s3:GetObject') ?? [];
  expect(objects).toHaveLength(6);
  for (const key of ['/config', '/keys/*', '/snapshots/*']) {
    expect(objects.filter((o) => o.includes(`"${vault}","Arn"]},"${key}"`))).toHaveLength(1);
    expect(objects.filter((o) => o.includes(`:s3:::lifeboat-dev-vault-000000000000-us-west-2${key}"`))).toHaveLength(1);
  }
  expect(byAction.get('s3:ListBucket')).toHaveLength(2);
  // The S3 legal hold status (a hold recovered from Object Lock) of snapshot objects only, in the two vaults.
  const legalHolds = byAction.get('s3:GetObjectLegalHold') ?? [];
  expect(legalHolds).toHaveLength(2);
  expect(legalHolds.filter((o) => o.includes(`"${vault}","Arn"]},"/snapshots/*"`))).toHaveLength(1);
  expect(legalHolds.filter((o) => o.includes(':s3:::lifeboat-dev-vault-000000000000-us-west-2/snapshots/*"'))).toHaveLength(1);
  // Decrypt: the primary vault key, the DR key by the ARN read from the DR stack, the catalog key; the catalog key alone may encrypt.
  const decrypt = statements.filter((s) => [s.Action].flat().includes('kms:Decrypt'));
  expect(decrypt.map((s) => flat(s.Resource)).join(' ')).toContain(`"${vaultKeyId}","Arn"`);
  expect(decrypt.filter((s) => flat(s.Resource) === flat(drKeyArnRef(primary, dr, 'alias/lifeboat-dev-dr-vault')))).toHaveLength(1);
  expect(decrypt.filter((s) => s.Condition !== undefined)).toEqual([]);
  const encrypt = statements.filter((s) => [s.Action].flat().includes('kms:Encrypt'));
  expect(encrypt).toHaveLength(1);
  expect(flat(encrypt[0]?.Resource)).not.toContain(vaultKeyId);
  // The catalog: items of its partitions, and Query only on the plan index.
  expectItemsOfItsPartitions(statements, table);
  expect(byAction.get('dynamodb:Query')).toEqual([flat({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/byPlan']] })]);
  expectMarkerDeleteOnly(statements, table);
});

/**
 * GetItem and PutItem of records and the marker, PutItem of index items (catalog-rebuild.ts, catalog-rebuild-marker.ts),
 * on those partitions alone, and no UpdateItem (review r58J F2: on the whole table it could put any item, a failover grant).
 */
function expectItemsOfItsPartitions(statements: Statement[], table: string): void {
  const onTable = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')) && flat(s.Resource) === flat({ 'Fn::GetAtt': [table, 'Arn'] }));
  const on = (partitions: string[], match = 'ForAllValues:StringLike') => ({ [match]: { 'dynamodb:LeadingKeys': partitions }, Null: { 'dynamodb:LeadingKeys': 'false' } });
  expect(onTable.map((s) => [s.Action, s.Condition])).toEqual([
    [['dynamodb:GetItem', 'dynamodb:PutItem'], on(['BACKUP#*', 'REBUILD'])],
    ['dynamodb:PutItem', on(['SOURCE#*'])],
    ['dynamodb:DeleteItem', on(['REBUILD'], 'ForAllValues:StringEquals')],
  ]);
}

/** DeleteItem on the rebuild's marker (pk REBUILD) alone: a complete rebuild removes it, and nothing else of the catalog (review rH F2). */
function expectMarkerDeleteOnly(statements: Statement[], table: string): void {
  const deletes = statements.filter((s) => [s.Action].flat().includes('dynamodb:DeleteItem'));
  expect(deletes).toHaveLength(1);
  expect(deletes[0]).toMatchObject({ Action: 'dynamodb:DeleteItem', Resource: { 'Fn::GetAtt': [table, 'Arn'] }, Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['REBUILD'] } } });
}

describe('the DR region\'s runbook (DR stack): the DR catalog rebuilt from the DR vault alone', () => {
  it('defines lifeboat-dev-catalog-rebuild in the DR stack with the same states', () => {
    const definition = rebuildDefinition(dr);
    expect(definition.States['Input is an object?']?.Default).toBe('Rebuild request');
    expect(Object.keys(definition.States).sort()).toEqual(['Failure report', 'Input as JSON text', 'Input is an object?', 'Input refused', 'Rebuild catalog', 'Rebuild failed', 'Rebuild finished?', 'Rebuild report', 'Rebuild request']);
    expect(String(definition.States['Rebuild catalog']?.Comment)).toContain('DR vault');
    dr.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/lifeboat-dev-catalog-rebuild' });
  });

  it('gives its function the DR vault as its home and the DR catalog, and nothing of the primary region', () => {
    const table = logicalId('AWS::DynamoDB::Table', { TableName: 'lifeboat-dev-catalog' }, dr);
    const vault = logicalId('AWS::S3::Bucket', { BucketName: 'lifeboat-dev-vault-000000000000-us-west-2' }, dr);
    const fns = Object.values(dr.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'rebuild-catalog' }) } } }) as Record<string, Resource>);
    expect(fns).toHaveLength(1);
    const variables = (fns[0]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({ LIFEBOAT_HOME_VAULT: 'dr', DR_REGION: 'us-west-2', CATALOG_TABLE: { Ref: table }, DR_VAULT_BUCKET: { Ref: vault } });
    expect(variables.VAULT_BUCKET).toBeUndefined();
    expect(variables.VAULT_KEY_ARN).toBeUndefined();
    expect(flat(variables)).not.toContain('us-east-1');
    expect(fns[0]?.Properties).toMatchObject({ Timeout: 900 });
    expect(fns[0]?.Properties?.VpcConfig).toBeUndefined();
  });

  it('grants exactly: read the DR vault (config, keys, snapshots), Decrypt its key, GetItem/PutItem of its partitions and Query of byPlan on the DR catalog; no us-east-1 resource', () => {
    const vault = logicalId('AWS::S3::Bucket', { BucketName: 'lifeboat-dev-vault-000000000000-us-west-2' }, dr);
    const vaultKeyAlias = logicalId('AWS::KMS::Alias', { AliasName: 'alias/lifeboat-dev-dr-vault' }, dr);
    const vaultKeyId = (dr.findResources('AWS::KMS::Alias')[vaultKeyAlias]?.Properties?.TargetKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const table = logicalId('AWS::DynamoDB::Table', { TableName: 'lifeboat-dev-catalog' }, dr);
    const statements = statementsOf('rebuild-catalog', dr);
    expect(flat(statements)).not.toContain('us-east-1');
    const byAction = new Map<string, string[]>();
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      // The one kind of condition: the catalog's partitions (expectItemsOfItsPartitions).
      if (!flat(s.Resource).includes(`"${table}","Arn"]}`) || flat(s.Resource).includes('/index/')) expect(s.Condition).toBeUndefined();
      for (const a of [s.Action].flat()) byAction.set(a, [...(byAction.get(a) ?? []), ...[s.Resource].flat().map(flat)]);
    }
    expect(byAction.get('s3:GetObject')?.sort()).toEqual(['/config', '/keys/*', '/snapshots/*'].map((key) => flat({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [vault, 'Arn'] }, key]] })).sort());
    expect(byAction.get('s3:ListBucket')).toEqual([flat({ 'Fn::GetAtt': [vault, 'Arn'] })]);
    expect(byAction.get('s3:GetObjectLegalHold')).toEqual([flat({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [vault, 'Arn'] }, '/snapshots/*']] })]);
    const decrypt = statements.filter((s) => [s.Action].flat().includes('kms:Decrypt')).map((s) => flat(s.Resource));
    expect(decrypt).toHaveLength(2);
    expect(decrypt.join(' ')).toContain(`"${vaultKeyId}","Arn"`);
    expectItemsOfItsPartitions(statements, table);
    expect(byAction.get('dynamodb:UpdateItem')).toBeUndefined();
    expect(byAction.get('dynamodb:Query')).toEqual([flat({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/byPlan']] })]);
    expectMarkerDeleteOnly(statements, table);
  });
});
