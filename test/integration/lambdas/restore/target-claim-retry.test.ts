import { GetBucketEncryptionCommand, GetPublicAccessBlockCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { resolveRestore, type ResolveRestoreDeps } from '../../../../lambdas/restore/resolve-restore';
import { targetClaimKey } from '../../../../lambdas/restore/target-claim';
import { type Vault } from '../../../../vault/repository/vault';
import { catalogOnDynalite } from '../../../support/catalog-on-dynalite';
import { commitOneObjectSnapshot, ONE_OBJECT_BACKUP as BACKUP, oneObjectBackupDeps } from '../../../support/one-object-backup';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review 42c F1, on the real BackupCatalog (dynalite in this process, as the catalog's conditions run in DynamoDB):
 * a resolve retried after a transient fault that then fails for good released nothing, because the retry shared the
 * claim (its nonce removed) and released by its own nonce; the target was refused to every other restore for the pin's
 * whole time. A retry now takes the claim over, so its failure releases it.
 */
const s3mock = mockClient(S3Client);
const sources: SourceConfig[] = [{ type: 's3', name: 'assets', bucket: 'prod-assets', prefix: '' }];
const NOW = new Date('2026-03-02T00:00:00Z');
const TARGET = { type: 's3', bucket: 'lifeboat-dev-restore-x', prefix: '' } as const;
const KEY = targetClaimKey(TARGET);
let close: () => Promise<void>;
let catalog: BackupCatalog;
let dir: string;
let vault: Vault;
let snapshotId: string;
let listing: 'throttled' | 'not empty' | 'empty';

beforeAll(async () => {
  ({ catalog, close } = await catalogOnDynalite());
  dir = await tempDir('target-claim-retry');
  ({ vault } = await newTestVault(dir));
  snapshotId = await commitOneObjectSnapshot(vault);
  s3mock.on(HeadBucketCommand).resolves({});
  s3mock.on(ListObjectsV2Command).callsFake(() => {
    if (listing === 'throttled') throw Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    return listing === 'not empty' ? { Contents: [{ Key: 'live.txt', Size: 1 }], KeyCount: 1 } : { Contents: [], KeyCount: 0 };
  });
  s3mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });
  s3mock.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
}, 30_000);

afterAll(async () => {
  s3mock.restore();
  await close?.();
  await removeDir(dir);
});

function deps(nonces: string[]): ResolveRestoreDeps {
  return { ...oneObjectBackupDeps(vault, snapshotId, sources), claim: { catalog, seconds: 86_400, nonce: () => nonces.shift() ?? 'n-extra' }, now: () => NOW };
}

const request = { source: 'assets', backupId: BACKUP, target: { type: 's3', bucket: TARGET.bucket } };

it('a retried resolve takes its claim over (its nonce, the first `at`): its failure for good releases it, and the next restore gets the target', async () => {
  const d = deps(['n-1', 'n-2', 'n-3']);
  listing = 'throttled';
  await expect(resolveRestore(request, 'R1', d)).rejects.toMatchObject({ name: 'SlowDown' });
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'R1', nonce: 'n-1', at: NOW.toISOString() });
  listing = 'not empty';
  await expect(resolveRestore(request, 'R1', d)).rejects.toMatchObject({ name: 'RestoreTargetNotEmptyError' });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
  listing = 'empty';
  await expect(resolveRestore(request, 'R2', d)).resolves.toMatchObject({ restoreId: 'R2' });
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'R2', nonce: 'n-3' });
  expect(await catalog.releaseTarget(KEY, 'R2')).toBe(true);
});

it('the invocation a retry took the claim from cannot release it: only the owner (the latest) or the end of the restore', async () => {
  const at = '2026-03-02T00:00:00.000Z';
  const claim = (nonce: string, until: string) => ({ restoreId: 'R3', target: 's3://lifeboat-dev-restore-x/', at, until, nonce });
  expect(await catalog.claimTarget(KEY, claim('first', '2026-03-03T00:00:00.000Z'), NOW)).toBeUndefined();
  expect(await catalog.claimTarget(KEY, claim('retry', '2026-03-03T00:05:00.000Z'), NOW)).toBeUndefined();
  expect(await catalog.targetClaim(KEY)).toEqual(claim('retry', '2026-03-03T00:05:00.000Z'));
  expect(await catalog.releaseTarget(KEY, 'R3', { nonce: 'first' })).toBe(false);
  expect(await catalog.claimTarget(KEY, { ...claim('other', '2026-03-03T00:00:00.000Z'), restoreId: 'R4' }, NOW)).toMatchObject({ restoreId: 'R3' });
  expect(await catalog.releaseTarget(KEY, 'R3', { nonce: 'retry' })).toBe(true);
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
});

// Review 42d F1: a retried point-in-time resolve may pick a backup committed since the first invocation; the claim must
// name the backup the latest invocation pinned, which the Release restore step unpins.
it('a takeover records the backup the retry resolved, not the first invocation\'s', async () => {
  const key = targetClaimKey({ type: 'dynamodb', table: 'lifeboat-dev-restore-pit' });
  const claim = { restoreId: 'r-pit', target: 'dynamodb table lifeboat-dev-restore-pit', at: NOW.toISOString(), until: '2026-03-03T00:00:00.000Z' };
  expect(await catalog.claimTarget(key, { ...claim, nonce: 'first', backupId: 'W' }, NOW)).toBeUndefined();
  expect(await catalog.claimTarget(key, { ...claim, nonce: 'retry', backupId: 'X' }, NOW)).toBeUndefined();
  expect(await catalog.targetClaim(key)).toMatchObject({ restoreId: 'r-pit', nonce: 'retry', backupId: 'X' });
  expect(await catalog.releaseTarget(key, 'r-pit')).toBe(true);
});
