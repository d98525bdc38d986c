import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type LifeboatConfig, lifeboatConfigSchema, type SourceConfig } from '../../../config/lifeboat-config';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { DrillLog } from '../../../lambdas/catalog/drill-log';
import { forgetKeepingLast as forgetKeepingLastOf } from '../../support/forget-keeping-last';
import { openBackupVault } from '../../../lambdas/runtime/backup-vault';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { seedSampleBucket } from '../../../local/demo/sample-data';
import { runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { type Vault } from '../../../vault/repository/vault';
import { commitFixtureBackup } from '../../support/vault-backup-fixture';

/**
 * A drill keeps its backup pinned until its cleanup step (review 41b F4): each source's restore verifies and the
 * drill's Compare step loads the backup's snapshot afterwards, so a forget between the two must keep the backup.
 * The synthesized drill of the primary stack, run by the local executor, drills an older backup of a plan that
 * keeps one; Compare is held (an injected delay) while the Forget core applies that policy. The forget keeps the
 * backup with the drill restore's pin as its reason, the drill passes, and once it is over the pin is gone and a
 * forget forgets the backup.
 */
const config: LifeboatConfig = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'dp',
      account: '000000000000',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      plans: [
        {
          name: 'keep',
          schedule: 'rate(1 day)',
          strategy: 'full',
          retention: { keepLast: 1 },
          objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
          drill: { schedule: 'rate(7 days)', samples: 3 },
          sources: [{ type: 's3', name: 'keep-assets', bucket: 'lifeboat-dp-keep-assets' }],
        },
      ],
    },
  ],
});

let dataDir: string;
let local: LocalEnvironment;
let names: ReturnType<typeof resourceNames>;
let s3: S3Client;
let ddb: DynamoDBClient;
let vault: Vault;
let catalog: BackupCatalog;
let older: string;
let newer: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-drill-pin-'));
  local = await openLocalEnvironment({ config, envName: 'dp', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, 'us-east-1');
  ddb = localDynamoDbClient(local.endpoints, 'us-east-1');
  const source = local.environment.plans.flatMap((p) => p.sources).find((s): s is Extract<SourceConfig, { type: 's3' }> => s.type === 's3');
  if (!source) throw new Error('the config has an S3 source');
  await seedSampleBucket(s3, source.bucket, { bulkObjects: 0 });
  // The key file the local executor gives every function (run-local-execution.ts): the same vault key.
  const keys = (await KeyFileKeyProvider.loadOrCreate(path.join(dataDir, 'vault.key'))).provider;
  vault = await openBackupVault({ s3, bucket: names.primaryVault, provider: keys, create: true });
  const fixture = { vault, s3, dynamodb: ddb, catalogTable: names.catalogTable, directory: (p: string) => p };
  // Within the plan's RPO of a day, so the drill of the older one passes.
  older = await commitFixtureBackup('keep', [source], fixture, new Date(Date.now() - 2 * 60 * 60 * 1000));
  newer = await commitFixtureBackup('keep', [source], fixture, new Date(Date.now() - 60 * 60 * 1000));
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable);
}, 180_000);

