import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { loadLifeboatConfig } from '../../../config/load-config';
import { commitBackup } from '../../../lambdas/backup/commit-backup';
import { cleanUpFailedBackupSnapshots } from '../../../lambdas/backup/failed-snapshots-cleanup';
import { planBackup } from '../../../lambdas/backup/plan-backup';
import { lostPacksOfLatestScrub } from '../../../lambdas/backup/scrub-lost-packs';
import { ScrubLog } from '../../../lambdas/catalog/scrub-log';
import { releaseFailedBackup } from '../../../lambdas/backup/release-failed-backup';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { BackupInProgressError } from '../../../lambdas/catalog/catalog-errors';
import { CATALOG_FORMAT } from '../../../lambdas/catalog/catalog-format';
import { replicateBackup } from '../../../lambdas/replication/replicate-backup';
import { protectionPlanSchema } from '../../../config/lifeboat-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { initVault, MemoryVaultStore, PassphraseKeyProvider } from '../../../vault';
import { catalogRecord, MemoryPrimaryCatalog } from '../../unit/lambdas/replication/memory-primary-catalog';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { scriptedS3 } from '../../support/scripted-s3-listing';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { SMALL_TUNING } from '../../support/vault-test-helpers';
import { synthesizeApp } from './synth-app';

/**
 * The deleters of a FAILED backup's snapshots, Record failure and release-failed-backup (audit a2 F2), with the IAM
 * policy simulator on the synthesized policies of the sample config with `immutability`: they read a snapshot's
 * record (and open the vault for it) before deleting it, and its retention and legal hold, so S3VaultStore.delete
 * sees a lock and refuses instead of hiding a retained snapshot behind a delete marker. They read no content
 * (packs, manifests). Commit, which deletes the snapshots it wrote when it fails for good, reads their lock too. The
 * snapshot shard may not write a commit marker.
 */
const ACCOUNT = '000000000000';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const immutable = { ...sample, environments: sample.environments.map((e) => ({ ...e, immutability: { mode: 'GOVERNANCE' as const, days: 30 } })) };
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, immutable), { nag: true });
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const policies = new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' });
const vaultName = dev.protection.names.primaryVault;

function principal(role: IConstruct | undefined) {
  if (!role) throw new Error('the function has no role');
  return principalOfRole(policies, Stack.of(role).getLogicalId(role.node.defaultChild as CfnElement));
}

const decide = (who: ReturnType<typeof principal>, action: string, key: string, context: Record<string, string> = {}) =>
  simulatedDecision(who, action, { arn: `arn:aws:s3:::${vaultName}/${key}`, account: ACCOUNT }, context);

const READS = ['s3:GetObject', 's3:GetObjectRetention', 's3:GetObjectLegalHold'];
const CASES: [string, string][] = [
  ['snapshots/abc', 'Allowed Allowed Allowed'],
  ['config', 'Allowed ImplicitlyDenied ImplicitlyDenied'],
  ['keys/abc', 'Allowed ImplicitlyDenied ImplicitlyDenied'],
  ['parts/b1/committed/s.json', 'Allowed ImplicitlyDenied ImplicitlyDenied'],
  ['data/ab/abcd', 'ImplicitlyDenied ImplicitlyDenied ImplicitlyDenied'],
  ['manifest/abc', 'ImplicitlyDenied ImplicitlyDenied ImplicitlyDenied'],
  ['index/abc', 'ImplicitlyDenied ImplicitlyDenied ImplicitlyDenied'],
];

describe.each([
  ['Record failure', () => dev.protection.backupWorkflow.functions.recordFailure.role],
  ['release-failed-backup', () => dev.protection.operations.releaseFailedBackup.role],
])('%s', (_name, role) => {
  it('opens the vault and reads the snapshots it deletes with their retention and legal hold; no content', async () => {
    const who = principal(role());
    const seen: [string, string][] = [];
    for (const [key] of CASES) seen.push([key, (await Promise.all(READS.map((action) => decide(who, action, key)))).join(' ')]);
    expect(seen).toEqual(CASES);
    expect(await decide(who, 's3:DeleteObject', 'snapshots/abc')).toBe('Allowed');
    // Synthesized under cdk-nag: every new statement names its keys, so no finding is left unacknowledged.
    expect({ found: synthesized.violations(), synthError: synthesized.synthError }).toEqual({ found: [], synthError: undefined });
  });
});

