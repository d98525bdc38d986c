import * as path from 'node:path';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { VaultCorruptionError } from '../../../../vault/vault-errors';
import { describeVaultStoreContract } from '../../../support/vault-store-contract';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/** The stores that need no server: a directory (durable, as in production) and memory. The S3 store runs the same contract in test/integration. */
describeVaultStoreContract(
  'FileVaultStore',
  async () => {
    const dir = await tempDir('file-store-contract');
    return { store: new FileVaultStore(path.join(dir, 'vault')), cleanup: () => removeDir(dir) };
  },
  { putIfAbsent: true, putParts: true, localPath: true, objectWriter: true },
);

describeVaultStoreContract('MemoryVaultStore', async () => ({ store: new MemoryVaultStore() }), { putIfAbsent: true, putParts: true, localPath: false, objectWriter: false });

describe('MemoryVaultStore', () => {
  it('names itself memory://<name> in its location and messages', async () => {
    const store = new MemoryVaultStore('scratch');
    expect(store.location).toBe('memory://scratch');
    await expect(store.get('config')).rejects.toThrow('memory://scratch: object config does not exist');
    await expect(store.put('../escape', Buffer.from('x'))).rejects.toThrow(`memory://scratch: invalid object key "../escape": it contains a '..' segment`);
  });

  it('reports a range past the end of an object as corruption, as the S3 store does, not as a short read', async () => {
    const store = new MemoryVaultStore();
    await store.put('packs/p1', Buffer.from('0123456789'));
    await expect(store.get('packs/p1', { offset: 8, length: 5 })).rejects.toBeInstanceOf(VaultCorruptionError);
    await expect(store.get('packs/p1', { offset: 20, length: 5 })).rejects.toThrow('memory://vault: object packs/p1 is corrupt');
  });

  it('refuses list prefixes that are not a folder', async () => {
    const store = new MemoryVaultStore();
    const list = async (prefix: string): Promise<void> => {
      for await (const key of store.list(prefix)) void key;
    };
    await expect(list('data')).rejects.toThrow(`memory://vault: invalid list prefix "data"`);
    await expect(list('../')).rejects.toThrow('invalid list prefix');
  });
});
