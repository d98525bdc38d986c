import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { APPROVALS_PK } from '../../../lambdas/approval/approval-record';
import { defaultRestoreTargetPrefix } from '../../../lambdas/restore/restore-target-policy';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { drKeyArnRef } from './dr-key-arn';
import { synthesizeApp } from './synth-app';

/** The restore runbook's state machine and the least privilege of its functions (cdk-nag: lifeboat-stacks.test.ts); the sample config with an approver role. */
const APPROVER = 'arn:aws:iam::000000000000:role/lifeboat-approver';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const config = { ...sample, environments: sample.environments.map((e) => ({ ...e, security: { approverRoleArn: APPROVER } })) };
const dev = synthesizeApp((app) => buildLifeboatApp(app, config)).built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const primary = Template.fromStack(dev.primary);
const dr = Template.fromStack(dev.dr);
const devConfig = config.environments.find((e) => e.name === 'dev');
if (!devConfig) throw new Error('no dev environment');
const names = resourceNames(devConfig);

function restoreMachine(): { definition: string; props: Record<string, unknown> } {
  const machines = primary.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'lifeboat-dev-restore' } });
  const [machine] = Object.values(machines);
  if (!machine) throw new Error('no restore state machine');
  return { definition: JSON.stringify(machine.Properties?.DefinitionString), props: machine.Properties ?? {} };
}

type Statement = { Effect?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every policy statement of the role of a restore function (by handler name). */
function statementsOf(handler: string): Statement[] {
  const fns = primary.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: handler }) } } });
  const [fn] = Object.values(fns);
  const roleRef = (fn?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
  const policies = primary.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${roleRef}"`))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The actions the statements allow (a Deny, such as the failover grants' on verify and abandon, is no grant). */
const actions = (statements: Statement[]) => new Set(statements.filter((s) => s.Effect !== 'Deny').flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));

it('defines lifeboat-dev-restore: (approval if overwrite) → resolve → plan → Distributed Map of shards → verify → report, Retry on TransientError, Catch to a failure report', () => {
  const { definition, props } = restoreMachine();
  // Every runbook starts by refusing an input that is no JSON object (lib/constructs/logged-state-machine.ts).
  expect(definition).toContain('\\"StartAt\\":\\"Input as JSON text\\"');
  expect(definition).toContain('\\"Default\\":\\"Overwrite requested?\\"');
  expect(definition).toContain('\\"Validate and resolve\\"');
  for (const state of ['Plan restore shards', 'Restore shards', 'Restore shard', 'Verify restore', 'Restore report', 'Restore planned?', 'Abandon restore', 'Release restore', 'Failure report', 'Restore failed']) expect(definition).toContain(`\\"${state}\\"`);
  expect(definition).toContain('\\"Type\\":\\"Map\\"');
  expect(definition).toContain('\\"ErrorEquals\\":[\\"TransientError\\"]');
  expect(definition).toContain('\\"ErrorEquals\\":[\\"States.ALL\\"]');
  // Its report is its output alone: Verify restore says no other place (review f58O; the restore-source child's says parent-state).
  expect(definition).not.toContain('reportIn');
  // Only keys travel: the Distributed Map reads the plan's shard manifest from the vault, batches it, and writes its results
  // back under restore-plans/map-runs; the execution name is the restore id.
  expect(definition).not.toContain('\\"ItemsPath\\"');
  expect(definition).toContain('\\"ProcessorConfig\\":{\\"Mode\\":\\"DISTRIBUTED\\",\\"ExecutionType\\":\\"STANDARD\\"}');
  expect(definition).toContain('\\"ReaderConfig\\":{\\"InputType\\":\\"JSONL\\"}');
  expect(definition).toContain('\\"Key.$\\":\\"$.plan.shardManifestKey\\"');
  expect(definition).toContain('\\"ItemBatcher\\":{\\"MaxItemsPerBatchPath\\":\\"$.plan.shardsPerBatch\\",\\"BatchInput\\":{\\"restoreId.$\\":\\"$.plan.restoreId\\",\\"planKey.$\\":\\"$.plan.planKey\\"}}');
  expect(definition).toContain('\\"MaxConcurrencyPath\\":\\"$.plan.maxConcurrency\\"');
  expect(definition).toContain('\\"Prefix\\":\\"restore-plans/map-runs\\"');
  expect(definition).toContain('\\"shardMap\\":\\"distributed\\"');
  expect(definition).toContain('\\"restoreId.$\\":\\"$$.Execution.Name\\"');
  expect(props).toMatchObject({ TracingConfiguration: { Enabled: true }, LoggingConfiguration: expect.objectContaining({ Level: 'ALL' }) });
});

