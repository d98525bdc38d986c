import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  RestoreObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type LocalCloudHandle, LOCAL_THAW_SECONDS_ENV, localS3Client, startLocalCloud, stopLocalCloud, transitionObjects } from '../../../../local/cloud';
import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { DATA_PREFIX, snapshotKey } from '../../../../vault/repository/vault-layout';
import { readEntry } from '../../../../vault/restorer/restore';
import { VaultObjectArchivedError, VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { eventually } from '../../../support/eventually';
import { listedKeys, pseudoRandomBytes } from '../../../support/vault-test-helpers';

/**
 * Storage classes and thaws: the local cloud's S3 against what the S3 documentation says (docs/LOCAL-CLOUD.md,
 * "Storage classes and thaws"), with the AWS SDK's client; then the vault's S3 store over it (tags on PUT and
 * read back, VaultObjectArchivedError, storageState, requestThaw, prune's repack keeping tags). One cloud for the
 * file, thaws of half a second.
 */
const REGION = 'us-east-1';
const BUCKET = 'tiers-bucket';
const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-storage-classes-'));
let cloud: LocalCloudHandle;
let s3: S3Client;
const savedThaw = process.env[LOCAL_THAW_SECONDS_ENV];

beforeAll(async () => {
  process.env[LOCAL_THAW_SECONDS_ENV] = '0.5';
  cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  if (savedThaw === undefined) delete process.env[LOCAL_THAW_SECONDS_ENV];
  else process.env[LOCAL_THAW_SECONDS_ENV] = savedThaw;
  s3?.destroy();
  await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

const errorOf = async (p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string; storageClass?: string }> => {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number }; StorageClass?: string };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message, ...(e.StorageClass !== undefined ? { storageClass: e.StorageClass } : {}) };
  }
  throw new Error('expected the request to fail');
};
const restore = (key: string, tier: 'Expedited' | 'Standard' | 'Bulk' = 'Standard') =>
  s3.send(new RestoreObjectCommand({ Bucket: BUCKET, Key: key, RestoreRequest: { Days: 2, GlacierJobParameters: { Tier: tier } } }));
