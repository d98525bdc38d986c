import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type SourceConfig } from '../../../config/lifeboat-config';
import { loadLifeboatConfig } from '../../../config/load-config';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { forgetKeepingLast as forgetKeepingLastOf } from '../../support/forget-keeping-last';
import { openBackupVault } from '../../../lambdas/runtime/backup-vault';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { seedSampleDirectory } from '../../../local/demo/sample-data';
import { runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { type Vault } from '../../../vault/repository/vault';
import { eventually } from '../../support/eventually';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { commitFixtureBackup } from '../../support/vault-backup-fixture';
import { readTree } from '../../support/vault-test-helpers';

/**
 * A running restore pins its backup (docs/RUNBOOKS.md, "Running restores"): the synthesized restore runbook,
 * run by the local executor, restores an old backup while the Forget of `<prefix>-prune` (its core, over the
 * local cloud's catalog and vault) applies a policy that would forget it. The restore is held after its
 * resolve step (a delay before Plan restore shards); the forget keeps the backup with the pin's reason, the
 * restore completes equal to its source, and once it is done a forget forgets the backup.
 */
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
let dataDir: string;
let local: LocalEnvironment;
let s3: S3Client;
let ddb: DynamoDBClient;
let names: ReturnType<typeof resourceNames>;
let files: Extract<SourceConfig, { type: 'filesystem' }>;
let vault: Vault;
let catalog: BackupCatalog;
let older: string;
let newer: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-restore-pin-'));
  local = await openLocalEnvironment({ config, envName: 'dev', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, local.environment.primaryRegion);
  ddb = localDynamoDbClient(local.endpoints, local.environment.primaryRegion);
  const source = local.environment.plans.flatMap((p) => p.sources).find((s): s is Extract<SourceConfig, { type: 'filesystem' }> => s.type === 'filesystem');
  if (!source) throw new Error('the sample config has no directory source');
  files = source;
  await seedSampleDirectory(path.join(local.fsRoot, files.path));
  // The key file the local executor gives every function (run-local-execution.ts): the same vault key.
  const keys = (await KeyFileKeyProvider.loadOrCreate(path.join(dataDir, 'vault.key'))).provider;
  vault = await openBackupVault({ s3, bucket: names.primaryVault, provider: keys, create: true });
  const fixture = { vault, s3, dynamodb: ddb, catalogTable: names.catalogTable, directory: (p: string) => path.join(local.fsRoot, p) };
  older = await commitFixtureBackup('demo', [files], fixture, new Date('2026-03-01T10:00:00Z'));
  newer = await commitFixtureBackup('demo', [files], fixture, new Date('2026-03-02T10:00:00Z'));
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable);
}, 120_000);

afterAll(async () => {
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The Forget step's core over the local cloud, keeping only the newest backup of plan demo. */
const forgetKeepingLast = () => forgetKeepingLastOf('demo', { catalog, vault, s3, vaultBucket: names.primaryVault });

it('keeps a backup a running restore reads, with the pin as its reason; the restore completes equal to its source; then the backup is forgotten', async () => {
  const primary = local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('no primary stack');
  const target = '/mnt/restored/pinned';
  const releaseFile = path.join(dataDir, 'release-restore');
  const restoring = runLocalExecution({
    stack: primary,
    stateMachine: names.restoreStateMachine,
    input: { source: files.name, backupId: older, target: { type: 'filesystem', path: target } },
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(2),
    // The restore waits after its resolve step (which pinned the backup) until the forget has run.
    faults: [{ state: 'Plan restore shards', delayMs: 120_000, releaseFile, times: 1 }],
    retryIntervalScale: 0.001,
    extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot },
  });
  const pinned = await eventually(
    () => catalog.requireBackup(older),
    (r) => Object.keys(r.pins ?? {}).length > 0,
    'the restore pinning its backup',
  );
  const [restoreId] = Object.keys(pinned.pins ?? {});
  const pin = pinned.pins?.[restoreId ?? ''];
  expect(pin?.by).toBe(`restore ${restoreId}`);
  // Until now + the restore workflow's timeout (24 hours: the sample config has no archive tier).
  expect(Date.parse(pin?.until ?? '') - Date.parse(pin?.at ?? '')).toBe(24 * 60 * 60 * 1000);

  const during = await forgetKeepingLast().finally(() => writeFileSync(releaseFile, ''));
  expect(during.decisions.map((d) => [d.backupId, d.keep, d.reasons])).toEqual([
    [newer, true, ['last 1']],
    [older, true, [`pinned by restore ${restoreId} until ${pin?.until}`]],
  ]);
  expect([during.forgotten, during.deletedObjects]).toEqual([[], 0]);

  const result = await restoring;
  expect([result.error, result.cause]).toEqual([undefined, undefined]);
  expect(result.status).toBe('SUCCEEDED');
  expect(result.executionId).toBe(restoreId);
  expect(result.output).toMatchObject({ backupId: older, verified: { mismatches: 0 } });
  expect(await readTree(path.join(local.fsRoot, target))).toEqual(await readTree(path.join(local.fsRoot, files.path)));
  // The verify step removed the pin.
  expect((await catalog.requireBackup(older)).pins).toEqual({});

  const after = await forgetKeepingLast();
  expect(after.forgotten).toEqual([older]);
  expect((await catalog.requireBackup(older)).forgottenAt).toBeDefined();
}, 180_000);
