import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const outdir = mkdtempSync(path.join(tmpdir(), 'lifeboat-infra-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const app = new App({ outdir });
const stacks = buildLifeboatApp(app, config);
const dev = stacks.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
// With the AwsSolutions plugin registered, synth throws "Validation failed" on any unacknowledged finding.
let synthError: unknown;
try {
  app.synth();
} catch (err) {
  synthError = err;
}
const primary = Template.fromStack(dev.primary);
const dr = Template.fromStack(dev.dr);

type ValidationReport = { pluginReports?: { pluginName?: string; conclusion?: string; violations?: { ruleName: string; violatingConstructs?: { constructPath?: string }[] }[] }[] };

function violationsIn(dir: string): string[] {
  const report = JSON.parse(readFileSync(path.join(dir, 'validation-report.json'), 'utf8')) as ValidationReport;
  return (report.pluginReports ?? [])
    .flatMap((r) => r.violations ?? [])
    .flatMap((v) => (v.violatingConstructs ?? [{}]).map((c) => `${v.ruleName} at ${c.constructPath ?? '?'}`));
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding on any stack', () => {
    expect(synthError ? violationsIn(outdir) : []).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it('does fail synth on a finding (the check is live)', () => {
    const probeDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-nag-probe-'));
    try {
      const probe = new App({ outdir: probeDir });
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

describe('primary stack', () => {
  it('places the primary stack in the primary region and the DR stack in the DR region', () => {
    expect(dev.primary.region).toBe('us-east-1');
    expect(dev.dr.region).toBe('us-west-2');
    expect(dev.primary.dependencies).toContain(dev.dr);
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
    // The lease is the first step and is released on both the success and the failure path.
    expect(definition).toContain('\\"StartAt\\":\\"Acquire lock\\"');
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

  type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
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
    expect(vaultKeysFor(statements, 's3:PutObject')).toEqual(['data/*', 'index/*', 'manifest/*', 'parts/*']);
    expect(vaultKeysFor(statements, 's3:GetObject')).toEqual(['config', 'index/*', 'keys/*', 'manifest/*', 'plans/*', 'snapshots/*']);
    // The record-failure function touches only the catalog.
    expect(JSON.stringify(policyOf('BackupRecordBackupFailureRole'))).not.toContain('s3:');
  });

  it('lets only the plan step create the vault and only the commit step write and remove snapshots', () => {
    const plan = policyOf('BackupPlanBackupRole');
    expect(vaultKeysFor(plan, 's3:PutObject')).toEqual(['config', 'keys/*', 'plans/*']);
    expect(actionsOf(plan)).not.toContain('s3:DeleteObject');
    const commit = policyOf('BackupCommitBackupRole');
    expect(vaultKeysFor(commit, 's3:PutObject')).toEqual(['manifest/*', 'parts/*', 'snapshots/*']);
    expect(vaultKeysFor(commit, 's3:DeleteObject')).toEqual(['parts/*', 'snapshots/*']);
    for (const fn of ['BackupPlanBackupRole', 'BackupSnapshotShardRole', 'BackupCommitBackupRole']) {
      const kms = policyOf(fn).filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:GenerateDataKey') || a === 'kms:Decrypt'));
      expect(actionsOf(kms)).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']));
    }
    const functions = Object.values(primary.findResources('AWS::Lambda::Function'));
    const withKey = functions.filter((f) => (f.Properties?.Environment?.Variables as Record<string, unknown> | undefined)?.VAULT_KEY_ARN !== undefined);
    const handlersWithKey = withKey.map((f) => (f.Properties?.Environment?.Variables as Record<string, string>).LIFEBOAT_HANDLER);
    expect(handlersWithKey).toEqual(expect.arrayContaining(['commit-backup', 'plan-backup', 'snapshot-shard']));
    // The lock and failure functions never open the vault.
    expect(handlersWithKey).not.toEqual(expect.arrayContaining(['backup-lock']));
    expect(handlersWithKey).not.toEqual(expect.arrayContaining(['record-backup-failure']));
  });

  it('replicates after commit and before the lock is released, looping until the DR vault is up to date', () => {
    const [machine] = Object.values(primary.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'lifeboat-dev-backup' } }));
    const definition = JSON.parse((machine?.Properties?.DefinitionString?.['Fn::Join'] as [string, unknown[]])[1].map((p) => (typeof p === 'string' ? p : 'ARN')).join('')) as {
      States: Record<string, { Type: string; Next?: string; Choices?: { Variable: string; BooleanEquals: boolean; Next: string }[]; Default?: string; Catch?: { Next: string }[] }>;
    };
    const states = definition.States;
    expect(states['Commit backup']?.Next).toBe('Replicate to DR vault');
    expect(states['Replicate to DR vault']?.Next).toBe('DR vault up to date?');
    expect(states['Replicate to DR vault']?.Catch?.map((c) => c.Next)).toEqual(['Record failure']);
    expect(states['DR vault up to date?']).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.replication.complete', BooleanEquals: true, Next: 'Release lock' }], Default: 'Replicate to DR vault' });
  });

  it('lets the replicate function read the primary vault and only add objects to the DR vault, using the DR key by its alias', () => {
    const statements = policyOf('BackupReplicateBackupRole');
    const actions = actionsOf(statements);
    expect(actions).not.toContain('s3:DeleteObject');
    expect(vaultKeysFor(statements, 's3:GetObject')).toEqual(['config', 'data/*', 'index/*', 'keys/*', 'manifest/*', 'snapshots/*']);
    const drObjects = (action: string) =>
      statements.filter((st) => actionsOf([st]).includes(action)).flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource])).map((r) => JSON.stringify(r)).filter((r) => r.includes('us-west-2'));
    expect(drObjects('s3:PutObject').map((r) => /us-west-2\/([^"]+)"/.exec(r)?.[1]).sort()).toEqual(['config', 'data/*', 'index/*', 'keys/*', 'manifest/*', 'snapshots/*']);
    const drKey = statements.find((st) => actionsOf([st]).includes('kms:Encrypt'));
    expect(actionsOf(drKey ? [drKey] : []).sort()).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(drKey?.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/lifeboat-dev-dr-vault'] } });
    expect(JSON.stringify(drKey?.Resource)).toContain(':kms:us-west-2:000000000000:key/*');
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:UpdateItem']);
  });

  it('schedules each plan with EventBridge Scheduler through a role that may only start the backup workflow', () => {
    primary.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'lifeboat-dev-demo',
      ScheduleExpression: 'rate(1 day)',
      Target: Match.objectLike({ Input: JSON.stringify({ plan: 'demo', trigger: 'schedule' }) }),
    });
    primary.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: Match.anyValue() }] },
    });
  });
});

describe('DR stack', () => {
  it('creates the replica vault in the DR region, KMS-encrypted, TLS-only, public access blocked', () => {
    dr.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'lifeboat-dev-vault-000000000000-us-west-2',
      BucketEncryption: Match.objectLike({}),
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true }),
    });
    dr.resourceCountIs('AWS::Lambda::Function', 0);
    dr.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny' })]) },
    });
  });
});
