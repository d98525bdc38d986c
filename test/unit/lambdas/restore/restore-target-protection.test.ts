import {
  GetBucketEncryptionCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { RestoreTargetUnprotectedError } from '../../../../lambdas/restore/restore-errors';
import { resolveRestore, type ResolveRestoreDeps } from '../../../../lambdas/restore/resolve-restore';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { type Vault } from '../../../../vault/repository/vault';
import { commitOneObjectSnapshot, ONE_OBJECT_BACKUP as BACKUP, oneObjectBackupDeps } from '../../../support/one-object-backup';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Issue 13, item 7: an S3 restore target without default encryption or with public access not blocked
 * (all four settings, bucket level) is refused before anything is written, naming the bucket and what
 * it lacks, unless the request sets "allowUnprotectedTarget": true.
 */
const sources: SourceConfig[] = [
  { type: 's3', name: 'assets', bucket: 'prod-assets', prefix: '' },
  { type: 'dynamodb', name: 'orders', table: 'prod-orders' },
];
const TARGET = 'lifeboat-dev-restore-assets';
const ALL_BLOCKED = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const SSE_S3 = { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const } }] } };

const s3mock = mockClient(S3Client);
let dir: string;
let vault: Vault;
let snapshotId: string;

beforeAll(async () => {
  dir = await tempDir('restore-target-protection');
  ({ vault } = await newTestVault(dir));
  snapshotId = await commitOneObjectSnapshot(vault);
});
afterAll(() => removeDir(dir));
beforeEach(() => {
  s3mock.reset();
  s3mock.on(HeadBucketCommand).resolves({});
  s3mock.on(ListObjectsV2Command).resolves({ Contents: [] });
  s3mock.on(GetBucketEncryptionCommand).resolves(SSE_S3);
  s3mock.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: ALL_BLOCKED });
});

function deps(): ResolveRestoreDeps {
  return oneObjectBackupDeps(vault, snapshotId, sources);
}

const request = (extra: Record<string, unknown> = {}) => ({ source: 'assets', backupId: BACKUP, target: { type: 's3', bucket: TARGET }, ...extra });

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

// The mock answers before the client's middleware runs: ExpectedBucketOwner on these calls is shown against the local S3 (security-guards.test.ts).
it('resolves a target with default encryption and all four Block Public Access settings, reading both of the target bucket', async () => {
  await expect(resolveRestore(request(), 'r-1', deps())).resolves.toMatchObject({ target: { type: 's3', bucket: TARGET } });
  expect(s3mock.commandCalls(GetBucketEncryptionCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: TARGET }]);
  expect(s3mock.commandCalls(GetPublicAccessBlockCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: TARGET }]);
});

it('refuses a target without a public access block configuration, naming the bucket and what is missing; nothing is written', async () => {
  s3mock.on(GetPublicAccessBlockCommand).rejects(s3Error('NoSuchPublicAccessBlockConfiguration', 404));
  const refused = resolveRestore(request(), 'r-2', deps());
  await expect(refused).rejects.toBeInstanceOf(RestoreTargetUnprotectedError);
  await expect(refused).rejects.toMatchObject({
    bucket: TARGET,
    missing: ['Block Public Access (the bucket has no public access block configuration)'],
    message: expect.stringMatching(new RegExp(`^Invalid restore request: target\\.bucket: bucket ${TARGET} lacks Block Public Access .*"allowUnprotectedTarget": true`)),
  });
  expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(0);
});

it('names each Block Public Access setting that is off, and missing default encryption', async () => {
  s3mock.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { ...ALL_BLOCKED, BlockPublicPolicy: false, RestrictPublicBuckets: false } });
  s3mock.on(GetBucketEncryptionCommand).rejects(s3Error('ServerSideEncryptionConfigurationNotFoundError', 404));
  await expect(resolveRestore(request(), 'r-3', deps())).rejects.toMatchObject({
    name: 'RestoreTargetUnprotectedError',
    missing: ['default encryption (GetBucketEncryption: ServerSideEncryptionConfigurationNotFoundError)', 'Block Public Access (BlockPublicPolicy, RestrictPublicBuckets not on)'],
  });
});

it('restores into an unprotected target when the request sets "allowUnprotectedTarget": true, without reading its settings', async () => {
  s3mock.on(GetPublicAccessBlockCommand).rejects(s3Error('NoSuchPublicAccessBlockConfiguration', 404));
  await expect(resolveRestore(request({ allowUnprotectedTarget: true }), 'r-4', deps())).resolves.toMatchObject({ target: { type: 's3', bucket: TARGET } });
  expect(s3mock.commandCalls(GetPublicAccessBlockCommand)).toHaveLength(0);
});

it('checks the original bucket too (an overwrite restore)', async () => {
  s3mock.on(GetPublicAccessBlockCommand).rejects(s3Error('NoSuchPublicAccessBlockConfiguration', 404));
  await expect(resolveRestore({ ...request(), target: { type: 's3', bucket: 'prod-assets' }, overwrite: true }, 'r-5', deps())).rejects.toMatchObject({ name: 'RestoreTargetUnprotectedError', bucket: 'prod-assets' });
});

it('passes other errors through: a denied read is not a missing setting', async () => {
  s3mock.on(GetBucketEncryptionCommand).rejects(s3Error('AccessDenied', 403));
  await expect(resolveRestore(request(), 'r-6', deps())).rejects.toMatchObject({ name: 'AccessDenied' });
});

it('refuses "allowUnprotectedTarget" for a target that is not a bucket', async () => {
  const refused = resolveRestore({ source: 'orders', backupId: BACKUP, target: { type: 'dynamodb', table: 'lifeboat-dev-restore-orders' }, allowUnprotectedTarget: true }, 'r-7', deps());
  await expect(refused).rejects.toBeInstanceOf(InvalidInputError);
  await expect(refused).rejects.toThrow('allowUnprotectedTarget: applies to S3 targets only');
});
