import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { type LocalCloudHandle, localS3Client, startLocalCloud, stopLocalCloud } from '../../local/cloud';

export type LocalS3Bucket = { readonly client: S3Client; readonly cloud: LocalCloudHandle };

/**
 * One bucket on a local cloud of one region for the tests of a file: the cloud starts before them
 * (exitWithParent: it stops by itself if the test process dies first) and is stopped and removed
 * after them. Not the local-cloud helpers of local-cloud-helpers.ts: those load aws-cdk-lib, which
 * a store test does not need. The returned getter is valid inside the tests.
 */
export function useLocalS3Bucket(bucket: string, label: string, region = 'us-east-1'): () => LocalS3Bucket {
  const dataDir = mkdtempSync(join(tmpdir(), `lifeboat-${label}-`));
  let current: LocalS3Bucket | undefined;
  beforeAll(async () => {
    const cloud = await startLocalCloud({ dataDir, regions: [region], exitWithParent: true });
    const client = localS3Client(cloud.endpoints, region);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    current = { client, cloud };
  });
  afterAll(async () => {
    current?.client.destroy();
    await stopLocalCloud(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!current) throw new Error(`the local cloud of bucket ${bucket} is not started (use it inside a test)`);
    return current;
  };
}
