import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeAccessPointsCommand, DescribeFileSystemsCommand, DescribeMountTargetsCommand, EFSClient } from '@aws-sdk/client-efs';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, KMSClient, type KeyState } from '@aws-sdk/client-kms';
import { GetBucketLocationCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand as DocumentScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { doctorCommand } from '../../../cli/commands/doctor-command';
import { type CheckResult } from '../../../cli/doctor/check-result';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { shownItemKeyPart } from '../../../lambdas/catalog/shown-item-key';
import { type CfnTemplate, type SynthesizedStack } from '../../../local/assembly/synthesized-stack';
import { tempDir } from '../../support/local-cloud-helpers';
import { REPO_ROOT } from '../../support/repo-root';
import { TEST_CLI_ENV } from '../../support/vault-cli-process';

/**
 * `lifeboat doctor --aws` against a fake AWS (aws-sdk-client-mock): `world` says what exists, the
 * mocks answer from it, per region as AWS would. Each test breaks one thing of a healthy world.
 */

const ACCOUNT = '000000000000';
const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const NOW = new Date('2026-03-02T12:00:00Z');

const config = {
  environments: [
    {
      name: 'dev',
      account: ACCOUNT,
      primaryRegion: PRIMARY,
      drRegion: DR,
      fileSystem: {
        efs: {
          fileSystemId: 'fs-0123456789abcdef0',
          accessPointId: 'fsap-0123456789abcdef0',
          vpcId: 'vpc-0123456789abcdef0',
          subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
          securityGroupId: 'sg-0123456789abcdef0',
          drRestore: {
            fileSystemId: 'fs-0fedcba9876543210',
            accessPointId: 'fsap-0fedcba9876543210',
            vpcId: 'vpc-0fedcba9876543210',
            subnetIds: ['subnet-0fedcba9876543210'],
            securityGroupId: 'sg-0fedcba9876543210',
          },
        },
      },
      plans: [
        {
          name: 'demo',
          schedule: 'rate(1 day)',
          strategy: 'incremental',
          retention: { keepLast: 7 },
          objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
          sources: [
            { type: 's3', name: 'demo-assets', bucket: 'lifeboat-demo-assets', prefix: 'img/' },
            { type: 'dynamodb', name: 'demo-orders', table: 'lifeboat-demo-orders' },
            { type: 'filesystem', name: 'demo-files', path: '/mnt/lifeboat/demo-files' },
          ],
        },
      ],
    },
  ],
};

/** What the default synthesizer puts in every template: the bootstrap version it needs (here: at least 6). */
function bootstrapSections(refused: string[] = ['1', '2', '3', '4', '5']): Pick<CfnTemplate, 'Parameters'> & { Rules: unknown } {
  return {
    Parameters: { BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/hnb659fds/version' } },
    Rules: {
      CheckBootstrapVersion: {
        Assertions: [{ Assert: { 'Fn::Not': [{ 'Fn::Contains': [refused, { Ref: 'BootstrapVersion' }] }] }, AssertDescription: `CDK bootstrap stack version ${Number(refused.at(-1)) + 1} required.` }],
      },
    },
  };
}

function synthesizedStacks(refused?: string[]): SynthesizedStack[] {
  const primary = {
    Description: 'Lifeboat dev: primary',
    Resources: {
      VaultBucket0925C477: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `lifeboat-dev-vault-${ACCOUNT}-${PRIMARY}` }, Metadata: { 'aws:cdk:path': 'Lifeboat-dev-Primary/VaultBucket/Resource' } },
      SchedulesPlandemoEDDA3AFD: { Type: 'AWS::Scheduler::Schedule', Properties: { Name: 'lifeboat-dev-demo', ScheduleExpression: 'rate(1 day)' } },
    },
    ...bootstrapSections(refused),
  };
  const dr = { Description: 'Lifeboat dev: DR', Resources: { ReplicaVaultBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `lifeboat-dev-vault-${ACCOUNT}-${DR}` } } }, ...bootstrapSections(refused) };
  return [
    { stackName: 'Lifeboat-dev-Primary', role: 'primary', account: ACCOUNT, region: PRIMARY, template: primary as CfnTemplate, assemblyDir: '/nonexistent' },
    { stackName: 'Lifeboat-dev-DR', role: 'dr', account: ACCOUNT, region: DR, template: dr as CfnTemplate, assemblyDir: '/nonexistent' },
  ];
}

/** As `cdk deploy` leaves a template in CloudFormation: version reporting added, construct paths of another machine. */
function asDeployed(template: CfnTemplate): Record<string, unknown> {
  const resources = Object.fromEntries(Object.entries(template.Resources ?? {}).map(([id, r]) => [id, { ...r, Metadata: { 'aws:cdk:path': `elsewhere/${id}` } }]));
  return {
    ...template,
    Resources: { ...resources, CDKMetadata: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'v2:deflate64:xyz' }, Condition: 'CDKMetadataAvailable' } },
    Conditions: { CDKMetadataAvailable: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, PRIMARY] } },
  };
}

type World = {
  callerAccount: string;
  toolkit: Record<string, { version: string; qualifier?: string } | undefined>;
  stacks: Record<string, { status: string; template: Record<string, unknown> } | undefined>;
  buckets: Record<string, string>;
  tables: Set<string>;
  scheduleState: 'ENABLED' | 'DISABLED';
  /** The states of the other schedules by name, as deployed (absent from the map: ENABLED; `missing`: not deployed). */
  otherSchedules?: Record<string, 'DISABLED' | 'missing'>;
  /** The alert rules' states by `<region>/<name>` (absent: ENABLED; `missing`: not deployed). */
  rules?: Record<string, 'DISABLED' | 'missing'>;
  /** The alarm topic's subscriptions by region (absent: one confirmed e-mail subscription). */
  subscriptions?: Record<string, { SubscriptionArn: string; Protocol: string }[]>;
  backups: BackupRecord[];
  refused?: string[];
  /** The DR catalog's backup items when they are not the primary's (`backups`), or why its Scan fails. */
  drCatalog?: Record<string, unknown>[] | Error;
  /** The vault keys by region, as DescribeKey of their alias finds them (absent: no such alias). */
  keys: Record<string, { state: KeyState; deletionDate?: Date } | 'denied' | undefined>;
  /** Regions whose endpoints do not answer (a region outage): every request there fails as a refused connection does. */
  down?: string[];
};

function committedBackup(overrides: Partial<BackupRecord> = {}): BackupRecord {
  return {
    backupId: '20260302T060000Z-1a2b3c4d',
    plan: 'demo',
    environment: 'dev',
    sourceNames: ['demo-assets', 'demo-orders', 'demo-files'],
    sources: [],
    strategy: 'incremental',
    status: 'COMMITTED',
    startedAt: '2026-03-02T06:00:00.000Z',
    endedAt: '2026-03-02T06:05:00.000Z',
    shardCount: 3,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    ...overrides,
  };
}

