import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, GetObjectLegalHoldCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as path from 'node:path';
import { openBackupVault } from '../../../../lambdas/runtime/backup-vault';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { initVault, openVault } from '../../../../vault/repository/vault';
import { KEYS_PREFIX } from '../../../../vault/repository/vault-layout';
import { ObjectLockedError } from '../../../../vault/vault-errors';
import { removeDir, SMALL_TUNING, tempDir } from '../../../support/vault-test-helpers';

/**
 * S3VaultStore.putIfAbsent against a fake S3 that implements conditional writes as AWS does
 * (If-None-Match: * → 412 PreconditionFailed when the key exists, 409 ConditionalRequestConflict
 * while another conditional write is in progress), since the local s3rver ignores the header.
 */
const s3 = mockClient(S3Client);
const objects = new Map<string, Buffer>();
/** Conflicts to answer before the next conditional PutObject goes through. */
let pendingConflicts = 0;

function s3Error(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message });
}

beforeEach(() => {
  objects.clear();
  pendingConflicts = 0;
  s3.reset();
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: Uint8Array; IfNoneMatch?: string }) => {
    if (input.IfNoneMatch !== undefined) {
      if (input.IfNoneMatch !== '*') throw s3Error('NotImplemented', 501);
      if (pendingConflicts > 0) {
        pendingConflicts--;
        throw s3Error('ConditionalRequestConflict', 409);
      }
      if (objects.has(input.Key)) throw s3Error('PreconditionFailed', 412);
    }
    objects.set(input.Key, Buffer.from(input.Body));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (!body) throw s3Error('NoSuchKey', 404);
    return { Body: { transformToByteArray: () => Promise.resolve(new Uint8Array(body)) } };
  });
  // A bucket without Object Lock: replace reads no legal hold to keep (s3/replace-legal-hold.test.ts has them).
  s3.on(GetObjectLegalHoldCommand).rejects(s3Error('InvalidRequest', 400, 'Bucket is missing Object Lock Configuration'));
  s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    if (!objects.has(input.Key)) throw s3Error('NotFound', 404);
    return {};
  });
  s3.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
    objects.delete(input.Key);
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => ({
    Contents: [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? '')).sort().map((Key) => ({ Key })),
    IsTruncated: false,
  }));
});

/** Both racing runs see no config on both of their checks (they started together): both reach the conditional write. */
function configLooksAbsentForChecks(n: number, configKey = 'p/config'): void {
  let configHeads = 0;
  s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    if (input.Key === configKey && configHeads++ < n) throw s3Error('NotFound', 404);
    if (!objects.has(input.Key)) throw s3Error('NotFound', 404);
    return {};
  });
}

function store(): S3VaultStore {
  return new S3VaultStore({ client: new S3Client({ region: 'us-east-1' }), bucket: 'vault', prefix: 'p' });
}

