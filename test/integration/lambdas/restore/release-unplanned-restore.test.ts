import { type SourceConfig } from '../../../../config/lifeboat-config';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
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
let unpinned: string[];

beforeAll(async () => {
  ({ catalog, close } = await catalogOnDynalite());
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