it('the snapshot shard writes its parts but no commit marker', async () => {
  const shard = principal(dev.protection.backupWorkflow.functions.snapshot.role);
  const creating = { 's3:ObjectCreationOperation': 'true' };
  expect(await decide(shard, 's3:PutObject', 'parts/b1/00000.json', creating)).toBe('Allowed');
  expect(await decide(shard, 's3:PutObject', 'parts/b1/committed/anything.json', creating)).toBe('ExplicitlyDenied');
});

it('Commit, which deletes the snapshots it wrote when it fails for good, reads their retention and legal hold (audit d6-2)', async () => {
  const commit = principal(dev.protection.backupWorkflow.functions.commit.role);
  // Without the legal hold in its HEAD, S3VaultStore.delete would hide a held snapshot behind a delete marker.
  const seen = await Promise.all(['s3:DeleteObject', ...READS].map(async (action) => [action, await decide(commit, action, 'snapshots/abc')]));
  expect(seen).toEqual(['s3:DeleteObject', ...READS].map((action) => [action, 'Allowed']));
});

it('lets Replicate read the DR vault\'s prune batches, which the retention it extends there leaves out condemned index objects by (review r17 F1), and write none', async () => {
  const who = principal(dev.protection.backupWorkflow.functions.replicate.role);
  const drVault = dev.protection.names.drVault;
  const onDr = (action: string, key: string) => simulatedDecision(who, action, { arn: `arn:aws:s3:::${drVault}/${key}`, account: ACCOUNT }, {});
  expect([await onDr('s3:GetObject', 'prune/condemned/abc'), await onDr('s3:PutObject', 'prune/condemned/abc'), await onDr('s3:DeleteObject', 'prune/condemned/abc')]).toEqual([
    'Allowed',
    'ImplicitlyDenied',
    'ImplicitlyDenied',
  ]);
});

/**
 * The catalog items the plan's lease functions and the backup workflow's steps touch (audit a57E-1), as their own code
 * sends them: each call recorded from a BackupCatalog on a mocked client (the local cloud enforces no IAM), then
 * decided by the simulator. Anything else of the table (backup records for the lock, APPROVALS' task tokens, TARGET#
 * claims, the format marker for all but Plan) is denied.
 */
