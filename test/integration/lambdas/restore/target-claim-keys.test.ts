import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { claimRestoreTarget, releaseRestoreTarget, targetClaimKey } from '../../../../lambdas/restore/target-claim';
import { catalogOnDynalite } from '../../../support/catalog-on-dynalite';

/** Target claim keys on the real BackupCatalog (dynalite in this process, which enforces DynamoDB's key sizes). */
const NOW = new Date('2026-03-02T00:00:00Z');
let close: () => Promise<void>;
let catalog: BackupCatalog;

beforeAll(async () => {
  ({ catalog, close } = await catalogOnDynalite());
}, 30_000);
afterAll(() => close?.());

const deps = () => ({ catalog, seconds: 3600 });

it('a directory path over 512 bytes is keyed by its SHA-256: a 2,300-byte path is claimed, refused to another restore by its readable path, and released (review 42c F5)', async () => {
  const path = `/mnt/lifeboat/${'d'.repeat(250)}/`.repeat(9).replace(/\/+$/, '').slice(0, 2300);
  expect(Buffer.byteLength(path)).toBe(2300);
  const target = { type: 'filesystem', path } as const;
  expect(targetClaimKey(target)).toMatch(/^filesystem#sha256:[0-9a-f]{64}$/);
  expect(targetClaimKey({ type: 'filesystem', path: `${path}/` })).toBe(targetClaimKey(target));
  await claimRestoreTarget(target, 'R-long', NOW, deps());
  await expect(claimRestoreTarget(target, 'R-other', NOW, deps())).rejects.toMatchObject({ name: 'RestoreTargetClaimedError', message: expect.stringContaining(`directory ${path} is being restored by restore R-long`) });
  expect(await releaseRestoreTarget(catalog, target, 'R-long')).toBe(true);
  expect(await catalog.targetClaim(targetClaimKey(target))).toBeUndefined();
});

it('a path of up to 512 bytes keeps its readable key', () => {
  const path = `/${'p'.repeat(511)}`;
  expect(targetClaimKey({ type: 'filesystem', path })).toBe(`filesystem#${path}`);
  expect(targetClaimKey({ type: 'filesystem', path: `${path}q` })).toMatch(/^filesystem#sha256:/);
});