function healthyWorld(): World {
  const [primary, dr] = synthesizedStacks();
  return {
    callerAccount: ACCOUNT,
    toolkit: { [PRIMARY]: { version: '27' }, [DR]: { version: '27' } },
    stacks: {
      'Lifeboat-dev-Primary': { status: 'UPDATE_COMPLETE', template: asDeployed(primary?.template ?? {}) },
      'Lifeboat-dev-DR': { status: 'CREATE_COMPLETE', template: asDeployed(dr?.template ?? {}) },
    },
    buckets: { 'lifeboat-demo-assets': PRIMARY },
    tables: new Set([`${PRIMARY}/lifeboat-demo-orders`]),
    scheduleState: 'ENABLED',
    backups: [committedBackup()],
    keys: { [PRIMARY]: { state: 'Enabled' }, [DR]: { state: 'Enabled' } },
  };
}

const awsError = (name: string, message: string, status: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const regionOf = async (getClient: () => { config: { region: unknown } }): Promise<string> => {
  const region = getClient().config.region;
  return typeof region === 'function' ? String(await (region as () => Promise<string>)()) : String(region);
};

const sts = mockClient(STSClient);
const cloudFormation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const dynamodb = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
const scheduler = mockClient(SchedulerClient);
const eventBridge = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
const efs = mockClient(EFSClient);
const kms = mockClient(KMSClient);
const KEY_ALIASES: Record<string, string> = { [PRIMARY]: 'alias/lifeboat-dev-vault', [DR]: 'alias/lifeboat-dev-dr-vault' };

/** What the SDK throws for an endpoint that refuses connections: no HTTP status, Node's error code. */
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } });

function install(world: World): void {
  for (const mock of [sts, cloudFormation, s3, dynamodb, documents, scheduler, eventBridge, sns, efs, kms]) mock.reset();
  const answering = async (getClient: () => { config: { region: unknown } }): Promise<string> => {
    const region = await regionOf(getClient);
    if (world.down?.includes(region)) throw refused();
    return region;
  };
  kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId: string }, getClient) => {
    const region = await answering(getClient);
    const key = world.keys[region];
    if (key === 'denied') throw awsError('AccessDeniedException', 'User: arn:aws:iam::000000000000:user/ops is not authorized to perform: kms:DescribeKey', 400);
    if (!key || input.KeyId !== KEY_ALIASES[region]) throw awsError('NotFoundException', `Alias arn:aws:kms:${region}:${ACCOUNT}:${input.KeyId} is not found.`, 400);
    return { KeyMetadata: { KeyId: `key-${region}`, KeyState: key.state, ...(key.deletionDate ? { DeletionDate: key.deletionDate } : {}) } };
  });
  sts.on(GetCallerIdentityCommand).callsFake(async (_input: unknown, getClient) => {
    await answering(getClient);
    return { Account: world.callerAccount, Arn: `arn:aws:iam::${world.callerAccount}:user/ops` };
  });
  cloudFormation.on(DescribeStacksCommand).callsFake(async (input: { StackName: string }, getClient) => {
    const region = await answering(getClient);
    if (input.StackName === 'CDKToolkit') {
      const toolkit = world.toolkit[region];
      if (!toolkit) throw awsError('ValidationError', 'Stack with id CDKToolkit does not exist', 400);
      const stack: Stack = {
        StackName: 'CDKToolkit',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Parameters: toolkit.qualifier ? [{ ParameterKey: 'Qualifier', ParameterValue: toolkit.qualifier }] : [],
        Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: toolkit.version }],
      };
      return { Stacks: [stack] };
    }
    const deployed = world.stacks[input.StackName];
    const home = input.StackName.endsWith('-DR') ? DR : PRIMARY;
    if (!deployed || region !== home) throw awsError('ValidationError', `Stack with id ${input.StackName} does not exist`, 400);
    return { Stacks: [{ StackName: input.StackName, StackStatus: deployed.status, CreationTime: new Date() }] };
  });
  cloudFormation.on(GetTemplateCommand).callsFake((input: { StackName: string }) => ({ TemplateBody: JSON.stringify(world.stacks[input.StackName]?.template) }));
  // As S3 does: a regional endpoint answers 301 for a bucket of another region; GetBucketLocation answers from any region.
  s3.on(HeadBucketCommand).callsFake(async (input: { Bucket: string }, getClient) => {
    const home = world.buckets[input.Bucket];
    if (!home) throw awsError('NotFound', 'NotFound', 404);
    if (home !== (await answering(getClient))) throw awsError('301', 'UnknownError', 301);
    return {};
  });
  s3.on(GetBucketLocationCommand).callsFake((input: { Bucket: string }) => ({ LocationConstraint: world.buckets[input.Bucket] === PRIMARY ? undefined : world.buckets[input.Bucket] }));
  s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: 'img/logo.png' }] });
  dynamodb.on(DescribeTableCommand).callsFake(async (input: { TableName: string }, getClient) => {
    if (!world.tables.has(`${await answering(getClient)}/${input.TableName}`)) throw new ResourceNotFoundException({ message: `Requested resource not found: Table: ${input.TableName} not found`, $metadata: {} });
    return { Table: { TableName: input.TableName, TableStatus: 'ACTIVE' } };
  });
  dynamodb.on(ScanCommand).resolves({ Items: [], Count: 0 });
  documents.on(QueryCommand).callsFake(async (_input: unknown, getClient) => {
    await answering(getClient);
    return { Items: world.backups.map((b) => ({ pk: `BACKUP#${b.backupId}`, sk: 'BACKUP', ...b })) };
  });
  // The doctor's look for plans not in the config: a Scan of the byPlan index, whole records (it validates them).
  // The DR catalog's, in the DR region, as replication leaves it unless the world says otherwise.
  documents.on(DocumentScanCommand).callsFake(async (_input: unknown, getClient) => {
    const dr = (await answering(getClient)) === DR ? world.drCatalog : undefined;
    if (dr instanceof Error) throw dr;
    return { Items: dr ?? world.backups.map((b) => ({ pk: `BACKUP#${b.backupId}`, sk: 'BACKUP', ...b })) };
  });
  scheduler.on(GetScheduleCommand).callsFake(async (input: { Name: string }, getClient) => {
    const region = await answering(getClient);
    // The scrub's and the primary prune's in the primary region, the DR prune's in the DR region (audit a58C F1).
    const other = { [PRIMARY]: ['lifeboat-dev-scrub', 'lifeboat-dev-prune'], [DR]: ['lifeboat-dev-prune-dr'] }[region] ?? [];
    const state = world.otherSchedules?.[input.Name];
    if (other.includes(input.Name) && state !== 'missing') return { Name: input.Name, State: state ?? 'ENABLED', ScheduleExpression: 'rate(1 day)' };
    if (input.Name !== 'lifeboat-dev-demo' || region !== PRIMARY) throw awsError('ResourceNotFoundException', `Schedule ${input.Name} does not exist.`, 404);
    return { Name: input.Name, State: world.scheduleState, ScheduleExpression: 'rate(1 day)' };
  });
  // Each region's alarm topic (audit a58C F5).
  sns.on(ListSubscriptionsByTopicCommand).callsFake(async (input: { TopicArn: string }, getClient) => {
    const region = await answering(getClient);
    if (input.TopicArn !== `arn:aws:sns:${region}:${ACCOUNT}:lifeboat-dev-alarms`) throw awsError('NotFoundException', 'Topic does not exist', 404);
    return { Subscriptions: world.subscriptions?.[region] ?? [{ SubscriptionArn: `${input.TopicArn}:0b1c`, Protocol: 'email' }] };
  });
  // Each region's alert rules (audit a58C F6).
  eventBridge.on(DescribeRuleCommand).callsFake(async (input: { Name: string }, getClient) => {
    const region = await answering(getClient);
    const state = world.rules?.[`${region}/${input.Name}`];
    if (!['lifeboat-dev-execution-ended', 'lifeboat-dev-key-changed', 'lifeboat-dev-watchdog'].includes(input.Name) || state === 'missing') throw awsError('ResourceNotFoundException', `Rule ${input.Name} does not exist on EventBus default.`, 400);
    return { Name: input.Name, State: state ?? 'ENABLED' };
  });
  // The sources' file system in the primary region, the DR restore file system in the DR region (one mock answers both).
  efs.on(DescribeFileSystemsCommand).callsFake(async (input: { FileSystemId: string }, getClient) => {
    await answering(getClient);
    return { FileSystems: [{ FileSystemId: input.FileSystemId, LifeCycleState: 'available' }] };
  });
  efs.on(DescribeAccessPointsCommand).callsFake((input: { AccessPointId: string }) => ({
    AccessPoints: [{ AccessPointId: input.AccessPointId, FileSystemId: input.AccessPointId.replace(/^fsap-/, 'fs-'), LifeCycleState: 'available' }],
  }));
  efs.on(DescribeMountTargetsCommand).callsFake((input: { FileSystemId: string }) => ({
    MountTargets: (input.FileSystemId === 'fs-0fedcba9876543210' ? ['subnet-0fedcba9876543210'] : ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1']).map((SubnetId, i) => ({
      MountTargetId: `fsmt-${i}`,
      FileSystemId: input.FileSystemId,
      SubnetId,
      LifeCycleState: 'available',
      AvailabilityZoneName: `${PRIMARY}${'ab'[i]}`,
    })),
  }));
}