afterAll(async () => {
  for (const client of [s3, ddb]) client?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The Forget step's core over the local cloud, keeping only the newest backup of plan keep. */
const forgetKeepingLast = () => forgetKeepingLastOf('keep', { catalog, vault, s3, vaultBucket: names.primaryVault });

it('a forget between the sources\' verify and the drill\'s Compare keeps the drilled backup (still pinned); the drill passes; after it, no pin is left', async () => {
  const primary = local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  let compareEntered: () => void = () => undefined;
  const comparing = new Promise<void>((resolve) => {
    compareEntered = resolve;
  });
  const releaseFile = path.join(dataDir, 'release-drill');
  const drilling = runLocalExecution({
    stack: primary,
    stateMachine: names.drillStateMachine,
    input: { plan: 'keep', backupId: older },
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(2),
    // Compare waits (every source is restored and verified by then) until the forget has run.
    faults: [{ state: 'Compare with live sources', delayMs: 120_000, releaseFile, times: 1 }],
    retryIntervalScale: 0.001,
    onEvent: (event) => {
      if (event.type === 'StateEntered' && event.state === 'Compare with live sources' && event.mapRun === undefined) compareEntered();
    },
  });
  await Promise.race([comparing, drilling]);

  const pins = (await catalog.requireBackup(older)).pins ?? {};
  const [restoreId] = Object.keys(pins);
  expect(Object.keys(pins)).toEqual([expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{8}-keep-assets$/)]);
  const during = await forgetKeepingLast().finally(() => writeFileSync(releaseFile, ''));
  expect(during.decisions.map((d) => [d.backupId, d.keep, d.reasons])).toEqual([
    [newer, true, ['last 1']],
    [older, true, [`pinned by restore ${restoreId} until ${pins[restoreId ?? '']?.until}`]],
  ]);
  expect([during.forgotten, during.deletedObjects]).toEqual([[], 0]);

  const result = await drilling;
  expect([result.status, result.error, result.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  expect(result.output).toMatchObject({ verdict: 'PASSED', backup: { backupId: older } });
  expect((result.output as { sources: unknown[] }).sources).toEqual([expect.objectContaining({ source: 'keep-assets', sampled: expect.objectContaining({ compared: 3, matched: 3 }) as unknown })]);
  // The drill's cleanup step removed the pin.
  expect((await catalog.requireBackup(older)).pins).toEqual({});
  const after = await forgetKeepingLast();
  expect(after.forgotten).toEqual([older]);
}, 240_000);

/** The stack with the drill's restore-source state machine timing out after `seconds` (its own timeout, from the drill's budget, is some 20 h). */
function withChildTimeout(stack: LocalEnvironment['stacks'][number], seconds: number): LocalEnvironment['stacks'][number] {
  const template = JSON.parse(JSON.stringify(stack.template)) as typeof stack.template;
  const child = Object.values(template.Resources ?? {}).find((r) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Properties?.StateMachineName === names.drillRestoreSourceStateMachine);
  if (!child?.Properties) throw new Error('no drill restore-source state machine in the template');
  const definition = JSON.stringify(child.Properties.DefinitionString).replace(/(\\"TimeoutSeconds\\":)\d+/, `$1${seconds}`);
  child.Properties.DefinitionString = JSON.parse(definition) as unknown;
  return { ...stack, template };
}

async function scratchBuckets(): Promise<string[]> {
  return ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? '').filter((n) => n.startsWith(names.drillTargetPrefix));
}

it('a restore that times out with a shard in flight: the shard writes on into the scratch bucket, as in AWS, and the cleanup still removes it (audit aT1-1)', async () => {
  const primary = local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  const releaseShard = path.join(dataDir, 'release-late-shard');
  const releaseCompare = path.join(dataDir, 'release-late-compare');
  let compareEntered: () => void = () => undefined;
  const comparing = new Promise<void>((resolve) => {
    compareEntered = resolve;
  });
  const drilling = runLocalExecution({
    // 8 s: time for the child to start its shard, which hangs past it.
    stack: withChildTimeout(primary, 8),
    stateMachine: names.drillStateMachine,
    input: { plan: 'keep', backupId: newer },
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(2),
    faults: [
      { state: 'Restore shard', delayMs: 60_000, releaseFile: releaseShard, times: 1 },
      { state: 'Compare with live sources', delayMs: 60_000, releaseFile: releaseCompare, times: 1 },
    ],
    retryIntervalScale: 0.001,
    onEvent: (event) => {
      if (event.type === 'StateEntered' && event.state === 'Compare with live sources' && event.mapRun === undefined) compareEntered();
    },
  });
  await Promise.race([comparing, drilling]);
  const [bucket] = await scratchBuckets();
  if (bucket === undefined) throw new Error('the drill made no scratch bucket');
  // The child timed out (the drill is past its restores); its shard, released now, runs on and restores into the bucket.
  writeFileSync(releaseShard, '');
  const objectsIn = async (): Promise<number> => (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0;
  let lateObjects = 0;
  for (const until = Date.now() + 15_000; lateObjects === 0 && Date.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    lateObjects = await objectsIn();
  }
  expect(lateObjects).toBeGreaterThan(0);
  // In AWS a shard goes on writing for up to its function's timeout, through the cleanup: this writer stands for the
  // rest of its writes, one after another until the bucket refuses them or is gone. Unsealed, it refilled the bucket
  // between the cleanup's emptying and its DeleteBucket: BucketNotEmpty, the partial copy of the source left behind.
  let writing = true;
  const refusals: string[] = [];
  const lateWriter = (async () => {
    for (let n = 0; writing; n++) {
      try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `late/${n}`, Body: 'restored after the timeout' }));
      } catch (err) {
        refusals.push(err instanceof Error ? err.name : String(err));
        return;
      }
    }
  })();
  writeFileSync(releaseCompare, '');
  const result = await drilling.finally(() => {
    writing = false;
  });
  await lateWriter;
  expect([result.status, result.error]).toEqual(['FAILED', 'DrillFailed']);
  const record = (await new DrillLog(DynamoDBDocumentClient.from(ddb), names.catalogTable).list()).find((d) => d.backup?.backupId === newer);
  expect(record?.cleanup).toEqual({ removed: [`s3://${bucket}/`], swept: [], errors: [] });
  expect(await scratchBuckets()).toEqual([]);
  // The writer was refused: by the cleanup's seal (AccessDenied), or by the bucket being gone.
  expect(refusals).toEqual([expect.stringMatching(/^(AccessDenied|NoSuchBucket)$/)]);
}, 120_000);
