import { GetBucketEncryptionCommand, GetPublicAccessBlockCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { type TargetClaim } from '../../../../lambdas/catalog/backup-catalog';
import { releaseDrillPins } from '../../../../lambdas/drill/drill-pins';
import { resolveRestore, type ResolveRestoreDeps } from '../../../../lambdas/restore/resolve-restore';
import { releaseRestorePin } from '../../../../lambdas/restore/restore-pin';
import { targetClaimKey } from '../../../../lambdas/restore/target-claim';
import { TransientError } from '../../../../lambdas/runtime/errors';
import { type Vault } from '../../../../vault/repository/vault';
import { commitOneObjectSnapshot, ONE_OBJECT_BACKUP as BACKUP, oneObjectBackupDeps } from '../../../support/one-object-backup';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** Audit R22 F1: the resolve step claims its target (target-claim.ts) before it checks it, and releases it by the pin's rules. */
const sources: SourceConfig[] = [{ type: 's3', name: 'assets', bucket: 'prod-assets', prefix: '' }];
const s3mock = mockClient(S3Client);
const NOW = new Date('2026-03-02T00:00:00Z');
let dir: string;
let vault: Vault;
let snapshotId: string;

beforeAll(async () => {
  dir = await tempDir('resolve-restore-claim');
  ({ vault } = await newTestVault(dir));
  snapshotId = await commitOneObjectSnapshot(vault);
});
afterAll(() => removeDir(dir));

/** A claim store as BackupCatalog keeps it, recording every call and the S3 calls between them in `events`. */
function claims(holder?: TargetClaim) {
  const events: string[] = [];
  const store = new Map<string, TargetClaim>(holder ? [[targetClaimKey({ type: 's3', bucket: 'lifeboat-dev-restore-x', prefix: '' }), holder]] : []);
  s3mock.reset();
  s3mock.on(HeadBucketCommand).callsFake(() => (events.push('check target'), {}));
  s3mock.on(ListObjectsV2Command).resolves({ Contents: [] });
  s3mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });
  s3mock.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
  const catalog = {
    claimTarget: (key: string, claim: TargetClaim) => {
      events.push(`claim ${key} ${claim.restoreId} until ${claim.until}`);
      const there = store.get(key);
      if (there && there.restoreId !== claim.restoreId) return Promise.resolve(there);
      // A retry of the same restore takes the claim over: its nonce and until, the first claim's `at`.
      store.set(key, there ? { ...there, until: claim.until, ...(claim.nonce !== undefined ? { nonce: claim.nonce } : {}) } : claim);
      return Promise.resolve(undefined);
    },
    releaseTarget: (key: string, restoreId: string, onlyIf: { nonce?: string | undefined } = {}) => {
      events.push(`release ${key} ${restoreId} nonce ${onlyIf.nonce ?? '-'}`);
      const there = store.get(key);
      if (!there || there.restoreId !== restoreId || (onlyIf.nonce !== undefined && there.nonce !== onlyIf.nonce)) return Promise.resolve(false);
      return Promise.resolve(store.delete(key));
    },
  };
  return { events, store, catalog };
}

function deps(catalog: ReturnType<typeof claims>['catalog']): ResolveRestoreDeps {
  return { ...oneObjectBackupDeps(vault, snapshotId, sources), claim: { catalog, seconds: 86_400, nonce: () => 'n-1' }, now: () => NOW };
}

const request = (overwrite = false) => ({ source: 'assets', backupId: BACKUP, target: { type: 's3', bucket: 'lifeboat-dev-restore-x' }, overwrite });
const KEY = 's3#lifeboat-dev-restore-x';

it('claims its restore id, then the target (the bucket), for the restore workflow\'s timeout before checking it, overwrite or not', async () => {
  for (const overwrite of [false, true]) {
    const { events, store, catalog } = claims();
    await resolveRestore(request(overwrite), 'exec-1', deps(catalog));
    expect(events).toEqual([`claim restore#exec-1 exec-1 until 2026-03-03T00:00:00.000Z`, `claim ${KEY} exec-1 until 2026-03-03T00:00:00.000Z`, 'check target']);
    expect(store.get(KEY)).toEqual({ restoreId: 'exec-1', target: 's3://lifeboat-dev-restore-x/', at: NOW.toISOString(), until: '2026-03-03T00:00:00.000Z', nonce: 'n-1', backupId: BACKUP });
  }
});

