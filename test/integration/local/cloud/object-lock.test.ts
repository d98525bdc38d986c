import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { type LocalCloudHandle, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { LOCAL_BREAK_GLASS_ACCESS_KEY_ID } from '../../../../local/cloud/object-lock';

/**
 * The local cloud's S3 Object Lock against what the S3 documentation says (docs/LOCAL-CLOUD.md,
 * "Object Lock"), with the AWS SDK's S3 client. One cloud for the whole file.
 */
const REGION = 'us-east-1';
const LOCKED = 'locked-bucket';
const PLAIN = 'plain-bucket';
const DAY = 24 * 3600 * 1000;

const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-object-lock-'));
let cloud: LocalCloudHandle;
let s3: S3Client;
let breakGlass: S3Client;

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  breakGlass = new S3Client({
    region: REGION,
    endpoint: cloud.endpoints.s3[REGION],
    forcePathStyle: true,
    credentials: { accessKeyId: LOCAL_BREAK_GLASS_ACCESS_KEY_ID, secretAccessKey: LOCAL_BREAK_GLASS_ACCESS_KEY_ID },
  });
  await s3.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
  await s3.send(new CreateBucketCommand({ Bucket: PLAIN }));
});

afterAll(async () => {
  s3?.destroy();
  breakGlass?.destroy();
  await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

const inDays = (days: number): Date => new Date(Date.now() + days * DAY);
const put = (key: string, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}): Promise<unknown> =>
  s3.send(new PutObjectCommand({ Bucket: LOCKED, Key: key, Body: `body of ${key}`, ...extra }));
const errorOf = async (p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> => {
  try {
    await p;
  } catch (err) {
    return { name: (err as Error).name, status: (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to fail');
};

describe('local S3 Object Lock emulation', () => {
  it('has a lock configuration only on a bucket created with Object Lock, and keeps the default retention it is given', async () => {
    expect(await errorOf(s3.send(new GetObjectLockConfigurationCommand({ Bucket: PLAIN })))).toEqual({ name: 'ObjectLockConfigurationNotFoundError', status: 404 });
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: LOCKED }))).ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: LOCKED,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2 } } },
      }),
    );
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: LOCKED }))).ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2 } },
    });
  });

  it('gives an object written without lock headers the default retention, shown by HEAD, GET and GetObjectRetention', async () => {
    const before = Date.now();
    await put('default/a');
    const head = await s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: 'default/a' }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    expect(head.ObjectLockLegalHoldStatus).toBe('OFF');
    const until = head.ObjectLockRetainUntilDate!.getTime();
    expect(until).toBeGreaterThanOrEqual(before + 2 * DAY - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 2 * DAY + 1000);
    const get = await s3.send(new GetObjectCommand({ Bucket: LOCKED, Key: 'default/a' }));
    expect(await get.Body!.transformToString()).toBe('body of default/a');
    expect(get.ObjectLockRetainUntilDate?.getTime()).toBe(until);
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: LOCKED, Key: 'default/a' }))).Retention).toEqual({ Mode: 'GOVERNANCE', RetainUntilDate: new Date(until) });
  });

  it('refuses DeleteObject and an overwriting PutObject or CopyObject of a locked object with 403 AccessDenied, and keeps its bytes', async () => {
    await put('refuse/a');
    expect(await errorOf(s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'refuse/a' })))).toEqual({ name: 'AccessDenied', status: 403 });
    expect(await errorOf(put('refuse/a', { Body: 'replaced' }))).toEqual({ name: 'AccessDenied', status: 403 });
    await put('refuse/b-source-not-locked-yet');
    expect(await errorOf(s3.send(new CopyObjectCommand({ Bucket: LOCKED, Key: 'refuse/a', CopySource: `${LOCKED}/refuse/b-source-not-locked-yet` })))).toEqual({
      name: 'AccessDenied',
      status: 403,
    });
    const get = await s3.send(new GetObjectCommand({ Bucket: LOCKED, Key: 'refuse/a' }));
    expect(await get.Body!.transformToString()).toBe('body of refuse/a');
  });

  it('answers DeleteObjects with AccessDenied for each locked key and deletes the others', async () => {
    await put('batch/locked');
    const out = await s3.send(
      new DeleteObjectsCommand({ Bucket: LOCKED, Delete: { Objects: [{ Key: 'batch/locked' }, { Key: 'batch/absent' }] } }),
    );
    expect(out.Errors?.map((e) => [e.Key, e.Code])).toEqual([['batch/locked', 'AccessDenied']]);
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['batch/absent']);
    expect((await s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: 'batch/locked' }))).ContentLength).toBeGreaterThan(0);
  });

  it('lets retention be extended, and refuses shortening COMPLIANCE retention to anyone', async () => {
    await put('compliance/a', { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: inDays(3) });
    expect((await s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: 'compliance/a' }))).ObjectLockMode).toBe('COMPLIANCE');
    const longer = inDays(10);
    await s3.send(new PutObjectRetentionCommand({ Bucket: LOCKED, Key: 'compliance/a', Retention: { Mode: 'COMPLIANCE', RetainUntilDate: longer } }));
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: LOCKED, Key: 'compliance/a' }))).Retention?.RetainUntilDate?.getTime()).toBe(longer.getTime());
    const shorten = (client: S3Client, mode: 'COMPLIANCE' | 'GOVERNANCE', days: number): Promise<unknown> =>
      client.send(
        new PutObjectRetentionCommand({ Bucket: LOCKED, Key: 'compliance/a', Retention: { Mode: mode, RetainUntilDate: inDays(days) }, BypassGovernanceRetention: true }),
      );
    expect(await errorOf(shorten(s3, 'COMPLIANCE', 1))).toEqual({ name: 'AccessDenied', status: 403 });
    expect(await errorOf(shorten(breakGlass, 'COMPLIANCE', 1))).toEqual({ name: 'AccessDenied', status: 403 });
    expect(await errorOf(shorten(breakGlass, 'GOVERNANCE', 20))).toEqual({ name: 'AccessDenied', status: 403 });
    expect(await errorOf(breakGlass.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'compliance/a', BypassGovernanceRetention: true })))).toEqual({
      name: 'AccessDenied',
      status: 403,
    });
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: LOCKED, Key: 'compliance/a' }))).Retention?.RetainUntilDate?.getTime()).toBe(longer.getTime());
  });

  it('lets only the break-glass caller with x-amz-bypass-governance-retention shorten or remove GOVERNANCE retention or delete the object', async () => {
    await put('governance/a', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(5) });
    const shorter = { Bucket: LOCKED, Key: 'governance/a', Retention: { Mode: 'GOVERNANCE' as const, RetainUntilDate: inDays(1) } };
    expect(await errorOf(s3.send(new PutObjectRetentionCommand(shorter)))).toEqual({ name: 'AccessDenied', status: 403 });
    expect(await errorOf(s3.send(new PutObjectRetentionCommand({ ...shorter, BypassGovernanceRetention: true })))).toEqual({ name: 'AccessDenied', status: 403 });
    expect(await errorOf(breakGlass.send(new PutObjectRetentionCommand(shorter)))).toEqual({ name: 'AccessDenied', status: 403 });
    await breakGlass.send(new PutObjectRetentionCommand({ ...shorter, BypassGovernanceRetention: true }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: 'governance/a' }))).ObjectLockRetainUntilDate?.getTime()).toBe(shorter.Retention.RetainUntilDate.getTime());
    expect(await errorOf(s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'governance/a', BypassGovernanceRetention: true })))).toEqual({ name: 'AccessDenied', status: 403 });
    await breakGlass.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'governance/a', BypassGovernanceRetention: true }));
    expect(await errorOf(s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: 'governance/a' })))).toMatchObject({ status: 404 });
  });

  it('keeps an object with a legal hold through every delete, the bypass included, until the hold is released', async () => {
    await put('hold/a', { ObjectLockLegalHoldStatus: 'ON', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(1) });
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: LOCKED, Key: 'hold/a' }))).LegalHold).toEqual({ Status: 'ON' });
    await breakGlass.send(new PutObjectRetentionCommand({ Bucket: LOCKED, Key: 'hold/a', Retention: {}, BypassGovernanceRetention: true }));
    expect(await errorOf(s3.send(new GetObjectRetentionCommand({ Bucket: LOCKED, Key: 'hold/a' })))).toEqual({ name: 'NoSuchObjectLockConfiguration', status: 404 });
    expect(await errorOf(breakGlass.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'hold/a', BypassGovernanceRetention: true })))).toEqual({ name: 'AccessDenied', status: 403 });
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: LOCKED, Key: 'hold/a', LegalHold: { Status: 'OFF' } }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: 'hold/a' }))).ObjectLockLegalHoldStatus).toBe('OFF');
    await s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'hold/a' }));
    expect(await errorOf(s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: 'hold/a' })))).toMatchObject({ status: 404 });
  });

  it('lets an object be deleted once its retention has passed', async () => {
    await put('expiring/a', { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 1500) });
    expect(await errorOf(s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'expiring/a' })))).toEqual({ name: 'AccessDenied', status: 403 });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'expiring/a' }));
    expect(await errorOf(s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: 'expiring/a' })))).toMatchObject({ status: 404 });
  });

  it('rejects bad lock requests as S3 does: lock headers or retention on a bucket without Object Lock, half a retention, a date in the past', async () => {
    expect(
      await errorOf(s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: 'a', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(1) }))),
    ).toEqual({ name: 'InvalidRequest', status: 400 });
    await s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: 'b', Body: 'x' }));
    expect(await errorOf(s3.send(new PutObjectRetentionCommand({ Bucket: PLAIN, Key: 'b', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) } })))).toEqual({
      name: 'InvalidRequest',
      status: 400,
    });
    await s3.send(new DeleteObjectCommand({ Bucket: PLAIN, Key: 'b' }));
    expect(await errorOf(put('bad/a', { ObjectLockMode: 'GOVERNANCE' }))).toEqual({ name: 'InvalidArgument', status: 400 });
    expect(await errorOf(put('bad/b', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: new Date(Date.now() - DAY) }))).toEqual({ name: 'InvalidArgument', status: 400 });
    expect(await errorOf(s3.send(new PutObjectRetentionCommand({ Bucket: LOCKED, Key: 'no/such', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) } })))).toEqual({
      name: 'NoSuchKey',
      status: 404,
    });
  });
});