const tmp = tempDir('doctor-aws');
const configFile = path.join(tmp.dir, 'lifeboat.config.json');
beforeAll(() => writeFileSync(configFile, JSON.stringify(config)));
afterAll(() => tmp.remove());

/** Runs the command with --json (the text form is the same checks, see the local-cloud test) and reads its checks by name. */
async function doctor(world: World, file = configFile, stacks = synthesizedStacks(world.refused)): Promise<{ code: number; checks: Map<string, CheckResult> }> {
  install(world);
  const lines: string[] = [];
  const code = await doctorCommand(
    { config: file, env: 'dev', dataDir: '.unused', aws: true, json: true },
    { io: { out: (l) => lines.push(l), err: (l) => lines.push(l) }, synthesize: async () => stacks, now: () => NOW },
  );
  const parsed = JSON.parse(lines.join('\n')) as { checks: CheckResult[]; exitCode: number };
  expect(parsed.exitCode).toBe(code);
  return { code, checks: new Map(parsed.checks.map((c) => [c.name, c])) };
}

/** The checks of the environment above that run once its credentials pass, in the documented order (docs/DOCTOR.md). */
const CHECKS_AFTER_CREDENTIALS = [
  `bootstrap ${PRIMARY}`,
  `bootstrap ${DR}`,
  'file system fs-0123456789abcdef0',
  'DR file system fs-0fedcba9876543210',
  'source demo-assets',
  'source demo-orders',
  'source demo-files',
  'stack Lifeboat-dev-Primary',
  `vault key ${PRIMARY}`,
  'stack Lifeboat-dev-DR',
  `vault key ${DR}`,
  'schedule demo',
  'last backup demo',
  'dr copy demo',
  'scrub schedule',
  'prune schedule',
  'dr prune schedule',
  `execution rule ${PRIMARY}`,
  `key rule ${PRIMARY}`,
  `watchdog rule ${PRIMARY}`,
  `execution rule ${DR}`,
  `key rule ${DR}`,
  `watchdog rule ${DR}`,
  `alarm subscriptions ${PRIMARY}`,
  `alarm subscriptions ${DR}`,
  'catalog plans',
  'dr catalog items',
];

