import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { s3BucketSourceSchema } from '../../../config/lifeboat-config';
import { loadLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { FUNCTION_SIZING } from '../../../lib/lifeboat-defaults';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { defaultRestoreTargetPrefix } from '../../../lambdas/restore/restore-target-policy';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { wildcardReasonsByKind } from './acknowledged-wildcard-reasons';
import { drKeyArnRef } from './dr-key-arn';
import { synthesizeApp, violationsIn } from './synth-app';
import { templateOnlyApp } from '../../support/template-only-app';

/** Our JSON-config app (bin/app.ts) on the sample config (with an approver role, so its policy is checked too), synthesized once under cdk-nag, as `cdk synth` runs it. */
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const config = { ...sample, environments: sample.environments.map((e) => ({ ...e, security: { approverRoleArn: 'arn:aws:iam::000000000000:role/lifeboat-approver' } })) };
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config), { nag: true });
const dev = synthesized.built.get('dev');
const devConfig = config.environments.find((e) => e.name === 'dev');
if (!dev || !devConfig) throw new Error('the sample config defines the dev environment');
const primary = Template.fromStack(dev.primary);
const dr = Template.fromStack(dev.dr);
const names = resourceNames(devConfig);

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding on any stack', () => {
    expect(synthesized.violations()).toEqual([]);
    expect(synthesized.synthError).toBeUndefined();
  });

  it('acknowledges each wildcard resource with a reason about its own kind: DynamoDB tables, prefix-named buckets and key prefixes each their own (audit a57E-2)', () => {
    const rows = wildcardReasonsByKind(synthesized.app);
    expect(new Set(rows.map((r) => r.kind))).toEqual(new Set(['function versions', 'stack ids', 'DynamoDB tables', 'S3 buckets by name prefix', 'S3 object key prefix of one bucket']));
    expect(rows.filter((r) => !r.namesItsKind || r.namesOtherKinds.length > 0)).toEqual([]);
  });

  it('does fail synth on a finding (the check is live)', () => {
    const probeDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-nag-probe-'));
    try {
      const probe = new App({ outdir: probeDir, builtinCloudFormationValidation: false });
      const stack = new Stack(probe, 'Probe');
      new s3.Bucket(stack, 'UnencryptedLogless');
      Validations.of(probe).addPlugins(new AwsSolutionsChecks(probe));
      expect(() => probe.synth()).toThrow(/AwsSolutions-S1/);
      expect(violationsIn(probeDir).some((v) => v.startsWith('AwsSolutions-S1'))).toBe(true);
    } finally {
      rmSync(probeDir, { recursive: true, force: true });
    }
  });
});

