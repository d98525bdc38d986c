import * as fs from 'node:fs/promises';
import { type AddressInfo } from 'node:net';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupTotals } from '../../../../lambdas/catalog/backup-record';
import { pruneVaultHandler } from '../../../../lambdas/handlers/prune-vault';
import { newestBackupRecordedIn } from '../../../../lambdas/replication/absent-vault';
import { type LambdaRuntime } from '../../../../lambdas/runtime/lambda-runtime';
import { type VaultSide } from '../../../../lambdas/runtime/runtime-config';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { openVault } from '../../../../vault/repository/vault';
import { createCatalogShapedTable } from '../../../../local/cloud';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review 43c F1, over the real BackupCatalog (dynalite in this process): which backups tell a vault that does not
 * exist from a fresh one (committed: the primary vault; copies.dr COMMITTED: the DR vault), and the prune workflow's
 * Prune step, which said "nothing to prune yet" of an emptied vault, failing with VaultMissingError instead.
 */

let close: () => Promise<void>;
let catalog: BackupCatalog;
let dir: string;
let keyFile: string;

/** The real BackupCatalog over a catalog-shaped table with its byPlan index, on an in-memory dynalite on 127.0.0.1. */
async function catalogWithByPlan(): Promise<{ catalog: BackupCatalog; close: () => Promise<void> }> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await createCatalogShapedTable(ddb, 'catalog', { byPlan: true });
  return {
    catalog: new BackupCatalog(DynamoDBDocumentClient.from(ddb), 'catalog'),
    close: async () => {
      ddb.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

beforeAll(async () => {
  ({ catalog, close } = await catalogWithByPlan());
  dir = await tempDir('emptied-vault-catalog');
  keyFile = path.join(dir, 'key');
  await KeyFileKeyProvider.create(keyFile);
}, 30_000);

afterAll(async () => {
  await close?.();
  if (dir) await removeDir(dir);
});

const TOTALS: BackupTotals = { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };

/** A backup of `plan` as the workflow leaves it: committed (and copied), or still running, or failed. */
async function backup(plan: string, backupId: string, startedAt: string, state: 'copied' | 'committed' | 'running' | 'failed'): Promise<void> {
  await catalog.createBackup({ backupId, plan, environment: 'dev', sourceNames: ['assets'], sources: [], strategy: 'full', status: 'RUNNING', startedAt, shardCount: 0 });
  if (state === 'running') return;
  if (state === 'failed') {
    await catalog.markFailed(backupId, 'SourceReadError', 'the source refused', startedAt);
    return;
  }
  const source = { name: 'assets', type: 's3' as const, snapshotId: 'a'.repeat(64), rootHash: 'b'.repeat(64), ...TOTALS };
  await catalog.markCommitted(backupId, { sources: [source], totals: TOTALS, endedAt: startedAt });
  if (state === 'copied') expect(await catalog.markCopied(backupId)).toBe(true);
}

describe('newestBackupRecordedIn', () => {
  beforeAll(async () => {
    await backup('hourly', '20261101T010000Z-00000001', '2026-11-01T01:00:00Z', 'copied');
    await backup('hourly', '20261101T020000Z-00000002', '2026-11-01T02:00:00Z', 'committed');
    await backup('hourly', '20261101T030000Z-00000003', '2026-11-01T03:00:00Z', 'running');
    await backup('daily', '20261102T000000Z-00000004', '2026-11-02T00:00:00Z', 'failed');
    await backup('weekly', '20261031T000000Z-00000005', '2026-10-31T00:00:00Z', 'copied');
  });

  it('the primary vault: the newest committed backup of the plans; the DR vault: the newest copied there; none for plans with no such backup', async () => {
    expect(await newestBackupRecordedIn('primary', catalog, ['hourly', 'weekly'])).toMatchObject({ backupId: '20261101T020000Z-00000002', plan: 'hourly' });
    expect(await newestBackupRecordedIn('dr', catalog, ['weekly', 'hourly'])).toMatchObject({ backupId: '20261101T010000Z-00000001', plan: 'hourly' });
    expect(await newestBackupRecordedIn('dr', catalog, ['weekly', 'daily'])).toMatchObject({ backupId: '20261031T000000Z-00000005' });
    expect(await newestBackupRecordedIn('primary', catalog, ['daily', 'never-ran'])).toBeUndefined();
  });
});

describe('the Prune step of a home vault that does not exist', () => {
  /** The step's runtime: the home catalog, the plans, and an emptied vault (the engine's own VaultNotFoundError). */
  function runtime(homeVault: VaultSide, plans: string[], home: BackupCatalog = catalog): () => LambdaRuntime {
    const fake = {
      config: { homeVault },
      environment: 'dev',
      plans: plans.map((name) => ({ name })),
      catalog: home,
      openVault: async (side: VaultSide) => {
        await fs.mkdir(path.join(dir, side), { recursive: true });
        return openVault(new FileVaultStore(path.join(dir, side), { durable: false }), await KeyFileKeyProvider.load(keyFile));
      },
    };
    return () => fake as unknown as LambdaRuntime;
  }

  /** A catalog that records no backup: a fresh deploy's. */
  let fresh: { catalog: BackupCatalog; close: () => Promise<void> };
  beforeAll(async () => {
    await backup('prune-plan', '20261110T000000Z-00000010', '2026-11-10T00:00:00Z', 'copied');
    await backup('prune-plan', '20261111T000000Z-00000011', '2026-11-11T00:00:00Z', 'committed');
    fresh = await catalogWithByPlan();
  }, 30_000);
  afterAll(async () => fresh?.close());

  it.each([
    ['primary', '20261111T000000Z-00000011', 'committed'],
    ['dr', '20261110T000000Z-00000010', 'copied'],
  ] as const)('fails with VaultMissingError when the catalog records backups in the %s vault, naming the newest; "nothing to prune yet" when it records none', async (side, newest, how) => {
    await expect(pruneVaultHandler(runtime(side, ['prune-plan']))({})).rejects.toMatchObject({
      name: 'VaultMissingError',
      message: expect.stringContaining(`although its region's catalog records backups ${how} to it, the newest ${newest} (plan prune-plan, started `),
    });
    // A fresh deploy: the schedule fires before any backup.
    await expect(pruneVaultHandler(runtime(side, ['never-ran'], fresh.catalog))({})).resolves.toMatchObject({ vault: side, done: true, note: expect.stringMatching(/^nothing to prune yet: no backup has /) });
  });

  // f60I: the step asked for the configured plans' backups only, so a vault emptied whose backups all belong to a plan
  // removed from the config was "nothing to prune yet". It reads every plan the catalog holds (a Scan of byPlan) too.
  it.each([
    ['primary', '20261111T000000Z-00000011'],
    ['dr', '20261110T000000Z-00000010'],
  ] as const)('fails with VaultMissingError when the %s vault\'s recorded backups belong to a plan no longer in the config', async (side, newest) => {
    await expect(pruneVaultHandler(runtime(side, ['never-ran']))({})).rejects.toMatchObject({ name: 'VaultMissingError', message: expect.stringContaining(`the newest ${newest} (plan prune-plan, started `) });
  });
});
