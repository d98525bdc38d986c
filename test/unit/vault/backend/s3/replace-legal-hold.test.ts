import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3VaultStore } from '../../../../../vault/backend/s3/s3-vault-store';
import { LegalHoldUnreadError } from '../../../../../vault/backend/s3/legal-hold-unread-error';
import { LegalHoldWriteRefusedError } from '../../../../../vault/backend/s3/legal-hold-write-refused-error';
import { refusalOf } from '../../../../../vault/backend/s3/refused-action';

/**
 * S3VaultStore.replace (the scrub's repair of a damaged copy) against a fake versioned S3 with Object Lock as AWS has
 * it: a legal hold belongs to the version it was set on, a write adds a version with the hold its request asks for
 * (ObjectLockLegalHoldStatus) and none otherwise, and GetObjectLegalHold reads the newest version (review r61Q F1).
 */
const s3 = mockClient(S3Client);
type Version = { body: Buffer; held: boolean };
const versions = new Map<string, Version[]>();
/** The bucket has Object Lock (else GetObjectLegalHold is 400 InvalidRequest and a write asking for a hold is refused). */
let objectLock = true;

function s3Error(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message });
}

function newest(key: string): Version | undefined {
  return versions.get(key)?.at(-1);
}

function addVersion(key: string, body: Buffer, holdStatus: string | undefined): void {
  if (holdStatus !== undefined && !objectLock) throw s3Error('InvalidRequest', 400, 'Bucket is missing Object Lock Configuration');
  versions.set(key, [...(versions.get(key) ?? []), { body, held: holdStatus === 'ON' }]);
}

beforeEach(() => {
  versions.clear();
  objectLock = true;
  s3.reset();
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: Uint8Array; ObjectLockLegalHoldStatus?: string }) => {
    addVersion(input.Key, Buffer.from(input.Body), input.ObjectLockLegalHoldStatus);
    return {};
  });
  const uploads = new Map<string, { key: string; hold?: string; parts: Buffer[] }>();
  s3.on(CreateMultipartUploadCommand).callsFake((input: { Key: string; ObjectLockLegalHoldStatus?: string }) => {
    const UploadId = `u${uploads.size}`;
    uploads.set(UploadId, { key: input.Key, ...(input.ObjectLockLegalHoldStatus ? { hold: input.ObjectLockLegalHoldStatus } : {}), parts: [] });
    return { UploadId };
  });
  s3.on(UploadPartCommand).callsFake((input: { UploadId: string; Body: Uint8Array; PartNumber: number }) => {
    uploads.get(input.UploadId)?.parts.push(Buffer.from(input.Body));
    return { ETag: `e${input.PartNumber}` };
  });
  s3.on(CompleteMultipartUploadCommand).callsFake((input: { UploadId: string }) => {
    const upload = uploads.get(input.UploadId);
    if (!upload) throw s3Error('NoSuchUpload', 404);
    addVersion(upload.key, Buffer.concat(upload.parts), upload.hold);
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const version = newest(input.Key);
    if (!version) throw s3Error('NoSuchKey', 404);
    return { Body: { transformToByteArray: () => Promise.resolve(new Uint8Array(version.body)) } };
  });
  s3.on(GetObjectLegalHoldCommand).callsFake((input: { Key: string }) => {
    if (!objectLock) throw s3Error('InvalidRequest', 400, 'Bucket is missing Object Lock Configuration');
    const version = newest(input.Key);
    if (!version) throw s3Error('NoSuchKey', 404);
    if (!version.held) throw s3Error('NoSuchObjectLockConfiguration', 404, 'The specified object does not have a ObjectLock configuration');
    return { LegalHold: { Status: 'ON' } };
  });
  s3.on(GetObjectLockConfigurationCommand).callsFake(() => {
    if (!objectLock) throw s3Error('ObjectLockConfigurationNotFoundError', 404, 'Object Lock configuration does not exist for this bucket');
    return { ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } };
  });
  s3.on(PutObjectLegalHoldCommand).callsFake((input: { Key: string; LegalHold: { Status: string } }) => {
    const version = newest(input.Key);
    if (!version) throw s3Error('NoSuchKey', 404);
    version.held = input.LegalHold.Status === 'ON';
    return {};
  });
});

const SNAPSHOT = `snapshots/${'cd'.repeat(32)}`;
const PACK = `data/ab/${'ab'.repeat(32)}`;

