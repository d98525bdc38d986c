import { type ListedObject, type VaultStore } from '../../vault/backend/vault-store';
import { type VaultStoreUnderTest } from './vault-store-contract';
import { listedKeys, pseudoRandomBytes } from './vault-test-helpers';

/** What `listWithSizes` yields under `prefix`, sorted by key. */
export async function listedWithSizes(store: VaultStore, prefix: string): Promise<ListedObject[]> {
  const listWithSizes = store.listWithSizes?.bind(store);
  if (!listWithSizes) throw new Error(`${store.location} has no listWithSizes`);
  const found: ListedObject[] = [];
  // Key and size, the contract of every store; lastModified, which only S3's listing carries, is checked apart.
  for await (const { key, size } of listWithSizes(prefix)) found.push({ key, size });
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The contract of VaultStore.listWithSizes (vault/backend/vault-store.ts), run by every store that has
 * it: the file and memory stores in vault-store-contract.test.ts, the S3 store on the local cloud in
 * test/integration/vault/backend/s3-vault-store-contract.test.ts. Beside the shared contract
 * (vault-store-contract.ts), not in it: that suite runs every test for every store, and only the stores
 * with `listWithSizes` run these.
 */
export function describeListWithSizesContract(name: string, makeStore: () => Promise<VaultStoreUnderTest>): void {
  describe(`${name} lists objects with their sizes (VaultStore.listWithSizes)`, () => {
    let store: VaultStore;
    let cleanup: (() => Promise<void> | void) | undefined;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('yields exactly the keys `list` yields, each with its object’s length in bytes, empty objects included', async () => {
      const bodies = new Map<string, Buffer>([
        ['data/0a/pack-one', pseudoRandomBytes(70_000, 1)],
        ['data/0a/pack-two', pseudoRandomBytes(1, 2)],
        ['data/ff/pack-three', pseudoRandomBytes(4096, 3)],
        ['data-extra/x', pseudoRandomBytes(10, 4)],
        ['index/i1', pseudoRandomBytes(333, 5)],
        ['config', Buffer.from('{"version":1}')],
        ['empty', Buffer.alloc(0)],
      ]);
      for (const [key, body] of bodies) await store.put(key, body);
      const expected = (prefix: string): ListedObject[] =>
        [...bodies]
          .filter(([key]) => key.startsWith(prefix))
          .map(([key, body]) => ({ key, size: body.length }))
          .sort((a, b) => (a.key < b.key ? -1 : 1));
      for (const prefix of ['', 'data/', 'data/0a/', 'index/', 'snapshots/']) {
        expect(await listedWithSizes(store, prefix)).toEqual(expected(prefix));
        expect((await listedWithSizes(store, prefix)).map((o) => o.key)).toEqual(await listedKeys(store, prefix));
      }
    });

    it('gives lastModified, where it does, as the time the object was written', async () => {
      const before = Date.now();
      await store.put('snapshots/s1', Buffer.from('s'));
      const listed: ListedObject[] = [];
      for await (const object of store.listWithSizes?.('snapshots/') ?? []) listed.push(object);
      expect(listed.map((o) => o.key)).toEqual(['snapshots/s1']);
      const at = listed[0]?.lastModified;
      // S3 stamps whole seconds: a second's slack each side.
      if (at !== undefined) expect(at.getTime()).toBeGreaterThanOrEqual(before - 1000);
      if (at !== undefined) expect(at.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('follows the store: a deleted object is gone from it, a replaced one has its new size', async () => {
      await store.put('prune/condemned/c1', Buffer.alloc(500, 1));
      await store.put('prune/condemned/c2', Buffer.alloc(20, 2));
      await store.put('prune/condemned/c1', Buffer.alloc(7, 3));
      await store.delete('prune/condemned/c2');
      expect(await listedWithSizes(store, 'prune/condemned/')).toEqual([{ key: 'prune/condemned/c1', size: 7 }]);
    });

  });
}