it('refuses a target another restore holds, naming it, when it started and what to do; checks nothing and releases only its restore id\'s claim', async () => {
  const holder = { restoreId: 'exec-other', target: 's3://lifeboat-dev-restore-x/', at: '2026-03-01T23:50:00.000Z', until: '2026-03-02T23:50:00.000Z' };
  const { events, store, catalog } = claims(holder);
  await expect(resolveRestore(request(true), 'exec-1', deps(catalog))).rejects.toMatchObject({
    name: 'RestoreTargetClaimedError',
    message:
      'Invalid restore request: target: s3://lifeboat-dev-restore-x/ is being restored by restore exec-other (a restore runbook execution\'s name, or that name made safe when it has characters other than letters, digits, - and _: docs/RUNBOOKS.md; a failover\'s restores are named <its execution>-<source>, a drill\'s <its drill id>-<source>), ' +
      'which claimed it at 2026-03-01T23:50:00.000Z; two restores into one target would leave it a mix of both backups. Wait for that restore to end (its claim is released when it is verified or abandoned, ' +
      'and lapses at 2026-03-02T23:50:00.000Z at the latest) and start again, or choose another target (a failover: another "targetSuffix")',
  });
  expect(events).toEqual([`claim restore#exec-1 exec-1 until 2026-03-03T00:00:00.000Z`, `claim ${KEY} exec-1 until 2026-03-03T00:00:00.000Z`, 'release restore#exec-1 exec-1 nonce n-1']);
  expect(store.get(KEY)).toEqual(holder);
  expect(store.size).toBe(1);
});

it('a resolve that fails for good releases its own claim (by its nonce); one the workflow retries keeps it', async () => {
  const { events, store, catalog } = claims();
  s3mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'live.txt' }] });
  await expect(resolveRestore(request(), 'exec-1', deps(catalog))).rejects.toMatchObject({ name: 'RestoreTargetNotEmptyError' });
  expect(events.slice(-2)).toEqual([`release ${KEY} exec-1 nonce n-1`, 'release restore#exec-1 exec-1 nonce n-1']);
  expect(store.size).toBe(0);

  s3mock.on(ListObjectsV2Command).rejects(new TransientError('Rate exceeded'));
  await expect(resolveRestore(request(), 'exec-2', deps(catalog))).rejects.toMatchObject({ name: 'TransientError' });
  expect(store.get(KEY)?.restoreId).toBe('exec-2');
});

it('verify, abandon and a drill\'s cleanup release the claim with the pin, whatever the vault; a release that fails is logged', async () => {
  const { events, catalog } = claims();
  const unpinned: string[] = [];
  const warnings: string[] = [];
  const release = releaseRestorePin({ ...catalog, unpinBackup: (b: string, r: string) => Promise.resolve(unpinned.push(`${b} ${r}`) > 0) }, 'primary', (m) => warnings.push(m));
  await release({ restoreId: 'r-1', backupId: BACKUP, vault: 'dr', target: { type: 'dynamodb', table: 'lifeboat-dev-restore-t' } });
  await releaseDrillPins(
    { vault: 'primary', backup: { backupId: BACKUP, startedAt: '2026-03-01T10:00:00.000Z' }, restores: [{ restoreId: 'd-assets', request: { ...request(), target: { type: 's3', bucket: 'lifeboat-dev-drill-x', prefix: '' }, keepSetIdBits: false, vault: 'primary', allowUnprotectedTarget: false } as never }] },
    release,
  );
  expect(unpinned).toEqual([`${BACKUP} d-assets`]);
  expect(events).toEqual(['release dynamodb#lifeboat-dev-restore-t r-1 nonce -', 'release restore#r-1 r-1 nonce -', 'release s3#lifeboat-dev-drill-x d-assets nonce -', 'release restore#d-assets d-assets nonce -']);
  const failing = releaseRestorePin({ unpinBackup: () => Promise.resolve(true), releaseTarget: () => Promise.reject(new Error('denied')) }, 'primary', (m) => warnings.push(m));
  await expect(failing({ restoreId: 'r-2', backupId: BACKUP, vault: 'primary', target: { type: 'filesystem', path: '/mnt/x' } })).resolves.toBeUndefined();
  expect(warnings).toEqual(['Could not release the claim of restore r-2 on directory /mnt/x (Error: denied); other restores into it are refused until the claim\'s time has passed.']);
});
