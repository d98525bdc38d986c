import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { bucketLocation } from '../lambdas/runtime/bucket-location';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BackupCatalog } from '../lambdas/catalog/backup-catalog';
import { openBackupVault } from '../lambdas/runtime/backup-vault';
import { KeyFileKeyProvider } from '../vault';
import { type KeyProvider } from '../vault';
import { type Vault } from '../vault';
import { createCatalogShapedTable, localDynamoDbClient, localS3Client, type LocalCloudHandle, startLocalCloud } from '../local/cloud';

export const BENCH_REGION = 'us-east-1';
/** The second region a section may ask for (`startBenchCloud(label, { drRegion: true })`): where a DR vault lives. */
export const BENCH_DR_REGION = 'us-west-2';

/**
 * A private local cloud (s3rver + dynalite on 127.0.0.1, in their own process) in a temp dir, for
 * the workflow sections of the bench. Not the user's `.lifeboat/` cloud: the bench creates and
 * deletes everything it times, and the whole directory is removed by close().
 */
export type BenchCloud = {
  readonly dir: string;
  readonly s3: S3Client;
  readonly ddb: DynamoDBClient;
  readonly catalog: BackupCatalog;
  readonly catalogTable: string;
  readonly keyFile: string;
  /** The regions the cloud serves: BENCH_REGION, and BENCH_DR_REGION when asked for. */
  readonly regions: readonly string[];
  /** An S3 client of one of `regions` (BENCH_REGION's is `s3`). */
  s3In(region: string): S3Client;
  /** A bucket in BENCH_REGION, or in `region`. */
  createBucket(name: string, region?: string): Promise<void>;
  /** The vault key provider every "Lambda" of the bench uses (the local executor's key file, LIFEBOAT_LOCAL_VAULT_KEY_FILE). */
  keyProvider(): Promise<KeyProvider>;
  /** Opens the vault in `bucket` the way a cold Lambda container does (new S3VaultStore, key unwrapped, config read). */
  openVault(bucket: string, create: boolean): Promise<Vault>;
  close(): Promise<void>;
};

export async function startBenchCloud(label: string, options: { drRegion?: boolean } = {}): Promise<BenchCloud> {
  const dir = mkdtempSync(path.join(tmpdir(), `lifeboat-bench-${label}-`));
  const regions = options.drRegion ? [BENCH_REGION, BENCH_DR_REGION] : [BENCH_REGION];
  let handle: LocalCloudHandle | undefined;
  try {
    // exitWithParent: a bench killed half way does not leave emulators running.
    handle = await startLocalCloud({ dataDir: path.join(dir, 'cloud'), regions, exitWithParent: true });
    const endpoints = handle.endpoints;
    const s3Clients = new Map<string, S3Client>();
    const s3In = (region: string): S3Client => {
      if (!regions.includes(region)) throw new Error(`the bench cloud serves ${regions.join(' and ')}, not ${region}`);
      let client = s3Clients.get(region);
      if (!client) s3Clients.set(region, (client = localS3Client(endpoints, region)));
      return client;
    };
    const s3 = s3In(BENCH_REGION);
    const ddb = localDynamoDbClient(handle.endpoints, BENCH_REGION);
    const catalogTable = 'lifeboat-bench-catalog';
    // The catalog code runs unchanged against it, byPlan queries included.
    await createCatalogShapedTable(ddb, catalogTable, { byPlan: true });
    const keyFile = path.join(dir, 'vault.key');
    const cloud = handle;
    let provider: Promise<KeyProvider> | undefined;
    const keyProvider = (): Promise<KeyProvider> => (provider ??= KeyFileKeyProvider.loadOrCreate(keyFile).then((k) => k.provider));
    return {
      dir,
      s3,
      ddb,
      catalog: new BackupCatalog(DynamoDBDocumentClient.from(ddb), catalogTable),
      catalogTable,
      keyFile,
      regions,
      s3In,
      createBucket: async (name, region = BENCH_REGION) => {
        await s3In(region).send(new CreateBucketCommand({ Bucket: name, ...bucketLocation(region) }));
      },
      keyProvider,
      openVault: async (bucket, create) => openBackupVault({ s3, bucket, provider: await keyProvider(), create }),
      close: async () => {
        for (const client of s3Clients.values()) client.destroy();
        ddb.destroy();
        await cloud.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await handle?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Seconds since `started` (process.hrtime.bigint()), monotonic. */
export function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