it('gives each restore function exact, least-privilege access', () => {
  expect(names.restoreTargetPrefix).toBe(defaultRestoreTargetPrefix('dev'));
  const resolve = statementsOf('resolve-restore');
  const plan = statementsOf('plan-restore');
  const shard = statementsOf('restore-shard');
  const verify = statementsOf('verify-restore');
  // Only the shard writes targets' data; only plan creates tables (new ones, by name pattern) and writes plans. An S3
  // entry restored in pieces is one multipart upload: plan starts it, verify completes or aborts it (s3:PutObject on target objects only).
  // DeleteItem: on the catalog's target claims only (checked below), never on a target table.
  const offCatalog = (fn: Statement[]) => fn.filter((st) => !JSON.stringify(st.Resource).includes('CatalogTable'));
  for (const a of ['s3:PutObject', 'dynamodb:BatchWriteItem', 'dynamodb:CreateTable', 's3:DeleteObject']) expect(actions(resolve).has(a)).toBe(false);
  expect(actions(offCatalog(resolve)).has('dynamodb:DeleteItem')).toBe(false);
  // Verify reads the shards' records: it neither writes nor scans a target table (each shard read back its items).
  for (const a of ['dynamodb:BatchWriteItem', 'dynamodb:CreateTable', 's3:DeleteObject', 'dynamodb:Scan', 'dynamodb:BatchGetItem']) expect(actions(verify).has(a)).toBe(false);
  expect(actions(offCatalog(verify)).has('dynamodb:DeleteItem')).toBe(false);
  const verifyPuts = verify.filter((s) => JSON.stringify(s.Action).includes('s3:PutObject'));
  expect(verifyPuts.map((s) => s.Action)).toEqual([['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload']]);
  expect(JSON.stringify(verifyPuts[0]?.Resource)).toContain(':s3:::lifeboat-dev-restore-*/*');
  expect(JSON.stringify(verifyPuts[0]?.Resource)).not.toMatch(/VaultBucket/);
  expect(actions(shard)).toEqual(
    new Set(['s3:GetObject', 's3:GetObjectTagging', 's3:ListBucket', 'kms:Decrypt', 'kms:GenerateDataKey', 's3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 'dynamodb:BatchWriteItem', 'dynamodb:BatchGetItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']),
  );
  // The shard reads back the objects it wrote (tags included), on the targets only: never the vault's tags.
  const readBack = shard.filter((s) => JSON.stringify(s.Action).includes('s3:GetObjectTagging'));
  expect(readBack.map((s) => s.Action)).toEqual([['s3:GetObject', 's3:GetObjectTagging']]);
  expect(JSON.stringify(readBack[0]?.Resource)).toContain(':s3:::lifeboat-dev-restore-*/*');
  expect(JSON.stringify(readBack[0]?.Resource)).not.toMatch(/VaultBucket/);
  // In the vault, the shard writes only beside the plans (a piece's uploaded parts, its check record): restore-plans/*.
  const vaultPuts = shard.filter((s) => JSON.stringify(s.Action).includes('s3:PutObject') && JSON.stringify(s.Resource).includes('VaultBucket'));
  expect(vaultPuts.map((s) => [s.Action, JSON.stringify(s.Resource)])).toEqual([['s3:PutObject', expect.stringMatching(/"\/restore-plans\/\*"\]/)]]);
  // The abandon step (a failed restore's pieces): reads the plan, aborts uploads on targets, unpins the backup, nothing else.
  const abandon = statementsOf('abandon-restore');
  expect(actions(abandon)).toEqual(
    new Set(['s3:GetObject', 'kms:Decrypt', 's3:AbortMultipartUpload', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']),
  );
  // Restore pins (lambdas/restore/restore-pin.ts): resolve pins, verify and abandon unpin, by UpdateItem of the backup's
  // record (BACKUP#*); resolve reads records (GetItem), a source's index items (Query of SOURCE#*) and the rebuild marker
  // (GetItem of REBUILD), verify reads the backup's record for what the backup left out (GetItem, audit R41 F4).
  // Target claims (lambdas/restore/target-claim.ts): resolve claims (PutItem; UpdateItem, GetItem) and releases its own when it
  // fails (DeleteItem); verify and abandon release (DeleteItem), abandon reads the claim of a restore that never planned
  // (GetItem). Every one on its partitions only (review 42c F3, r58J F2): none reaches the table whole.
  const on = (partitions: string[], match = 'ForAllValues:StringLike') => ({ [match]: { 'dynamodb:LeadingKeys': partitions }, Null: { 'dynamodb:LeadingKeys': 'false' } });
  const onClaims = on(['TARGET#*']);
  for (const [fn, statements] of [
    [
      resolve,
      [
        [['dynamodb:GetItem', 'dynamodb:UpdateItem'], on(['BACKUP#*'])],
        ['dynamodb:Query', on(['SOURCE#*'])],
        ['dynamodb:GetItem', on(['REBUILD'], 'ForAllValues:StringEquals')],
        [['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'], onClaims],
      ],
    ],
    [
      verify,
      [
        [['dynamodb:GetItem', 'dynamodb:UpdateItem'], on(['BACKUP#*'])],
        ['dynamodb:DeleteItem', onClaims],
      ],
    ],
    [
      abandon,
      [
        ['dynamodb:UpdateItem', on(['BACKUP#*'])],
        [['dynamodb:GetItem', 'dynamodb:DeleteItem'], onClaims],
      ],
    ],
  ] as const) {
    const onCatalog = fn.filter((st) => st.Effect !== 'Deny' && JSON.stringify(st.Action).includes('dynamodb:') && JSON.stringify(st.Resource).includes('CatalogTable'));
    expect(onCatalog.map((st) => [st.Action, JSON.stringify(st.Resource), st.Condition])).toEqual(statements.map(([actions, condition]) => [actions, expect.not.stringContaining('index'), condition]));
  }
  // Verify and abandon may never write a failover's grants (UpdateItem creates an item: review r15-F3); the resolve takes them.
  for (const fn of [verify, abandon]) {
    expect(fn.filter((st) => st.Effect === 'Deny').map((st) => [st.Action, st.Condition])).toEqual([
      [['dynamodb:PutItem', 'dynamodb:UpdateItem'], { 'ForAnyValue:StringEquals': { 'dynamodb:LeadingKeys': ['FAILOVER_GRANTS'] } }],
    ]);
  }
  // The pin lasts the restore state machine's timeout (24 hours; 72 with an archive tier), so no execution outlives it.
  // The state machine's own TimeoutSeconds is the definition's last key (the approval task's comes before it).
  const machineTimeout = /.*\\"TimeoutSeconds\\":(\d+)/s.exec(restoreMachine().definition)?.[1];
  expect(Number(machineTimeout)).toBeGreaterThanOrEqual(24 * 60 * 60);
  primary.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'resolve-restore', LIFEBOAT_RESTORE_PIN_SECONDS: machineTimeout }) } });
  expect(abandon.filter((st) => JSON.stringify(st.Action).includes('s3:GetObject')).map((st) => JSON.stringify(st.Resource))).toEqual([expect.stringMatching(/VaultBucket.*"\/restore-plans\/\*"\]/)]);
  const aborts = abandon.filter((st) => JSON.stringify(st.Action).includes('s3:AbortMultipartUpload'));
  expect(aborts.every((st) => !JSON.stringify(st.Resource).includes('VaultBucket'))).toBe(true);
  expect(JSON.stringify(aborts.map((st) => st.Resource))).toContain(':s3:::lifeboat-dev-restore-*/*');
  expect(actions(resolve).has('dynamodb:Query')).toBe(true);
  const createTable = plan.find((s) => JSON.stringify(s.Action).includes('dynamodb:CreateTable'));
  expect(JSON.stringify(createTable?.Resource)).toContain('table/lifeboat-dev-restore-*');
  expect(JSON.stringify(createTable?.Resource)).not.toContain('lifeboat-demo-orders');
  // Targets: new buckets by prefix and the protected sources (for overwrite), nothing else.
  const writes = shard.find((s) => JSON.stringify(s.Action).includes('s3:PutObjectTagging'));
  expect(JSON.stringify(writes?.Resource)).toContain(':s3:::lifeboat-dev-restore-*/*');
  expect(JSON.stringify(writes?.Resource)).toContain(':s3:::lifeboat-demo-assets/*');
  expect((writes?.Resource as unknown[]).length).toBe(2);
  // The DR vault's key, by the ARN read from the DR stack at deploy time; no key by wildcard.
  const drKey = shard.find((s) => JSON.stringify(s.Resource) === JSON.stringify(drKeyArnRef(primary, dr, 'alias/lifeboat-dev-dr-vault')));
  expect(drKey?.Action).toBe('kms:Decrypt');
  expect(drKey?.Condition).toBeUndefined();
  expect(JSON.stringify(shard)).not.toContain(':key/*');
});