describe('S3VaultStore.putIfAbsent (S3 conditional writes)', () => {
  it('writes when the key is absent and answers false, changing nothing, on 412', async () => {
    const vault = store();
    expect(await vault.putIfAbsent('config', Buffer.from('one'))).toBe(true);
    expect(await vault.putIfAbsent('config', Buffer.from('two'))).toBe(false);
    expect((await vault.get('config')).toString()).toBe('one');
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.every((p) => p.IfNoneMatch === '*' && p.Key === 'p/config')).toBe(true);
  });

  it('retries a 409 ConditionalRequestConflict, then reports what S3 decided', async () => {
    const vault = store();
    pendingConflicts = 2;
    expect(await vault.putIfAbsent('config', Buffer.from('one'))).toBe(true);
    expect((await vault.get('config')).toString()).toBe('one');
    pendingConflicts = 1;
    expect(await vault.putIfAbsent('config', Buffer.from('two'))).toBe(false);
    expect((await vault.get('config')).toString()).toBe('one');
  });

  it('gives up after repeated conflicts and passes other errors through', async () => {
    const vault = store();
    pendingConflicts = 100;
    await expect(vault.putIfAbsent('config', Buffer.from('one'))).rejects.toMatchObject({ name: 'ConditionalRequestConflict' });
    expect(objects.has('p/config')).toBe(false);
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));
    await expect(vault.putIfAbsent('config', Buffer.from('one'))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('rejects unsafe keys before sending anything', async () => {
    await expect(store().putIfAbsent('../config', Buffer.from('x'))).rejects.toThrow(/invalid object key/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('S3VaultStore.put: immutable objects are created once (If-None-Match), never overwritten', () => {
  it('creates keys/, data/, index/, manifest/ and snapshots/ objects conditionally; a second put leaves the first bytes and succeeds', async () => {
    const vault = store();
    for (const key of ['keys/k1', 'data/ab/abcd', 'index/i1', 'manifest/m1', 'snapshots/s1']) {
      await vault.put(key, Buffer.from('first'));
      await expect(vault.put(key, Buffer.from('second'))).resolves.toBeUndefined();
      expect((await vault.get(key)).toString()).toBe('first');
    }
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.IfNoneMatch)).toEqual(Array(10).fill('*'));
  });

  it('overwrites config, plans/ and parts/ (mutable by design) without a condition', async () => {
    const vault = store();
    for (const key of ['config', 'plans/p1', 'parts/b/0']) {
      await vault.put(key, Buffer.from('first'));
      await vault.put(key, Buffer.from('second'));
      expect((await vault.get(key)).toString()).toBe('second');
    }
    expect(s3.commandCalls(PutObjectCommand).every((c) => c.args[0].input.IfNoneMatch === undefined)).toBe(true);
  });

  it('replace (the scrub\'s repair of a damaged copy) writes over an immutable object', async () => {
    const vault = store();
    await vault.put('snapshots/s1', Buffer.from('damaged'));
    await vault.replace('snapshots/s1', Buffer.from('healthy'));
    expect((await vault.get('snapshots/s1')).toString()).toBe('healthy');
  });

  // Audit aS1-3: replace took the lock's refusal for "these very bytes are there already", and the scrub reported a copy.
  it('replace over an object Object Lock protects, where an endpoint keeping one version per key refuses the overwrite (S3 and the local cloud take it), throws ObjectLockedError; a create of it succeeds', async () => {
    const vault = store();
    const pack = `data/ab/${'ab'.repeat(32)}`;
    await vault.put(pack, Buffer.from('damaged'));
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied because object protected by object lock.'));
    await expect(vault.replace(pack, Buffer.from('healthy'))).rejects.toBeInstanceOf(ObjectLockedError);
    await expect(vault.put(pack, Buffer.from('healthy'))).resolves.toBeUndefined();
  });

  it('passes other errors of a conditional create through', async () => {
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));
    await expect(store().put('data/ab/abcd', Buffer.from('x'))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('completes a multipart pack upload conditionally; 412 at completion aborts the upload and counts as written', async () => {
    const parts = new Map<string, Buffer[]>();
    s3.on(CreateMultipartUploadCommand).callsFake((input: { Key: string }) => {
      parts.set(input.Key, []);
      return { UploadId: `u-${input.Key}` };
    });
    s3.on(UploadPartCommand).callsFake((input: { Key: string; Body: Uint8Array; PartNumber: number }) => {
      parts.get(input.Key)?.push(Buffer.from(input.Body));
      return { ETag: `e${input.PartNumber}` };
    });
    s3.on(CompleteMultipartUploadCommand).callsFake((input: { Key: string; IfNoneMatch?: string }) => {
      if (input.IfNoneMatch === '*' && objects.has(input.Key)) throw s3Error('PreconditionFailed', 412);
      objects.set(input.Key, Buffer.concat(parts.get(input.Key) ?? []));
      return {};
    });
    s3.on(AbortMultipartUploadCommand).resolves({});
    const vault = new S3VaultStore({ client: new S3Client({ region: 'us-east-1' }), bucket: 'vault', prefix: 'p', multipartThresholdBytes: 1 });
    await vault.put('data/ab/abcd', Buffer.from('first'));
    await vault.put('data/ab/abcd', Buffer.from('second'));
    expect(objects.get('p/data/ab/abcd')?.toString()).toBe('first');
    expect(s3.commandCalls(CompleteMultipartUploadCommand).map((c) => c.args[0].input.IfNoneMatch)).toEqual(['*', '*']);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });
});

describe('initVault racing on an S3 that honours If-None-Match', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('s3-init-race');
  });
  afterEach(async () => removeDir(dir));

  it('two concurrent inits end in one vault and the loser removes its key object', async () => {
    const keyFile = path.join(dir, 'key');
    await KeyFileKeyProvider.create(keyFile);
    configLooksAbsentForChecks(4);
    const providers = [await KeyFileKeyProvider.load(keyFile), await KeyFileKeyProvider.load(keyFile)];
    const [a, b] = await Promise.all(providers.map((p) => initVault(store(), p, SMALL_TUNING)));
    expect(a!.config.id).toBe(b!.config.id);
    // Exactly one conditional write succeeded; the other got 412 (both runs passed their checks).
    expect(s3.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.IfNoneMatch === '*' && c.args[0].input.Key === 'p/config')).toHaveLength(2);
    expect([...objects.keys()].filter((k) => k.startsWith(`p/${KEYS_PREFIX}`))).toHaveLength(1);
    expect((await openVault(store(), await KeyFileKeyProvider.load(keyFile))).config.id).toBe(a!.config.id);
  });

  it('a loser that may not delete its key object (the plan role has no s3:DeleteObject) still opens the winner, and so does everyone after', async () => {
    const keyFile = path.join(dir, 'key');
    await KeyFileKeyProvider.create(keyFile);
    s3.on(DeleteObjectCommand).rejects(s3Error('AccessDenied', 403));
    configLooksAbsentForChecks(4);
    const a = await initVault(store(), await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
    const b = await initVault(store(), await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
    expect(b.config.id).toBe(a.config.id);
    expect([...objects.keys()].filter((k) => k.startsWith(`p/${KEYS_PREFIX}`))).toHaveLength(2);
    for (let i = 0; i < 3; i++) expect((await openVault(store(), await KeyFileKeyProvider.load(keyFile))).config.id).toBe(a.config.id);
  });

  it('openBackupVault({create: true}) in two runs started together: one vault, whichever check each run passed', async () => {
    const keyFile = path.join(dir, 'key');
    await KeyFileKeyProvider.create(keyFile);
    // Each run checks three times (openBackupVault, initVault, before the write): all pass.
    configLooksAbsentForChecks(6);
    const client = new S3Client({ region: 'us-east-1' });
    const providers = [await KeyFileKeyProvider.load(keyFile), await KeyFileKeyProvider.load(keyFile)];
    const [a, b] = await Promise.all(providers.map((provider) => openBackupVault({ s3: client, bucket: 'vault', provider, create: true })));
    expect(a!.config.id).toBe(b!.config.id);
    expect([...objects.keys()].filter((k) => k.startsWith(KEYS_PREFIX))).toHaveLength(1);
  });

  it('openBackupVault({create: true}) opens the vault another run created between its check and initVault', async () => {
    const keyFile = path.join(dir, 'key');
    await KeyFileKeyProvider.create(keyFile);
    const client = new S3Client({ region: 'us-east-1' });
    const first = await openBackupVault({ s3: client, bucket: 'vault', provider: await KeyFileKeyProvider.load(keyFile), create: true });
    configLooksAbsentForChecks(1, 'config'); // only openBackupVault's own check misses it: initVault then says VaultExistsError
    const second = await openBackupVault({ s3: client, bucket: 'vault', provider: await KeyFileKeyProvider.load(keyFile), create: true });
    expect(second.config.id).toBe(first.config.id);
    expect([...objects.keys()].filter((k) => k.startsWith(KEYS_PREFIX))).toHaveLength(1);
  });
});