describe('stacks and physical names of the JSON-config app', () => {
  it('keeps every name the CLI, the local cloud and runbooks address: lifeboat-<env>-…', () => {
    expect(dev.primary.stackName).toBe('Lifeboat-dev-Primary');
    expect(dev.dr.stackName).toBe('Lifeboat-dev-DR');
    expect(names).toEqual({
      primaryStack: 'Lifeboat-dev-Primary',
      drStack: 'Lifeboat-dev-DR',
      primaryVault: 'lifeboat-dev-vault-000000000000-us-east-1',
      drVault: 'lifeboat-dev-vault-000000000000-us-west-2',
      primaryAccessLogs: 'lifeboat-dev-access-logs-000000000000-us-east-1',
      drAccessLogs: 'lifeboat-dev-access-logs-000000000000-us-west-2',
      catalogTable: 'lifeboat-dev-catalog',
      backupStateMachine: 'lifeboat-dev-backup',
      restoreStateMachine: 'lifeboat-dev-restore',
      catalogRebuildStateMachine: 'lifeboat-dev-catalog-rebuild',
      scrubStateMachine: 'lifeboat-dev-scrub',
      repairIndexStateMachine: 'lifeboat-dev-repair-index',
      scrubSchedule: 'lifeboat-dev-scrub',
      drillStateMachine: 'lifeboat-dev-drill',
      drillRestoreSourceStateMachine: 'lifeboat-dev-drill-restore-source',
      drillSchedulePrefix: 'lifeboat-dev-drill-',
      drillTargetPrefix: 'lifeboat-dev-drill-',
      failoverStateMachine: 'lifeboat-dev-failover',
      failoverRestoreSourceStateMachine: 'lifeboat-dev-failover-restore-source',
      mirrorBucketPrefix: 'lifeboat-dev-mirror-',
      mirrorCheckStateMachine: 'lifeboat-dev-mirror-check',
      mirrorCheckSchedule: 'lifeboat-dev-mirror-check',
      fileMirrorSample: 'lifeboat-dev-file-mirror-sample',
      drKeyLookupRole: 'lifeboat-dev-dr-key-lookup',
      drKeyReaderRole: 'lifeboat-dev-dr-key-reader',
      drCatalogKeyAlias: 'alias/lifeboat-dev-dr-catalog',
      primaryVaultKeyAlias: 'alias/lifeboat-dev-vault',
      pruneSchedule: 'lifeboat-dev-prune',
      drPruneSchedule: 'lifeboat-dev-prune-dr',
      pruneStateMachine: 'lifeboat-dev-prune',
      drVaultKeyAlias: 'alias/lifeboat-dev-dr-vault',
      restoreTargetPrefix: 'lifeboat-dev-restore-',
      alarmTopic: 'lifeboat-dev-alarms',
      executionStatusRule: 'lifeboat-dev-execution-ended',
      keyChangeRule: 'lifeboat-dev-key-changed',
      watchdogRule: 'lifeboat-dev-watchdog',
      watchdogHeartbeatAlarm: 'lifeboat-dev-watchdog-heartbeat',
      deadLetterQueue: 'lifeboat-dev-dead-letters',
      deadLetterAlarm: 'lifeboat-dev-dead-letters',
      schedulePrefix: 'lifeboat-dev-',
    });
    expect(names.restoreTargetPrefix).toBe(defaultRestoreTargetPrefix('dev'));
    const named = (template: Template, type: string, property: string) => Object.values(template.findResources(type)).map((r) => r.Properties?.[property] as unknown);
    expect(named(primary, 'AWS::S3::Bucket', 'BucketName').sort()).toEqual([names.primaryAccessLogs, names.primaryVault]);
    expect(named(dr, 'AWS::S3::Bucket', 'BucketName').sort()).toEqual([names.drAccessLogs, `${names.mirrorBucketPrefix}demo-assets`, names.drVault]);
    expect(named(primary, 'AWS::DynamoDB::Table', 'TableName')).toEqual([names.catalogTable]);
    expect(named(primary, 'AWS::StepFunctions::StateMachine', 'StateMachineName').sort()).toEqual([names.backupStateMachine, names.catalogRebuildStateMachine, names.drillRestoreSourceStateMachine, names.drillStateMachine, names.pruneStateMachine, names.repairIndexStateMachine, names.restoreStateMachine, names.scrubStateMachine].sort());
    expect(named(dr, 'AWS::StepFunctions::StateMachine', 'StateMachineName').sort()).toEqual([names.catalogRebuildStateMachine, names.drillRestoreSourceStateMachine, names.drillStateMachine, names.failoverRestoreSourceStateMachine, names.failoverStateMachine, names.mirrorCheckStateMachine, names.pruneStateMachine, names.restoreStateMachine].sort());
    expect(named(primary, 'AWS::KMS::Alias', 'AliasName')).toEqual([names.primaryVaultKeyAlias]);
    expect(named(dr, 'AWS::KMS::Alias', 'AliasName').sort()).toEqual([names.drCatalogKeyAlias, names.drVaultKeyAlias]);
    expect(named(dr, 'AWS::DynamoDB::Table', 'TableName')).toEqual([names.catalogTable]);
  });

  it('keeps the logical ids the stacks had before the constructs (a deployed environment updates in place)', () => {
    // A sample of ids as PrimaryStack and DrStack created them (the protection's id 'Default' adds nothing to ids).
    const ids = (template: Template, type: string) => Object.keys(template.findResources(type)).sort();
    expect(ids(primary, 'AWS::S3::Bucket')).toEqual(['AccessLogs8B620ECA', 'VaultBucket0925C477']);
    expect(ids(primary, 'AWS::KMS::Alias')).toEqual(['VaultKeyAlias713F73B7']);
    expect(ids(primary, 'AWS::DynamoDB::Table')).toEqual(['CatalogTableBBEA0CBC']);
    expect(ids(dr, 'AWS::S3::Bucket')).toEqual(['AccessLogs8B620ECA', 'Mirrordemoassets8B3D22DF', 'ReplicaVaultBucketBD8B4C45']);
    expect(ids(dr, 'AWS::KMS::Alias')).toEqual(['CatalogKeyAlias6B85D640', 'ReplicaVaultKeyAliasA9493A54']);
  });

  it('adds no cdk-nag to the App: our app (bin/app.ts) and these tests register it themselves', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'lifeboat-no-nag-'));
    try {
      const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
      buildLifeboatApp(app, config);
      // A finding AwsSolutions would fail synth on (no encryption, no access logs) passes: no check is registered.
      new s3.Bucket(new Stack(app, 'Other'), 'UnencryptedLogless');
      expect(() => app.synth()).not.toThrow();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('primary stack', () => {
  it('places the primary stack in the primary region and the DR stack in the DR region', () => {
    expect(dev.primary.region).toBe('us-east-1');
    expect(dev.dr.region).toBe('us-west-2');
    expect(dev.primary.dependencies).toContain(dev.dr);
  });

  it('sizes every function of both stacks from the one table of defaults (FUNCTION_SIZING)', () => {
    const functions = { ...primary.findResources('AWS::Lambda::Function'), ...dr.findResources('AWS::Lambda::Function') };
    const handlers = Object.values(functions).map((fn) => (fn.Properties as { Environment: { Variables: { LIFEBOAT_HANDLER: string } } }).Environment.Variables.LIFEBOAT_HANDLER);
    // file-mirror-sample exists only with a mirrored file system whose replica is mounted (lifeboat-protection.test.ts), which dev has not.
    expect(new Set(handlers)).toEqual(new Set(Object.keys(FUNCTION_SIZING).filter((h) => h !== 'file-mirror-sample')));
    for (const fn of Object.values(functions)) {
      const props = fn.Properties as { MemorySize: number; Timeout: number; Environment: { Variables: { LIFEBOAT_HANDLER: string } } };
      const sizing = FUNCTION_SIZING[props.Environment.Variables.LIFEBOAT_HANDLER];
      expect([props.Environment.Variables.LIFEBOAT_HANDLER, props.MemorySize, props.Timeout]).toEqual([props.Environment.Variables.LIFEBOAT_HANDLER, sizing?.memorySize, sizing?.timeout.toSeconds()]);
    }
  });

  it('sizes every primary function from the one table of defaults (FUNCTION_SIZING)', () => {
    const functions = primary.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: Match.anyValue() }) } } });
    const sizes = Object.values(functions).map((fn) => {
      const props = fn.Properties as { MemorySize: number; Timeout: number; Environment: { Variables: { LIFEBOAT_HANDLER: string } } };
      return [props.Environment.Variables.LIFEBOAT_HANDLER, props.MemorySize, props.Timeout];
    });
    expect(sizes.every(([handler, memory, timeout]) => FUNCTION_SIZING[String(handler)]?.memorySize === memory && FUNCTION_SIZING[String(handler)]?.timeout.toSeconds() === timeout)).toBe(true);
  });

  it('encrypts the vault with its own rotated KMS key, blocks public access and denies non-TLS requests', () => {
    primary.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'lifeboat-dev-vault-000000000000-us-east-1',
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } }),
        ],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    primary.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    primary.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    primary.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  it('keeps each vault\'s bucket policy with the vault when a stack is deleted, so the stack\'s removal does not fail on it (audit a61A F2)', () => {
    type Resource = { Properties: { BucketName?: unknown; Bucket?: unknown; PolicyDocument?: { Statement: { Sid?: string; Action?: unknown }[] } }; DeletionPolicy?: string; UpdateReplacePolicy?: string };
    for (const [template, bucketName] of [
      [primary, 'lifeboat-dev-vault-000000000000-us-east-1'],
      [dr, 'lifeboat-dev-vault-000000000000-us-west-2'],
    ] as const) {
      const buckets = Object.keys(template.findResources('AWS::S3::Bucket', { Properties: { BucketName: bucketName } }));
      expect(buckets).toHaveLength(1);
      const policies = Object.values(template.findResources('AWS::S3::BucketPolicy') as Record<string, Resource>).filter((p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: buckets[0] }));
      expect(policies).toHaveLength(1);
      const [policy] = policies;
      // Its own tamper guard denies s3:DeleteBucketPolicy to CloudFormation's role: deleting it would leave the stack DELETE_FAILED.
      const guard = policy?.Properties.PolicyDocument?.Statement.find((st) => st.Sid === 'DenyVaultTamperingButBreakGlass');
      expect([bucketName, guard?.Action]).toEqual([bucketName, expect.arrayContaining(['s3:DeleteBucketPolicy'])]);
      expect([bucketName, policy?.DeletionPolicy, policy?.UpdateReplacePolicy]).toEqual([bucketName, 'Retain', 'Retain']);
    }
  });

  it('keeps each access-log bucket\'s policy with the bucket when a stack is deleted, so the kept vault\'s access logs still arrive (review r61R F3)', () => {
    for (const [template, bucketName] of [
      [primary, 'lifeboat-dev-access-logs-000000000000-us-east-1'],
      [dr, 'lifeboat-dev-access-logs-000000000000-us-west-2'],
    ] as const) {
      const buckets = Object.keys(template.findResources('AWS::S3::Bucket', { Properties: { BucketName: bucketName } }));
      expect(buckets).toHaveLength(1);
      const policies = Object.values(template.findResources('AWS::S3::BucketPolicy') as Record<string, { Properties: { Bucket?: unknown; PolicyDocument?: { Statement: { Principal?: unknown }[] } }; DeletionPolicy?: string; UpdateReplacePolicy?: string }>).filter(
        (p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: buckets[0] }),
      );
      expect(policies).toHaveLength(1);
      const [policy] = policies;
      // It is what lets S3 log delivery write there.
      expect([bucketName, JSON.stringify(policy?.Properties.PolicyDocument?.Statement)]).toEqual([bucketName, expect.stringContaining('logging.s3.amazonaws.com')]);
      expect([bucketName, policy?.DeletionPolicy, policy?.UpdateReplacePolicy]).toEqual([bucketName, 'Retain', 'Retain']);
    }
  });

  it('creates the catalog table with its key schema, the byPlan index, TTL and point-in-time recovery', () => {
    primary.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'lifeboat-dev-catalog',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byPlan' })],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('defines the backup state machine with a Map fan-out, Retry on transient errors and a Catch', () => {
    const machines = primary.findResources('AWS::StepFunctions::StateMachine');
    const [machine] = Object.values(machines);
    expect(machine?.Properties?.StateMachineName).toBe('lifeboat-dev-backup');
    const definition = JSON.stringify(machine?.Properties?.DefinitionString);
    expect(definition).toContain('\\"Type\\":\\"Map\\"');
    expect(definition).toContain('\\"ErrorEquals\\":[\\"TransientError\\"]');
    expect(definition).toContain('\\"ErrorEquals\\":[\\"States.ALL\\"]');
    // Each plan's own bound, passed on by the plan step.
    expect(definition).toContain('\\"MaxConcurrencyPath\\":\\"$.backup.maxConcurrency\\"');
    // The lease is the first step (after the input check every runbook starts with) and is released on both the success and the failure path.
    expect(definition).toContain('\\"StartAt\\":\\"Input as JSON text\\"');
    expect(definition).toContain('\\"Default\\":\\"Acquire lock\\"');
    expect(definition).toContain('\\"Release lock\\"');
    expect(definition).toContain('\\"Release lock after failure\\"');
    primary.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('bundles every Lambda for nodejs24.x on arm64 with tracing and its own log group', () => {
    const functions = Object.values(primary.findResources('AWS::Lambda::Function'));
    const handlers = functions.map((f) => (f.Properties?.Environment?.Variables as Record<string, string> | undefined)?.LIFEBOAT_HANDLER);
    expect(handlers).toEqual(expect.arrayContaining(['backup-lock', 'plan-backup', 'snapshot-shard', 'commit-backup', 'replicate-backup', 'record-backup-failure']));
    for (const fn of functions) {
      expect(fn.Properties?.Runtime).toBe('nodejs24.x');
      expect(fn.Properties?.Architectures).toEqual(['arm64']);
      expect(fn.Properties?.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties?.LoggingConfig?.LogGroup).toBeDefined();
    }
  });

  type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect?: string };
  const policyOf = (prefix: string): Statement[] => {
    const policies = primary.findResources('AWS::IAM::Policy');
    const policy = Object.entries(policies).find(([id]) => id.startsWith(prefix))?.[1];
    return (policy?.Properties?.PolicyDocument?.Statement ?? []) as Statement[];
  };
  const actionsOf = (statements: Statement[]): string[] => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  /** The vault key prefixes an action is granted on, e.g. ['data/*', 'index/*']. */
  const vaultKeysFor = (statements: Statement[], action: string): string[] =>
    statements
      .filter((s) => actionsOf([s]).includes(action))
      .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
      .map((r) => JSON.stringify(r))
      .flatMap((r) => (/VaultBucket/.test(r) ? [/"\/([^"]+)"\]\]/.exec(r)?.[1] ?? ''] : []))
      .filter((k) => k !== '')
      .sort();

  it('gives the snapshot function read access to the sources and exact actions on exact vault prefixes', () => {
    const statements = policyOf('BackupSnapshotShardRole');
    const actions = actionsOf(statements);
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 'dynamodb:Scan', 's3:GetObjectTagging', 'kms:GenerateDataKey', 'kms:Decrypt']));
    expect(actions).not.toContain('s3:DeleteObject');
    expect(actions.filter((a) => a.startsWith('dynamodb:') && a !== 'dynamodb:Scan' && !a.startsWith('dynamodb:Describe'))).toEqual([]);
    // Packs, indexes and manifest pages in two create-only statements (whole objects with If-None-Match, multipart parts).
    expect([...new Set(vaultKeysFor(statements.filter((s) => s.Effect !== 'Deny'), 's3:PutObject'))]).toEqual(['data/*', 'index/*', 'manifest/*', 'parts/*']);
    // ... but no commit marker (audit a2 F2): a marker names the snapshot a commit reuses and a failed run's cleanup deletes.
    expect(vaultKeysFor(statements.filter((s) => s.Effect === 'Deny'), 's3:PutObject')).toEqual(['parts/*/committed/*']);
    expect(vaultKeysFor(statements, 's3:GetObject')).toEqual(['config', 'index/*', 'keys/*', 'manifest/*', 'parts/*', 'plans/*', 'prune/*', 'snapshots/*']);
    // The record-failure function, once a backup is FAILED, reads and deletes its commit markers and deletes the snapshots they name
    // whose own record (read with the vault's keys: config, keys/*) names the backup: nothing else.
    const recordFailure = policyOf('BackupRecordBackupFailureRole');
    expect([...new Set(actionsOf(recordFailure).filter((a) => a.startsWith('s3:')))].sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:ListBucket']);
    expect(vaultKeysFor(recordFailure, 's3:GetObject')).toEqual(['config', 'keys/*', 'parts/*/committed/*', 'snapshots/*']);
    expect(vaultKeysFor(recordFailure, 's3:DeleteObject')).toEqual(['parts/*/committed/*', 'snapshots/*']);
  });

  it('lets only the plan step create the vault and only the commit step write snapshots (commit and, for a FAILED backup, record-failure remove them)', () => {
    const plan = policyOf('BackupPlanBackupRole');
    expect(vaultKeysFor(plan, 's3:PutObject')).toEqual(['config', 'keys/*', 'plans/*']);
    expect(actionsOf(plan)).not.toContain('s3:DeleteObject');
    const commit = policyOf('BackupCommitBackupRole');
    // Under parts/ only its records of committed sources (parts/<backupId>/committed/<source>.json).
    expect([...new Set(vaultKeysFor(commit, 's3:PutObject'))]).toEqual(['manifest/*', 'parts/*/committed/*', 'snapshots/*']);
    expect(vaultKeysFor(commit, 's3:DeleteObject')).toEqual(['parts/*/committed/*', 'snapshots/*']);
    for (const fn of ['BackupPlanBackupRole', 'BackupSnapshotShardRole', 'BackupCommitBackupRole']) {
      const kms = policyOf(fn).filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:GenerateDataKey') || a === 'kms:Decrypt'));
      expect(actionsOf(kms)).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']));
    }
    const functions = Object.values(primary.findResources('AWS::Lambda::Function'));
    const withKey = functions.filter((f) => (f.Properties?.Environment?.Variables as Record<string, unknown> | undefined)?.VAULT_KEY_ARN !== undefined);
    const handlersWithKey = withKey.map((f) => (f.Properties?.Environment?.Variables as Record<string, string>).LIFEBOAT_HANDLER);
    // The failure function opens the vault to read whose snapshot a commit marker names (audit a2 F2); the lock function never does.
    expect(handlersWithKey).toEqual(expect.arrayContaining(['commit-backup', 'plan-backup', 'snapshot-shard', 'record-backup-failure']));
    expect(handlersWithKey).not.toEqual(expect.arrayContaining(['backup-lock']));
  });

  it('retries a throttled Lambda invocation in every Lambda task of every state machine of both stacks (audit R39 F1)', () => {
    type State = { Type: string; Resource?: string; Retry?: { ErrorEquals: string[] }[]; Iterator?: { States: Record<string, State> }; ItemProcessor?: { States: Record<string, State> }; Branches?: { States: Record<string, State> }[] };
    const lambdaTasks = (states: Record<string, State>): [string, State][] =>
      Object.entries(states).flatMap(([name, state]): [string, State][] => [
        // A function's ARN is a token here ("ARN", below): a LambdaInvoke with payloadResponseOnly names the function itself.
        ...(state.Type === 'Task' && (state.Resource === 'ARN' || (state.Resource ?? '').includes(':lambda:')) ? [[name, state] as [string, State]] : []),
        ...lambdaTasks(state.Iterator?.States ?? state.ItemProcessor?.States ?? {}),
        ...(state.Branches ?? []).flatMap((branch) => lambdaTasks(branch.States)),
      ]);
    let checked = 0;
    for (const template of [primary, dr]) {
      for (const machine of Object.values(template.findResources('AWS::StepFunctions::StateMachine'))) {
        const text = machine.Properties?.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
        const definition = JSON.parse(typeof text === 'string' ? text : text['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'ARN')).join('')) as { States: Record<string, State> };
        for (const [name, state] of lambdaTasks(definition.States)) {
          checked++;
          expect([name, (state.Retry ?? []).some((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'))]).toEqual([name, true]);
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('prunes each vault in its own region: <prefix>-prune loops Prune on its cursor, deletes only packs, indexes, manifests and batches, scheduled daily', () => {
    for (const [template, home] of [[primary, undefined], [dr, 'dr']] as const) {
      const machines = template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'lifeboat-dev-prune' } });
      const [machine] = Object.values(machines);
      const definition = JSON.parse((machine?.Properties?.DefinitionString?.['Fn::Join'] as [string, unknown[]])[1].map((p) => (typeof p === 'string' ? p : 'ARN')).join('')) as {
        StartAt: string;
        States: Record<string, { Type: string; Next?: string; Choices?: { Variable: string; BooleanEquals: boolean; Next: string }[]; Default?: string; Retry?: unknown[] }>;
      };
      expect(definition.StartAt).toBe('Input as JSON text');
      expect(definition.States['Input is an object?']?.Default).toBe('Prune request');
      expect(definition.States['Prune request']?.Next).toBe('Forget');
      expect(definition.States['Forget']?.Next).toBe('Prune');
      expect(definition.States['Prune']?.Next).toBe('Prune finished?');
      // Another prune holding the vault's lease is waited for (a dead one's lease ends within 6 minutes).
      expect(definition.States['Prune']?.Retry).toContainEqual({ ErrorEquals: ['PruneAlreadyRunningError'], IntervalSeconds: 120, MaxAttempts: 4, BackoffRate: 1.5 });
      expect(definition.States['Prune finished?']?.Choices).toEqual([{ Variable: '$.prune.done', BooleanEquals: true, Next: 'Prune report' }]);
      expect(definition.States['Prune finished?']?.Default).toBe('Prune');
      template.hasResourceProperties('AWS::Scheduler::Schedule', { Name: home === 'dr' ? 'lifeboat-dev-prune-dr' : 'lifeboat-dev-prune', ScheduleExpression: 'rate(1 day)', Target: Match.objectLike({ Input: '{}' }) });
      const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f) => (f.Properties?.Environment?.Variables as Record<string, unknown>).LIFEBOAT_HANDLER === 'prune-vault');
      expect((fn?.Properties?.Environment?.Variables as Record<string, unknown>).LIFEBOAT_HOME_VAULT).toBe(home);
      const role = (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const statements = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${role}"`))
        .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
      expect(vaultKeysFor(statements, 's3:DeleteObject')).toEqual(['data/*', 'index/*', 'manifest/*', 'prune/condemned/*', 'prune/running/*']);
      // Packs and index objects in two create-only statements (whole objects with If-None-Match, multipart parts); prune/ unconditional.
      expect([...new Set(vaultKeysFor(statements, 's3:PutObject'))]).toEqual(['data/*', 'index/*', 'prune/*']);
      // The repack keeps each pack's tier tag: it reads and writes the tags of packs, of no other object.
      expect(vaultKeysFor(statements, 's3:GetObjectTagging')).toEqual(['data/*']);
      expect(vaultKeysFor(statements, 's3:PutObjectTagging')).toEqual(['data/*']);
      // Its run record: PutItem of PRUNE#* items in its region's catalog, no other item; GetItem of BACKUP# records only
      // (the check's consistent second look, review r59H F2); a Query of the byPlan index only (a vault that does
      // not exist is "nothing to prune yet" only while the catalog records no backup in it; the check's first read);
      // and a Scan of the byPlan index only, never of the table (the check lists every plan the catalog holds, review r59M F3).
      const catalogAccess = statements.filter((st) => JSON.stringify(st.Action).includes('dynamodb:'));
      expect(catalogAccess.map((st) => [st.Action, st.Condition])).toEqual([
        ['dynamodb:PutItem', { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PRUNE#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } }],
        ['dynamodb:GetItem', { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['BACKUP#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } }],
        ['dynamodb:Query', undefined],
        ['dynamodb:Scan', undefined],
      ]);
      expect(JSON.stringify(catalogAccess[2]?.Resource)).toMatch(/\/index\/byPlan"\]\]\}$/);
      expect(JSON.stringify(catalogAccess[3]?.Resource)).toMatch(/\/index\/byPlan"\]\]\}$/);
    }
  });

  it('replicates after commit and before the lock is released, looping until the DR vault is up to date', () => {
    const [machine] = Object.values(primary.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'lifeboat-dev-backup' } }));
    const definition = JSON.parse((machine?.Properties?.DefinitionString?.['Fn::Join'] as [string, unknown[]])[1].map((p) => (typeof p === 'string' ? p : 'ARN')).join('')) as {
      States: Record<string, { Type: string; Next?: string; Choices?: { Variable: string; BooleanEquals: boolean; Next: string }[]; Default?: string; Catch?: { Next: string }[] }>;
    };
    const states = definition.States;
    expect(states['Commit backup']?.Next).toBe('Start replication');
    // Each pass gets the previous one's report (where a stopped retention extension carries on); the first an empty one.
    expect(states['Start replication']).toMatchObject({ Type: 'Pass', Result: {}, ResultPath: '$.replication', Next: 'Replicate to DR vault' });
    expect(states['Replicate to DR vault']).toMatchObject({ Parameters: { 'backup.$': '$.backup', 'replication.$': '$.replication' } });
    expect(states['Replicate to DR vault']?.Next).toBe('DR vault up to date?');
    expect(states['Replicate to DR vault']?.Catch?.map((c) => c.Next)).toEqual(['Record failure']);
    expect(states['DR vault up to date?']).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.replication.complete', BooleanEquals: true, Next: 'Release lock' }], Default: 'Replicate to DR vault' });
  });

  // Audit e1-2: released after a Record failure that recorded nothing, release-failed-backup found the lease free and the backup stayed RUNNING.
  it('keeps the lease when Record failure itself fails: its Catch goes straight to Backup failed, for release-failed-backup to record and release', () => {
    const [machine] = Object.values(primary.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'lifeboat-dev-backup' } }));
    const definition = JSON.parse((machine?.Properties?.DefinitionString?.['Fn::Join'] as [string, unknown[]])[1].map((p) => (typeof p === 'string' ? p : 'ARN')).join('')) as {
      States: Record<string, { Type: string; Next?: string; Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[] }>;
    };
    const states = definition.States;
    expect(states['Record failure']?.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'Backup failed', ResultPath: '$.recordError' }]);
    expect(states['Backup failed']?.Type).toBe('Fail');
    // Only a recorded failure releases the lease.
    expect(states['Record failure']?.Next).toBe('Release lock after failure');
  });

  it('lets the replicate function read the primary vault and only add objects to the DR vault, using the DR key by the ARN read from the DR stack', () => {
    const statements = policyOf('BackupReplicateBackupRole');
    const actions = actionsOf(statements);
    expect(actions).not.toContain('s3:DeleteObject');
    expect(vaultKeysFor(statements, 's3:GetObject')).toEqual(['config', 'data/*', 'index/*', 'keys/*', 'manifest/*', 'snapshots/*']);
    const drObjects = (action: string) =>
      statements.filter((st) => actionsOf([st]).includes(action)).flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource])).map((r) => JSON.stringify(r)).filter((r) => r.includes('us-west-2'));
    // Create-only (If-None-Match: *, and the parts of multipart uploads): two statements on the same keys.
    expect([...new Set(drObjects('s3:PutObject').map((r) => /us-west-2\/([^"]+)"/.exec(r)?.[1]))].sort()).toEqual(['config', 'data/*', 'index/*', 'keys/*', 'manifest/*', 'snapshots/*']);
    // Read in the DR vault: its config and key objects, its index (a pass that skips forgotten snapshots copies by reference),
    // and the DR prune's leases (a pass does not vouch for its snapshots while a DR prune runs); nothing under prune/ is written.
    expect(drObjects('s3:GetObject').map((r) => /us-west-2\/([^"]+)"/.exec(r)?.[1]).sort()).toEqual(['config', 'index/*', 'keys/*', 'prune/running/*']);
    const drVaultKey = drKeyArnRef(primary, dr, 'alias/lifeboat-dev-dr-vault');
    const drKey = statements.find((st) => JSON.stringify(st.Resource) === JSON.stringify(drVaultKey));
    expect(actionsOf(drKey ? [drKey] : []).sort()).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(drKey?.Condition).toBeUndefined();
    // No statement names keys by wildcard: whoever moves an alias chooses nothing.
    expect(JSON.stringify(statements)).not.toContain(':key/*');
    // The primary catalog: the copy status (UpdateItem), the plan's records (GetItem, Query on byPlan); the DR catalog: PutItem of what it lacks.
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    const put = statements.find((st) => actionsOf([st]).includes('dynamodb:PutItem'));
    expect(JSON.stringify(put?.Resource)).toContain('dynamodb:us-west-2:000000000000:table/lifeboat-dev-catalog');
    const drCatalogKeyArn = drKeyArnRef(primary, dr, 'alias/lifeboat-dev-dr-catalog');
    const drCatalogKey = statements.find((st) => JSON.stringify(st.Resource) === JSON.stringify(drCatalogKeyArn));
    expect(actionsOf(drCatalogKey ? [drCatalogKey] : []).sort()).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
  });

  it('schedules each plan with EventBridge Scheduler through a role that may only start the backup workflow and send to the dead-letter queue', () => {
    primary.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'lifeboat-dev-demo',
      ScheduleExpression: 'rate(1 day)',
      Target: Match.objectLike({ Input: JSON.stringify({ plan: 'demo', trigger: 'schedule' }) }),
    });
    primary.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^SchedulesRole'),
      PolicyDocument: {
        Statement: [
          { Action: 'states:StartExecution', Effect: 'Allow', Resource: Match.anyValue() },
          { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertsDeadLetters'), 'Arn'] } },
        ],
      },
    });
  });
});

describe('DR stack', () => {
  it('holds the DR catalog, the DR region\'s restore, catalog-rebuild and failover runbooks, none naming a primary-region resource', () => {
    dr.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'lifeboat-dev-catalog' });
    dr.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/lifeboat-dev-dr-catalog' });
    for (const name of ['lifeboat-dev-restore', 'lifeboat-dev-catalog-rebuild', 'lifeboat-dev-failover']) dr.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: name });
    // The DR path works with the primary region down: no function's environment or policy names the primary region,
    // its vault or its catalog (the drill's live-source comparison, which reads the sources when they are up, aside).
    const functions = dr.findResources('AWS::Lambda::Function');
    const handlers = Object.values(functions).map((fn) => (fn.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables);
    expect(handlers.length).toBeGreaterThanOrEqual(6);
    for (const variables of handlers) {
      // The drill's functions know the primary region only to compare samples with the live sources when it is up; the
      // restore runbook's only to name the primary's runbook when a target bucket is there (a name, no request).
      const { LIFEBOAT_PRIMARY_REGION: _primary, ...rest } = variables;
      const text = JSON.stringify(rest);
      expect(text).not.toContain('us-east-1');
      expect(variables.VAULT_BUCKET).toBeUndefined();
      expect(variables.LIFEBOAT_HOME_VAULT).toBe('dr');
    }
    expect(handlers.filter((v) => v.LIFEBOAT_HANDLER === 'resolve-restore').map((v) => v.LIFEBOAT_PRIMARY_REGION)).toContain('us-east-1');
    const policies = Object.values(dr.findResources('AWS::IAM::Policy')).map((p) => JSON.stringify(p.Properties?.PolicyDocument));
    for (const policy of policies.filter((p) => !p.includes('dynamodb:ListTables'))) expect(policy).not.toMatch(/us-east-1/);
  });

  it('creates the replica vault in the DR region, KMS-encrypted, TLS-only, public access blocked', () => {
    dr.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'lifeboat-dev-vault-000000000000-us-west-2',
      BucketEncryption: Match.objectLike({}),
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true }),
    });
    dr.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny' })]) },
    });
  });
});