function store(options: { multipartThresholdBytes?: number } = {}): S3VaultStore {
  return new S3VaultStore({ client: new S3Client({ region: 'us-east-1' }), bucket: 'vault', ...options });
}

describe('S3VaultStore.replace and legal holds', () => {
  it('keeps the legal hold of the damaged copy it writes over: the repaired object is held and reads as the healthy bytes', async () => {
    const vault = store();
    await vault.put(SNAPSHOT, Buffer.from('damaged'));
    await vault.setLegalHold(SNAPSHOT, true);
    await vault.replace(SNAPSHOT, Buffer.from('healthy'));
    expect((await vault.get(SNAPSHOT)).toString()).toBe('healthy');
    expect(await vault.legalHold(SNAPSHOT)).toBe(true);
    // The damaged version keeps its own hold too (S3 keeps it as an older version).
    expect(versions.get(SNAPSHOT)?.map((v) => [v.body.toString(), v.held])).toEqual([
      ['damaged', true],
      ['healthy', true],
    ]);
  });

  it('keeps it over a multipart write too (CreateMultipartUpload asks for the hold)', async () => {
    const vault = store({ multipartThresholdBytes: 1 });
    await vault.put(PACK, Buffer.from('damaged'));
    await vault.setLegalHold(PACK, true);
    await vault.replace(PACK, Buffer.from('healthy'));
    expect(s3.commandCalls(CreateMultipartUploadCommand).at(-1)?.args[0].input.ObjectLockLegalHoldStatus).toBe('ON');
    expect((await vault.get(PACK)).toString()).toBe('healthy');
    expect(await vault.legalHold(PACK)).toBe(true);
  });

  it('sets no hold over a copy that had none, in a bucket without Object Lock, or where the object is gone', async () => {
    const vault = store();
    await vault.put(SNAPSHOT, Buffer.from('damaged'));
    await vault.replace(SNAPSHOT, Buffer.from('healthy'));
    expect(await vault.legalHold(SNAPSHOT)).toBe(false);
    await vault.replace(PACK, Buffer.from('absent before'));
    expect(await vault.legalHold(PACK)).toBe(false);
    objectLock = false;
    await vault.replace(SNAPSHOT, Buffer.from('healthy again'));
    expect((await vault.get(SNAPSHOT)).toString()).toBe('healthy again');
    expect(s3.commandCalls(PutObjectCommand).every((c) => c.args[0].input.ObjectLockLegalHoldStatus === undefined)).toBe(true);
  });

  // Review r61Z F1: IAM checks s3:GetObjectLegalHold before S3 looks at the bucket, so credentials without it had
  // every replace refused, in every vault, Object Lock or not: no damaged copy was repaired.
  it('writes the copy, unheld, when the hold cannot be read (credentials without s3:GetObjectLegalHold), and says the hold could not be carried', async () => {
    const vault = store();
    await vault.put(SNAPSHOT, Buffer.from('damaged'));
    await vault.setLegalHold(SNAPSHOT, true);
    s3.on(GetObjectLegalHoldCommand).rejects(s3Error('AccessDenied', 403, 'User is not authorized to perform: s3:GetObjectLegalHold'));
    const replaced = vault.replace(SNAPSHOT, Buffer.from('healthy'));
    await expect(replaced).rejects.toBeInstanceOf(LegalHoldUnreadError);
    await expect(replaced).rejects.toThrow(`s3://vault: object ${SNAPSHOT} was written over, but its legal hold could not be read (AccessDenied: s3:GetObjectLegalHold), so the new copy has none`);
    const written = s3.commandCalls(PutObjectCommand).at(-1)?.args[0].input;
    expect([written?.Key, 'ObjectLockLegalHoldStatus' in (written ?? {})]).toEqual([SNAPSHOT, false]);
    expect(versions.get(SNAPSHOT)?.map((v) => [v.body.toString(), v.held])).toEqual([
      ['damaged', true],
      ['healthy', false],
    ]);
  });

  // Review r62B F5: in a bucket without Object Lock no object has a hold, yet every repair there said one may be lost.
  it('in a bucket without Object Lock, writes without the hold header and says nothing of a hold when the hold cannot be read; the lock configuration is read once', async () => {
    const vault = store();
    objectLock = false;
    await vault.put(PACK, Buffer.from('damaged'));
    await vault.put(SNAPSHOT, Buffer.from('damaged'));
    s3.on(GetObjectLegalHoldCommand).rejects(s3Error('AccessDenied', 403, 'User is not authorized to perform: s3:GetObjectLegalHold'));
    await vault.replace(PACK, Buffer.from('healthy'));
    await vault.replace(SNAPSHOT, Buffer.from('healthy too'));
    expect([(await vault.get(PACK)).toString(), (await vault.get(SNAPSHOT)).toString()]).toEqual(['healthy', 'healthy too']);
    expect(s3.commandCalls(PutObjectCommand).every((c) => c.args[0].input.ObjectLockLegalHoldStatus === undefined)).toBe(true);
    expect(s3.commandCalls(GetObjectLockConfigurationCommand)).toHaveLength(1);
  });

  // Review rb62B 7: once the bucket was known to have no Object Lock, each repair still asked for the copy's hold.
  it.each([
    ['refused (no s3:GetObjectLegalHold): the lock configuration, read once, says so', true, 1],
    ["answered 'Bucket is missing Object Lock Configuration': that answer says so", false, 0],
  ])('in a bucket without Object Lock, several repairs ask for one legal hold only, the first, %s', async (_, refused, configurationReads) => {
    const vault = store();
    objectLock = false;
    if (refused) s3.on(GetObjectLegalHoldCommand).rejects(s3Error('AccessDenied', 403, 'User is not authorized to perform: s3:GetObjectLegalHold'));
    const keys = [PACK, SNAPSHOT, `data/cd/${'cd'.repeat(32)}`];
    for (const key of keys) await vault.put(key, Buffer.from('damaged'));
    for (const key of keys) await vault.replace(key, Buffer.from(`healthy ${key}`));
    expect(await Promise.all(keys.map(async (key) => (await vault.get(key)).toString()))).toEqual(keys.map((key) => `healthy ${key}`));
    expect([s3.commandCalls(GetObjectLegalHoldCommand).length, s3.commandCalls(GetObjectLockConfigurationCommand).length]).toEqual([1, configurationReads]);
  });

  it('one read of the lock configuration answers both extendRetention (the default mode) and replace (Object Lock or not)', async () => {
    const vault = store();
    s3.on(GetObjectLockConfigurationCommand).resolves({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } });
    s3.on(HeadObjectCommand).resolves({});
    s3.on(PutObjectRetentionCommand).resolves({});
    await vault.put(PACK, Buffer.from('damaged'));
    const until = new Date('2030-01-01T00:00:00Z');
    expect(await vault.extendRetention(PACK, until)).toBe(true);
    expect(s3.commandCalls(PutObjectRetentionCommand).at(-1)?.args[0].input.Retention).toEqual({ Mode: 'GOVERNANCE', RetainUntilDate: until });
    s3.on(GetObjectLegalHoldCommand).rejects(s3Error('AccessDenied', 403, 'User is not authorized to perform: s3:GetObjectLegalHold'));
    await expect(vault.replace(PACK, Buffer.from('healthy'))).rejects.toBeInstanceOf(LegalHoldUnreadError);
    expect((await vault.get(PACK)).toString()).toBe('healthy');
    expect(s3.commandCalls(GetObjectLockConfigurationCommand)).toHaveLength(1);
  });

  it('says the hold could not be carried when the bucket\'s lock configuration cannot be read either, and asks again next time', async () => {
    const vault = store();
    await vault.put(PACK, Buffer.from('damaged'));
    s3.on(GetObjectLegalHoldCommand).rejects(s3Error('AccessDenied', 403, 'User is not authorized to perform: s3:GetObjectLegalHold'));
    s3.on(GetObjectLockConfigurationCommand).rejects(s3Error('AccessDenied', 403, 'User is not authorized to perform: s3:GetBucketObjectLockConfiguration'));
    await expect(vault.replace(PACK, Buffer.from('healthy'))).rejects.toBeInstanceOf(LegalHoldUnreadError);
    await expect(vault.replace(PACK, Buffer.from('healthy'))).rejects.toBeInstanceOf(LegalHoldUnreadError);
    expect((await vault.get(PACK)).toString()).toBe('healthy');
    expect(s3.commandCalls(GetObjectLockConfigurationCommand)).toHaveLength(2);
  });

  // Review r62B F2: credentials that can read the hold but lack s3:PutObjectLegalHold had the write of a held copy
  // refused as a bare AccessDenied, which the scrub called a DR vault in another account or a missing s3:PutObject.
  it('a held copy whose write with the hold is refused (no s3:PutObjectLegalHold): LegalHoldWriteRefusedError, the damaged copy untouched', async () => {
    const vault = store();
    await vault.put(SNAPSHOT, Buffer.from('damaged'));
    await vault.setLegalHold(SNAPSHOT, true);
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: Uint8Array; ObjectLockLegalHoldStatus?: string }) => {
      if (input.ObjectLockLegalHoldStatus !== undefined) throw s3Error('AccessDenied', 403, 'Access Denied');
      addVersion(input.Key, Buffer.from(input.Body), undefined);
      return {};
    });
    const replaced = vault.replace(SNAPSHOT, Buffer.from('healthy'));
    await expect(replaced).rejects.toBeInstanceOf(LegalHoldWriteRefusedError);
    await expect(replaced).rejects.toThrow(`s3://vault: writing object ${SNAPSHOT} with the legal hold its damaged copy has was refused (Access Denied): such a write needs s3:PutObjectLegalHold besides s3:PutObject`);
    expect(versions.get(SNAPSHOT)?.map((v) => [v.body.toString(), v.held])).toEqual([['damaged', true]]);
  });

  // Review r62F F5: any 403 of that write was said to want s3:PutObjectLegalHold, a KMS key's refusal or a bucket
  // policy's deny too. What to do is the caller's to say (the scrub: refusedWriteAdvice, review rb62B 6): the error
  // keeps S3's words as its cause, from which refusalOf reads the action and a policy's explicit deny.
  it.each([
    ['kms:GenerateDataKey', 'User: arn:aws:sts::1:assumed-role/op is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:1:key/k', false, undefined],
    ['s3:PutObjectLegalHold', 'User: arn:aws:sts::1:assumed-role/op is not authorized to perform: s3:PutObjectLegalHold on resource: "arn:aws:s3:::vault/x"', false, undefined],
    ['s3:PutObject', 'User: arn:aws:sts::1:assumed-role/op is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::vault/x" with an explicit deny in a resource-based policy', true, 'resource-based policy'],
    // Review r62O F2: an implicit deny names its kind of policy too (who lifts it).
    ['s3:PutObject', 'User: arn:aws:sts::1:assumed-role/op is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::vault/x" because no VPC endpoint policy allows the s3:PutObject action', false, 'VPC endpoint policy'],
    // Review r63E F3: the resource's ARN (an object's key, any text) comes before AWS's clause, and the first clause
    // found was read: a key could name the kind. The last one, AWS's own, is.
    ['s3:PutObject', 'User: arn:aws:sts::1:assumed-role/op is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::vault/x with an explicit deny in a service control policy" because no identity-based policy allows the s3:PutObject action', false, 'identity-based policy'],
    ['s3:PutObject', 'User: arn:aws:sts::1:assumed-role/op is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::vault/because no VPC endpoint policy allows" with an explicit deny in a resource-based policy', true, 'resource-based policy'],
  ])('a held copy whose write is refused naming %s: LegalHoldWriteRefusedError with S3\'s words, from which refusalOf reads the action', async (action, words, explicitDeny, policy) => {
    const vault = store();
    await vault.put(SNAPSHOT, Buffer.from('damaged'));
    await vault.setLegalHold(SNAPSHOT, true);
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403, words));
    const refused = await vault.replace(SNAPSHOT, Buffer.from('healthy')).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(LegalHoldWriteRefusedError);
    expect((refused as Error).message).toBe(`s3://vault: writing object ${SNAPSHOT} with the legal hold its damaged copy has was refused (${words}): such a write needs s3:PutObjectLegalHold besides s3:PutObject`);
    expect(refusalOf((refused as Error).cause)).toStrictEqual({ action, explicitDeny, policy });
    expect(versions.get(SNAPSHOT)?.map((v) => [v.body.toString(), v.held])).toEqual([['damaged', true]]);
  });

  it('an AccessDenied write of an unheld copy stays the S3 error (no hold was asked for)', async () => {
    const vault = store();
    await vault.put(SNAPSHOT, Buffer.from('damaged'));
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    await expect(vault.replace(SNAPSHOT, Buffer.from('healthy'))).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