const body = async (key: string): Promise<string> => (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? '';

describe('local S3 storage classes and thaws', () => {
  it('keeps the class a PUT asks for and reports it on HEAD, GET and in listings; an overwrite without one is STANDARD again', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ia/one', Body: 'one', StorageClass: 'STANDARD_IA' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ia/gir', Body: 'gir', StorageClass: 'GLACIER_IR' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ia/plain', Body: 'plain' }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'ia/one' }))).StorageClass).toBe('STANDARD_IA');
    expect((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ia/gir' }))).StorageClass).toBe('GLACIER_IR');
    // S3 leaves the header out for STANDARD.
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'ia/plain' }))).StorageClass).toBeUndefined();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'ia/' }));
    expect(Object.fromEntries((listed.Contents ?? []).map((o) => [o.Key, o.StorageClass]))).toEqual({ 'ia/one': 'STANDARD_IA', 'ia/gir': 'GLACIER_IR', 'ia/plain': 'STANDARD' });
    expect(await body('ia/one')).toBe('one');

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ia/one', Body: 'one again' }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'ia/one' }))).StorageClass).toBeUndefined();
    expect(await errorOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ia/bad', Body: 'x', StorageClass: 'COLD' as 'GLACIER' })))).toMatchObject({ name: 'InvalidStorageClass', status: 400 });
  });

  it("lists the class of a key that s3rver writes with character references (an apostrophe, a backtick)", async () => {
    // s3rver escapes ' and ` as hexadecimal references; the listing's rewrite must read the key back as S3 stores it.
    const keys = ["odd/it's", 'odd/back`tick'];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key, StorageClass: 'GLACIER' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'odd/' }));
    expect(Object.fromEntries((listed.Contents ?? []).map((o) => [o.Key, o.StorageClass]))).toEqual(Object.fromEntries(keys.map((key) => [key, 'GLACIER'])));
  });

  it('refuses a GET of an archived object with 403 InvalidObjectState until a RestoreObject has completed: 202, then 409 while in progress, then 200', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cold/a', Body: 'archived bytes', StorageClass: 'GLACIER' }));
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cold/a' })))).toEqual({
      name: 'InvalidObjectState',
      status: 403,
      message: "The operation is not valid for the object's storage class",
      storageClass: 'GLACIER',
    });
    // HEAD works on archived objects; no x-amz-restore before a restore was asked for.
    const before = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cold/a' }));
    expect([before.StorageClass, before.Restore]).toEqual(['GLACIER', undefined]);

    expect((await restore('cold/a')).$metadata.httpStatusCode).toBe(202);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cold/a' }))).Restore).toBe('ongoing-request="true"');
    expect(await errorOf(restore('cold/a'))).toMatchObject({ name: 'RestoreAlreadyInProgress', status: 409, message: 'Object restore is already in progress' });
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cold/a' })))).toMatchObject({ name: 'InvalidObjectState' });

    const done = await eventually(() => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cold/a' })), (h) => h.Restore?.startsWith('ongoing-request="false"') ?? false, 'the thaw');
    expect(done.Restore).toMatch(/^ongoing-request="false", expiry-date="\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT"$/);
    expect(done.StorageClass).toBe('GLACIER');
    expect(await body('cold/a')).toBe('archived bytes');
    expect((await restore('cold/a')).$metadata.httpStatusCode).toBe(200);
  });

  it('refuses RestoreObject for an object that is not archived, for an absent one, and Expedited for DEEP_ARCHIVE', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'warm/x', Body: 'x' }));
    expect(await errorOf(restore('warm/x'))).toMatchObject({ name: 'InvalidObjectState', status: 403 });
    expect(await errorOf(restore('warm/absent'))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'deep/y', Body: 'y', StorageClass: 'DEEP_ARCHIVE' }));
    expect(await errorOf(restore('deep/y', 'Expedited'))).toMatchObject({ status: 400 });
    expect((await restore('deep/y', 'Bulk')).$metadata.httpStatusCode).toBe(202);
  });

  it('moves existing objects on demand (transitionObjects), and forgets the class of a deleted object', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'move/1', Body: '1' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'move/2', Body: '2' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'stay/3', Body: '3' }));
    expect((await transitionObjects({ dataDir, region: REGION, s3, bucket: BUCKET, prefix: 'move/', storageClass: 'DEEP_ARCHIVE' })).sort()).toEqual(['move/1', 'move/2']);
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'move/1' })))).toMatchObject({ name: 'InvalidObjectState', storageClass: 'DEEP_ARCHIVE' });
    expect(await body('stay/3')).toBe('3');
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'move/2' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'move/2', Body: 'new' }));
    expect(await body('move/2')).toBe('new');
  });

  it('the vault store: tags packs it puts, reads an archived pack as VaultObjectArchivedError, reports and requests thaws', async () => {
    const store = new S3VaultStore({ client: s3, bucket: BUCKET, prefix: 'vault' });
    const key = `data/ab/ab${'0'.repeat(62)}`;
    await store.put(key, Buffer.from('pack bytes'), { tags: { 'lifeboat-tier': 'yearly' } });
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: `vault/${key}` }))).TagSet).toEqual([{ Key: 'lifeboat-tier', Value: 'yearly' }]);
    expect(await store.storageState(key)).toEqual({ storageClass: 'STANDARD', archived: false, thaw: 'none' });
    expect(await store.storageState('data/ab/absent')).toBeNull();

    await transitionObjects({ dataDir, region: REGION, s3, bucket: BUCKET, prefix: 'vault/data/', storageClass: 'GLACIER' });
    const refused = await store.get(key).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(VaultObjectArchivedError);
    expect((refused as VaultObjectArchivedError).message).toContain(`object ${key} is archived (GLACIER)`);
    expect(await store.storageState(key)).toEqual({ storageClass: 'GLACIER', archived: true, thaw: 'none' });
    // Tags stay readable while the object is archived (the repack reads them with the GET that S3 refuses).
    expect(await store.tagsOf(key)).toEqual({ 'lifeboat-tier': 'yearly' });
    expect(await store.requestThaw(key, { days: 1, tier: 'Expedited' })).toBe('started');
    expect(await store.requestThaw(key, { days: 1, tier: 'Expedited' })).toBe('in-progress');
    await eventually(() => store.storageState(key), (s) => s?.thaw === 'ready', 'the thaw');
    expect(await store.requestThaw(key, { days: 1, tier: 'Expedited' })).toBe('ready');
    expect((await store.get(key)).toString()).toBe('pack bytes');
  });

  it('the vault store reads back the tags given at PUT (GetObjectTagging): {} for an untagged object, VaultObjectNotFoundError for an absent one', async () => {
    const store = new S3VaultStore({ client: s3, bucket: BUCKET, prefix: 'tags' });
    await store.put(`data/cd/cd${'1'.repeat(62)}`, Buffer.from('tagged'), { tags: { 'lifeboat-tier': 'daily', other: 'a b&c' } });
    await store.put(`data/cd/cd${'2'.repeat(62)}`, Buffer.from('untagged'));
    expect(await store.tagsOf(`data/cd/cd${'1'.repeat(62)}`)).toEqual({ 'lifeboat-tier': 'daily', other: 'a b&c' });
    expect(await store.tagsOf(`data/cd/cd${'2'.repeat(62)}`)).toEqual({});
    await expect(store.tagsOf(`data/cd/cd${'3'.repeat(62)}`)).rejects.toBeInstanceOf(VaultObjectNotFoundError);
  });

  it("prune's repack over the S3 store: new packs carry exactly the tags of the packs their blobs come from", async () => {
    const store = new S3VaultStore({ client: s3, bucket: BUCKET, prefix: 'repack' });
    const made = await initVault(store, new PassphraseKeyProvider('repack tiers', { N: 1024, r: 8, p: 1 }), { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null });
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const vault = (): Vault => Object.assign(new Vault(store, made.keys, made.config), { now: () => clock.t });
    const backup = async (files: ReadonlyMap<string, Buffer>, packTags?: Record<string, string>): Promise<string> => {
      const writer = await vault().newSnapshotWriter({ inline: true, ...(packTags ? { packTags } : {}) });
      for (const [path, content] of files) await writer.add({ path, kind: 'object', meta: {}, content });
      return (await vault().commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] })).id;
    };
    const keepTagged = pseudoRandomBytes(3000, 61);
    const keepUntagged = pseudoRandomBytes(3000, 62);
    const forgotten = [
      await backup(new Map([['keep', keepTagged], ['drop', pseudoRandomBytes(9000, 63)]]), { 'lifeboat-tier': 'yearly' }),
      await backup(new Map([['keep', keepUntagged], ['drop', pseudoRandomBytes(9000, 64)]])),
    ];
    const kept = [await backup(new Map([['keep', keepTagged]]), { 'lifeboat-tier': 'yearly' }), await backup(new Map([['keep', keepUntagged]]))];
    for (const id of forgotten) await store.delete(snapshotKey(id));
    const before = await listedKeys(store, DATA_PREFIX);
    const run = await pruneVault(vault(), { graceMs: 1, now: () => clock.t });
    expect([run.done, run.report.packsRepacked, run.report.newPacks]).toEqual([true, 2, 2]);
    const written = (await listedKeys(store, DATA_PREFIX)).filter((k) => !before.includes(k));
    const tagSets = await Promise.all(written.map(async (k) => (await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: `repack/${k}` }))).TagSet));
    expect(tagSets.map((t) => JSON.stringify(t)).sort()).toEqual([JSON.stringify([]), JSON.stringify([{ Key: 'lifeboat-tier', Value: 'yearly' }])]);
    clock.t += 1;
    expect((await pruneVault(vault(), { graceMs: 1, now: () => clock.t })).done).toBe(true);
    expect((await listedKeys(store, DATA_PREFIX)).sort()).toEqual([...written].sort());
    for (const [i, content] of [keepTagged, keepUntagged].entries()) {
      const parts: Buffer[] = [];
      for await (const b of readEntry(vault(), await vault().loadSnapshot(kept[i] as string), 'keep')) parts.push(b);
      expect(Buffer.concat(parts).equals(content)).toBe(true);
    }
  });
});