it('lets the restore state machine read the shard manifests and write the map runs\' results in its vault, start and stop its own child executions, and nothing more', () => {
  const roles = primary.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'states.amazonaws.com' } })] } } });
  const machine = Object.values(primary.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'lifeboat-dev-restore' } }))[0];
  const roleId = (machine?.Properties?.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  expect(Object.keys(roles)).toContain(roleId);
  const statements = allStatements(primary).filter(({ roles: r }) => r.includes(`"${roleId}"`)).map(({ st }) => st);
  const vaultStatements = statements.filter((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]).some((a) => a.startsWith('s3:') || a.startsWith('kms:')));
  expect(vaultStatements.map((st) => [st.Action, JSON.stringify(st.Resource)])).toEqual([
    ['s3:GetObject', expect.stringMatching(/"VaultBucket[0-9A-F]+","Arn"\]\},"\/restore-plans\/\*"\]/)],
    ['s3:PutObject', expect.stringMatching(/"VaultBucket[0-9A-F]+","Arn"\]\},"\/restore-plans\/map-runs\/\*"\]/)],
    [['kms:Decrypt', 'kms:GenerateDataKey'], expect.stringMatching(/^\{"Fn::GetAtt":\["VaultKey[0-9A-F]+","Arn"\]\}$/)],
  ]);
  const states = statements.filter((st) => JSON.stringify(st.Action).includes('states:'));
  expect(new Set(states.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action])))).toEqual(new Set(['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution']));
  // Its own executions only: the start on this state machine, the others on its executions and map runs.
  for (const st of states) expect(JSON.stringify(st.Resource)).toMatch(/RestoreStateMachine[0-9A-F]+/);
});

