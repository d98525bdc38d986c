import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ReplicaMismatchError } from '../../../../lambdas/replication/replication-errors';
import { replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { initVault, openVault, type Vault } from '../../../../vault/repository/vault';
import { VaultCorruptionError } from '../../../../vault/vault-errors';
import { verifyVault } from '../../../../vault/checker/verify';
import { newTestVault, pseudoRandomBytes, readTree, removeDir, SMALL_TUNING, tempDir } from '../../../support/vault-test-helpers';

// Cheap scrypt: the replica's key is a passphrase here only to prove it is wrapped under a *different* key than the source's.
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

async function listAll(store: FileVaultStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys.sort();
}

describe('replicateVault', () => {
  let dir: string;
  let source: Vault;
  let src: string;
  let replica: FileVaultStore;
  const replicaKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);

  beforeEach(async () => {
    dir = await tempDir('replicate');
    ({ vault: source } = await newTestVault(dir));
    src = path.join(dir, 'src');
    await fs.mkdir(path.join(src, 'sub'), { recursive: true });
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(200_000, 1));
    await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'hello '.repeat(20_000));
    replica = new FileVaultStore(path.join(dir, 'replica'), { durable: false });
  });
  afterEach(async () => removeDir(dir));

  it('copies every snapshot; the replica opens with its own key alone and restores byte for byte', async () => {
    const { snapshot } = await backupDirectory(source, src);
    const progress = await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    expect(progress).toMatchObject({ complete: true, remainingObjects: 0, copiedSnapshots: [snapshot.id] });
    const store = source.store as FileVaultStore;
    const objects = (await listAll(store, '')).filter((k) => /^(data|index|manifest|snapshots)\//.test(k));
    const sizes = await Promise.all(objects.map(async (k) => (await fs.stat(path.join(store.root, k))).size));
    expect(progress.copiedObjects).toBe(objects.length);
    expect(progress.copiedBytes).toBe(sizes.reduce((a, b) => a + b, 0));

    // Another process in the DR region: only the replica's store and its key.
    const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
    expect(dr.config).toEqual(source.config);
    const out = path.join(dir, 'out');
    await restoreSnapshot(dr, await dr.loadSnapshot(snapshot.id), out);
    expect(await readTree(out)).toEqual(await readTree(src));
    expect((await verifyVault(dr, { readData: true })).problems).toEqual([]);
  });

  it('copies only what the replica lacks, and nothing when it is up to date', async () => {
    await backupDirectory(source, src);
    await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    const again = await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    expect(again).toMatchObject({ complete: true, copiedObjects: 0, copiedSnapshots: [] });

    await fs.writeFile(path.join(src, 'c.bin'), pseudoRandomBytes(50_000, 3));
    const { snapshot: second } = await backupDirectory(source, src);
    const incremental = await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    expect(incremental.copiedSnapshots).toEqual([second.id]);
    // The new file's pack, an index, manifest objects and the snapshot — not the first backup's packs again.
    expect(incremental.copiedBytes).toBeLessThan(70_000);
    expect(await listAll(replica, 'snapshots/')).toEqual(await listAll(source.store as FileVaultStore, 'snapshots/'));
    expect(await listAll(replica, 'data/')).toEqual(await listAll(source.store as FileVaultStore, 'data/'));
  });

  it('stops at the deadline without exposing a snapshot, and the next pass completes it', async () => {
    await backupDirectory(source, src);
    let clock = 0;
    // The clock passes the deadline after two copies have started.
    const now = () => clock++;
    const partial = await replicateVault({ source, target: replica, targetKeys: replicaKeys, objectsInFlight: 1, deadline: 2, now });
    expect(partial.complete).toBe(false);
    expect(partial.copiedObjects).toBe(2);
    expect(partial.remainingObjects).toBeGreaterThan(0);
    expect(await listAll(replica, 'snapshots/')).toEqual([]);

    const rest = await replicateVault({ source, target: replica, targetKeys: replicaKeys });
    expect(rest.complete).toBe(true);
    expect(rest.copiedObjects).toBe(partial.remainingObjects);
    const dr = await openVault(replica, replicaKeys);
    expect((await verifyVault(dr, { readData: true })).problems).toEqual([]);
  });

  it('refuses a replica bucket that holds another vault, and writes nothing into it', async () => {
    const other = await initVault(replica, await KeyFileKeyProvider.create(path.join(dir, 'other-key')), SMALL_TUNING);
    await backupDirectory(source, src);
    const before = await listAll(replica, '');
    await expect(replicateVault({ source, target: replica, targetKeys: replicaKeys })).rejects.toThrow(ReplicaMismatchError);
    await expect(replicateVault({ source, target: replica, targetKeys: replicaKeys })).rejects.toThrow(/holds another vault \(its config differs/);
    expect(await listAll(replica, '')).toEqual(before);
    expect(other.config.id).not.toBe(source.config.id);
  });

  it('never replicates a corrupt object, and names it', async () => {
    await backupDirectory(source, src);
    const store = source.store as FileVaultStore;
    const [manifest] = await listAll(store, 'manifest/');
    if (!manifest) throw new Error('the backup wrote no manifest object');
    const file = path.join(store.root, manifest);
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await fs.writeFile(file, bytes);
    const failure = replicateVault({ source, target: replica, targetKeys: replicaKeys });
    await expect(failure).rejects.toThrow(VaultCorruptionError);
    await expect(replicateVault({ source, target: replica, targetKeys: replicaKeys })).rejects.toThrow(manifest);
    expect(await listAll(replica, 'snapshots/')).toEqual([]);
    expect(await listAll(replica, 'manifest/')).not.toContain(manifest);
  });
});
