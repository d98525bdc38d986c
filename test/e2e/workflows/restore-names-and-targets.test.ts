import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { loadLifeboatConfig } from '../../../config/load-config';
import { type LifeboatConfig, type SourceConfig } from '../../../config/lifeboat-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { openBackupVault } from '../../../lambdas/runtime/backup-vault';
import { restoreIdOfExecution } from '../../../lambdas/restore/restore-id';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { loadExecutionHistory } from '../../../local/executor/execution-history';
import { runLocalExecution } from '../../../local/executor/run-local-execution';
import { approveEveryTask } from '../../../local/executor/local-approver';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { commitFixtureBackup } from '../../support/vault-backup-fixture';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * The restore runbook, run by the local executor over the local cloud, with what its operators may give it:
 * - execution names Step Functions allows that are no restore id (audit R39 F3): the restore runs under a restore id
 *   made of the name, and the failure path's "Release restore" step releases the target under the same id;
 * - targets the runbook's IAM would refuse half way (audit R41 F1): a prefix outside the source's in its own bucket,
 *   the DR region's runbook onto the original: refused by the approval step's check, before anyone is asked to approve.
 * The sample config's S3 source is given a prefix (`assets/`), as several sources sharing one bucket have.
 */
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const config: LifeboatConfig = {
  environments: sample.environments.map((e) => ({
    ...e,
    plans: e.plans.map((p) => ({ ...p, sources: p.sources.map((s): SourceConfig => (s.type === 's3' ? { ...s, prefix: 'assets/' } : s)) })),
  })),
};
const OBJECTS = { 'assets/a.txt': 'alpha', 'assets/reports/q1.csv': 'n,1\n', 'assets/reports/q2.csv': 'n,2\n' };
let dataDir: string;
let local: LocalEnvironment;
let s3: S3Client;
let names: ReturnType<typeof resourceNames>;
let bucketSource: Extract<SourceConfig, { type: 's3' }>;
let backupId: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-restore-names-'));
  local = await openLocalEnvironment({ config, envName: 'dev', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, local.environment.primaryRegion);
  const source = local.environment.plans.flatMap((p) => p.sources).find((s) => s.type === 's3');
  if (source?.type !== 's3') throw new Error('the sample config has an S3 source');
  bucketSource = source;
  await s3.send(new CreateBucketCommand({ Bucket: source.bucket }));
  for (const [key, body] of Object.entries({ ...OBJECTS, 'outside/z.txt': 'not this source' })) await s3.send(new PutObjectCommand({ Bucket: source.bucket, Key: key, Body: body }));
  const vaultKeys = (await KeyFileKeyProvider.loadOrCreate(path.join(dataDir, 'vault.key'))).provider;
  const vault = await openBackupVault({ s3, bucket: names.primaryVault, provider: vaultKeys, create: true });
  const ddb = localDynamoDbClient(local.endpoints, local.environment.primaryRegion);
  backupId = await commitFixtureBackup('demo', [source], { vault, s3, dynamodb: ddb, catalogTable: names.catalogTable, directory: (p) => path.join(local.fsRoot, p) }, new Date('2026-03-01T10:00:00Z'));
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** `asked`: the approvals requested (a task token handed out), each by state name. */
function run(input: unknown, options: { executionName?: string; side?: 'primary' | 'dr'; asked?: string[] } = {}) {
  const stack = local.stacks.find((s) => s.role === (options.side ?? 'primary'));
  if (!stack) throw new Error(`no ${options.side} stack`);
  const approve = approveEveryTask(dataDir);
  return runLocalExecution({
    stack,
    stateMachine: names.restoreStateMachine,
    input,
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(2),
    retryIntervalScale: 0.001,
    ...(options.executionName !== undefined ? { executionName: options.executionName } : {}),
    onTaskToken: (waiting) => {
      options.asked?.push(waiting.state);
      approve(waiting);
    },
  });
}

async function keysOf(bucket: string, prefix = ''): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

const entered = (executionId: string) => loadExecutionHistory(dataDir, executionId).events.filter((e) => e.type === 'StateEntered').map((e) => e.state);

describe('execution names that are no restore id (audit R39 F3)', () => {
  it('restores under a restore id made of the name: its plan is restore-plans/<that id>.json', async () => {
    const target = `${names.restoreTargetPrefix}named`;
    await s3.send(new CreateBucketCommand({ Bucket: target }));
    const name = 'orders.2026-03-01+wiederherstellung-ä';
    const result = await run({ source: bucketSource.name, backupId, target: { type: 's3', bucket: target } }, { executionName: name });
    expect([result.status, result.error, result.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    const restoreId = restoreIdOfExecution(name);
    expect(restoreId).toMatch(/^orders_2026-03-01_wiederherstellung-_-[0-9a-f]{8}$/);
    expect(result.output).toMatchObject({ restoreId, backupId, verified: { entries: Object.keys(OBJECTS).length, mismatches: 0 } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: names.primaryVault, Key: `restore-plans/${restoreId}.json` }))).resolves.toBeDefined();
    expect(await keysOf(target)).toEqual(Object.keys(OBJECTS).sort());
  }, 120_000);

  it('a restore of such a name that fails after its resolve releases its claim on the target under the same id', async () => {
    const other = `${names.restoreTargetPrefix}named-again`;
    await s3.send(new CreateBucketCommand({ Bucket: other }));
    // A filter that matches nothing fails the plan step, after resolve claimed the target. (A dot: the local history reader takes no other such name.)
    const failed = await run({ source: bucketSource.name, backupId, target: { type: 's3', bucket: other }, filter: { prefix: 'assets/none/' } }, { executionName: 'retry.orders' });
    expect([failed.status, failed.error]).toEqual(['FAILED', 'InvalidInputError']);
    expect(failed.cause).toContain('filter.prefix');
    expect(entered(failed.executionId)).toEqual(expect.arrayContaining(['Validate and resolve', 'Plan restore shards', 'Release restore']));
    // Another restore of the target is not refused by a claim left behind (RestoreTargetClaimedError, for 24 hours).
    const again = await run({ source: bucketSource.name, backupId, target: { type: 's3', bucket: other } });
    expect([again.status, again.error, again.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  }, 120_000);
});

describe('targets the runbook may not write are refused before an approval is asked (audit R41 F1)', () => {
  it('the source\'s own bucket under a prefix outside the source\'s, naming target.prefix; nothing written', async () => {
    const asked: string[] = [];
    const before = await keysOf(bucketSource.bucket);
    const result = await run({ source: bucketSource.name, backupId, target: { type: 's3', bucket: bucketSource.bucket, prefix: 'restored/' }, overwrite: true }, { asked });
    expect([result.status, result.error]).toEqual(['FAILED', 'RestoreTargetNotAllowedError']);
    expect(result.cause).toContain('target.prefix: in the source\'s own bucket lifeboat-demo-assets the restore workflow may write only under the source\'s prefix \\"assets/\\"');
    expect(asked).toEqual([]);
    expect(entered(result.executionId)).not.toContain('Validate and resolve');
    expect(await keysOf(bucketSource.bucket)).toEqual(before);
  }, 60_000);

  it('the DR region\'s runbook onto the original table, naming target.table and the primary runbook', async () => {
    const asked: string[] = [];
    const table = local.environment.plans.flatMap((p) => p.sources).find((s) => s.type === 'dynamodb');
    if (table?.type !== 'dynamodb') throw new Error('the sample config has a DynamoDB source');
    const result = await run({ source: table.name, backupId, target: { type: 'dynamodb', table: table.table }, overwrite: true }, { side: 'dr', asked });
    expect([result.status, result.error]).toEqual(['FAILED', 'RestoreTargetNotAllowedError']);
    expect(result.cause).toContain('target.table: this is the DR region\'s restore runbook');
    expect(result.cause).toContain('start the primary region\'s restore runbook');
    expect(asked).toEqual([]);
  }, 60_000);
});
