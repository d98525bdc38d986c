import { readFile } from 'node:fs/promises';
import { type VaultStore } from '../../vault/backend/vault-store';
import { VaultObjectNotFoundError } from '../../vault/vault-errors';
import { listedKeys, pseudoRandomBytes } from './vault-test-helpers';

/** A fresh, empty store for one test, and how to dispose of it. */
export type VaultStoreUnderTest = { store: VaultStore; cleanup?: () => Promise<void> | void };

/** Which optional VaultStore methods the store implements: the contract checks that it has exactly these, and tests them. */
export type VaultStoreCapabilities = { putIfAbsent: boolean; putParts: boolean; localPath: boolean; objectWriter: boolean };

/** Keys every store must refuse (they could escape the vault's folder or are not plain relative paths). */
export const INVALID_VAULT_KEYS = ['../escape', 'data/../../escape', '/absolute', 'a//b', 'trailing/', './config', 'data/./x', ''];

/**
 * The behaviour vault/backend/vault-store.ts documents for every VaultStore, as one suite that each
 * store runs (file, memory, S3 on the local cloud). Store-specific behaviour (S3 paging and
 * multipart, the file store's temporary files) stays in each store's own tests.
 */
export function describeVaultStoreContract(name: string, makeStore: () => Promise<VaultStoreUnderTest>, capabilities: VaultStoreCapabilities): void {
  describe(`${name} keeps the VaultStore contract`, () => {
    let store: VaultStore;
    let cleanup: (() => Promise<void> | void) | undefined;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('has exactly the optional methods it declares, and a location to name in messages', () => {
      expect(store.location).toEqual(expect.any(String));
      expect(store.location.length).toBeGreaterThan(0);
      expect({ putIfAbsent: typeof store.putIfAbsent, putParts: typeof store.putParts, localPath: typeof store.localPath, objectWriter: typeof store.createObjectWriter }).toEqual({
        putIfAbsent: capabilities.putIfAbsent ? 'function' : 'undefined',
        putParts: capabilities.putParts ? 'function' : 'undefined',
        localPath: capabilities.localPath ? 'function' : 'undefined',
        objectWriter: capabilities.objectWriter ? 'function' : 'undefined',
      });
    });

    it('gets back exactly the bytes put, under nested keys, empty objects included', async () => {
      const body = pseudoRandomBytes(70_000, 7);
      await store.put('data/ab/blob', body);
      await store.put('config', Buffer.from('{"version":1}'));
      await store.put('empty', new Uint8Array(0));
      expect((await store.get('data/ab/blob')).equals(body)).toBe(true);
      expect((await store.get('config')).toString()).toBe('{"version":1}');
      expect(await store.get('empty')).toHaveLength(0);
      expect(await store.has('empty')).toBe(true);
    });

    // A mutable key (the prune's condemned batches are rewritten): the S3 store writes the immutable
    // prefixes once (If-None-Match), which s3-vault-store's own tests cover.
    it('replaces an object put again under the same key', async () => {
      await store.put('prune/condemned/c1', Buffer.from('first version'));
      await store.put('prune/condemned/c1', Buffer.from('second'));
      expect((await store.get('prune/condemned/c1')).toString()).toBe('second');
      expect(await listedKeys(store, 'prune/condemned/')).toEqual(['prune/condemned/c1']);
    });

    it('keeps what was put, whatever the caller does later with its buffers', async () => {
      const body = Buffer.from('original bytes');
      await store.put('keys/k1', body);
      body.fill(0);
      const read = await store.get('keys/k1');
      read.fill(0);
      expect((await store.get('keys/k1')).toString()).toBe('original bytes');
    });

    it('reads byte ranges exactly: first, middle, last byte, whole object and an empty range', async () => {
      const body = pseudoRandomBytes(4096, 11);
      await store.put('data/cd/pack', body);
      const range = async (offset: number, length: number): Promise<Buffer> => store.get('data/cd/pack', { offset, length });
      expect((await range(0, 1)).equals(body.subarray(0, 1))).toBe(true);
      expect((await range(1000, 96)).equals(body.subarray(1000, 1096))).toBe(true);
      expect((await range(4095, 1)).equals(body.subarray(4095))).toBe(true);
      expect((await range(0, 4096)).equals(body)).toBe(true);
      expect(await range(10, 0)).toHaveLength(0);
    });

    it('throws VaultObjectNotFoundError naming the location and the key for an absent object, whole or ranged', async () => {
      const err = await store.get('snapshots/nope').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VaultObjectNotFoundError);
      expect(err).toMatchObject({ location: store.location, key: 'snapshots/nope' });
      expect((err as Error).message).toBe(`${store.location}: object snapshots/nope does not exist`);
      await expect(store.get('snapshots/nope', { offset: 0, length: 10 })).rejects.toBeInstanceOf(VaultObjectNotFoundError);
      await expect(store.get('snapshots/nope', { offset: 0, length: 0 })).rejects.toBeInstanceOf(VaultObjectNotFoundError);
    });

    it('answers has() for objects only: not for absent keys, nor for a folder of other keys', async () => {
      expect(await store.has('config')).toBe(false);
      await store.put('config', Buffer.from('{}'));
      await store.put('data/ef/blob', Buffer.from('x'));
      expect(await store.has('config')).toBe(true);
      expect(await store.has('data/ef/blob')).toBe(true);
      expect(await store.has('data')).toBe(false);
      expect(await store.has('data/ef')).toBe(false);
    });

    it('deletes objects, and deleting an absent object is not an error', async () => {
      await store.put('locks/l1', Buffer.from('lock'));
      await store.put('locks/l2', Buffer.from('other lock'));
      await store.delete('locks/l1');
      expect(await store.has('locks/l1')).toBe(false);
      await expect(store.get('locks/l1')).rejects.toBeInstanceOf(VaultObjectNotFoundError);
      await expect(store.delete('locks/l1')).resolves.toBeUndefined();
      await expect(store.delete('never/was')).resolves.toBeUndefined();
      expect((await store.get('locks/l2')).toString()).toBe('other lock');
      expect(await listedKeys(store, '')).toEqual(['locks/l2']);
    });

    it('deletes with overRetention as without it when nothing retains the object (no Object Lock here), an absent object included', async () => {
      await store.put('snapshots/s1', Buffer.from('snapshot'));
      await store.put('snapshots/s2', Buffer.from('other snapshot'));
      await store.delete('snapshots/s1', { overRetention: true });
      expect(await store.has('snapshots/s1')).toBe(false);
      await expect(store.delete('snapshots/s1', { overRetention: true })).resolves.toBeUndefined();
      expect(await listedKeys(store, '')).toEqual(['snapshots/s2']);
    });

    it('lists every key under a folder prefix, whole keys, nothing from a sibling folder that merely shares its first letters', async () => {
      const dataKeys = Array.from({ length: 60 }, (_, i) => `data/${(i % 16).toString(16).padStart(2, '0')}/${String(i).padStart(4, '0')}`);
      const otherKeys = ['config', 'keys/k1', 'index/i1', 'index-extra/i2', 'snapshots/s1'];
      for (const key of [...dataKeys, ...otherKeys]) await store.put(key, Buffer.from(key));
      expect(await listedKeys(store, '')).toEqual([...dataKeys, ...otherKeys].sort());
      expect(await listedKeys(store, 'data/')).toEqual([...dataKeys].sort());
      expect(await listedKeys(store, 'data/0a/')).toEqual(dataKeys.filter((k) => k.startsWith('data/0a/')).sort());
      expect(await listedKeys(store, 'index/')).toEqual(['index/i1']);
      expect(await listedKeys(store, 'packs/')).toEqual([]);
      expect(await listedKeys(store, 'data/ff/')).toEqual([]);
    });

    it('carries keys with spaces, plus signs, percent signs and non-ASCII characters unchanged', async () => {
      const keys = ['snapshots/with space + plus %25', 'ünïcödé/📦.bin'];
      for (const key of keys) await store.put(key, Buffer.from(`body of ${key}`));
      for (const key of keys) expect((await store.get(key)).toString()).toBe(`body of ${key}`);
      expect(await listedKeys(store, '')).toEqual([...keys].sort());
    });

    it('refuses keys that are not plain relative paths, for every operation, and writes nothing', async () => {
      for (const key of INVALID_VAULT_KEYS) {
        await expect(store.put(key, Buffer.from('x'))).rejects.toThrow(/invalid (vault )?object key/);
        await expect(store.get(key)).rejects.toThrow(/invalid (vault )?object key/);
        await expect(store.has(key)).rejects.toThrow(/invalid (vault )?object key/);
        await expect(store.delete(key)).rejects.toThrow(/invalid (vault )?object key/);
      }
      expect(await listedKeys(store, '')).toEqual([]);
    });

    if (capabilities.putIfAbsent) {
      it('putIfAbsent writes an absent object and refuses, changing nothing, to replace a present one', async () => {
        const putIfAbsent = store.putIfAbsent?.bind(store);
        if (!putIfAbsent) throw new Error(`${name} declares putIfAbsent but has none`);
        expect(await putIfAbsent('config', Buffer.from('first'))).toBe(true);
        expect(await putIfAbsent('config', Buffer.from('second'))).toBe(false);
        expect((await store.get('config')).toString()).toBe('first');
        await store.delete('config');
        expect(await putIfAbsent('config', Buffer.from('third'))).toBe(true);
        expect((await store.get('config')).toString()).toBe('third');
      });

      it('putIfAbsent lets exactly one of concurrent writers of a key win, and keeps its bytes', async () => {
        const putIfAbsent = store.putIfAbsent?.bind(store);
        if (!putIfAbsent) throw new Error(`${name} declares putIfAbsent but has none`);
        const bodies = Array.from({ length: 8 }, (_, i) => Buffer.from(`writer-${i}`));
        const won = await Promise.all(bodies.map((body) => putIfAbsent('race/config', body)));
        expect(won.filter((w) => w)).toHaveLength(1);
        expect((await store.get('race/config')).equals(bodies[won.indexOf(true)] as Buffer)).toBe(true);
        expect(await listedKeys(store, 'race/')).toEqual(['race/config']);
      });
    }

    if (capabilities.putParts) {
      it('putParts stores the concatenation of its parts, empty parts and no parts included', async () => {
        const putParts = store.putParts?.bind(store);
        if (!putParts) throw new Error(`${name} declares putParts but has none`);
        const parts = [pseudoRandomBytes(1000, 1), new Uint8Array(0), pseudoRandomBytes(3000, 2), Buffer.from('tail')];
        await putParts('data/12/parts', parts);
        expect((await store.get('data/12/parts')).equals(Buffer.concat(parts))).toBe(true);
        await putParts('data/12/none', []);
        expect(await store.get('data/12/none')).toHaveLength(0);
      });
    }

    if (capabilities.objectWriter) {
      it('an object writer shows its object only once committed, whole; an aborted one leaves nothing', async () => {
        const createObjectWriter = store.createObjectWriter?.bind(store);
        if (!createObjectWriter) throw new Error(`${name} declares createObjectWriter but has none`);
        const listed = async (): Promise<string[]> => {
          const keys: string[] = [];
          for await (const key of store.list('data/')) keys.push(key);
          return keys.sort();
        };
        const parts = [pseudoRandomBytes(70_000, 3), new Uint8Array(0), pseudoRandomBytes(5_000, 4), Buffer.from('tail')];
        const writer = await createObjectWriter('data/13/streamed');
        for (const part of parts) await writer.write(part);
        expect(await store.has('data/13/streamed')).toBe(false);
        expect(await listed()).toEqual([]);
        await writer.commit();
        expect((await store.get('data/13/streamed')).equals(Buffer.concat(parts))).toBe(true);
        expect(await listed()).toEqual(['data/13/streamed']);

        const dropped = await createObjectWriter('data/13/dropped');
        await dropped.write(pseudoRandomBytes(1000, 5));
        await dropped.abort();
        expect(await store.has('data/13/dropped')).toBe(false);
        expect(await listed()).toEqual(['data/13/streamed']);
      });
    }

    if (capabilities.localPath) {
      it('localPath names the file that holds an object', async () => {
        const localPath = store.localPath?.bind(store);
        if (!localPath) throw new Error(`${name} declares localPath but has none`);
        const body = pseudoRandomBytes(5000, 3);
        await store.put('data/34/blob', body);
        expect((await readFile(localPath('data/34/blob'))).equals(body)).toBe(true);
      });
    }
  });
}
