import { type SourceConfig } from '../../../../config/lifeboat-config';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FailoverGrantLog } from '../../../../lambdas/failover/failover-grant';
import { catalogOnDynalite } from '../../../support/catalog-on-dynalite';
import { releaseUnplannedRestore } from '../../../../lambdas/restore/release-unplanned-restore';
import { releaseRestorePin } from '../../../../lambdas/restore/restore-pin';
import { claimRestoreTarget, targetClaimKey } from '../../../../lambdas/restore/target-claim';

/**
 * Review 42c F2: a restore whose resolve failed for good after its retries (or timed out, or crashed) kept its claim
 * and pin, and nothing released them: the failure path's "Release restore" step (release-unplanned-restore.ts) does,
 * on the real BackupCatalog (dynalite in this process), whatever nonce the last invocation left, and only its own.
 */
const sources: SourceConfig[] = [{ type: 's3', name: 'assets', bucket: 'prod-assets', prefix: '' }];
const NOW = new Date('2026-03-02T00:00:00Z');
const BUCKET = 'lifeboat-dev-restore-y';
const KEY = targetClaimKey({ type: 's3', bucket: BUCKET, prefix: '' });
let close: () => Promise<void>;
let catalog: BackupCatalog;
let documents: DynamoDBDocumentClient;
let unpinned: string[];

beforeAll(async () => {
  ({ catalog, documents, close } = await catalogOnDynalite());
}, 30_000);

afterAll(async () => {
  await close?.();
});

const deps = () => {
  unpinned = [];
  // The pin side is the catalog's own (restore-pins.test.ts); here only which backup and restore it is asked for.
  const release = releaseRestorePin({ releaseTarget: (k, r, o) => catalog.releaseTarget(k, r, o), unpinBackup: (b, r) => Promise.resolve(unpinned.push(`${b} ${r}`) > 0) }, 'primary', () => undefined);
  return { sources, homeVault: 'primary' as const, catalog, releasePin: release };
};
const claim = (restoreId: string, backupId: string) => claimRestoreTarget({ type: 's3', bucket: BUCKET, prefix: '' }, restoreId, NOW, { catalog, seconds: 86_400 }, { nonce: `nonce-of-${restoreId}`, backupId });

