import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type LocalCloudHandle, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';

/**
 * An S3 PUT is atomic: a GET during an overwrite reads the old object or the new one, never a mix or a
 * truncated file. s3rver streamed the new bytes into the object's own file, so a reader in between got
 * part of them (a commit marker read while another commit invocation rewrote it failed to parse:
 * commit-backup.ts). The local cloud now writes a temporary file and renames it (object-file-writes.ts).
 */
const REGION = 'us-east-1';
const BUCKET = 'atomic-bucket';
const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-atomic-overwrite-'));
let cloud: LocalCloudHandle;
let s3: S3Client;

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  s3?.destroy();
  if (cloud) await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

async function getBody(key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

it('serves the old object whole while a new one is being written, and the new one once the PUT completes', async () => {
  const before = pseudoRandomBytes(1 << 20, 1);
  const after = pseudoRandomBytes(1 << 20, 2);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'marker.json', Body: before }));

  // The new body arrives in two halves; the second waits until the GET in between has answered.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let firstHalfSent!: () => void;
  const halfway = new Promise<void>((resolve) => (firstHalfSent = resolve));
  const body = Readable.from(
    (async function* () {
      yield after.subarray(0, after.length / 2);
      firstHalfSent();
      await released;
      yield after.subarray(after.length / 2);
    })(),
  );
  const put = s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'marker.json', Body: body, ContentLength: after.length }));
  await halfway;
  // Give the first half time to reach the server and its file.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const during = await getBody('marker.json');
  release();
  await put;
  expect(during.equals(before)).toBe(true);
  expect((await getBody('marker.json')).equals(after)).toBe(true);
});
