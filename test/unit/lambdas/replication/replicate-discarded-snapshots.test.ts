import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { replicateBackup } from '../../../../lambdas/replication/replicate-backup';
import { backupDirectory, FileVaultStore, PassphraseKeyProvider, snapshotKey } from '../../../../vault';
import { catalogRecord, MemoryPrimaryCatalog } from './memory-primary-catalog';
import { listedKeys, newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * The Replicate step leaves out a snapshot the primary vault still holds of a backup the primary catalog records FAILED
 * (its run's cleanup could not delete it: Object Lock, a legal hold, the local cloud), as the scrub does (review r7 F3):
 * it is not copied to the DR vault; a snapshot a COMMITTED record names is, whatever its tag says.
 */

const MemoryCatalog = MemoryPrimaryCatalog;
const recordOf = (backupId: string, status: BackupRecord['status'], snapshotIds: readonly string[]): BackupRecord => catalogRecord(backupId, status, snapshotIds);

let dir: string;
afterEach(async () => removeDir(dir));

it('does not copy a FAILED backup\'s snapshot its cleanup left in the primary vault; copies it once a COMMITTED record names it', async () => {
  dir = await tempDir('replicate-failed');
  const { vault: source } = await newTestVault(dir);
  const target = new FileVaultStore(path.join(dir, 'dr'), { durable: false });
  const src = path.join(dir, 'src');
  await fs.mkdir(src, { recursive: true });
  const snapshotOf = async (seed: number, backupId: string): Promise<string> => {
    await fs.writeFile(path.join(src, `file-${seed}.bin`), pseudoRandomBytes(20_000, seed));
    return (await backupDirectory(source, src, { parent: null, tags: [`backupId:${backupId}`, 'plan:files'] })).snapshot.id;
  };
  const catalog = new MemoryCatalog();
  const failed = await snapshotOf(1, 'b-failed');
  catalog.records.set('b-failed', recordOf('b-failed', 'FAILED', []));
  const committed = await snapshotOf(2, 'b-ok');
  catalog.records.set('b-ok', recordOf('b-ok', 'COMMITTED', [committed]));
  const targetKeys = new PassphraseKeyProvider('dr key', { N: 1024, r: 8, p: 1 });

  const report = await replicateBackup({ backupId: 'b-ok' }, { source, target, targetKeys, catalog, plans: ['files'] });
  expect(report).toMatchObject({ complete: true, backupsCopied: 1, discardedSnapshotsSkipped: 1 });
  expect(await listedKeys(target, 'snapshots/')).toEqual([snapshotKey(committed)]);

  // Named by a committed record (its marker named this snapshot: audit a2 F2), it is that backup's too: copied.
  catalog.records.set('b-later', recordOf('b-later', 'COMMITTED', [failed]));
  const again = await replicateBackup({ backupId: 'b-later' }, { source, target, targetKeys, catalog, plans: ['files'] });
  expect(again).toMatchObject({ complete: true, backupsCopied: 1 });
  expect(again.discardedSnapshotsSkipped).toBeUndefined();
  expect(await listedKeys(target, 'snapshots/')).toEqual([snapshotKey(committed), snapshotKey(failed)].sort());
});

it("reads no other plan's records when the DR vault lacks only snapshots this plan's COMMITTED records name (every ordinary pass)", async () => {
  dir = await tempDir('replicate-ordinary');
  const { vault: source } = await newTestVault(dir);
  const target = new FileVaultStore(path.join(dir, 'dr'), { durable: false });
  const src = path.join(dir, 'src');
  await fs.mkdir(src, { recursive: true });
  await fs.writeFile(path.join(src, 'file.bin'), pseudoRandomBytes(20_000, 7));
  const snapshot = (await backupDirectory(source, src, { parent: null, tags: ['backupId:b-ok', 'plan:files'] })).snapshot.id;
  const catalog = new MemoryCatalog();
  catalog.records.set('b-ok', recordOf('b-ok', 'COMMITTED', [snapshot]));
  const plansRead: string[] = [];
  const listBackupsOfPlan = catalog.listBackupsOfPlan.bind(catalog);
  catalog.listBackupsOfPlan = (plan: string) => {
    plansRead.push(plan);
    return listBackupsOfPlan(plan);
  };
  const targetKeys = new PassphraseKeyProvider('dr key', { N: 1024, r: 8, p: 1 });

  const report = await replicateBackup({ backupId: 'b-ok' }, { source, target, targetKeys, catalog, plans: ['files', 'db', 'logs'] });
  expect(report).toMatchObject({ complete: true, backupsCopied: 1 });
  expect(await listedKeys(target, 'snapshots/')).toEqual([snapshotKey(snapshot)]);
  // The plan's own records, read once for the pass; not 'db' or 'logs', nor 'files' again for the discard rule.
  expect(plansRead).toEqual(['files']);
});