it('gives the DR vault key its alias, for people and the CLI', () => {
  dr.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/lifeboat-dev-dr-vault' });
});

type PolicyResource = { Properties?: { Roles?: unknown; PolicyDocument?: { Statement: Statement[] } } };
const allStatements = (template: Template) =>
  Object.values(template.findResources('AWS::IAM::Policy') as Record<string, PolicyResource>).flatMap((p) => (p.Properties?.PolicyDocument?.Statement ?? []).map((st) => ({ roles: JSON.stringify(p.Properties?.Roles), st })));

it('pins every grant on restore targets and sources to the account that owns the bucket (s3:ResourceAccount), in both stacks', () => {
  for (const template of [primary, dr]) {
    const bucketGrants = allStatements(template).filter(({ st }) => /:s3:::(lifeboat-dev-restore-|lifeboat-dev-drill-|lifeboat-demo-assets)/.test(JSON.stringify(st.Resource)));
    expect(bucketGrants.length).toBeGreaterThan(5);
    for (const { st } of bucketGrants) expect([JSON.stringify(st.Action), st.Condition]).toEqual([JSON.stringify(st.Action), expect.objectContaining({ StringEquals: expect.objectContaining({ "s3:ResourceAccount": "000000000000" }) })]);
  }
  // The functions learn the account their buckets must be owned by (ExpectedBucketOwner).
  primary.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'restore-shard', LIFEBOAT_ACCOUNT: '000000000000' }) } });
});