describe('operations: alarm topics, the execution-status rule, alarms, dashboard and dead-letter queues', () => {
  const byName = (template: Template, type: string, property: string, name: string): { id: string; properties: Record<string, unknown> } => {
    const found = Object.entries(template.findResources(type)).filter(([, r]) => r.Properties?.[property] === name);
    expect(found).toHaveLength(1);
    const [id, resource] = found[0] as [string, { Properties: Record<string, unknown> }];
    return { id, properties: resource.Properties };
  };

  it('gives each region a KMS-encrypted alarm topic that EventBridge and CloudWatch may publish through', () => {
    for (const template of [primary, dr]) {
      const topic = byName(template, 'AWS::SNS::Topic', 'TopicName', names.alarmTopic);
      const keyId = (topic.properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const key = template.findResources('AWS::KMS::Key')[keyId] as { Properties: { EnableKeyRotation: boolean; KeyPolicy: { Statement: { Principal?: { Service?: string }; Action: string[] }[] } } };
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const services = key.Properties.KeyPolicy.Statement.flatMap((st) => (st.Principal?.Service ? [[st.Principal.Service, [...st.Action].sort()]] : []));
      expect(services.sort()).toEqual([
        ['cloudwatch.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey*']],
        ['events.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey*']],
      ]);
      template.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
    }
  });

  it('sends the FAILED, TIMED_OUT and ABORTED executions of every state machine of a region but the restore-source children (their parent fails with their error) to its topic, and the primary\'s also to release-failed-backup', () => {
    const rule = byName(primary, 'AWS::Events::Rule', 'Name', names.executionStatusRule).properties as { EventPattern: { source: string[]; 'detail-type': string[]; detail: { status: string[]; stateMachineArn: unknown[] } }; Targets: Record<string, unknown>[] };
    expect(rule.EventPattern.source).toEqual(['aws.states']);
    expect(rule.EventPattern['detail-type']).toEqual(['Step Functions Execution Status Change']);
    expect(rule.EventPattern.detail.status).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    const machineIds = (template: Template) =>
      Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))
        .filter((id) => !id.includes('RestoreSource'))
        .sort();
    expect(rule.EventPattern.detail.stateMachineArn.map((ref) => (ref as { Ref: string }).Ref).sort()).toEqual(machineIds(primary));
    const [topicTarget, releaseTarget] = rule.Targets;
    expect(topicTarget?.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 });
    expect(releaseTarget?.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 });
    expect(JSON.stringify(topicTarget?.Arn)).toMatch(/AlertsTopic/);
    expect(JSON.stringify(topicTarget?.DeadLetterConfig)).toMatch(/AlertsDeadLetters/);
    expect(JSON.stringify(releaseTarget?.Arn)).toMatch(/OperationsReleaseFailedBackup/);
    expect(JSON.stringify(releaseTarget?.DeadLetterConfig)).toMatch(/AlertsDeadLetters/);
    const drRule = byName(dr, 'AWS::Events::Rule', 'Name', names.executionStatusRule).properties as { EventPattern: { detail: { stateMachineArn: unknown[] } }; Targets: unknown[] };
    expect(drRule.EventPattern.detail.stateMachineArn.map((ref) => (ref as { Ref: string }).Ref).sort()).toEqual(machineIds(dr));
    expect(drRule.Targets).toHaveLength(1);
  });

  it('sends every call that disables, schedules the deletion of or replaces the policy of a region\'s vault, catalog, topic or mirror key (CloudTrail, by key id or ARN) to its topic', () => {
    for (const [template, keyIds] of [
      [primary, ['VaultKey', 'CatalogKey', 'AlertsTopicKey']],
      [dr, ['ReplicaVaultKey', 'CatalogKey', 'AlertsTopicKey', 'MirrorKey']],
    ] as const) {
      const rule = byName(template, 'AWS::Events::Rule', 'Name', names.keyChangeRule).properties as {
        EventPattern: { source: string[]; 'detail-type': string[]; detail: { eventSource: string[]; eventName: string[]; requestParameters: { keyId: unknown[] } } };
        Targets: Record<string, unknown>[];
      };
      expect(rule.EventPattern.source).toEqual(['aws.kms']);
      expect(rule.EventPattern['detail-type']).toEqual(['AWS API Call via CloudTrail']);
      expect(rule.EventPattern.detail.eventName).toEqual(['ScheduleKeyDeletion', 'DisableKey', 'PutKeyPolicy']);
      const keys = Object.keys(template.findResources('AWS::KMS::Key'));
      const named = (prefix: string) => keys.filter((id) => id.startsWith(prefix));
      const expected = keyIds.flatMap((prefix) => named(prefix)).flatMap((id) => [{ Ref: id }, { 'Fn::GetAtt': [id, 'Arn'] }]);
      expect(expected).toHaveLength(keyIds.length * 2);
      expect(rule.EventPattern.detail.requestParameters.keyId).toEqual(expected);
      const [target] = rule.Targets;
      expect(JSON.stringify(target?.Arn)).toMatch(/AlertsTopic/);
      expect(JSON.stringify(target?.DeadLetterConfig)).toMatch(/AlertsDeadLetters/);
      expect(JSON.stringify(target?.InputTransformer)).toContain('on KMS key');
    }
  });

  it('sends the failed invocations of every function a rule or schedule invokes (release-failed-backup, the watchdog) to the region\'s dead-letter queue, after Lambda\'s 2 retries', () => {
    // Audit aS2-3: EventBridge invokes a function asynchronously; its target's DeadLetterConfig never sees the function's errors.
    type Target = { Arn?: { 'Fn::GetAtt'?: [string, string] } };
    const invoked = (template: Template): string[] => {
      const functions = template.findResources('AWS::Lambda::Function');
      const ruleTargets = Object.values(template.findResources('AWS::Events::Rule')).flatMap((r) => (r.Properties as { Targets?: Target[] }).Targets ?? []);
      const scheduleTargets = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((r) => (r.Properties as { Target: Target }).Target);
      return [...new Set([...ruleTargets, ...scheduleTargets].map((t) => t.Arn?.['Fn::GetAtt']?.[0]).filter((id): id is string => id !== undefined && id in functions))].sort();
    };
    const invokedPrimary = invoked(primary);
    expect(invokedPrimary.map((id) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual(['OperationsReleaseFailedBackup', 'OperationsWatchBackupAge']);
    for (const template of [primary, dr]) {
      const queue = byName(template, 'AWS::SQS::Queue', 'QueueName', names.deadLetterQueue);
      const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map((r) => r.Properties as { FunctionName: { Ref: string }; MaximumRetryAttempts: number; DestinationConfig?: { OnFailure?: { Destination: unknown } } });
      for (const fn of invoked(template)) {
        const config = configs.find((c) => c.FunctionName.Ref === fn);
        expect({ fn, onFailure: config?.DestinationConfig?.OnFailure?.Destination, retries: config?.MaximumRetryAttempts }).toEqual({ fn, onFailure: { 'Fn::GetAtt': [queue.id, 'Arn'] }, retries: 2 });
        // Lambda sends the record with the function's role.
        const roleId = (template.findResources('AWS::Lambda::Function')[fn]?.Properties as { Role: { 'Fn::GetAtt': [string, string] } }).Role['Fn::GetAtt'][0];
        const sends = Object.values(template.findResources('AWS::IAM::Policy'))
          .filter((p) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
          .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement)
          .filter((st) => [st.Action].flat().includes('sqs:SendMessage'));
        expect(sends.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [queue.id, 'Arn'] }]);
      }
    }
  });

  it('gives release-failed-backup the backup state machine\'s name and only the lease and record actions on the catalog', () => {
    const [fn] = Object.values(primary.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'release-failed-backup' }) } } }));
    expect((fn?.Properties as { Environment: { Variables: Record<string, string> } }).Environment.Variables.LIFEBOAT_BACKUP_STATE_MACHINE).toBe(names.backupStateMachine);
    // Once it records a stopped backup FAILED it deletes the snapshots its commit wrote: the markers and snapshots/ only, never data.
    const roleId = (fn?.Properties as { Role: { 'Fn::GetAtt': [string, string] } }).Role['Fn::GetAtt'][0];
    const statements = Object.values(primary.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const s3 = statements.filter((st) => JSON.stringify(st.Action).includes('s3:')).map((st) => [st.Action, JSON.stringify(st.Resource).replace(/^.*"(\/[^"]*)"\]\]\}$/, '$1')]);
    expect(s3).toEqual([
      [['s3:GetObject', 's3:DeleteObject'], '/parts/*/committed/*'],
      [['s3:GetObject', 's3:DeleteObject'], '/snapshots/*'],
      // config and keys/*: it opens the vault to read a snapshot's record before deleting it (audit a2 F2).
      ['s3:GetObject', expect.stringMatching(/VaultBucket.*\/config".*VaultBucket.*\/keys\/\*"/)],
      ['s3:ListBucket', expect.stringContaining('VaultBucket')],
    ]);
  });

  it('alarms per plan on backup age over the RPO, DR copy age, replication lag, skipped source entries and drills, on scrub corruption and damage, and in both regions on damage a prune met, each acting on the region\'s topic', () => {
    type AlarmProps = { MetricName: string; Namespace: string; Dimensions?: { Name: string; Value: string }[]; Statistic: string; Period: number; Threshold: number; EvaluationPeriods: number; ComparisonOperator: string; TreatMissingData: string; AlarmActions: unknown[] };
    const alarm = (template: Template, name: string) => byName(template, 'AWS::CloudWatch::Alarm', 'AlarmName', name).properties as AlarmProps;
    const plan = { Environment: 'dev', Plan: 'demo' };
    const expectations: [Template, string, Partial<AlarmProps> & { dimensions: Record<string, string> }][] = [
      [primary, 'lifeboat-dev-demo-backup-age', { MetricName: 'LastCommittedBackupAge', Statistic: 'Maximum', Period: 300, Threshold: 1500 * 60, EvaluationPeriods: 3, TreatMissingData: 'breaching', dimensions: plan }],
      [primary, 'lifeboat-dev-demo-dr-copy-age', { MetricName: 'LastReplicatedBackupAge', Statistic: 'Maximum', Period: 300, Threshold: 1500 * 60 + 3600, TreatMissingData: 'breaching', dimensions: plan }],
      [primary, 'lifeboat-dev-demo-replication-lag', { MetricName: 'ReplicationLag', Statistic: 'Maximum', Period: 3600, Threshold: 3600, TreatMissingData: 'notBreaching', dimensions: plan }],
      // Audit a58C F2: the state gauges the watchdogs publish every 5 minutes from the newest record, not a run's one-off
      // count summed over an hour (OK an hour later while the damage remained); a period without a figure keeps the state.
      [primary, 'lifeboat-dev-demo-entries-skipped', { MetricName: 'LastBackupEntriesSkipped', Statistic: 'Maximum', Period: 300, Threshold: 0, EvaluationPeriods: 1, TreatMissingData: 'ignore', dimensions: plan }],
      [primary, 'lifeboat-dev-demo-drill', { MetricName: 'LastDrillNotPassed', Statistic: 'Maximum', Period: 300, Threshold: 0, EvaluationPeriods: 1, TreatMissingData: 'ignore', dimensions: plan }],
      [dr, 'lifeboat-dev-demo-drill', { MetricName: 'LastDrillNotPassed', Statistic: 'Maximum', Period: 300, Threshold: 0, EvaluationPeriods: 1, TreatMissingData: 'ignore', dimensions: plan }],
      // Kept on the run's own count: a run that repaired all it found leaves nothing outstanding, and only this tells.
      [primary, 'lifeboat-dev-scrub-corruption', { MetricName: 'ScrubCorrupt', Statistic: 'Sum', Period: 3600, Threshold: 0, dimensions: { Environment: 'dev' } }],
      [primary, 'lifeboat-dev-scrub-damage', { MetricName: 'ScrubOutstandingObjects', Statistic: 'Maximum', Period: 300, Threshold: 0, EvaluationPeriods: 1, TreatMissingData: 'ignore', dimensions: { Environment: 'dev' } }],
      // Audit a58C F1: a schedule that stops firing, at twice its longest gap; the drill's in the region of the vault it
      // drills (demo: the DR vault, weekly), the scrub's in the primary (daily). No figure breaches: a run is expected.
      [dr, 'lifeboat-dev-demo-drill-age', { MetricName: 'LastDrillAge', Statistic: 'Maximum', Period: 300, Threshold: 14 * 86_400, EvaluationPeriods: 3, TreatMissingData: 'breaching', dimensions: plan }],
      [primary, 'lifeboat-dev-scrub-age', { MetricName: 'LastScrubAge', Statistic: 'Maximum', Period: 300, Threshold: 2 * 86_400, EvaluationPeriods: 3, TreatMissingData: 'breaching', dimensions: { Environment: 'dev' } }],
      // Audit b3-1: a prune that meets a damaged pack succeeds; each region's watchdog publishes its vault's latest prune there.
      [primary, 'lifeboat-dev-prune-damage', { MetricName: 'LastPruneDamagedPacks', Statistic: 'Maximum', Period: 300, Threshold: 0, EvaluationPeriods: 1, TreatMissingData: 'ignore', dimensions: { Environment: 'dev' } }],
      [dr, 'lifeboat-dev-prune-damage', { MetricName: 'LastPruneDamagedPacks', Statistic: 'Maximum', Period: 300, Threshold: 0, EvaluationPeriods: 1, TreatMissingData: 'ignore', dimensions: { Environment: 'dev' } }],
      // Review r58N F1: the gauges' alarms keep their state without figures, so a watchdog that stopped (rule disabled,
      // function failing or throttled) was heard by nothing in the DR region: each region's heartbeat breaches on missing data.
      ...[primary, dr].map((template): [Template, string, Partial<AlarmProps> & { dimensions: Record<string, string> }] => [
        template,
        names.watchdogHeartbeatAlarm,
        { MetricName: 'WatchdogHeartbeat', Statistic: 'Sum', Period: 900, Threshold: 1, EvaluationPeriods: 3, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching', dimensions: { Environment: 'dev' } },
      ]),
    ];
    for (const [template, name, { dimensions, ...expected }] of expectations) {
      const props = alarm(template, name);
      expect(props).toMatchObject({ Namespace: 'Lifeboat', ComparisonOperator: 'GreaterThanThreshold', ...expected });
      expect(Object.fromEntries((props.Dimensions ?? []).map((d) => [d.Name, d.Value]))).toEqual(dimensions);
      expect(JSON.stringify(props.AlarmActions)).toMatch(/AlertsTopic/);
    }
    for (const template of [primary, dr]) {
      expect(alarm(template, names.deadLetterAlarm)).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 0, Period: 300 });
      // Audit a58C F4: the one above stays in ALARM while a message waits (14 days), so no later one notified; each new one does here.
      const arrivals = alarm(template, `${names.deadLetterAlarm}-new`);
      expect(arrivals).toMatchObject({ MetricName: 'NumberOfMessagesSent', Namespace: 'AWS/SQS', Statistic: 'Sum', Threshold: 0, Period: 300, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
      expect(JSON.stringify(arrivals.Dimensions)).toMatch(/AlertsDeadLetters/);
      expect(JSON.stringify(arrivals.AlarmActions)).toMatch(/AlertsTopic/);
    }
    // The drill-age alarm is only where the plan's drill schedule drills.
    expect(primary.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'lifeboat-dev-demo-drill-age' } })).toEqual({});
  });

  it('gives every schedule of both regions the region\'s encrypted dead-letter queue and a retry policy', () => {
    for (const template of [primary, dr]) {
      const queue = byName(template, 'AWS::SQS::Queue', 'QueueName', names.deadLetterQueue);
      expect(queue.properties.SqsManagedSseEnabled).toBe(true);
      const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')) as { Properties: { Target: { DeadLetterConfig?: { Arn: unknown }; RetryPolicy?: unknown } } }[];
      expect(schedules.length).toBeGreaterThan(0);
      for (const schedule of schedules) {
        expect(schedule.Properties.Target.DeadLetterConfig?.Arn).toEqual({ 'Fn::GetAtt': [queue.id, 'Arn'] });
        expect(schedule.Properties.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
      }
    }
    // Each region's watchdog runs every 5 minutes from an EventBridge rule (the local scheduler starts state machines only).
    for (const template of [primary, dr]) {
      const watchdog = Object.values(template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'rate(5 minutes)' } })) as { Properties: { Name: string; Targets: { Input: string; DeadLetterConfig: unknown }[] } }[];
      expect(watchdog).toHaveLength(1);
      // Named, for lifeboat doctor to read its state (audit a58C F6).
      expect(watchdog[0]?.Properties.Name).toBe(names.watchdogRule);
      expect(watchdog[0]?.Properties.Targets[0]?.Input).toBe('{}');
      expect(JSON.stringify(watchdog[0]?.Properties.Targets[0]?.DeadLetterConfig)).toMatch(/AlertsDeadLetters/);
    }
  });

  it('builds the dashboard lifeboat-<env>-operations with a row per plan: backup age against the RPO, bytes, duration, failures, lag and drill RTO against its objective', () => {
    const dashboards = Object.values(primary.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardName: string; DashboardBody: unknown } }[];
    expect(dashboards.map((d) => d.Properties.DashboardName)).toEqual(['lifeboat-dev-operations']);
    // The body is a Fn::Join of JSON text and references: the references stand in as "ref" to parse it.
    const join = (dashboards[0]?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    type Widget = { properties: { title?: string; markdown?: string; metrics?: unknown[][]; annotations?: { horizontal?: { value: number; label: string }[] } } };
    const widgets = (JSON.parse(join.map((part) => (typeof part === 'string' ? part : 'ref')).join('')) as { widgets: Widget[] }).widgets;
    const graph = (title: string) => {
      const widget = widgets.find((w) => w.properties.title === title);
      if (!widget) throw new Error(`no widget "${title}"`);
      const lifeboat = (widget.properties.metrics ?? []).filter((m) => m[0] === 'Lifeboat');
      return {
        metrics: lifeboat.map((m) => m[1]),
        dimensions: lifeboat.map((m) => m.slice(2, 6).join(' ')),
        regions: lifeboat.map((m) => (m[6] as { region?: string }).region),
        annotations: (widget.properties.annotations?.horizontal ?? []).map((a) => [a.label, a.value]),
      };
    };
    expect(widgets.some((w) => w.properties.markdown === '### Plan demo (RPO 1500 min, RTO 60 min)')).toBe(true);
    expect(graph('Last backup age (s) vs RPO')).toMatchObject({ metrics: ['LastCommittedBackupAge', 'LastReplicatedBackupAge'], dimensions: ['Environment dev Plan demo', 'Environment dev Plan demo'], annotations: [['RPO objective', 90_000]] });
    expect(graph('Bytes new / stored per backup').metrics).toEqual(['BackupBytesNew', 'BackupBytesStored']);
    expect(graph('Backup duration (s)').metrics).toEqual(['BackupDuration']);
    expect(graph('Failed backups / replication lag (s)')).toMatchObject({ metrics: ['BackupFailed', 'ReplicationLag'], annotations: [['lag threshold', 3600]] });
    // The drill's RTO is read from the DR region, where drills of the DR vault publish it.
    expect(graph('Drill RTO (s) vs objective')).toMatchObject({ metrics: ['DrillRto'], regions: ['us-west-2'], annotations: [['RTO objective', 3600]] });
    // The library's own sections: the backup workflow's executions and the dead-letter queue.
    expect(widgets.some((w) => w.properties.title === 'Executions')).toBe(true);
    expect(widgets.some((w) => w.properties.title === 'Message Count')).toBe(true);
  });
});

