import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { type LocalCloudHandle, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { describeVaultStoreContract } from '../../../support/vault-store-contract';

/**
 * The S3 store on the local cloud (s3rver, with the conditional writes the local cloud adds in
 * front of it) keeps the same VaultStore contract as the file and memory stores; each test gets a
 * vault under a fresh prefix of one bucket. S3-specific behaviour is in s3-vault-store.test.ts.
 */
const REGION = 'us-east-1';
const BUCKET = 'vault-store-contract';

// Not the local-cloud helpers: they load aws-cdk-lib, which this suite does not need.
const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-s3-contract-'));
let cloud: LocalCloudHandle;
let client: S3Client;
let vaults = 0;

beforeAll(async () => {
  // exitWithParent: the emulator stops by itself if this test process dies before afterAll.
  cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  client = localS3Client(cloud.endpoints, REGION);
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  client?.destroy();
  await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

describeVaultStoreContract('S3VaultStore on the local cloud', async () => ({ store: new S3VaultStore({ client, bucket: BUCKET, prefix: `vaults/v${++vaults}` }) }), {
  putIfAbsent: true,
  putParts: false,
  localPath: false,
});