it('makes overwrite restores and failovers wait for an approval (.waitForTaskToken with a timeout) that only the approver role may answer', () => {
  const { definition } = restoreMachine();
  expect(definition).toContain(':states:::lambda:invoke.waitForTaskToken');
  expect(definition).toContain('\\"BooleanEquals\\":true');
  // The wait times out after 12 hours, within the workflow's own 24.
  expect(definition).toContain('\\"Wait for approval\\":{\\"Next\\":\\"Validate and resolve\\"');
  expect(definition).toContain('\\"TimeoutSeconds\\":43200');
  const failover = Object.values(dr.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'lifeboat-dev-failover' } }))[0];
  const failoverDefinition = JSON.stringify(failover?.Properties?.DefinitionString);
  expect(failoverDefinition).toContain('\\"StartAt\\":\\"Input as JSON text\\"');
  expect(failoverDefinition).toContain('\\"Default\\":\\"Wait for approval\\"');
  expect(failoverDefinition).toContain('lambda:invoke.waitForTaskToken');
  // Per runbook that waits (primary: restore; DR: restore and failover), attached to the configured approver role (by name) and to nothing else.
  for (const [template, runbooks] of [[primary, 1], [dr, 2]] as const) {
    const answering = allStatements(template).filter(({ st }) => JSON.stringify(st.Action).includes('states:SendTask'));
    expect(answering.map(({ roles }) => roles)).toEqual(Array(runbooks).fill('["lifeboat-approver"]'));
    // On "*": the SendTask actions support no resource-level permissions, and IAM would match them nowhere else.
    for (const { st } of answering) expect({ Action: st.Action, Resource: st.Resource }).toEqual({ Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], Resource: '*' });
  }
});

it('lets the approval step write, and the approver read and mark, only the catalog partition ApprovalLog uses (review r3-F2)', () => {
  // The partition comes from the runtime (APPROVALS_PK): renaming it without the grants fails here, not in AWS.
  const onApprovals = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [APPROVALS_PK] }, Null: { 'dynamodb:LeadingKeys': 'false' } };
  for (const [template, runbooks] of [[primary, 1], [dr, 2]] as const) {
    const roles = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'request-approval' }) } } })).map(
      (fn) => (fn.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
    );
    expect(roles).toHaveLength(runbooks);
    const catalogGrants = (of: (roles: string) => boolean) =>
      allStatements(template)
        .filter(({ roles: r, st }) => of(r) && JSON.stringify(st.Action).includes('dynamodb:'))
        .map(({ st }) => ({ Action: st.Action, Condition: st.Condition }));
    for (const role of roles) expect(catalogGrants((r) => r.includes(`"${role}"`))).toEqual([{ Action: 'dynamodb:PutItem', Condition: onApprovals }]);
    expect(catalogGrants((r) => r === '["lifeboat-approver"]')).toEqual(Array(runbooks).fill({ Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], Condition: onApprovals }));
  }
});

it('lets the approver role read the status and history of the executions of exactly the runbooks it approves (review 44a F1)', () => {
  // `lifeboat approve` asks DescribeExecution when Step Functions refuses an answer as for a closed task: without it,
  // an execution approved from the console (or by a lost, retried answer) could not be told from a stopped one; and
  // GetExecutionHistory for what the approval task received, its own lost answer or another's.
  const executionsOf = (template: Template, region: string, stateMachineName: string) => {
    const [logicalId] = Object.keys(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: stateMachineName } }));
    // CDK's grantExecution: arn:<partition>:states:<region>:<account>:execution:<the state machine's name>:*
    return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:states:${region}:000000000000:execution:`, { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: logicalId }] }] }, ':*']] };
  };
  for (const [template, region, runbooks] of [
    [primary, devConfig.primaryRegion, ['lifeboat-dev-restore']],
    [dr, devConfig.drRegion, ['lifeboat-dev-restore', 'lifeboat-dev-failover']],
  ] as const) {
    const granted = allStatements(template)
      .filter(({ roles, st }) => roles === '["lifeboat-approver"]' && JSON.stringify(st.Action).includes('states:DescribeExecution'))
      .map(({ st }) => ({ Action: st.Action, Resource: st.Resource }));
    expect(granted).toHaveLength(runbooks.length);
    expect(granted).toEqual(
      expect.arrayContaining(runbooks.map((name) => ({ Action: ['states:DescribeExecution', 'states:GetExecutionHistory'], Resource: executionsOf(template, region, name) }))),
    );
  }
});
