import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { replicateBackup } from '../../../../lambdas/replication/replicate-backup';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { PruneLease } from '../../../../vault/prune/prune-lease';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { openVault, type Vault } from '../../../../vault/repository/vault';
import { snapshotKey } from '../../../../vault/repository/vault-layout';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Which backups a complete Replicate pass records as copied (review of 9dd310d): only those whose snapshots a pass vouched
 * for — checked what they need in the DR vault with no DR prune running — not every backup the DR vault merely holds.
 */
class MemoryCatalog {
  readonly records = new Map<string, BackupRecord>();
  async getBackup(id: string): Promise<BackupRecord | undefined> {
    return this.records.get(id);
  }
  async listBackupsOfPlan(plan: string): Promise<BackupRecord[]> {
    return [...this.records.values()].filter((r) => r.plan === plan);
  }
  async markCopied(id: string): Promise<boolean> {
    const r = this.records.get(id);
    if (!r || r.copies?.dr === 'COMMITTED') return false;
    this.records.set(id, { ...r, copies: { primary: 'COMMITTED', dr: 'COMMITTED' } });
    return true;
  }
  async putRebuiltBackup(r: BackupRecord): Promise<boolean> {
    if (this.records.has(r.backupId)) return false;
    this.records.set(r.backupId, r);
    return true;
  }
  async indexCommittedBackup(): Promise<void> {}
}

const recordOf = (backupId: string, snapshotId: string, startedAt: string): BackupRecord =>
  ({
    backupId,
    plan: 'files',
    environment: 'dev',
    sourceNames: ['src'],
    sources: [{ name: 'src', type: 'filesystem', snapshotId, rootHash: '', entries: 0, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 }],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt,
    shardCount: 1,
    copies: { primary: 'COMMITTED', dr: 'PENDING' },
  }) as BackupRecord;

describe('the backups a Replicate pass records as copied', () => {
  let dir: string;
  let source: Vault;
  let src: string;
  let replica: FileVaultStore;
  const targetKeys = new PassphraseKeyProvider('dr region key', { N: 1024, r: 8, p: 1 });

  beforeEach(async () => {
    dir = await tempDir('replicate-vouched');
    ({ vault: source } = await newTestVault(dir));
    src = path.join(dir, 'src');
    await fs.mkdir(src);
    replica = new FileVaultStore(path.join(dir, 'dr'), { durable: false });
  });
  afterEach(async () => removeDir(dir));

  it('does not record a backup whose snapshot an interrupted pass copied during a DR sweep and the primary forgot since', async () => {
    await fs.writeFile(path.join(src, 'x.bin'), pseudoRandomBytes(200_000, 7));
    const catalog = new MemoryCatalog();
    const drCatalog = new MemoryCatalog();
    const deps = { source, target: replica as VaultStore, targetKeys, catalog, drCatalog, plans: ['files'] };
    // X0 replicated; the DR retention forgets it; a DR prune condemns its packs.
    const s0 = (await backupDirectory(source, src)).snapshot.id;
    catalog.records.set('x0', recordOf('x0', s0, '2026-12-01T00:00:00.000Z'));
    expect((await replicateBackup({ backupId: 'x0' }, deps)).complete).toBe(true);
    await replica.delete(snapshotKey(s0));
    drCatalog.records.set('x0', { ...(drCatalog.records.get('x0') as BackupRecord), forgottenAt: '2026-12-02T00:00:00.000Z' });
    await pruneVault(await openVault(replica, targetKeys), { graceMs: 0 });
    await new Promise((r) => setTimeout(r, 20));
    // X1 (same data) reuses them; its pass runs between the next DR sweep's mark and its deletes.
    const s1 = (await backupDirectory(source, src)).snapshot.id;
    catalog.records.set('x1', recordOf('x1', s1, '2026-12-03T00:00:00.000Z'));
    let during: Awaited<ReturnType<typeof replicateBackup>> | undefined;
    const sweeping = new Proxy(replica, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop === 'delete') {
          return async (key: string): Promise<void> => {
            during ??= await replicateBackup({ backupId: 'x1' }, { ...deps, target: new FileVaultStore(replica.root, { durable: false }) });
            return target.delete(key);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    await pruneVault(await openVault(sweeping as VaultStore, targetKeys), { graceMs: 0, lease: { holder: 'dr prune' } });
    expect(during).toMatchObject({ complete: false, pruneRunning: { holder: 'dr prune' } });
    // X1's replication fails for good, then the primary forgets X1.
    catalog.records.set('x1', { ...(catalog.records.get('x1') as BackupRecord), copies: { primary: 'COMMITTED', dr: 'FAILED' }, forgottenAt: '2026-12-04T00:00:00.000Z' });
    await source.store.delete(snapshotKey(s1));
    // The plan's next run, other data: complete, and it records itself only.
    const src2 = path.join(dir, 'src2');
    await fs.mkdir(src2);
    await fs.writeFile(path.join(src2, 'y.bin'), pseudoRandomBytes(50_000, 9));
    const s2 = (await backupDirectory(source, src2, { parent: null })).snapshot.id;
    catalog.records.set('x2', recordOf('x2', s2, '2026-12-05T00:00:00.000Z'));
    expect(await replicateBackup({ backupId: 'x2' }, deps)).toMatchObject({ complete: true, backupsCopied: 1, drCatalogWritten: 1 });
    expect(catalog.records.get('x1')?.copies?.dr).toBe('FAILED');
    expect(drCatalog.records.has('x1')).toBe(false);
    expect(catalog.records.get('x2')?.copies?.dr).toBe('COMMITTED');
  });

  it('without a DR catalog, records a backup an interrupted pass caught up on once the repeat pass vouches for it', async () => {
    const catalog = new MemoryCatalog();
    const deps = { source, target: replica as VaultStore, targetKeys, catalog };
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(50_000, 1));
    const s0 = (await backupDirectory(source, src)).snapshot.id;
    catalog.records.set('x0', recordOf('x0', s0, '2026-12-01T00:00:00.000Z'));
    expect((await replicateBackup({ backupId: 'x0' }, deps)).complete).toBe(true);
    // X1's replication failed for good; X2's first pass copies both while a DR prune holds its lease.
    await fs.writeFile(path.join(src, 'b.bin'), pseudoRandomBytes(50_000, 2));
    const s1 = (await backupDirectory(source, src)).snapshot.id;
    catalog.records.set('x1', { ...recordOf('x1', s1, '2026-12-02T00:00:00.000Z'), copies: { primary: 'COMMITTED', dr: 'FAILED' } });
    await fs.writeFile(path.join(src, 'c.bin'), pseudoRandomBytes(50_000, 3));
    const s2 = (await backupDirectory(source, src)).snapshot.id;
    catalog.records.set('x2', recordOf('x2', s2, '2026-12-03T00:00:00.000Z'));
    const lease = await PruneLease.acquire(replica, (await openVault(replica, targetKeys)).keys, { holder: 'dr prune', renewEveryMs: 0 });
    expect(await replicateBackup({ backupId: 'x2' }, deps)).toMatchObject({ complete: false, backupsCopied: 0, pruneRunning: { holder: 'dr prune' } });
    await lease.release();
    // The repeat pass copies nothing, vouches for both, and records both.
    expect(await replicateBackup({ backupId: 'x2' }, deps)).toMatchObject({ complete: true, copiedObjects: 0, backupsCopied: 2 });
    expect(['x0', 'x1', 'x2'].map((id) => catalog.records.get(id)?.copies?.dr)).toEqual(['COMMITTED', 'COMMITTED', 'COMMITTED']);
  });
});