describe('lifeboat doctor --aws', () => {
  it('passes every check of a healthy environment, in the documented order, exit 0', async () => {
    const { code, checks } = await doctor(healthyWorld());
    expect([...checks.keys()]).toEqual(['config', 'environment', 'synthesis', 'credentials', ...CHECKS_AFTER_CREDENTIALS]);
    expect([...checks.values()].filter((c) => c.verdict !== 'ok')).toEqual([]);
    expect(code).toBe(0);
    expect(checks.get(`bootstrap ${DR}`)?.detail).toBe('CDKToolkit version 27, templates need ≥ 6, qualifier hnb659fds');
    expect(checks.get('stack Lifeboat-dev-Primary')?.detail).toBe('UPDATE_COMPLETE in us-east-1, deployed template = synthesized template');
    expect(checks.get('last backup demo')?.detail).toBe('20260302T060000Z-1a2b3c4d (incremental) started 6 h ago, within the RPO 24 h');
    // The source is listed under its prefix, in the primary region, as owned by the account the backups require.
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({ Bucket: 'lifeboat-demo-assets', Prefix: 'img/', MaxKeys: 1, ExpectedBucketOwner: ACCOUNT });
    expect(s3.commandCalls(HeadBucketCommand)[0]?.args[0].input).toEqual({ Bucket: 'lifeboat-demo-assets', ExpectedBucketOwner: ACCOUNT });
  });

  it('fails on credentials of another account, says which, and skips everything after', async () => {
    const { code, checks } = await doctor({ ...healthyWorld(), callerAccount: '111111111111' });
    expect(code).toBe(1);
    const credentials = checks.get('credentials');
    expect(credentials).toMatchObject({ verdict: 'fail', detail: 'signed in to account 111111111111 as arn:aws:iam::111111111111:user/ops, but environment dev is account 000000000000' });
    expect(credentials?.fix).toContain('use credentials of account 000000000000');
    // The same checks as the healthy run's after `credentials`, each skipped (the DR file system's line too).
    const after = [...checks.values()].slice([...checks.keys()].indexOf('credentials') + 1);
    expect(after.map((c) => c.name)).toEqual(CHECKS_AFTER_CREDENTIALS);
    expect(after.every((c) => c.verdict === 'skipped' && c.detail === 'depends on credentials, which failed')).toBe(true);
  });

  it('fails on a region that is not bootstrapped, with the bootstrap command, and skips its stack', async () => {
    const world = healthyWorld();
    world.toolkit[DR] = undefined;
    const { code, checks } = await doctor(world);
    expect(code).toBe(1);
    expect(checks.get(`bootstrap ${DR}`)).toEqual({
      name: `bootstrap ${DR}`,
      verdict: 'fail',
      detail: `${DR} is not bootstrapped: there is no stack CDKToolkit`,
      fix: `npx cdk bootstrap aws://${ACCOUNT}/${DR}`,
    });
    expect(checks.get('stack Lifeboat-dev-DR')).toMatchObject({ verdict: 'skipped', detail: `depends on bootstrap ${DR}, which failed` });
    expect(checks.get(`bootstrap ${PRIMARY}`)?.verdict).toBe('ok');
    expect(checks.get('stack Lifeboat-dev-Primary')?.verdict).toBe('ok');
  });

  it.each([
    { version: '5', refused: undefined, required: 6 },
    // The requirement is read from the templates' CheckBootstrapVersion rule, not assumed.
    { version: '27', refused: Array.from({ length: 29 }, (_, i) => String(i + 1)), required: 30 },
  ])('fails on bootstrap version $version when the templates need $required', async ({ version, refused, required }) => {
    const world = { ...healthyWorld(), refused };
    world.toolkit[PRIMARY] = { version };
    const { code, checks } = await doctor(world);
    expect(code).toBe(1);
    expect(checks.get(`bootstrap ${PRIMARY}`)).toMatchObject({
      verdict: 'fail',
      detail: `CDKToolkit is version ${version}, the templates require at least ${required}`,
      fix: `npx cdk bootstrap aws://${ACCOUNT}/${PRIMARY}`,
    });
  });

  it('fails on a bootstrap stack of another qualifier than the synthesizer uses', async () => {
    const world = healthyWorld();
    world.toolkit[PRIMARY] = { version: '27', qualifier: 'custom1' };
    const { checks } = await doctor(world);
    expect(checks.get(`bootstrap ${PRIMARY}`)).toMatchObject({ verdict: 'fail', detail: 'CDKToolkit has the qualifier custom1, but the app\'s synthesizer uses hnb659fds' });
  });

  it('fails on a source bucket in another region, naming that region', async () => {
    const world = healthyWorld();
    world.buckets['lifeboat-demo-assets'] = 'eu-west-1';
    const { code, checks } = await doctor(world);
    expect(code).toBe(1);
    expect(checks.get('source demo-assets')).toMatchObject({
      verdict: 'fail',
      detail: 'bucket lifeboat-demo-assets is in eu-west-1, not in the primary region us-east-1',
      fix: expect.stringContaining('environments[0].plans[0].sources[0].bucket'),
    });
    expect(s3.commandCalls(GetBucketLocationCommand)).toHaveLength(1);
  });

  it('fails on a source table that exists only in the DR region', async () => {
    const world = { ...healthyWorld(), tables: new Set([`${DR}/lifeboat-demo-orders`]) };
    const { checks } = await doctor(world);
    expect(checks.get('source demo-orders')).toMatchObject({ verdict: 'fail', detail: 'table lifeboat-demo-orders exists in us-west-2, not in the primary region us-east-1' });
  });

  it('fails on a disabled schedule, with how to enable it', async () => {
    const { code, checks } = await doctor({ ...healthyWorld(), scheduleState: 'DISABLED' });
    expect(code).toBe(1);
    expect(checks.get('schedule demo')).toMatchObject({
      verdict: 'fail',
      detail: 'schedule lifeboat-dev-demo is DISABLED: plan demo is not backed up',
      fix: expect.stringContaining('Schedules → lifeboat-dev-demo → Enable'),
    });
  });

  // Audit a58C F1: only the plans' backup schedules were checked; a scrub or drill schedule disabled by hand was seen by nothing.
  it('fails on a disabled scrub schedule and a DR prune schedule not deployed, saying what stops and how to fix it', async () => {
    const { code, checks } = await doctor({ ...healthyWorld(), otherSchedules: { 'lifeboat-dev-scrub': 'DISABLED', 'lifeboat-dev-prune-dr': 'missing' } });
    expect(code).toBe(1);
    expect(checks.get('scrub schedule')).toMatchObject({
      verdict: 'fail',
      detail: 'schedule lifeboat-dev-scrub is DISABLED: the vaults are not checked for damage (the scrub-age alarm fires)',
      fix: expect.stringContaining(`EventBridge Scheduler console in ${PRIMARY}: Schedules → lifeboat-dev-scrub → Enable`),
    });
    expect(checks.get('dr prune schedule')).toMatchObject({
      verdict: 'fail',
      detail: `schedule lifeboat-dev-prune-dr does not exist in ${DR}: the DR vault is not pruned (what retention forgot keeps its storage)`,
      fix: `npx cdk deploy Lifeboat-dev-DR -c config=${configFile}`,
    });
    expect(checks.get('prune schedule')).toMatchObject({ verdict: 'ok', detail: `schedule lifeboat-dev-prune ENABLED in ${PRIMARY}, rate(1 day)` });
  });

  // Audit a58C F6: a rule disabled by hand silenced the failed executions' notices (and the lease release), or every figure
  // of the watchdog, and nothing checked it.
  it('fails on a disabled execution-ended rule and a DR watchdog rule not deployed, saying what is no longer heard and the fix', async () => {
    const { code, checks } = await doctor({ ...healthyWorld(), rules: { [`${PRIMARY}/lifeboat-dev-execution-ended`]: 'DISABLED', [`${DR}/lifeboat-dev-watchdog`]: 'missing' } });
    expect(code).toBe(1);
    expect(checks.get(`execution rule ${PRIMARY}`)).toEqual({
      name: `execution rule ${PRIMARY}`,
      verdict: 'fail',
      detail: "rule lifeboat-dev-execution-ended is DISABLED: the primary region's executions that fail, time out or are aborted are not notified, and a stopped or timed-out backup's lease is not released (release-failed-backup)",
      fix: `aws events enable-rule --name lifeboat-dev-execution-ended --region ${PRIMARY} (a deploy does not: the template leaves State to its default)`,
    });
    expect(checks.get(`watchdog rule ${DR}`)).toMatchObject({ verdict: 'fail', detail: expect.stringMatching(/^rule lifeboat-dev-watchdog does not exist in us-west-2: the DR vault's drills and prune are not measured/), fix: `npx cdk deploy Lifeboat-dev-DR -c config=${configFile}` });
    expect(checks.get(`watchdog rule ${PRIMARY}`)).toEqual({ name: `watchdog rule ${PRIMARY}`, verdict: 'ok', detail: `rule lifeboat-dev-watchdog ENABLED in ${PRIMARY}` });
  });

  // Audit a58C F5: with no subscription the alarms reached no one, and nothing said so.
  it('warns on a region whose alarm topic has no subscription, or only one pending confirmation, with the command that subscribes', async () => {
    const { code, checks } = await doctor({ ...healthyWorld(), subscriptions: { [PRIMARY]: [], [DR]: [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email' }] } });
    expect(code).toBe(0);
    expect(checks.get(`alarm subscriptions ${PRIMARY}`)).toEqual({
      name: `alarm subscriptions ${PRIMARY}`,
      verdict: 'warn',
      detail: `lifeboat-dev-alarms has no subscription in ${PRIMARY}: the region's alarms and failed executions reach no one`,
      fix: `aws sns subscribe --topic-arn arn:aws:sns:${PRIMARY}:${ACCOUNT}:lifeboat-dev-alarms --protocol email --notification-endpoint <address> --region ${PRIMARY}, or add the address to notifications.emails and deploy (docs/DEPLOYMENT.md, "Alarm notifications")`,
    });
    expect(checks.get(`alarm subscriptions ${DR}`)).toMatchObject({ verdict: 'warn', detail: "lifeboat-dev-alarms has 1 subscription(s) pending confirmation and none confirmed: the region's alarms and failed executions reach no one yet" });
    const healthy = await doctor(healthyWorld());
    expect(healthy.checks.get(`alarm subscriptions ${DR}`)).toEqual({ name: `alarm subscriptions ${DR}`, verdict: 'ok', detail: '1 confirmed subscription(s) to lifeboat-dev-alarms (email)' });
  });

  it('warns when the deployed template is not the synthesized one, naming the resources, exit 0', async () => {
    const world = healthyWorld();
    const deployed = world.stacks['Lifeboat-dev-Primary'];
    if (!deployed) throw new Error('the healthy world has the primary stack');
    const resources = deployed.template.Resources as Record<string, { Properties: Record<string, unknown> }>;
    resources['SchedulesPlandemoEDDA3AFD'] = { ...resources['SchedulesPlandemoEDDA3AFD'], Properties: { Name: 'lifeboat-dev-demo', ScheduleExpression: 'rate(7 days)' } };
    const { code, checks } = await doctor(world);
    expect(code).toBe(0);
    expect(checks.get('stack Lifeboat-dev-Primary')).toMatchObject({
      verdict: 'warn',
      detail: 'UPDATE_COMPLETE in us-east-1, but it differs from this checkout\'s synthesis: changed SchedulesPlandemoEDDA3AFD',
      fix: `review with \`npx cdk diff Lifeboat-dev-Primary -c config=${configFile}\`, then npx cdk deploy Lifeboat-dev-Primary -c config=${configFile}`,
    });
  });

  it('fails on a stack that is not deployed and skips its schedule and backups', async () => {
    const world = healthyWorld();
    world.stacks['Lifeboat-dev-Primary'] = undefined;
    const { checks } = await doctor(world);
    expect(checks.get('stack Lifeboat-dev-Primary')).toMatchObject({ verdict: 'fail', fix: `npx cdk deploy Lifeboat-dev-Primary -c config=${configFile}` });
    expect(checks.get('schedule demo')).toMatchObject({ verdict: 'skipped', detail: 'depends on stack Lifeboat-dev-Primary, which failed' });
    expect(checks.get('dr copy demo')?.verdict).toBe('skipped');
  });

  it('warns on a plan the catalog holds backups of that is not in the config, naming it, its count, its newest and the command', async () => {
    const nightly = (day: string) => committedBackup({ backupId: `202602${day}T060000Z-0000000${day}`, plan: 'nightly', startedAt: `2026-02-${day}T06:00:00.000Z` });
    const { code, checks } = await doctor({ ...healthyWorld(), backups: [committedBackup(), nightly('20'), nightly('21')] });
    expect(code).toBe(0);
    expect(checks.has('catalog plans')).toBe(false);
    expect(checks.get('catalog plan nightly')).toEqual({
      name: 'catalog plan nightly',
      verdict: 'warn',
      detail: 'the catalog holds 2 backup(s) of plan nightly, the newest started 2026-02-21T06:00:00.000Z, which is not in the config (its plans: demo): no retention policy applies to them, so both vaults keep them',
      fix: expect.stringMatching(/^lifeboat backups forget --plan nightly --keep-last 1 --dry-run --env dev --config \S+ --aws shows what a policy keeps/),
    });
  });

  it("shows a plan not in the config escaped and its newest start as an instant, as they are any strings of a record, and prints it in no command (f62T, review r64L F1)", async () => {
    const forged = '\n\u001b[31m\u009b\u202e';
    const shown = '\\u000a\\u001b[31m\\u009b\\u202e';
    const plan = `night's${forged}`;
    const odd = (day: string) => committedBackup({ backupId: `202602${day}T060000Z-0000000${day}`, plan, startedAt: `2026-02-${day}T06:00:00.000Z${forged}` });
    const { checks } = await doctor({ ...healthyWorld(), backups: [committedBackup(), odd('20'), odd('21')] });
    const name = `catalog plan night's${shown}`;
    expect(checks.get(name)).toEqual({
      name,
      verdict: 'warn',
      // The start is shown as the instant it parses to, never its text (review r63U F3): this one parses to none.
      detail: `the catalog holds 2 backup(s) of plan night's${shown}, the newest with a startedAt that is not a time, which is not in the config (its plans: demo): no retention policy applies to them, so both vaults keep them`,
      // Not a name a config can give a plan: the forget names a placeholder, which `backups list --all --json` fills in.
      fix: expect.stringMatching(/^its name is not one a config can give a plan .*; lifeboat backups list --all --json --env dev --config \S+ --aws names their backups and their plan whole: lifeboat backups forget --plan '<plan>' --keep-last 1 --dry-run --env dev --config \S+ --aws, with that plan in place of <plan>, shows what a policy keeps/),
    });
    expect(checks.get(name)?.fix).not.toContain('night');
  });

  // Review r63U F3: the plan and the newest start were shown to 200 characters beside the printed delete (or forget), so
  // a record's forged plan or startedAt (a "(comment)" Date.parse skips) spelled another record's delete. The plan is
  // now cut at 40 in prose, whole in the printed command; the start is the instant it parses to.
  it("spells no delete of another record that a plan not in the config or its newest start holds", async () => {
    const victim = 'aws dynamodb delete-item --table-name lifeboat-dev-catalog --key pk={S=BACKUP#20261208T060000Z-0000000a},sk={S=BACKUP}';
    const spelled = /delete-item(?: --[a-z-]+ [^\s']+)* --key (?:'(\{[^']*\})'|pk=\{S=([^}]*)\},sk=\{S=[^}]*\})/g;
    const pks = (text = ''): string[] => [...text.matchAll(spelled)].map((m) => (m[1] !== undefined ? (JSON.parse(m[1]) as { pk: { S: string } }).pk.S : (m[2] ?? '')));
    for (const [plan, startedAt] of [
      [`old\u0000 ${victim}`, '2026-02-21T06:00:00.000Z'],
      [`old ${victim}`, '2026-02-21T06:00:00.000Z'],
      ['old', `(${victim}) Feb 21 2026 06:00 GMT`],
    ] as const) {
      const odd = (day: string) => committedBackup({ backupId: `202602${day}T060000Z-0000000${day}`, plan, startedAt });
      const { checks } = await doctor({ ...healthyWorld(), backups: [committedBackup(), odd('20'), odd('21')] });
      const check = [...checks.values()].find((c) => c.name.startsWith('catalog plan old'));
      expect(check?.verdict).toBe('warn');
      expect(pks(check?.name)).toEqual([]);
      expect(pks(check?.detail)).toEqual([]);
      // The printed forget holds the plan whole, as one quoted word: only the prose around it is cut. The one delete
      // the fix prints (a plan holding a NUL) is of a placeholder's record.
      expect(pks((check?.fix ?? '').replace(/^lifeboat backups forget --plan '[^']*'/, '<forget>')).filter((pk) => pk !== 'BACKUP#<backup id>')).toEqual([]);
      expect(check?.detail).toContain('the newest started 2026-02-21T06:00:00.000Z, which is not in the config');
    }
    const long = [...(await doctor({ ...healthyWorld(), backups: [committedBackup(), committedBackup({ backupId: '20260220T060000Z-00000020', plan: `old ${victim}` }), committedBackup({ backupId: '20260221T060000Z-00000021', plan: `old ${victim}` })] })).checks.values()].find((c) => c.name.startsWith('catalog plan old'));
    expect(long?.name).toBe(`catalog plan ${shownItemKeyPart(`old ${victim}`)}`);
    expect(long?.fix).toContain("lifeboat backups forget --plan '<plan>' --keep-last 1 --dry-run");
    expect(long?.fix).not.toContain(victim);
  });

  // Review r64L F1: the printed forget held any plan whole, as one quoted word; a plan holding a delete spelled with
  // double-quoted JSON (which bash reads as the same words) printed another record's delete beside the real delete lines.
  it('prints a forget naming the plan only for a name a config can give a plan; any other gets a placeholder', async () => {
    const victim = 'aws dynamodb delete-item --region us-east-1 --table-name lifeboat-dev-catalog --key "{\\"pk\\":{\\"S\\":\\"BACKUP#20261130T000000Z-1a2b3c4d\\"},\\"sk\\":{\\"S\\":\\"BACKUP\\"}}" --condition-expression "attribute_exists(pk)"';
    const plans = (plan: string) => [committedBackup(), committedBackup({ backupId: '20260220T060000Z-00000020', plan }), committedBackup({ backupId: '20260221T060000Z-00000021', plan })];
    const forged = [...(await doctor({ ...healthyWorld(), backups: plans(victim) })).checks.values()].find((c) => c.name.startsWith('catalog plan aws'));
    expect(forged?.verdict).toBe('warn');
    expect(forged?.fix).not.toContain('delete-item');
    expect(forged?.fix).not.toContain('1a2b3c4d');
    expect(forged?.fix).toContain("lifeboat backups forget --plan '<plan>' --keep-last 1 --dry-run");
    expect(forged?.fix).toContain('lifeboat backups list --all --json');
    // A name of the config's form (2-32 lowercase letters, digits or dashes) is printed as it is.
    const { checks } = await doctor({ ...healthyWorld(), backups: plans('old-nightly-2') });
    expect(checks.get('catalog plan old-nightly-2')?.fix).toMatch(/^lifeboat backups forget --plan old-nightly-2 --keep-last 1 --dry-run /);
  });

  // bash ends a word at a NUL: `--plan $'demo\u0000x'` named demo, the configured plan, whose backups the printed
  // forget would then have forgotten but the newest (review r62J F2). No command names such a plan.
  it('prints no forget for a plan whose name holds a NUL: says no command line can give it and names the record delete', async () => {
    const plan = 'demo\u0000x';
    const odd = (day: string) => committedBackup({ backupId: `202602${day}T060000Z-0000000${day}`, plan, startedAt: `2026-02-${day}T06:00:00.000Z` });
    const { checks } = await doctor({ ...healthyWorld(), backups: [committedBackup(), odd('20'), odd('21')] });
    const name = 'catalog plan demo\\u0000x';
    expect(checks.get(name)).toEqual({
      name,
      verdict: 'warn',
      detail: 'the catalog holds 2 backup(s) of plan demo\\u0000x, the newest started 2026-02-21T06:00:00.000Z, which is not in the config (its plans: demo): no retention policy applies to them, so both vaults keep them',
      fix: expect.stringMatching(
        /^its name holds a NUL character, which no command line can give \(a --plan naming it names the plan before the NUL\), so `lifeboat backups forget --plan` cannot forget them and the doctor prints no such command; .* lifeboat backups list --all --json --env dev --config \S+ --aws names their backups \(their plan holds \\u0000\); delete each record with aws dynamodb delete-item --region \S+ --table-name \S+ --key '\{"pk":\{"S":"BACKUP#<backup id>"\},"sk":\{"S":"BACKUP"\}\}' --condition-expression 'attribute_exists\(pk\)'$/,
      ),
    });
    expect(checks.get(name)?.fix).not.toContain('--plan demo');
    expect(checks.get(name)?.fix).not.toContain('--plan $');
  });

  it('scans the DR catalog too, which a failover reads: names a record it cannot read there, with the DR region\'s delete and rebuild', async () => {
    const damaged = { pk: 'BACKUP#20260301T060000Z-0000dr01', sk: 'BACKUP', ...committedBackup({ backupId: '20260301T060000Z-0000dr01', startedAt: '2026-03-01T06:00:00.000Z' }), status: 'DONE' };
    const { code, checks } = await doctor({ ...healthyWorld(), drCatalog: [{ pk: `BACKUP#${committedBackup().backupId}`, sk: 'BACKUP', ...committedBackup() }, damaged] });
    expect(code).toBe(0);
    expect(checks.get('catalog plans')?.verdict).toBe('ok');
    expect(checks.has('dr catalog items')).toBe(false);
    expect(checks.get('dr catalog item BACKUP#20260301T060000Z-0000dr01')).toEqual({
      name: 'dr catalog item BACKUP#20260301T060000Z-0000dr01',
      verdict: 'warn',
      detail: expect.stringMatching(/^In the DR catalog lifeboat-dev-catalog \(us-west-2\): Catalog item BACKUP#20260301T060000Z-0000dr01 \/ BACKUP in table lifeboat-dev-catalog is not a valid backup record: status: .* failovers and drills pass over it/),
      fix: expect.stringMatching(/^correct the item, or delete it \(aws dynamodb delete-item --region us-west-2 --table-name lifeboat-dev-catalog --key .*\) and run lifeboat catalog rebuild --vault dr --region dr --env dev --config \S+ --aws to write it again from the DR vault$/),
    });
  });

  it('warns, and goes on, when the DR catalog cannot be scanned', async () => {
    const { code, checks } = await doctor({ ...healthyWorld(), drCatalog: awsError('AccessDeniedException', 'User: arn:aws:iam::000000000000:user/ops is not authorized to perform: dynamodb:Scan', 400) });
    expect(code).toBe(0);
    expect(checks.get('dr catalog items')).toEqual({
      name: 'dr catalog items',
      verdict: 'warn',
      detail: 'cannot scan the DR catalog lifeboat-dev-catalog (us-west-2) for backup records that are not valid: User: arn:aws:iam::000000000000:user/ops is not authorized to perform: dynamodb:Scan',
      fix: "allow dynamodb:Scan on the DR catalog table's byPlan index (us-west-2) to the caller, or run the doctor again once the DR region answers",
    });
  });

  it('skips the DR catalog when the DR stack is not deployed, and still scans the primary one', async () => {
    const world = healthyWorld();
    world.stacks['Lifeboat-dev-DR'] = undefined;
    const { checks } = await doctor(world);
    expect(checks.get('dr catalog items')).toEqual({ name: 'dr catalog items', verdict: 'skipped', detail: 'depends on stack Lifeboat-dev-DR, which failed' });
    expect(checks.get('catalog plans')?.verdict).toBe('ok');
  });

  it('warns on a last backup older than the RPO and fails on a failed DR copy', async () => {
    const world = { ...healthyWorld(), backups: [committedBackup({ startedAt: '2026-02-27T12:00:00.000Z', copies: { primary: 'COMMITTED', dr: 'FAILED' } })] };
    const { code, checks } = await doctor(world);
    expect(code).toBe(1);
    expect(checks.get('last backup demo')).toMatchObject({ verdict: 'warn', detail: '20260302T060000Z-1a2b3c4d (incremental) started 3 d ago, older than the RPO 24 h' });
    expect(checks.get('dr copy demo')).toMatchObject({ verdict: 'fail', fix: expect.stringMatching(/^lifeboat backup --plan demo --env dev --config .* --aws \(each run copies/) });
  });

  // Audit b3-2: a record dated ahead (a wrong host clock) was the newest backup, "under 1 min" old, and hid a plan whose backups had stopped.
  it('judges the plan on the newest backup before now, and warns about a record that starts in the future, naming it', async () => {
    const ahead = committedBackup({ backupId: '20270302T060000Z-9f8e7d6c', startedAt: '2027-03-02T06:00:00.000Z' });
    const world = { ...healthyWorld(), backups: [ahead, committedBackup({ startedAt: '2026-02-27T12:00:00.000Z', copies: { primary: 'COMMITTED', dr: 'FAILED' } })] };
    const { checks } = await doctor(world);
    expect(checks.get('last backup demo')).toMatchObject({
      verdict: 'warn',
      detail:
        '20260302T060000Z-1a2b3c4d (incremental) started 3 d ago, older than the RPO 24 h; 20270302T060000Z-9f8e7d6c (COMMITTED, started 2027-03-02T06:00:00.000Z) starts in the future: ' +
        'the clock that wrote it or the catalog is wrong (not counted)',
      fix: expect.stringMatching(/; see lifeboat backups list --plan demo --env dev --config .* --aws, and set right the clock of the host that ran it \(or the times the catalog was rebuilt with\)$/),
    });
    expect(checks.get('dr copy demo')?.verdict).toBe('fail');
    // Clock skew within the tolerance is no problem: a backup 2 min ahead of the doctor's clock is just now.
    const skewed = await doctor({ ...healthyWorld(), backups: [committedBackup({ startedAt: '2026-03-02T12:02:00.000Z' })] });
    expect(skewed.checks.get('last backup demo')).toMatchObject({ verdict: 'ok', detail: '20260302T060000Z-1a2b3c4d (incremental) started under 1 min ago, within the RPO 24 h' });
  });

  it('fails on a vault key scheduled for deletion, with the date and the commands that cancel it', async () => {
    const world = healthyWorld();
    world.keys[DR] = { state: 'PendingDeletion', deletionDate: new Date('2026-03-09T00:00:00Z') };
    const { code, checks } = await doctor(world);
    expect(code).toBe(1);
    expect(checks.get(`vault key ${DR}`)).toEqual({
      name: `vault key ${DR}`,
      verdict: 'fail',
      detail: `alias/lifeboat-dev-dr-vault (key-${DR}) is scheduled for deletion on 2026-03-09T00:00:00.000Z: from then on every backup in the DR vault is unreadable, for good; until then every run that uses the vault fails`,
      fix: `cancel it now: aws kms cancel-key-deletion --key-id key-${DR} --region ${DR} && aws kms enable-key --key-id key-${DR} --region ${DR}; then find who scheduled it (CloudTrail ScheduleKeyDeletion)`,
    });
    expect(checks.get(`vault key ${PRIMARY}`)).toMatchObject({ verdict: 'ok', detail: `alias/lifeboat-dev-vault (key-${PRIMARY}) is Enabled` });
  });

  it('fails on a disabled vault key and on a missing alias, each saying what to do', async () => {
    const world = healthyWorld();
    world.keys[PRIMARY] = { state: 'Disabled' };
    world.keys[DR] = undefined;
    const { code, checks } = await doctor(world);
    expect(code).toBe(1);
    expect(checks.get(`vault key ${PRIMARY}`)).toMatchObject({
      verdict: 'fail',
      detail: `alias/lifeboat-dev-vault (key-${PRIMARY}) is Disabled: every backup, restore and replication that uses the primary vault fails`,
      fix: `aws kms enable-key --key-id key-${PRIMARY} --region ${PRIMARY}; then find who disabled it (CloudTrail DisableKey)`,
    });
    expect(checks.get(`vault key ${DR}`)).toMatchObject({ verdict: 'fail', detail: expect.stringMatching(/^no key answers to alias\/lifeboat-dev-dr-vault in us-west-2: its alias was removed, or the key was deleted/) });
    expect(checks.get(`vault key ${DR}`)?.fix).toMatch(/cdk deploy Lifeboat-dev-DR .*puts the alias back/);
  });

  it('warns when the caller may not read a vault key, and skips the key of a stack that is not deployed', async () => {
    const world = healthyWorld();
    world.stacks['Lifeboat-dev-DR'] = undefined;
    world.keys[PRIMARY] = 'denied';
    const { checks } = await doctor(world);
    expect(checks.get(`vault key ${PRIMARY}`)).toEqual({
      name: `vault key ${PRIMARY}`,
      verdict: 'warn',
      detail: `cannot read alias/lifeboat-dev-vault in ${PRIMARY}: AccessDeniedException (HTTP 400): User: arn:aws:iam::000000000000:user/ops is not authorized to perform: kms:DescribeKey`,
      fix: 'allow kms:DescribeKey on the primary vault\'s key to the caller, then run the doctor again',
    });
    expect(checks.get(`vault key ${DR}`)).toMatchObject({ verdict: 'skipped', detail: 'depends on stack Lifeboat-dev-DR, which failed' });
  });
});

describe('lifeboat doctor --aws in a region outage', () => {
  const HEALTH = 'run the doctor again; if it persists, see the AWS Health Dashboard (https://health.aws.amazon.com/health/status)';

  it('says the DR region does not answer, not that the caller lacks a permission', async () => {
    const { code, checks } = await doctor({ ...healthyWorld(), down: [DR] });
    expect(checks.get(`bootstrap ${DR}`)).toEqual({
      name: `bootstrap ${DR}`,
      verdict: 'fail',
      detail: `${DR} does not answer (Error: connect ECONNREFUSED 127.0.0.1:443): cannot read stack CDKToolkit`,
      fix: HEALTH,
    });
    expect(checks.get('DR file system fs-0fedcba9876543210')).toEqual({
      name: 'DR file system fs-0fedcba9876543210',
      verdict: 'fail',
      detail: `${DR} does not answer (Error: connect ECONNREFUSED 127.0.0.1:443): cannot describe fs-0fedcba9876543210`,
      fix: HEALTH,
    });
    expect([...checks.values()].filter((c) => /allow /.test(c.fix ?? ''))).toEqual([]);
    expect(checks.get(`bootstrap ${PRIMARY}`)?.verdict).toBe('ok');
    expect(code).toBe(1);
  });

  it('in an outage of the primary region, reads the credentials from the DR region\'s STS and still checks what a failover reads', async () => {
    const { code, checks } = await doctor({ ...healthyWorld(), down: [PRIMARY] });
    expect(checks.get('credentials')).toEqual({
      name: 'credentials',
      verdict: 'ok',
      detail: `account ${ACCOUNT} as arn:aws:iam::${ACCOUNT}:user/ops (read from STS in ${DR}: STS in the primary region ${PRIMARY} did not answer: Error: connect ECONNREFUSED 127.0.0.1:443)`,
    });
    expect(checks.get(`bootstrap ${PRIMARY}`)).toMatchObject({ verdict: 'fail', detail: `${PRIMARY} does not answer (Error: connect ECONNREFUSED 127.0.0.1:443): cannot read stack CDKToolkit`, fix: HEALTH });
    expect(checks.get('stack Lifeboat-dev-DR')?.verdict).toBe('ok');
    expect(checks.get('dr catalog items')?.verdict).toBe('ok');
    expect(code).toBe(1);
  });

  it('when STS answers in neither region, says so rather than that the credentials do not work', async () => {
    const { code, checks } = await doctor({ ...healthyWorld(), down: [PRIMARY, DR] });
    expect(checks.get('credentials')).toEqual({
      name: 'credentials',
      verdict: 'fail',
      detail: `STS of neither region could tell the credentials (network, or both regions down): ${PRIMARY} did not answer (Error: connect ECONNREFUSED 127.0.0.1:443); ${DR} did not answer (Error: connect ECONNREFUSED 127.0.0.1:443)`,
      fix: `check this machine's network (proxy, VPN, DNS) and ${HEALTH}`,
    });
    expect(checks.get('dr catalog items')?.verdict).toBe('skipped');
    expect(code).toBe(1);
  });
});

describe('lifeboat doctor command line', () => {
  it('with the DR stack in another account, says that the DR region\'s bootstrap and stack are read with that account\'s credentials, exit 0', async () => {
    const DR_ACCOUNT = '222222222222';
    const file = path.join(tmp.dir, 'dr-account.config.json');
    writeFileSync(file, JSON.stringify({ environments: config.environments.map((e) => ({ ...e, drAccount: DR_ACCOUNT })) }));
    const stacks = synthesizedStacks().map((s) => (s.role === 'dr' ? { ...s, account: DR_ACCOUNT } : s));
    const { code, checks } = await doctor(healthyWorld(), file, stacks);
    expect(checks.get(`bootstrap ${DR}`)).toEqual({
      name: `bootstrap ${DR}`,
      verdict: 'warn',
      detail: `the DR stack deploys into account ${DR_ACCOUNT}, which the doctor does not read with account ${ACCOUNT}'s credentials`,
      fix: `with account ${DR_ACCOUNT}'s credentials: npx cdk bootstrap aws://${DR_ACCOUNT}/${DR} --trust ${ACCOUNT} --cloudformation-execution-policies <policy ARN> (docs/DEPLOYMENT.md, "The DR vault in another account")`,
    });
    expect(checks.get('stack Lifeboat-dev-DR')).toMatchObject({ verdict: 'warn', detail: `in account ${DR_ACCOUNT}, which the doctor does not read with account ${ACCOUNT}'s credentials` });
    expect([...checks.values()].filter((c) => c.verdict !== 'ok' && c.verdict !== 'warn')).toEqual([]);
    expect(code).toBe(0);
  });

  it('warns that the DR region cannot restore file-system sources without fileSystem.efs.drRestore, saying what to create, exit 0', async () => {
    const file = path.join(tmp.dir, 'no-dr-restore.config.json');
    const withoutDrRestore = config.environments.map((e) => {
      const { drRestore: _drRestore, ...efs } = e.fileSystem.efs;
      return { ...e, fileSystem: { efs } };
    });
    writeFileSync(file, JSON.stringify({ environments: withoutDrRestore }));
    const { code, checks } = await doctor(healthyWorld(), file);
    expect(checks.get('DR file system')).toEqual({
      name: 'DR file system',
      verdict: 'warn',
      detail: 'environment dev has file-system sources but no fileSystem.efs.drRestore: in AWS the DR region cannot restore them (failover, DR restore and DR drill of those sources fail at their restore)',
      fix: `create a writable EFS file system with an access point and mount targets in ${DR} and name it as "drRestore" inside fileSystem.efs (docs/DEPLOYMENT.md, "A file system in the DR region")`,
    });
    expect(code).toBe(0);
  });

  it('exits 2 on an unknown option', () => {
    const bundle = process.env[TEST_CLI_ENV];
    const argv = bundle ? [bundle] : ['--import', 'tsx', path.join(REPO_ROOT, 'bin', 'lifeboat.ts')];
    const run = spawnSync(process.execPath, [...argv, 'doctor', '--no-such-option'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toContain("unknown option '--no-such-option'");
    expect(run.status).toBe(2);
  });
});
