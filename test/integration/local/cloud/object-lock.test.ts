import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
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
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type LocalCloudHandle, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { LOCAL_BREAK_GLASS_ACCESS_KEY_ID } from '../../../../local/cloud/object-lock';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { extendSnapshotRetention, setBackupLegalHold, snapshotObjectKeys } from '../../../../vault/repository/snapshot-locks';
import { initVault, type Vault } from '../../../../vault/repository/vault';
import { DATA_PREFIX } from '../../../../vault/repository/vault-layout';
import { ObjectLockedError } from '../../../../vault/vault-errors';

/**
 * Object Lock: the local cloud's S3 against what the S3 documentation says (docs/LOCAL-CLOUD.md,
 * "Object Lock"), with the AWS SDK's S3 client; then a vault in a lock-enabled bucket: deletes refused
 * with ObjectLockedError, retention extended for what a backup references, legal holds. One cloud for the whole file.
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

  it('refuses DeleteObject of a locked object, with or without a version id, with 403 AccessDenied naming the lock, and keeps its bytes', async () => {
    await put('refuse/a');
    for (const VersionId of [undefined, 'null']) {
      const refused = await s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'refuse/a', VersionId })).then(
        () => undefined,
        (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number } },
      );
      expect({ name: refused?.name, status: refused?.$metadata.httpStatusCode }).toEqual({ name: 'AccessDenied', status: 403 });
      expect(refused?.message).toMatch(/^Access Denied because object protected by object lock \(GOVERNANCE retention until /);
    }
    const get = await s3.send(new GetObjectCommand({ Bucket: LOCKED, Key: 'refuse/a' }));
    expect(await get.Body!.transformToString()).toBe('body of refuse/a');
  });

  it('takes a PutObject, CopyObject or multipart upload over a locked object, as S3 adds a version: GET returns the newest, locked anew (review a61A F1)', async () => {
    await put('overwrite/a');
    const firstUntil = (await s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: 'overwrite/a' }))).ObjectLockRetainUntilDate!.getTime();
    await put('overwrite/a', { Body: 'second' });
    expect(await (await s3.send(new GetObjectCommand({ Bucket: LOCKED, Key: 'overwrite/a' }))).Body!.transformToString()).toBe('second');
    await put('overwrite/source');
    await s3.send(new CopyObjectCommand({ Bucket: LOCKED, Key: 'overwrite/a', CopySource: `${LOCKED}/overwrite/source` }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: LOCKED, Key: 'overwrite/a' }))).Body!.transformToString()).toBe('body of overwrite/source');
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: LOCKED, Key: 'overwrite/a', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: inDays(5) }));
    const part = await s3.send(new UploadPartCommand({ Bucket: LOCKED, Key: 'overwrite/a', UploadId: upload.UploadId, PartNumber: 1, Body: 'third' }));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: LOCKED, Key: 'overwrite/a', UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: LOCKED, Key: 'overwrite/a' }));
    expect(await got.Body!.transformToString()).toBe('third');
    // The newest version's lock is its own (its upload's headers), not the first version's default retention.
    expect(got.ObjectLockMode).toBe('COMPLIANCE');
    expect(got.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(firstUntil);
    expect(await errorOf(s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'overwrite/a' })))).toEqual({ name: 'AccessDenied', status: 403 });
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

describe('a vault in an Object Lock bucket (S3VaultStore on the local cloud)', () => {
  const VAULT_BUCKET = 'locked-vault';
  const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 64 * 1024 } as const;
  let vault: Vault;
  let snapshotIds: string[];
  let packs: string[];

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: VAULT_BUCKET, ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: VAULT_BUCKET,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
      }),
    );
    const keyFile = join(dataDir, 'vault.key');
    await KeyFileKeyProvider.create(keyFile);
    vault = await initVault(new S3VaultStore({ client: s3, bucket: VAULT_BUCKET }), await KeyFileKeyProvider.load(keyFile), TUNING);
    const src = join(dataDir, 'src');
    await mkdir(src);
    await writeFile(join(src, 'a.bin'), randomBytes(100 * 1024));
    await writeFile(join(src, 'b.txt'), 'small file\n'.repeat(100));
    // Two backups of the same files: the second references the first one's packs (deduplicated).
    snapshotIds = [(await backupDirectory(vault, src, { parent: null })).snapshot.id];
    snapshotIds.push((await backupDirectory(vault, src, { parent: null })).snapshot.id);
    packs = [];
    for await (const key of vault.store.list(DATA_PREFIX)) packs.push(key);
    packs.sort();
  });

  const retainedUntil = async (key: string): Promise<number> =>
    (await s3.send(new HeadObjectCommand({ Bucket: VAULT_BUCKET, Key: key }))).ObjectLockRetainUntilDate!.getTime();
  /** The break-glass caller shortens a GOVERNANCE retention, as if the object had been written long ago. */
  const ageRetention = (key: string, until: Date): Promise<unknown> =>
    breakGlass.send(new PutObjectRetentionCommand({ Bucket: VAULT_BUCKET, Key: key, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until }, BypassGovernanceRetention: true }));

  it('refuses a direct delete of a retained pack with ObjectLockedError and keeps the pack', async () => {
    expect(packs.length).toBeGreaterThan(1);
    const pack = packs[0]!;
    const err = await vault.store.delete(pack).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ObjectLockedError);
    expect((err as ObjectLockedError).key).toBe(pack);
    expect((err as Error).message).toContain('GOVERNANCE until');
    expect(await vault.store.has(pack)).toBe(true);
    // Deleting what does not exist stays no error.
    await vault.store.delete('data/00/absent');
  });

  it('extends the retention of every object a new backup references, and only of those retained too briefly', async () => {
    const keys = await snapshotObjectKeys(vault, [snapshotIds[1]!]);
    expect(keys).toEqual(expect.arrayContaining([`snapshots/${snapshotIds[1]!}`, ...packs]));
    expect(keys.some((k) => k.startsWith('manifest/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('index/'))).toBe(true);
    expect(keys).not.toContain(`snapshots/${snapshotIds[0]!}`);
    // One pack written "long ago": its retention ends in an hour, before the new backup's retention would.
    const old = packs[0]!;
    await ageRetention(old, new Date(Date.now() + 3600_000));
    const before = Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await retainedUntil(k)] as const)));
    // Commit's window: at least `until`; what must be extended is extended a little further, to spare the next commits a request.
    const until = new Date(Date.now() + 12 * 3600_000);
    const extendTo = new Date(until.getTime() + 3600_000);
    const result = await extendSnapshotRetention(vault, [snapshotIds[1]!], until, extendTo);
    expect(result).toEqual({ supported: true, objects: keys.length, extended: 1 });
    expect(await retainedUntil(old)).toBe(extendTo.getTime());
    for (const key of keys.filter((k) => k !== old)) expect(await retainedUntil(key)).toBe(before[key]);
    // Run again (a retried commit): nothing to extend.
    expect((await extendSnapshotRetention(vault, [snapshotIds[1]!], until)).extended).toBe(0);
  });

  it('keeps an object under a legal hold past its retention until the hold is released, and a release keeps what another held backup needs', async () => {
    const shared = packs[1]!;
    // Never held: the object has no lock configuration of its own (404 NoSuchObjectLockConfiguration), which reads as OFF.
    expect(await vault.store.legalHold?.(`snapshots/${snapshotIds[0]!}`)).toBe(false);
    const held = await setBackupLegalHold(vault, snapshotIds, true);
    expect(held.supported).toBe(true);
    // What a catalog rebuild reads to hold a rebuilt record again (catalog-rebuild.ts); a bucket without Object Lock answers null.
    expect(await vault.store.legalHold?.(`snapshots/${snapshotIds[0]!}`)).toBe(true);
    await s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: 'snapshots/plain', Body: 'plain' }));
    expect(await new S3VaultStore({ client: s3, bucket: PLAIN }).legalHold('snapshots/plain')).toBeNull();
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: VAULT_BUCKET, Key: shared }))).LegalHold?.Status).toBe('ON');
    await ageRetention(shared, new Date(Date.now() + 1200));
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await expect(vault.store.delete(shared)).rejects.toThrow(/legal hold/);
    // Releasing the first backup leaves the hold of the second on everything the second references (the shared packs).
    const released = await setBackupLegalHold(vault, [snapshotIds[0]!], false, { stillHeld: [snapshotIds[1]!] });
    expect(released.keptForOtherHolds).toBeGreaterThan(0);
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: VAULT_BUCKET, Key: `snapshots/${snapshotIds[0]!}` }))).LegalHold?.Status).toBe('OFF');
    expect(await vault.store.legalHold?.(`snapshots/${snapshotIds[0]!}`)).toBe(false);
    await expect(vault.store.delete(shared)).rejects.toBeInstanceOf(ObjectLockedError);
    await setBackupLegalHold(vault, [snapshotIds[1]!], false);
    await vault.store.delete(shared);
    expect(await vault.store.has(shared)).toBe(false);
  });
});
