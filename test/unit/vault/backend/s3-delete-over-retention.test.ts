import { DeleteObjectCommand, HeadObjectCommand, type HeadObjectCommandOutput, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { ObjectLockedError } from '../../../../vault/vault-errors';

/**
 * S3VaultStore.delete on a bucket with Object Lock, against a fake S3 answering as AWS does to a caller allowed
 * s3:GetObjectRetention and s3:GetObjectLegalHold: a plain delete of a retained object is refused before any
 * DeleteObject (S3 would hide it behind a delete marker); with `overRetention` the DeleteObject is sent (the delete
 * marker is the point: the failed backup's own snapshot, lambdas/backup/commit-backup.ts), except under a legal hold.
 */
const s3 = mockClient(S3Client);
const KEY = 'snapshots/0123abcd';
const RETAINED: HeadObjectCommandOutput = { $metadata: {}, ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000) };
let head: HeadObjectCommandOutput | undefined;
let deletes: string[];

beforeEach(() => {
  s3.reset();
  deletes = [];
  s3.on(HeadObjectCommand).callsFake(() => {
    if (head === undefined) throw new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'NotFound' });
    return head;
  });
  s3.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
    deletes.push(input.Key);
    return {};
  });
});

const store = (): S3VaultStore => new S3VaultStore({ client: new S3Client({ region: 'us-east-1' }), bucket: 'vault', prefix: 'p' });

it('refuses a plain delete of a retained object without sending it, and sends the DeleteObject (a delete marker) with overRetention', async () => {
  head = RETAINED;
  const refused = await store().delete(KEY).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(refused).toBeInstanceOf(ObjectLockedError);
  expect((refused as Error).message).toBe(`s3://vault/p: object ${KEY} is locked (GOVERNANCE until ${RETAINED.ObjectLockRetainUntilDate?.toISOString()}); it can be deleted once its retention has passed and no legal hold is set`);
  expect(deletes).toEqual([]);
  await store().delete(KEY, { overRetention: true });
  expect(deletes).toEqual([`p/${KEY}`]);
});

it('refuses a delete over retention of an object under a legal hold, retained or not, and sends nothing', async () => {
  for (const locked of [{ ...RETAINED, ObjectLockLegalHoldStatus: 'ON' as const }, { $metadata: {}, ObjectLockLegalHoldStatus: 'ON' as const }]) {
    head = locked;
    await expect(store().delete(KEY, { overRetention: true })).rejects.toThrow(`s3://vault/p: object ${KEY} is locked (a legal hold is set)`);
  }
  expect(deletes).toEqual([]);
});

it('reports an endpoint that refuses the delete over retention (one version per key: the local cloud) as ObjectLockedError saying why', async () => {
  head = RETAINED;
  s3.on(DeleteObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied because object protected by object lock (GOVERNANCE)' }));
  await expect(store().delete(KEY, { overRetention: true })).rejects.toThrow(
    `s3://vault/p: object ${KEY} is locked (S3 refused the delete: this endpoint keeps one version per key, so it cannot hide a retained object behind a delete marker)`,
  );
});

it('does nothing for an absent object, with or without overRetention', async () => {
  head = undefined;
  await store().delete(KEY, { overRetention: true });
  await store().delete(KEY);
  expect(deletes).toEqual([]);
});
