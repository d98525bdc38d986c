import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { replicateVault, type ReplicationProgress } from '../../../../lambdas/replication/replicate-vault';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { manifestObjectIds } from '../../../../vault/manifest/manifest-root';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { openVault, type Vault } from '../../../../vault/repository/vault';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { newTestVault, pseudoRandomBytes, readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { pausedAtFirstDelete } from '../../../support/paused-at-first-delete';

/**
 * docs/FORMAT.md §11, "Manifest objects and pending batches", the replication path: the DR vault holds a snapshot's
 * manifest objects without the snapshot (a pass that failed before its snapshots), its prune condemns them, and the
 * pass that copies the snapshot copies only what the DR vault lacks — so the snapshot lands referencing manifest
 * objects a pending batch names, and that batch's sweep may be running.
 */
describe('replication of a snapshot whose manifest objects a DR prune condemned', () => {
  let dir: string;
  let source: Vault;
  let src: string;
  let replica: FileVaultStore;
  const replicaKeys = new PassphraseKeyProvider('dr region key', { N: 1024, r: 8, p: 1 });

  beforeEach(async () => {
    dir = await tempDir('manifest-reuse-replication');
    ({ vault: source } = await newTestVault(dir));
    src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'x.bin'), pseudoRandomBytes(200_000, 11));
    replica = new FileVaultStore(path.join(dir, 'dr'), { durable: false });
  });
  afterEach(async () => removeDir(dir));

  /** The replica store, failing every write of a snapshot object: a pass that stopped after the objects its snapshots reference. */
  function failingSnapshotWrites(): VaultStore {
    return new Proxy(replica, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop === 'put') {
          return async (key: string, ...rest: unknown[]): Promise<void> => {
            if (key.startsWith('snapshots/')) throw new Error(`the pass was stopped before ${key}`);
            return (target.put as (k: string, ...r: unknown[]) => Promise<void>)(key, ...rest);
          };
        }
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }


  it('the sweep spares the manifest objects of the snapshot copied during it; the next pass copies back its packs, and the DR copy restores', async () => {
    const s1 = (await backupDirectory(source, src)).snapshot.id;
    const manifests: string[] = [];
    for await (const id of manifestObjectIds(source.store, source.keys, (await source.loadSnapshot(s1)).manifest)) manifests.push(id);
    await expect(replicateVault({ source, target: failingSnapshotWrites(), targetKeys: replicaKeys })).rejects.toThrow(/stopped before snapshots\//);
    for (const id of manifests) expect(await replica.has(manifestKey(id))).toBe(true);

    // The DR prune finds them unreferenced (no snapshot there yet) and condemns them with the packs.
    const condemned = await pruneVault(await openVault(replica, replicaKeys), { graceMs: 0 });
    expect(condemned.report.manifestsCondemned).toBe(manifests.length);
    expect(condemned.report.packsCondemned).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 20));

    // The next pass copies S1's snapshot object only (the rest is there), between the sweep's mark and its deletes.
    let overlapping: ReplicationProgress | undefined;
    const sweep = await pruneVault(await openVault(pausedAtFirstDelete(replica, async () => {
      overlapping = await replicateVault({ source, target: new FileVaultStore(replica.root, { durable: false }), targetKeys: replicaKeys });
    }), replicaKeys), { graceMs: 0, lease: { holder: 'dr prune' } });
    expect(overlapping).toMatchObject({ complete: false, copiedSnapshots: [s1], pruneRunning: { holder: 'dr prune' } });
    expect(overlapping?.copiedObjects).toBe(1);
    // Its packs went (the replication's to copy back); its manifest objects stayed: the sweep saw the snapshot before deleting them.
    expect(sweep.report.packsDeleted).toBeGreaterThan(0);
    expect(sweep.report.manifestsDeleted).toBe(0);
    for (const id of manifests) expect(await replica.has(manifestKey(id))).toBe(true);

    const next = await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    expect(next).toMatchObject({ complete: true, copiedSnapshots: [], vouchedSnapshots: [s1] });
    expect(next.copiedObjects).toBeGreaterThan(0);
    const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
    expect((await verifyVault(dr, { readData: true })).problems).toEqual([]);
    const out = path.join(dir, 'out');
    await restoreSnapshot(dr, await dr.loadSnapshot(s1), out);
    expect(await readTree(out)).toEqual(await readTree(src));
    await expect(pruneVault(dr, { graceMs: 0 })).resolves.toMatchObject({ done: true, report: { manifestsCondemned: 0 } });
  });

  it('manifest objects a sweep deleted between the pass\'s look and its snapshot are copied back before the pass is complete', async () => {
    const s1 = (await backupDirectory(source, src)).snapshot.id;
    const root = (await source.loadSnapshot(s1)).manifest;
    await expect(replicateVault({ source, target: failingSnapshotWrites(), targetKeys: replicaKeys })).rejects.toThrow(/stopped before snapshots\//);
    await pruneVault(await openVault(replica, replicaKeys), { graceMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The pass found the manifest objects there; the whole sweep (after its last look at snapshots/) runs before the snapshot lands.
    let swept = 0;
    const sweptBeforeSnapshot = new Proxy(replica, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop === 'put') {
          return async (key: string, ...rest: unknown[]): Promise<void> => {
            if (key.startsWith('snapshots/') && swept === 0) swept = (await pruneVault(await openVault(new FileVaultStore(replica.root, { durable: false }), replicaKeys), { graceMs: 0 })).report.manifestsDeleted;
            return (target.put as (k: string, ...r: unknown[]) => Promise<void>)(key, ...rest);
          };
        }
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const pass = await replicateVault({ source, target: sweptBeforeSnapshot, targetKeys: replicaKeys });
    expect(swept).toBeGreaterThan(0);
    // No prune is running once the snapshot is there: the pass looks again and copies back what the sweep deleted, root included.
    expect(pass).toMatchObject({ complete: true, copiedSnapshots: [s1], vouchedSnapshots: [s1] });
    expect(await replica.has(manifestKey(root))).toBe(true);
    const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
    expect((await verifyVault(dr, { readData: true })).problems).toEqual([]);
  });
});