it('tags no dashboard (AWS::CloudWatch::Dashboard takes no Tags in CloudFormation)', () => {
  for (const dashboard of Object.values(primary.findResources('AWS::CloudWatch::Dashboard'))) expect(dashboard.Properties?.Tags).toBeUndefined();
});
describe('mirrors (issue 12): the sample plan mirrors its S3 source', () => {
  type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };
  const statementsOfRole = (template: Template, roleId: string): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  const statementsOf = (template: Template, handler: string): Statement[] => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: handler }) } } }));
    return statementsOfRole(template, (fn?.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
  };
  const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
  const mirrorBucket = `${names.mirrorBucketPrefix}demo-assets`;
  const [replication] = Object.values(primary.findResources('Custom::LifeboatBucketReplication'));
  const rule = (replication?.Properties as { ReplicationConfiguration: { Role: { 'Fn::GetAtt': [string, string] }; Rules: Record<string, unknown>[] } }).ReplicationConfiguration;
  // The mirrors' own key (mirror-key.ts), not the DR vault's; the primary stack names it by the ARN its DrKeyArns lookup pins.
  const [mirrorKeyId] = Object.keys(dr.findResources('AWS::KMS::Key', { Properties: { Description: 'Lifeboat dev mirrors' } }));
  const mirrorKeyLookups = Object.entries(primary.findResources('Custom::LifeboatKeyArn')).filter(([, r]) => r.Properties?.LogicalResourceId === mirrorKeyId);
  const mirrorKeyArn = { 'Fn::GetAtt': [mirrorKeyLookups[0]?.[0], 'Arn'] };

  it('creates the mirror bucket in the DR region: versioned, encrypted with the mirrors\' key, public access blocked, retained', () => {
    const [id, bucket] = Object.entries(dr.findResources('AWS::S3::Bucket', { Properties: { BucketName: mirrorBucket } }))[0] ?? [];
    expect(id).toBeDefined();
    expect(bucket?.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(mirrorKeyId).toBeDefined();
    expect(mirrorKeyLookups).toHaveLength(1);
    expect(bucket?.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [mirrorKeyId, 'Arn'] } });
    expect(bucket?.Properties.PublicAccessBlockConfiguration).toEqual(expect.objectContaining({ BlockPublicAcls: true, RestrictPublicBuckets: true }));
    expect(bucket?.DeletionPolicy).toBe('Retain');
  });

  it('puts one rule with Replication Time Control, delete-marker replication and the mirrors\' key on the imported source bucket', () => {
    expect(replication?.Properties.Bucket).toBe('lifeboat-demo-assets');
    expect(rule.Rules).toHaveLength(1);
    expect(rule.Rules[0]).toEqual({
      Id: 'lifeboat-mirror.lifeboat-dev.demo-assets',
      Status: 'Enabled',
      Priority: 0,
      Filter: { Prefix: '' },
      DeleteMarkerReplication: { Status: 'Enabled' },
      SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
      Destination: {
        Bucket: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${mirrorBucket}`]] },
        EncryptionConfiguration: { ReplicaKmsKeyID: mirrorKeyArn },
        ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
        Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
      },
    });
  });

  it('scopes the replication role to the source\'s objects, replicas in its mirror and the mirrors\' key by ARN', () => {
    const roleId = rule.Role['Fn::GetAtt'][0];
    expect(primary.findResources('AWS::IAM::Role')[roleId]?.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 's3.amazonaws.com' });
    const statements = statementsOfRole(primary, roleId).filter((s) => !actions(s).some((a) => a.startsWith('xray:')));
    const owned = { StringEquals: { 's3:ResourceAccount': '000000000000' } };
    const text = (r: unknown) => JSON.stringify(r);
    expect(statements.map((s) => [actions(s).sort(), text(s.Resource), s.Condition ?? null])).toEqual([
      [['s3:GetReplicationConfiguration', 's3:ListBucket'], text({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::lifeboat-demo-assets']] }), owned],
      [['s3:GetObjectVersionAcl', 's3:GetObjectVersionForReplication', 's3:GetObjectVersionTagging'], text({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::lifeboat-demo-assets/*']] }), owned],
      [['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'], text({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${mirrorBucket}/*`]] }), owned],
      // Through S3 of the DR region, for the mirror bucket or its objects only, as the S3 User Guide's replication role policy
      // (a284634e); Decrypt too, with which S3 checks the mirror's Bucket Key (94e4008b).
      [
        ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        text(mirrorKeyArn),
        {
          StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' },
          StringLike: {
            'kms:EncryptionContext:aws:s3:arn': [
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${mirrorBucket}`]] },
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${mirrorBucket}/*`]] },
            ],
          },
        },
      ],
    ]);
    // The custom resource's function may put replication on the source bucket only, and pass only this role to S3.
    const provider = statementsOf(primary, 'source-replication');
    expect(provider.filter((s) => actions(s).includes('s3:PutReplicationConfiguration')).map((s) => text(s.Resource))).toEqual([
      text({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::lifeboat-demo-assets']] }),
    ]);
    expect(provider.filter((s) => actions(s).includes('iam:PassRole')).map((s) => [text(s.Resource), s.Condition])).toEqual([
      [text({ 'Fn::GetAtt': [roleId, 'Arn'] }), { StringEquals: { 'iam:PassedToService': 's3.amazonaws.com' } }],
    ]);
  });

  it('schedules the mirror check in the DR stack, listing only the source and its mirror', () => {
    dr.hasResourceProperties('AWS::Scheduler::Schedule', { Name: names.mirrorCheckSchedule, ScheduleExpression: 'rate(15 minutes)' });
    const listed = statementsOf(dr, 'mirror-check').filter((s) => actions(s).includes('s3:ListBucket'));
    for (const s of listed) expect(s.Condition).toEqual({ StringEquals: { 's3:ResourceAccount': '000000000000' } });
    expect(listed.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).map((r) => JSON.stringify(r))).toEqual([
      JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${mirrorBucket}`]] }),
      JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::lifeboat-demo-assets']] }),
    ]);
  });
});

describe('an S3 source planned from its inventory (JSON config)', () => {
  // The sample's S3 source with `inventory` (its reports under SSE-KMS) and no configId; read from the construct tree (no synth needed).
  const inventoryKeyArn = 'arn:aws:kms:us-east-1:000000000000:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  const withInventory = {
    ...config,
    environments: config.environments.map((e) => ({
      ...e,
      plans: e.plans.map((p) => ({ ...p, sources: p.sources.map((s) => (s.type === 's3' ? { ...s, inventory: { bucket: 'demo-inventory', prefix: 'inventory', kmsKeyArn: inventoryKeyArn } } : s)) })),
    })),
  };
  const app = templateOnlyApp();
  const built = buildLifeboatApp(app, withInventory).get('dev');
  if (!built) throw new Error('the sample config defines the dev environment');
  const stack = built.primary;
  const planFn = stack.node.findAll().find((c): c is lambda.Function => c instanceof lambda.Function && c.node.path.endsWith('/PlanBackup'));
  if (!planFn) throw new Error('no plan-backup function');

  it('hands the inventory to the functions in LIFEBOAT_PLANS', () => {
    const variables = (stack.resolve((planFn.node.defaultChild as lambda.CfnFunction).environment) as { variables: Record<string, unknown> }).variables;
    const plans = JSON.parse(String(variables.LIFEBOAT_PLANS)) as { sources: { type: string; inventory?: unknown }[] }[];
    expect(plans[0]?.sources.find((s) => s.type === 's3')?.inventory).toEqual({ bucket: 'demo-inventory', prefix: 'inventory' });
  });

  it('lets the plan function list and read the source bucket\'s report folder of the inventory bucket, and nothing else of it', () => {
    const document = stack.resolve((planFn.role?.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined)?.document.toJSON()) as { Statement: { Action: unknown; Resource: unknown; Condition?: unknown }[] };
    const source = devConfig.plans[0]?.sources.find((s) => s.type === 's3');
    if (source?.type !== 's3') throw new Error('the sample plan has an S3 source');
    const arn = (key: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::demo-inventory${key}`]] });
    // Without a configId the planner first lists <prefix>/<bucket>/ for the configuration folder, then its date folders.
    expect(document.Statement.filter((st) => JSON.stringify(st.Resource).includes('demo-inventory'))).toEqual([
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: arn(''), Condition: { StringLike: { 's3:prefix': [`inventory/${source.bucket}/*`] }, StringEquals: { 's3:ResourceAccount': devConfig.account } } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: arn(`/inventory/${source.bucket}/*`), Condition: { StringEquals: { 's3:ResourceAccount': devConfig.account } } },
    ]);
  });

  it('lets the plan function decrypt with the key the config names for the inventory reports, and refuses a name that is not a key ARN', () => {
    const document = stack.resolve((planFn.role?.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined)?.document.toJSON()) as { Statement: { Action: unknown; Resource: unknown }[] };
    expect(document.Statement.filter((st) => JSON.stringify(st.Resource).includes(inventoryKeyArn))).toEqual([
      // Through S3 of the region only (audit a59B F6).
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: inventoryKeyArn, Condition: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } } },
    ]);
    const inventory = (kmsKeyArn: string) => s3BucketSourceSchema.safeParse({ type: 's3', name: 'big', bucket: 'big-bucket', inventory: { bucket: 'demo-inventory', kmsKeyArn } });
    expect(inventory(inventoryKeyArn).success).toBe(true);
    expect(inventory('arn:aws:kms:us-east-1:000000000000:alias/inventory').error?.issues.map((i) => i.path.join('.'))).toEqual(['inventory.kmsKeyArn']);
  });
});