describe('catalog items of the plan lease functions and the backup steps', () => {
  const table = { arn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${dev.protection.names.catalogTable}`, account: ACCOUNT };
  const EXECUTION = `arn:aws:states:us-east-1:${ACCOUNT}:execution:${dev.protection.names.backupStateMachine}:run-1`;
  const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  const ddb = mockClient(DynamoDBDocumentClient);
  afterAll(() => ddb.restore());

  /** `dynamodb:<Action> <pk>` of every call `run` made, in order. */
  async function recordedCalls(run: (catalog: BackupCatalog) => Promise<unknown>): Promise<string[]> {
    ddb.resetHistory();
    await run(new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), dev?.protection.names.catalogTable ?? ''));
    return ddb.calls().map((call) => {
      const command = call.args[0] as { constructor: { name: string }; input: { Key?: { pk?: string }; Item?: { pk?: string }; IndexName?: string; ExpressionAttributeValues?: Record<string, unknown> } };
      const { input } = command;
      const action = command.constructor.name.replace(/Command$/, '').replace(/^(Get|Put|Update|Delete)$/, '$1Item');
      // A Query's leading key is its key condition's partition value; on an index, the index's own (`byPlan:<plan>`).
      const queried = input.IndexName !== undefined ? `${input.IndexName}:${String(input.ExpressionAttributeValues?.[':plan'])}` : input.ExpressionAttributeValues?.[':pk'];
      return `dynamodb:${action} ${input.Key?.pk ?? input.Item?.pk ?? (typeof queried === 'string' ? queried : '?')}`;
    });
  }
  const decisions = (who: ReturnType<typeof principal>, calls: readonly string[]) =>
    Promise.all(calls.map(async (call) => {
      const [action = '', pk = ''] = call.split(' ');
      const [index, leadingKey] = pk.includes(':') && !pk.includes('#') ? pk.split(':') : [undefined, pk];
      const on = index !== undefined ? { ...table, arn: `${table.arn}/index/${index}` } : table;
      return `${call}: ${await simulatedDecision(who, action, on, { 'dynamodb:LeadingKeys': [leadingKey ?? ''] })}`;
    }));
  const OUT_OF_REACH = ['dynamodb:PutItem BACKUP#20261201T000000Z-aaaaaaaa', 'dynamodb:DeleteItem BACKUP#20261201T000000Z-aaaaaaaa', 'dynamodb:GetItem APPROVALS', 'dynamodb:DeleteItem APPROVALS', 'dynamodb:DeleteItem TARGET#s3:shop-assets', 'dynamodb:UpdateItem FORMAT'];

  it('backup-lock takes, reads and releases the plan\'s lease, and reaches no other item', async () => {
    ddb.reset();
    ddb.on(PutCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { pk: 'LOCK#daily', sk: 'LOCK', holder: 'b-other', expiresAt: 4102444800 } });
    ddb.on(DeleteCommand).resolves({});
    const calls = await recordedCalls(async (catalog) => {
      const now = new Date('2026-12-01T00:00:00Z');
      await catalog.acquireLock('daily', 'b-1', now, 600, EXECUTION);
      // Refused: GetItem names the holder in the error.
      await expect(catalog.acquireLock('daily', 'b-2', now, 600, `${EXECUTION}-2`)).rejects.toThrow(BackupInProgressError);
      await catalog.releaseLock('daily', 'b-1');
    });
    expect(calls).toEqual(['dynamodb:PutItem LOCK#daily', 'dynamodb:PutItem LOCK#daily', 'dynamodb:GetItem LOCK#daily', 'dynamodb:DeleteItem LOCK#daily']);
    const lock = principal(dev.protection.backupWorkflow.functions.lock.role);
    expect(await decisions(lock, calls)).toEqual(calls.map((call) => `${call}: Allowed`));
    expect(await decisions(lock, [...OUT_OF_REACH, 'dynamodb:GetItem BACKUP#20261201T000000Z-aaaaaaaa'])).toEqual([...OUT_OF_REACH, 'dynamodb:GetItem BACKUP#20261201T000000Z-aaaaaaaa'].map((call) => `${call}: ImplicitlyDenied`));
  });

  it('release-failed-backup reads and deletes the lease, marks and reads the backup\'s record, and reaches no other item', async () => {
    ddb.reset();
    ddb.on(GetCommand, { Key: { pk: 'LOCK#daily', sk: 'LOCK' } }).resolves({ Item: { pk: 'LOCK#daily', sk: 'LOCK', holder: 'b-1', expiresAt: 4102444800, execution: EXECUTION } });
    ddb.on(GetCommand, { Key: { pk: 'BACKUP#b-1', sk: 'BACKUP' } }).resolves({});
    // markFailed refused (the backup had committed), so markCopyFailed is sent as well.
    ddb.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({});
    ddb.on(DeleteCommand).resolves({});
    const calls = await recordedCalls(async (catalog) => {
      const event = { 'detail-type': 'Step Functions Execution Status Change' as const, detail: { executionArn: EXECUTION, stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${dev.protection.names.backupStateMachine}`, status: 'ABORTED' as const, input: JSON.stringify({ plan: 'daily' }) } };
      await expect(releaseFailedBackup(event, { catalog, plans: [{ name: 'daily' }], backupStateMachineName: dev.protection.names.backupStateMachine })).resolves.toMatchObject({ released: true, recorded: 'DR_COPY_FAILED' });
      // What the snapshot clean-up reads first, once the backup is FAILED (forgetSnapshotsOfFailedBackup).
      await catalog.getBackup('b-1');
    });
    expect(calls).toEqual(['dynamodb:GetItem LOCK#daily', 'dynamodb:UpdateItem BACKUP#b-1', 'dynamodb:UpdateItem BACKUP#b-1', 'dynamodb:DeleteItem LOCK#daily', 'dynamodb:GetItem BACKUP#b-1']);
    const release = principal(dev.protection.operations.releaseFailedBackup.role);
    expect(await decisions(release, calls)).toEqual(calls.map((call) => `${call}: Allowed`));
    const denied = [...OUT_OF_REACH, 'dynamodb:PutItem LOCK#daily', 'dynamodb:UpdateItem LOCK#daily'];
    expect(await decisions(release, denied)).toEqual(denied.map((call) => `${call}: ImplicitlyDenied`));
  });

  // A Scan, or a call naming no key, sends no dynamodb:LeadingKeys, and ForAllValues of an absent key holds: the
  // statement needs the key present (review r57Y F2), or a Scan granted through it would read the whole table.
  it.each([
    ['backup-lock', () => dev.protection.backupWorkflow.functions.lock.role],
    ['Plan', () => dev.protection.backupWorkflow.functions.plan.role],
    ['Commit', () => dev.protection.backupWorkflow.functions.commit.role],
    ['Record failure', () => dev.protection.backupWorkflow.functions.recordFailure.role],
    ['Replicate', () => dev.protection.backupWorkflow.functions.replicate.role],
    ['release-failed-backup', () => dev.protection.operations.releaseFailedBackup.role],
  ])('%s reaches no catalog item by a call that names no partition (a Scan)', async (_name, role) => {
    const who = principal(role());
    const ACTIONS = ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
    const seen = await Promise.all(ACTIONS.map(async (action) => `${action}: ${await simulatedDecision(who, action, table)}`));
    expect(seen).toEqual(ACTIONS.map((action) => `${action}: ImplicitlyDenied`));
  });

  const BACKUP_ID = '20261201T100000Z-0a1b2c3d';
  const recordItem = (record: BackupRecord) => ({ pk: `BACKUP#${record.backupId}`, sk: 'BACKUP', ...record });
  const ELSEWHERE = ['dynamodb:GetItem APPROVALS', 'dynamodb:Query APPROVALS', 'dynamodb:UpdateItem APPROVALS', 'dynamodb:DeleteItem TARGET#s3:shop-assets', 'dynamodb:PutItem LOCK#daily', 'dynamodb:DeleteItem LOCK#daily', 'dynamodb:DeleteItem BACKUP#20261201T000000Z-aaaaaaaa', 'dynamodb:UpdateItem SCRUB#LEASE'];
  // What a partition condition cannot narrow (review r57Y F1): UpdateItem of any backup record stays with every step that
  // marks one (it could REMOVE a legal hold or pins), and Plan's PutItem of one (createBackup's attribute_not_exists is
  // the caller's, IAM cannot require it) could replace any record. Recorded here so a change to them is seen.
  const OTHER_RECORD = 'BACKUP#20261201T000000Z-aaaaaaaa';
  const expectReach = async (role: IConstruct | undefined, calls: readonly string[], denied: readonly string[], residual: readonly string[]) => {
    const who = principal(role);
    expect(await decisions(who, calls)).toEqual(calls.map((call) => `${call}: Allowed`));
    expect(await decisions(who, denied)).toEqual(denied.map((call) => `${call}: ImplicitlyDenied`));
    expect(await decisions(who, residual)).toEqual(residual.map((call) => `${call}: Allowed`));
  };

  it('Plan reads the source\'s index items and parents, raises the format marker, records and updates its RUNNING record, reads the latest scrub record, and reaches no other item', async () => {
    ddb.reset();
    // An incremental run: the source's newest index item names a parent whose record is gone, so it plans a full one.
    ddb.on(QueryCommand).resolves({ Items: [{ pk: 'SOURCE#bkt', sk: 'BACKUP#2026-11-30T00:00:00.000Z#old', backupId: 'old', strategy: 'full' }] });
    // The packs the latest scrub record holds lost (fix f58R): none recorded yet.
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'SCRUB#RUNS' } }).resolves({ Items: [] });
    ddb.on(GetCommand, { Key: { pk: 'BACKUP#old', sk: 'BACKUP' } }).resolves({});
    // The marker already at this format (every run after the first): the condition fails and GetItem reads it.
    ddb.on(UpdateCommand, { Key: { pk: 'FORMAT', sk: 'FORMAT' } }).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: { pk: 'FORMAT', sk: 'FORMAT' } }).resolves({ Item: { pk: 'FORMAT', sk: 'FORMAT', format: CATALOG_FORMAT } });
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand, { Key: { pk: `BACKUP#${BACKUP_ID}`, sk: 'BACKUP' } }).resolves({});
    const plan = protectionPlanSchema.parse({ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 3 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [{ type: 's3', name: 'bkt', bucket: 'src' }] });
    const vault = await initVault(new MemoryVaultStore('plan'), new PassphraseKeyProvider('unit', { N: 1024, r: 8, p: 1 }), SMALL_TUNING);
    const calls = await recordedCalls(async (catalog) => {
      // As the handler reads it (lambdas/handlers/plan-backup.ts).
      const scrubs = new ScrubLog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), dev?.protection.names.catalogTable ?? '');
      const lostPacks = () => lostPacksOfLatestScrub(() => scrubs.latest(), (warning) => {
        throw new Error(warning);
      });
      const planned = await planBackup({ plan: 'daily', backupId: BACKUP_ID }, { s3: scriptedS3({ src: { objects: new Map([['a', 1]]) } }), dynamodb: new DynamoDBClient({ region: 'us-east-1' }), vault, catalog, plans: [plan], environment: 'dev', lostPacks });
      expect(planned).toMatchObject({ strategy: 'full', done: true });
    });
    expect(calls).toEqual(['dynamodb:Query SOURCE#bkt', 'dynamodb:GetItem BACKUP#old', 'dynamodb:UpdateItem FORMAT', 'dynamodb:GetItem FORMAT', `dynamodb:PutItem BACKUP#${BACKUP_ID}`, 'dynamodb:Query SCRUB#RUNS', `dynamodb:UpdateItem BACKUP#${BACKUP_ID}`]);
    await expectReach(dev.protection.backupWorkflow.functions.plan.role, calls, [...ELSEWHERE, 'dynamodb:PutItem SOURCE#bkt', 'dynamodb:DeleteItem SOURCE#bkt', 'dynamodb:Query BACKUP#old', 'dynamodb:PutItem SCRUB#RUNS', 'dynamodb:GetItem SCRUB#LEASE'], [`dynamodb:PutItem ${OTHER_RECORD}`, `dynamodb:UpdateItem ${OTHER_RECORD}`]);
  });

  /** A vault with the plan document of a RUNNING backup of source `src` planned into no shard, and that record. */
  async function plannedBackup() {
    const store = new MemoryVaultStore('commit');
    const vault = await initVault(store, new PassphraseKeyProvider('unit', { N: 1024, r: 8, p: 1 }), SMALL_TUNING);
    const planKey = `plans/${BACKUP_ID}.json`;
    const document = { backupId: BACKUP_ID, plan: 'files', environment: 'dev', strategy: 'full', requestedStrategy: 'full', createdAt: '2026-12-01T10:00:00.000Z', sources: [{ name: 'src', type: 's3', snapshotSource: { kind: 's3', id: 'src', bucket: 'src', prefix: '' }, parent: null }], shardManifests: [], shardCount: 0 };
    await store.put(planKey, Buffer.from(JSON.stringify(document)));
    return { vault, planKey, running: catalogRecord(BACKUP_ID, 'RUNNING', [], { startedAt: document.createdAt, shardCount: 0 }) };
  }

  it('Commit reads its record, writes the source\'s index item, marks the record COMMITTED, and reaches no other item', async () => {
    ddb.reset();
    const { vault, planKey, running } = await plannedBackup();
    ddb.on(GetCommand).resolves({ Item: recordItem(running) });
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    const calls = await recordedCalls(async (catalog) => {
      await expect(commitBackup({ backupId: BACKUP_ID, planKey }, { vault, catalog })).resolves.toMatchObject({ status: 'COMMITTED' });
    });
    expect(calls).toEqual([`dynamodb:GetItem BACKUP#${BACKUP_ID}`, 'dynamodb:PutItem SOURCE#src', `dynamodb:UpdateItem BACKUP#${BACKUP_ID}`]);
    await expectReach(dev.protection.backupWorkflow.functions.commit.role, calls, [...ELSEWHERE, `dynamodb:PutItem BACKUP#${BACKUP_ID}`, 'dynamodb:UpdateItem FORMAT', 'dynamodb:Query SOURCE#src'], [`dynamodb:UpdateItem ${OTHER_RECORD}`]);
  });

  it('Record failure marks the record FAILED (or its DR copy), reads it before deleting snapshots, and reaches no other item', async () => {
    ddb.reset();
    // As record-backup-failure.ts: markFailed, the clean-up (which reads the record first), and markCopyFailed when markFailed is refused.
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed()).resolves({});
    ddb.on(GetCommand).resolves({});
    const calls = await recordedCalls(async (catalog) => {
      expect(await catalog.markFailed(BACKUP_ID, 'States.TaskFailed', 'boom', '2026-12-01T10:05:00.000Z')).toBe(true);
      await cleanUpFailedBackupSnapshots(BACKUP_ID, { store: new MemoryVaultStore('failed'), catalog }, () => undefined);
      expect(await catalog.markFailed(BACKUP_ID, 'States.TaskFailed', 'boom', '2026-12-01T10:05:00.000Z')).toBe(false);
      expect(await catalog.markCopyFailed(BACKUP_ID)).toBe(true);
    });
    expect(calls).toEqual([`dynamodb:UpdateItem BACKUP#${BACKUP_ID}`, `dynamodb:GetItem BACKUP#${BACKUP_ID}`, `dynamodb:UpdateItem BACKUP#${BACKUP_ID}`, `dynamodb:UpdateItem BACKUP#${BACKUP_ID}`]);
    await expectReach(dev.protection.backupWorkflow.functions.recordFailure.role, calls, [...ELSEWHERE, `dynamodb:PutItem BACKUP#${BACKUP_ID}`, 'dynamodb:UpdateItem FORMAT', 'dynamodb:GetItem LOCK#daily', 'dynamodb:PutItem SOURCE#src'], [`dynamodb:UpdateItem ${OTHER_RECORD}`]);
  });

  it('Replicate reads the backup and its plan\'s records (byPlan), marks them copied, and reaches no other item of the primary catalog', async () => {
    ddb.reset();
    const { vault, planKey, running } = await plannedBackup();
    ddb.on(GetCommand).resolves({ Item: recordItem(running) });
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    const committed = await commitBackup({ backupId: BACKUP_ID, planKey }, { vault, catalog: new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'catalog') });
    const record: BackupRecord = { ...running, status: 'COMMITTED', sources: committed.sources, totals: committed.totals, copies: { primary: 'COMMITTED', dr: 'PENDING' } };
    ddb.reset();
    ddb.on(GetCommand).resolves({ Item: recordItem(record) });
    ddb.on(QueryCommand).resolves({ Items: [recordItem(record)] });
    ddb.on(UpdateCommand).resolves({});
    const calls = await recordedCalls(async (catalog) => {
      const report = await replicateBackup({ backupId: BACKUP_ID }, { source: vault, target: new MemoryVaultStore('dr'), targetKeys: new PassphraseKeyProvider('dr key', { N: 1024, r: 8, p: 1 }), catalog, drCatalog: new MemoryPrimaryCatalog(), plans: ['files'] });
      expect(report).toMatchObject({ complete: true, backupsCopied: 1 });
      // The handler reads the record once more for the metrics.
      await catalog.getBackup(BACKUP_ID);
    });
    expect([...new Set(calls)].sort()).toEqual([`dynamodb:GetItem BACKUP#${BACKUP_ID}`, 'dynamodb:Query byPlan:files', `dynamodb:UpdateItem BACKUP#${BACKUP_ID}`]);
    await expectReach(dev.protection.backupWorkflow.functions.replicate.role, calls, [...ELSEWHERE, `dynamodb:PutItem BACKUP#${BACKUP_ID}`, 'dynamodb:UpdateItem FORMAT', 'dynamodb:GetItem FORMAT', 'dynamodb:PutItem SOURCE#src'], [`dynamodb:UpdateItem ${OTHER_RECORD}`]);
  });
});
