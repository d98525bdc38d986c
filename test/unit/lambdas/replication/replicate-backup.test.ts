import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type PrimaryCatalog, replicateBackup } from '../../../../lambdas/replication/replicate-backup';
import { backupDirectory, FileVaultStore, PassphraseKeyProvider, snapshotKey } from '../../../../vault';
import { listedKeys, newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * The Replicate step over two directory vaults and in-memory catalogs: the snapshots of backups the
 * DR catalog marks forgotten (any plan of the environment) are not copied back; the others are, and
 * the DR catalog's forgotten record is left as it is.
 */

/** The catalog calls replication makes, over a map. */
class MemoryCatalog implements PrimaryCatalog, Pick<BackupCatalog, 'putRebuiltBackup' | 'indexCommittedBackup'> {
  readonly records = new Map<string, BackupRecord>();
  getBackup(backupId: string): Promise<BackupRecord | undefined> {
    return Promise.resolve(this.records.get(backupId));
  }
  listBackupsOfPlan(plan: string): Promise<BackupRecord[]> {
    return Promise.resolve([...this.records.values()].filter((r) => r.plan === plan));
  }
  markCopied(backupId: string): Promise<boolean> {
    const record = this.records.get(backupId);
    if (!record || record.copies?.dr === 'COMMITTED') return Promise.resolve(false);
    this.records.set(backupId, { ...record, copies: { primary: 'COMMITTED', dr: 'COMMITTED' } });
    return Promise.resolve(true);
  }
  putRebuiltBackup(record: BackupRecord): Promise<boolean> {
    if (this.records.has(record.backupId)) return Promise.resolve(false);
    this.records.set(record.backupId, record);
    return Promise.resolve(true);
  }
  indexCommittedBackup(): Promise<void> {
    return Promise.resolve();
  }
}

const recordOf = (backupId: string, plan: string, snapshotId: string, startedAt: string): BackupRecord => ({
  backupId,
  plan,
  environment: 'dev',
  sourceNames: ['src'],
  sources: [{ name: 'src', type: 'filesystem', snapshotId, rootHash: '', entries: 0, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 }],
  strategy: 'full',
  status: 'COMMITTED',
  startedAt,
  shardCount: 1,
});

let dir: string;
afterEach(async () => removeDir(dir));

it('skips the snapshots the DR catalog marks forgotten, in any plan, and copies and records the others', async () => {
  dir = await tempDir('replicate-backup');
  const { vault: source } = await newTestVault(dir);
  const target = new FileVaultStore(path.join(dir, 'dr'), { durable: false });
  const src = path.join(dir, 'src');
  await fs.mkdir(src, { recursive: true });
  const catalog = new MemoryCatalog();
  const drCatalog = new MemoryCatalog();
  const snapshotOf = async (seed: number): Promise<string> => {
    await fs.writeFile(path.join(src, `file-${seed}.bin`), pseudoRandomBytes(20_000, seed));
    return (await backupDirectory(source, src, { parent: null })).snapshot.id;
  };
  // Plan "other" has a backup the DR vault's retention forgot (its snapshot already deleted there).
  const forgotten = recordOf('o-1', 'other', await snapshotOf(1), '2026-03-01T00:00:00.000Z');
  catalog.records.set('o-1', { ...forgotten, copies: { primary: 'COMMITTED', dr: 'COMMITTED' } });
  drCatalog.records.set('o-1', { ...forgotten, copies: { primary: 'COMMITTED', dr: 'COMMITTED' }, forgottenAt: '2026-03-05T00:00:00.000Z' });
  const current = recordOf('f-2', 'files', await snapshotOf(2), '2026-03-06T00:00:00.000Z');
  catalog.records.set('f-2', current);

  const report = await replicateBackup(
    { backupId: 'f-2' },
    { source, target, targetKeys: new PassphraseKeyProvider('dr key', { N: 1024, r: 8, p: 1 }), catalog, drCatalog, plans: ['files', 'other'] },
  );
  expect(report).toMatchObject({ complete: true, backupsCopied: 1, snapshotsSkipped: 1, drCatalogWritten: 1 });
  expect(await listedKeys(target, 'snapshots/')).toEqual([snapshotKey(current.sources[0]?.snapshotId ?? '')]);
  expect(drCatalog.records.get('o-1')?.forgottenAt).toBe('2026-03-05T00:00:00.000Z');
  expect(drCatalog.records.get('f-2')?.copies).toEqual({ primary: 'COMMITTED', dr: 'COMMITTED' });
  expect(catalog.records.get('f-2')?.copies?.dr).toBe('COMMITTED');

  // Without the other plan's name, its forgotten backup would be copied back: every plan is read.
  const unaware = await replicateBackup({ backupId: 'f-2' }, { source, target, targetKeys: new PassphraseKeyProvider('dr key', { N: 1024, r: 8, p: 1 }), catalog, drCatalog, plans: ['files'] });
  expect(unaware.snapshotsSkipped).toBeUndefined();
  expect(await listedKeys(target, 'snapshots/')).toHaveLength(2);
});
