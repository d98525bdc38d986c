import { fstatSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { DROP_PAGES_MIN_BYTES, FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { VaultCorruptionError } from '../../../../vault/vault-errors';
import { describeVaultStoreContract, type VaultStoreUnderTest } from '../../../support/vault-store-contract';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';
import { describeListWithSizesContract, listedWithSizes } from '../../../support/list-with-sizes-contract';

/** The stores that need no server: a directory (durable, as in production) and memory. The S3 store runs the same contract in test/integration. */
const fileStore = async (): Promise<VaultStoreUnderTest> => {
  const dir = await tempDir('file-store-contract');
  return { store: new FileVaultStore(path.join(dir, 'vault')), cleanup: () => removeDir(dir) };
};
const memoryStore = async (): Promise<VaultStoreUnderTest> => ({ store: new MemoryVaultStore() });

describeVaultStoreContract('FileVaultStore', fileStore, { putIfAbsent: true, putParts: true, localPath: true, objectWriter: true });
describeListWithSizesContract('FileVaultStore', fileStore);

describeVaultStoreContract('MemoryVaultStore', memoryStore, { putIfAbsent: true, putParts: true, localPath: false, objectWriter: false });
describeListWithSizesContract('MemoryVaultStore', memoryStore);

describe('FileVaultStore listWithSizes', () => {
  it('leaves out the .tmp-* files of writers, finished or not, as list does, and sizes what a writer committed', async () => {
    const { store, cleanup } = await fileStore();
    try {
      const files = store as FileVaultStore;
      await files.put('data/ab/pack', Buffer.alloc(300, 1));
      const writer = await files.createObjectWriter('data/ab/streamed');
      await writer.write(Buffer.alloc(1000, 2));
      // Uncommitted: only its .tmp-* file exists.
      expect(await listedWithSizes(files, 'data/')).toEqual([{ key: 'data/ab/pack', size: 300 }]);
      await writeFile(path.join(files.root, 'data', 'ab', '.tmp-0011223344556677'), Buffer.alloc(50));
      await writer.write(Buffer.alloc(24, 3));
      await writer.commit();
      expect(await listedWithSizes(files, '')).toEqual([
        { key: 'data/ab/pack', size: 300 },
        { key: 'data/ab/streamed', size: 1024 },
      ]);
    } finally {
      await cleanup?.();
    }
  });
});

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

  it('refuses list prefixes that are not a folder, with or without sizes', async () => {
    const store = new MemoryVaultStore();
    const list = async (prefix: string): Promise<void> => {
      for await (const key of store.list(prefix)) void key;
    };
    await expect(list('data')).rejects.toThrow(`memory://vault: invalid list prefix "data"`);
    await expect(list('../')).rejects.toThrow('invalid list prefix');
    await expect(listedWithSizes(store, 'data')).rejects.toThrow(`memory://vault: invalid list prefix "data"`);
    await expect(listedWithSizes(store, '../')).rejects.toThrow('invalid list prefix');
  });
});

describe('FileVaultStore page cache', () => {
  /** A store whose page-cache calls are recorded with the size of the file they were made on (the fd is open then). */
  async function recordingStore(durable: boolean): Promise<{ store: FileVaultStore; dropped: number[]; cleanup: () => Promise<void> }> {
    const dir = await tempDir('file-store-pages');
    const dropped: number[] = [];
    const pageCache = { dropCleanPages: (fd: number) => void dropped.push(fstatSync(fd).size) };
    return { store: new FileVaultStore(path.join(dir, 'vault'), { durable, pageCache }), dropped, cleanup: () => removeDir(dir) };
  }

  it('drops the pages of a synced object of DROP_PAGES_MIN_BYTES or more, written whole or piece by piece, and keeps smaller ones', async () => {
    const { store, dropped, cleanup } = await recordingStore(true);
    try {
      const big = Buffer.alloc(DROP_PAGES_MIN_BYTES, 7);
      await store.put('data/aa/big', big);
      await store.putParts('data/aa/parts', [big.subarray(0, 1000), big.subarray(1000)]);
      const writer = await store.createObjectWriter('data/aa/streamed');
      await writer.write(big.subarray(0, 100_000));
      await writer.write(big.subarray(100_000));
      await writer.commit();
      await store.put('index/small', Buffer.alloc(DROP_PAGES_MIN_BYTES - 1, 1));
      expect(dropped).toEqual([DROP_PAGES_MIN_BYTES, DROP_PAGES_MIN_BYTES, DROP_PAGES_MIN_BYTES]);
      // The bytes are all there, whatever the cache holds.
      for (const key of ['data/aa/big', 'data/aa/parts', 'data/aa/streamed']) expect((await store.get(key)).equals(big)).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('leaves the pages of objects it does not sync (still dirty), and writes on when the hint fails', async () => {
    const { store, dropped, cleanup } = await recordingStore(false);
    try {
      await store.put('data/aa/big', Buffer.alloc(DROP_PAGES_MIN_BYTES, 7));
      expect(dropped).toEqual([]);
    } finally {
      await cleanup();
    }
    const dir = await tempDir('file-store-pages-failing');
    try {
      const failing = new FileVaultStore(path.join(dir, 'vault'), {
        pageCache: {
          dropCleanPages: () => {
            throw new Error('EINVAL: posix_fadvise failed');
          },
        },
      });
      await failing.put('data/aa/big', Buffer.alloc(DROP_PAGES_MIN_BYTES, 9));
      expect((await failing.get('data/aa/big')).equals(Buffer.alloc(DROP_PAGES_MIN_BYTES, 9))).toBe(true);
    } finally {
      await removeDir(dir);
    }
  });
});