it('releases the claim its last resolve invocation kept (whatever its nonce) and unpins the backup the request names', async () => {
  await claim('R1', '20260301T100000Z-1a2b3c4d');
  const request = { source: 'assets', backupId: '20260301T100000Z-1a2b3c4d', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R1', request }, deps())).resolves.toEqual({ restoreId: 'R1', claimReleased: true });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
  expect(unpinned).toEqual(['20260301T100000Z-1a2b3c4d R1']);
});

it('a child (its execution given) releases a claim of its restore id taken before claims named their execution (review r18-F2)', async () => {
  await claim('R-legacy', '20260301T100000Z-5e6f7a8b');
  expect((await catalog.targetClaim(KEY))?.execution).toBeUndefined();
  const request = { source: 'assets', backupId: '20260301T100000Z-5e6f7a8b', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R-legacy', request, execution: 'arn:child-after-upgrade' }, deps())).resolves.toEqual({ restoreId: 'R-legacy', claimReleased: true });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
  expect(unpinned).toEqual(['20260301T100000Z-5e6f7a8b R-legacy']);
});

it('another execution with a running child\'s restore id is refused the claim, and its release leaves it (review r18 F1)', async () => {
  const target = { type: 's3' as const, bucket: BUCKET, prefix: '' };
  const claimBy = (execution: string, nonce: string) => claimRestoreTarget(target, 'R-run', NOW, { catalog, seconds: 86_400, execution }, { nonce, backupId: '20260301T100000Z-9c8d7e6f' });
  await claimBy('arn:child-legit', 'n1');
  await expect(claimBy('arn:child-hand', 'n2')).rejects.toThrow(/claimed/i);
  await claimBy('arn:child-legit', 'n3');
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'R-run', execution: 'arn:child-legit', nonce: 'n3' });
  const request = { source: 'assets', backupId: '20260301T100000Z-9c8d7e6f', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R-run', request, execution: 'arn:child-hand' }, deps())).resolves.toEqual({ restoreId: 'R-run', claimReleased: false });
  await expect(releaseUnplannedRestore({ restoreId: 'R-run', request, execution: 'arn:child-legit' }, deps())).resolves.toEqual({ restoreId: 'R-run', claimReleased: true });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
});

it('a request by pointInTime: unpins the backup the claim records', async () => {
  await claim('R2', 'B-2');
  const request = { source: 'assets', pointInTime: '2026-03-01T12:00:00Z', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R2', request }, deps())).resolves.toEqual({ restoreId: 'R2', claimReleased: true });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
  expect(unpinned).toEqual(['B-2 R2']);
});

it('leaves another restore\'s claim (a restore refused by it), and does nothing for a request resolve refused as invalid', async () => {
  await claim('R-holder', 'B-3');
  const request = { source: 'assets', pointInTime: '2026-03-01T12:00:00Z', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R-refused', request }, deps())).resolves.toEqual({ restoreId: 'R-refused', claimReleased: false });
  await expect(releaseUnplannedRestore({ restoreId: 'R-refused', request: { source: 'nope', target: { type: 's3', bucket: BUCKET } } }, deps())).resolves.toEqual({ restoreId: 'R-refused', claimReleased: false });
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'R-holder', backupId: 'B-3' });
  expect(unpinned).toEqual([]);
  expect(await catalog.releaseTarget(KEY, 'R-holder')).toBe(true);
});

// Review r15-F1: a failover child started by hand with a running child's { request, restoreId } is refused for want of
// a grant, and its failure path still runs Release restore with that payload: it released the running child's claim
// and unpinned its backup. A restore-source child's claim records its execution; the release ends only its own.
it('a restore-source child releases only the claim its own execution took: a refused replay of a running child\'s restore leaves its claim and pin', async () => {
  const target = { type: 's3' as const, bucket: BUCKET, prefix: '' };
  const request = { source: 'assets', backupId: '20260301T100000Z-1a2b3c4d', target, overwrite: false };
  const grants = new FailoverGrantLog(documents, 'catalog');
  await grants.grant([{ restoreId: 'fo-exec1-assets', request }], 'arn:parent', NOW, 3600);
  // The failover's own child takes the grant, then the claim (its pin is the catalog's; see deps).
  await grants.claim('fo-exec1-assets', request, 'arn:child-legit', NOW, 'lifeboat-dev-failover');
  await claimRestoreTarget(target, 'fo-exec1-assets', NOW, { catalog, seconds: 86_400, execution: 'arn:child-legit' }, { nonce: 'n1', backupId: request.backupId });
  // Review r15-F2: whoever starts the granted request first takes the grant; the refusal says who may have been the hand.
  await expect(grants.claim('fo-exec1-assets', request, 'arn:child-hand', NOW, 'lifeboat-dev-failover')).rejects.toMatchObject({
    name: 'InvalidInputError',
    message: expect.stringContaining('already ran as arn:child-legit; if that execution was not started by failover execution arn:parent, someone started it by hand'),
  });
  const d = deps();
  await expect(releaseUnplannedRestore({ restoreId: 'fo-exec1-assets', request, execution: 'arn:child-hand' }, d)).resolves.toEqual({ restoreId: 'fo-exec1-assets', claimReleased: false });
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'fo-exec1-assets', execution: 'arn:child-legit' });
  expect(unpinned).toEqual([]);
  // The child that took it, failing before its plan, still releases both.
  await expect(releaseUnplannedRestore({ restoreId: 'fo-exec1-assets', request, execution: 'arn:child-legit' }, d)).resolves.toEqual({ restoreId: 'fo-exec1-assets', claimReleased: true });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
  expect(unpinned).toEqual([`${request.backupId} fo-exec1-assets`]);
});
