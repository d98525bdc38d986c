import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type SourceConfig } from '../../../config/lifeboat-config';
import { loadLifeboatConfig } from '../../../config/load-config';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { type RepairIndexSummary } from '../../../lambdas/repair/repair-index-summary';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { openLocalVault } from '../../../local/demo/local-vault';
import { seedSampleBucket, seedSampleDirectory, seedSampleTable } from '../../../local/demo/sample-data';
import { verifyBackup } from '../../../local/demo/verify-backup';
import { type LocalExecutionResult, runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { verifyVault } from '../../../vault';
import { REPO_ROOT, SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { runbookExamples } from '../../support/runbook-doc-examples';

/**
 * The repair-index runbook (docs/RUNBOOKS.md, "Repair index") on the local cloud, through the synthesized state
 * machine and the local executor, as an operator runs it on an environment's vault (KMS key objects only in AWS):
 * a backup, an index object of the primary vault lost and another damaged, the runbook run with each documented
 * input; the vault then verifies and every source reads back from it byte for byte. Its own environment (not
 * runbook-examples.test.ts's): the scrub there compares the two vaults, which a repair of one makes differ.
 */
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const examples = runbookExamples(readFileSync(path.join(REPO_ROOT, 'docs', 'RUNBOOKS.md'), 'utf8')).find((e) => e.runbook === 'repair-index');

let dataDir: string;
let local: LocalEnvironment;
let s3: S3Client;
let ddb: DynamoDBClient;
let names: ReturnType<typeof resourceNames>;
let sources: SourceConfig[];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-repair-index-'));
  local = await openLocalEnvironment({ config, envName: 'dev', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, local.environment.primaryRegion);
  ddb = localDynamoDbClient(local.endpoints, local.environment.primaryRegion);
  sources = local.environment.plans.flatMap((p) => p.sources);
  for (const source of sources) {
    if (source.type === 's3') await seedSampleBucket(s3, source.bucket, { bulkObjects: 0 });
    else if (source.type === 'dynamodb') await seedSampleTable(ddb, source.table, 20);
    else await seedSampleDirectory(path.join(local.fsRoot, source.path));
  }
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  ddb?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function run(stateMachine: string, input: unknown): Promise<LocalExecutionResult> {
  const stack = local.stacks.find((s) => s.role === 'primary');
  if (!stack) throw new Error('no primary stack');
  return runLocalExecution({ stack, stateMachine, input, endpoints: local.endpoints, dataDir, pool: local.lambdaPool(2), extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot } });
}

function succeeded<T>(result: LocalExecutionResult): T {
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  return result.output as T;
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) for (const o of page.Contents ?? []) keys.push(o.Key ?? '');
  return keys.sort();
}

it('rebuilds a lost and a damaged index object of the primary vault: the vault verifies and every source reads back equal', async () => {
  const inputs = examples?.inputs ?? [];
  expect(inputs.length).toBeGreaterThan(0);
  const summaries: RepairIndexSummary[] = [];
  const plan = local.environment.plans[0]?.name ?? 'demo';
  const backup = succeeded<{ committed?: { backupId?: string } }>(await run(names.backupStateMachine, { plan, trigger: 'console' }));
  const backupId = backup.committed?.backupId;
  if (!backupId) throw new Error(`the backup committed nothing: ${JSON.stringify(backup)}`);
  const record = await new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable).requireBackup(backupId);

  for (const input of inputs) {
    // One index object lost, another with a flipped byte (a backup refuses such an index: DamagedIndexError).
    const [lost, damaged] = await keysUnder(names.primaryVault, 'index/');
    if (!lost) throw new Error('the backup wrote no index object');
    await s3.send(new DeleteObjectCommand({ Bucket: names.primaryVault, Key: lost }));
    if (damaged) {
      const body = Buffer.from((await (await s3.send(new GetObjectCommand({ Bucket: names.primaryVault, Key: damaged }))).Body?.transformToByteArray()) ?? new Uint8Array());
      body.writeUInt8(body.readUInt8(body.length >> 1) ^ 0x40, body.length >> 1);
      await s3.send(new PutObjectCommand({ Bucket: names.primaryVault, Key: damaged, Body: body }));
    }
    const summary = succeeded<RepairIndexSummary>(await run(names.repairIndexStateMachine, input));
    summaries.push(summary);
    expect({ input, vault: summary.vault, leftOut: summary.leftOut, packsLeftOut: summary.packsLeftOut, blobsLeftOut: summary.blobsLeftOut }).toEqual({ input, vault: 'primary', leftOut: false, packsLeftOut: [], blobsLeftOut: [] });
    expect(summary.indexesWritten).toBeGreaterThan(0);
    expect(summary.indexesUnreadableCount).toBe(damaged ? 1 : 0);

    const vault = await openLocalVault(s3, names.primaryVault, dataDir);
    expect((await verifyVault(vault, { readData: true })).problems).toEqual([]);
    for (const source of sources) {
      const snapshotId = record.sources.find((s) => s.name === source.name)?.snapshotId;
      if (!snapshotId) throw new Error(`backup ${backupId} has no snapshot of ${source.name}`);
      const verification = await verifyBackup(vault, await vault.loadSnapshot(snapshotId), source, { sourceS3: s3, sourceDynamoDb: ddb, fsRoot: (p) => path.join(local.fsRoot, p) });
      expect({ source: source.name, mismatches: verification.mismatches }).toEqual({ source: source.name, mismatches: [] });
    }
  }
  // The documented output has the fields of a real summary.
  const documented = examples?.outputs ?? [];
  expect(documented.length).toBeGreaterThan(0);
  for (const example of documented) expect(shapeOf(example)).toEqual(shapeOf(summaries[0]));
}, 300_000);

/** Object keys, recursively, with the type of each value: what the output example promises a reader. */
function shapeOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return Array.isArray(value) ? 'array' : typeof value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shapeOf(v)]));
}

it('refuses an input without the vault, naming the field, and fails the execution with InvalidInputError', async () => {
  const result = await run(names.repairIndexStateMachine, { readData: true });
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'InvalidInputError' });
  expect(result.cause).toContain('vault: is required: \\"primary\\" or \\"dr\\"');
}, 60_000);
