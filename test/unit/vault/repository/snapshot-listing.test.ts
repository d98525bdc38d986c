import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { putSealedObject, sha256Hex } from '../../../../vault/crypto/sealed-object';
import { type UnreadableSnapshot } from '../../../../vault/repository/snapshot-listing';
import { snapshotKey } from '../../../../vault/repository/vault-layout';
import { type Vault } from '../../../../vault/repository/vault';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { VaultCorruptionError } from '../../../../vault/vault-errors';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

const ADVICE = (key: string): string => `delete ${key} from the vault (no other object depends on it) or copy it again from the DR vault; \`lifeboat vault verify\` lists every damaged object`;

describe('listing snapshots past unreadable snapshot objects', () => {
  let dir: string;
  let vault: Vault;
  let store: FileVaultStore;
  let src: string;
  const good: string[] = [];
  beforeAll(async () => {
    dir = await tempDir('snapshot-listing');
    ({ vault, store } = await newTestVault(dir));
    src = path.join(dir, 'src');
    await fs.mkdir(src);
    for (const n of [1, 2]) {
      await fs.writeFile(path.join(src, 'f.txt'), `version ${n}\n`);
      good.push((await backupDirectory(vault, src)).snapshot.id);
    }
  });
  afterAll(async () => removeDir(dir));

  /** A third, newest snapshot whose object is then damaged by `damage` (given its file); returns its id. */
  async function damagedNewest(damage: (file: string, id: string) => Promise<string>): Promise<string> {
    await fs.writeFile(path.join(src, 'f.txt'), 'version 3\n');
    const { snapshot } = await backupDirectory(vault, src);
    return damage(store.localPath(snapshotKey(snapshot.id)), snapshot.id);
  }

  const flipByte = async (file: string, id: string): Promise<string> => {
    const bytes = await fs.readFile(file);
    bytes[20] = (bytes[20] as number) ^ 0xff;
    await fs.writeFile(file, bytes);
    return id;
  };
  const truncate = async (file: string, id: string): Promise<string> => {
    await fs.truncate(file, 10);
    return id;
  };
  /** Sealed under the vault's key and correctly named, but its plaintext is not JSON. */
  const notJson = async (file: string): Promise<string> => {
    await fs.rm(file);
    return putSealedObject(store, vault.keys, snapshotKey, 'snapshot', Buffer.from('not json at all'), null);
  };
  /** A snapshot object of another vault (another master key), named by its own hash as a copy would be. */
  const otherKey = async (file: string): Promise<string> => {
    await fs.rm(file);
    const other = await newTestVault(await fs.mkdtemp(path.join(dir, 'other-')));
    const id = await putSealedObject(other.store, other.vault.keys, snapshotKey, 'snapshot', Buffer.from('{}'), null);
    const bytes = await other.store.get(snapshotKey(id));
    expect(sha256Hex(bytes)).toBe(id);
    await store.put(snapshotKey(id), bytes);
    return id;
  };

  it.each([
    ['corrupt bytes', flipByte, 'its SHA-256 does not match its name'],
    ['a truncated object', truncate, 'its SHA-256 does not match its name'],
    ['content that is not JSON', notJson, 'content is not JSON'],
    ['an object sealed under another key', otherKey, 'authentication failed (AES-256-GCM tag mismatch): the bytes were changed or belong elsewhere'],
  ])('lists the good snapshots and reports %s by name; latest and the default parent skip it', async (_name, damage, reason) => {
    const badId = await damagedNewest(damage);
    const key = snapshotKey(badId);
    try {
      const listing = await vault.scanSnapshots();
      expect(listing.snapshots.map((s) => s.id)).toEqual(good);
      expect(listing.unreadable).toEqual([{ key, reason }]);

      const reported: UnreadableSnapshot[] = [];
      vault.onUnreadableSnapshot = (u) => reported.push(u);
      expect((await vault.listSnapshots()).map((s) => s.id)).toEqual(good);
      expect((await vault.resolveSnapshot('latest')).id).toBe(good[1]);
      expect((await vault.resolveSnapshot((good[0] as string).slice(0, 8))).id).toBe(good[0]);
      expect(reported).toEqual([{ key, reason }, { key, reason }]);

      // The bad snapshot itself, asked for by id prefix: an error naming it and what to do.
      const asked = vault.resolveSnapshot(badId.slice(0, 12));
      await expect(asked).rejects.toThrow(VaultCorruptionError);
      await expect(vault.resolveSnapshot(badId.slice(0, 12))).rejects.toThrow(`${store.location}: object ${key} is corrupt: ${reason}; ${ADVICE(key)}`);

      // A backup with the default parent goes on from the latest readable snapshot.
      reported.length = 0;
      await fs.writeFile(path.join(src, 'f.txt'), 'version 4\n');
      const { snapshot } = await backupDirectory(vault, src);
      expect(snapshot.parent).toBe(good[1]);
      expect(reported).toEqual([{ key, reason }]);
      await store.delete(snapshotKey(snapshot.id));
    } finally {
      vault.onUnreadableSnapshot = () => undefined;
      await store.delete(key);
    }
  });

  it('says why there is no latest snapshot: none at all, or none readable', async () => {
    const other = await newTestVault(await fs.mkdtemp(path.join(dir, 'only-bad-')));
    await expect(other.vault.resolveSnapshot('latest')).rejects.toThrow(`${other.store.location} has no snapshots`);
    const { snapshot } = await backupDirectory(other.vault, src);
    await fs.truncate(other.store.localPath(snapshotKey(snapshot.id)), 3);
    await expect(other.vault.resolveSnapshot('latest')).rejects.toThrow(
      `${other.store.location} has no readable snapshots (1 snapshot object(s) cannot be read: run \`lifeboat vault verify\`)`,
    );
  });

  it('throws, rather than listing less, when the store itself fails', async () => {
    const failing = Object.create(vault) as Vault;
    failing.loadSnapshot = () => Promise.reject(new Error('AccessDenied'));
    await expect(failing.scanSnapshots()).rejects.toThrow('AccessDenied');
  });
});
