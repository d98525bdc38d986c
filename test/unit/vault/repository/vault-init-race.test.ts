import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { readEntry } from '../../../../vault/restorer/restore';
import { initVault, openVault, type Vault, VaultExistsError } from '../../../../vault/repository/vault';
import { KeyUnwrapError, VaultConfigMissingError, VaultCorruptionError, VaultNotFoundError } from '../../../../vault/vault-errors';
import { CONFIG_KEY, KEYS_PREFIX } from '../../../../vault/repository/vault-layout';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { streamedBytes } from '../../../support/streamed-bytes';
import { pseudoRandomBytes, removeDir, requiredMethodsStore, SMALL_TUNING, tempDir } from '../../../support/vault-test-helpers';

/** Resolves for everyone once `parties` callers have arrived: forces two inits to the same step. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return async () => {
    if (++arrived === parties) release();
    await all;
  };
}

/** The store with every method delegated (putIfAbsent too, when `inner` has it); `overrides` replace some. */
function wrapStore(inner: VaultStore, overrides: Partial<VaultStore>): VaultStore {
  return requiredMethodsStore(inner, { ...(inner.putIfAbsent ? { putIfAbsent: (k: string, b: Uint8Array) => inner.putIfAbsent!(k, b) } : {}), ...overrides });
}

async function listKeys(store: VaultStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const k of store.list(prefix)) out.push(k);
  return out.sort();
}

/** Backs up one file through `writer` and reads it back through `reader`: both must be the same vault. */
async function expectSameVault(writer: Vault, reader: Vault, dir: string): Promise<void> {
  expect(reader.config.id).toBe(writer.config.id);
  const src = path.join(dir, `src-${writer.config.id.slice(0, 6)}-${Math.random().toString(16).slice(2, 8)}`);
  await fs.mkdir(src, { recursive: true });
  const content = pseudoRandomBytes(50_000, Math.floor(Math.random() * 2 ** 31));
  await fs.writeFile(path.join(src, 'file.bin'), content);
  const { snapshot } = await backupDirectory(writer, src, { parent: null });
  await reader.reloadIndex(); // it may have loaded the index before this backup
  const seen = await reader.resolveSnapshot(snapshot.id);
  expect((await streamedBytes(readEntry(reader, seen, 'file.bin'))).equals(content)).toBe(true);
}

describe('FileVaultStore.putIfAbsent', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('put-if-absent');
  });
  afterEach(async () => removeDir(dir));

  it('writes an absent object, refuses to replace a present one, and leaves no temporary files', async () => {
    const store = new FileVaultStore(path.join(dir, 'v'), { durable: false });
    expect(await store.putIfAbsent('config', Buffer.from('first'))).toBe(true);
    expect(await store.putIfAbsent('config', Buffer.from('second'))).toBe(false);
    expect((await store.get('config')).toString()).toBe('first');
    expect(await fs.readdir(path.join(dir, 'v'))).toEqual(['config']);
  });

  it('lets exactly one of many concurrent writers (separate store instances, as separate processes) win', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => Buffer.from(`writer-${i}`));
    const results = await Promise.all(bodies.map((b) => new FileVaultStore(path.join(dir, 'v'), { durable: true }).putIfAbsent('a/config', b)));
    expect(results.filter((r) => r)).toHaveLength(1);
    const winner = bodies[results.indexOf(true)] as Buffer;
    expect((await new FileVaultStore(path.join(dir, 'v')).get('a/config')).equals(winner)).toBe(true);
    expect(await fs.readdir(path.join(dir, 'v', 'a'))).toEqual(['config']);
  });
});

describe('initVault racing initVault on one store', () => {
  let dir: string;
  let keyFile: string;
  beforeEach(async () => {
    dir = await tempDir('init-race');
    keyFile = path.join(dir, 'key');
    await KeyFileKeyProvider.create(keyFile);
  });
  afterEach(async () => removeDir(dir));

  it('two inits that both reach the conditional write end in one vault: same config, data shared, loser key removed', async () => {
    const root = path.join(dir, 'vault');
    const atWrite = barrier(2);
    // Two stores on one directory, as two processes would have; both pass the "no config yet" checks.
    const racer = (): VaultStore => {
      const inner = new FileVaultStore(root, { durable: false });
      return wrapStore(inner, {
        putIfAbsent: async (k, b) => {
          await atWrite();
          return inner.putIfAbsent(k, b);
        },
      });
    };
    const [a, b] = await Promise.all([
      initVault(racer(), await KeyFileKeyProvider.load(keyFile), SMALL_TUNING),
      initVault(racer(), await KeyFileKeyProvider.load(keyFile), SMALL_TUNING),
    ]);
    expect(a.config.id).toBe(b.config.id);
    const plain = new FileVaultStore(root);
    expect(await listKeys(plain, KEYS_PREFIX)).toHaveLength(1);
    await expectSameVault(a, b, dir);
    await expectSameVault(b, a, dir);
    // A fresh process opens the same vault.
    expect((await openVault(plain, await KeyFileKeyProvider.load(keyFile))).config.id).toBe(a.config.id);
  });

  it('unsynchronised concurrent inits (the plain race) always agree on one vault', async () => {
    for (let round = 0; round < 10; round++) {
      const root = path.join(dir, `vault-${round}`);
      const vaults = await Promise.all(
        Array.from({ length: 3 }, async () => initVault(new FileVaultStore(root, { durable: false }), await KeyFileKeyProvider.load(keyFile), SMALL_TUNING).catch((err: unknown) => {
          // Started after another init had finished: the caller (openBackupVault) opens instead.
          if (err instanceof VaultExistsError) return KeyFileKeyProvider.load(keyFile).then((p) => openVault(new FileVaultStore(root), p));
          throw err;
        })),
      );
      expect(new Set(vaults.map((v) => v.config.id)).size).toBe(1);
      expect(await listKeys(new FileVaultStore(root), KEYS_PREFIX)).toHaveLength(1);
    }
  });

  it('on a store that ignores the condition (like s3rver), the run whose config was overwritten notices on read-back and joins the other vault', async () => {
    const root = path.join(dir, 'vault');
    const other = path.join(dir, 'other');
    const inner = new FileVaultStore(root, { durable: false });
    let overwritten = false;
    // Right after our config lands, another run (initialised elsewhere, copied in) overwrites it, as a
    // second writer would on an endpoint that answers 200 to If-None-Match: * for an existing key.
    const store = wrapStore(inner, {
      putIfAbsent: async (k, b) => {
        await inner.put(k, b);
        if (k === CONFIG_KEY && !overwritten) {
          overwritten = true;
          const winnerStore = new FileVaultStore(other, { durable: false });
          await initVault(winnerStore, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
          for (const key of await listKeys(winnerStore, '')) await inner.put(key, await winnerStore.get(key));
        }
        return true;
      },
    });
    const loser = await initVault(store, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
    const winner = await openVault(new FileVaultStore(other), await KeyFileKeyProvider.load(keyFile));
    expect(loser.config.id).toBe(winner.config.id);
    // The loser removed its own key object: only the winner's remains.
    expect(await listKeys(inner, KEYS_PREFIX)).toEqual(await listKeys(new FileVaultStore(other), KEYS_PREFIX));
    await expectSameVault(loser, await openVault(new FileVaultStore(root), await KeyFileKeyProvider.load(keyFile)), dir);
  });

  it('a store without putIfAbsent still gets one vault when the other run is already done', async () => {
    const root = path.join(dir, 'vault');
    const inner = new FileVaultStore(root, { durable: false });
    const first = await initVault(inner, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
    // A second run that passed its "no config" check before the first finished: the check right
    // before its write sees the config, so it never writes its own.
    let checks = 0;
    const late = wrapStore(inner, { has: async (k) => (k === CONFIG_KEY && checks++ === 0 ? false : inner.has(k)) });
    delete late.putIfAbsent;
    expect(late.putIfAbsent).toBeUndefined();
    const second = await initVault(late, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
    expect(second.config.id).toBe(first.config.id);
    expect(await listKeys(inner, KEYS_PREFIX)).toHaveLength(1);
  });

  it('keeps its vault when a retried conditional write reports "exists" for its own first attempt', async () => {
    const root = path.join(dir, 'vault');
    const inner = new FileVaultStore(root, { durable: false });
    // The first attempt succeeded but its answer was lost; the retry got 412.
    const store = wrapStore(inner, { putIfAbsent: async (k, b) => (await inner.putIfAbsent(k, b), false) });
    const vault = await initVault(store, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
    expect(await listKeys(inner, KEYS_PREFIX)).toHaveLength(1);
    await expectSameVault(vault, await openVault(new FileVaultStore(root), await KeyFileKeyProvider.load(keyFile)), dir);
  });

  it('a loser whose provider cannot open the winner says so', async () => {
    const root = path.join(dir, 'vault');
    const inner = new FileVaultStore(root, { durable: false });
    await initVault(inner, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
    let checks = 0;
    const late = wrapStore(inner, { has: async (k) => (k === CONFIG_KEY && checks++ === 0 ? false : inner.has(k)) });
    await expect(initVault(late, await KeyFileKeyProvider.create(path.join(dir, 'other-key')), SMALL_TUNING)).rejects.toThrow(KeyUnwrapError);
    // It removed its own key object all the same.
    expect(await listKeys(inner, KEYS_PREFIX)).toHaveLength(1);
  });

  it('openVault on a store without config says there is no vault (VaultNotFoundError)', async () => {
    await expect(openVault(new FileVaultStore(path.join(dir, 'empty')), await KeyFileKeyProvider.load(keyFile))).rejects.toThrow(VaultNotFoundError);
  });

  it('still refuses to create a vault where one already exists', async () => {
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    await initVault(store, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
    await expect(initVault(store, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING)).rejects.toThrow(VaultExistsError);
  });

  it('a vault whose config was deleted: open says so and warns off init, and init refuses to put a new key over its snapshots', async () => {
    const store = new FileVaultStore(path.join(dir, 'lost-config'), { durable: false });
    const vault = await initVault(store, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
    const src = path.join(dir, 'lost-config-src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'f.bin'), pseudoRandomBytes(50_000, 3));
    const { snapshot } = await backupDirectory(vault, src, { parent: null });
    const config = await store.get(CONFIG_KEY);
    await store.delete(CONFIG_KEY);
    const before = await listKeys(store, '');
    const opening = openVault(store, await KeyFileKeyProvider.load(keyFile));
    await expect(opening).rejects.toThrow(VaultConfigMissingError);
    await expect(openVault(store, await KeyFileKeyProvider.load(keyFile))).rejects.toThrow(/holds vault objects \(snapshots\/…\) but no config object: .*Do not run `lifeboat vault init` here/);
    await expect(initVault(store, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING)).rejects.toThrow(VaultConfigMissingError);
    // Nothing written: no second key object, no config.
    expect(await listKeys(store, '')).toEqual(before);
    // With the config back, the snapshot restores as it was.
    await store.put(CONFIG_KEY, config);
    const reopened = await openVault(store, await KeyFileKeyProvider.load(keyFile));
    expect((await streamedBytes(readEntry(reopened, await reopened.loadSnapshot(snapshot.id), 'f.bin'))).equals(pseudoRandomBytes(50_000, 3))).toBe(true);
  });
});

describe('openVault with stray key objects', () => {
  let dir: string;
  let keyFile: string;
  beforeEach(async () => {
    dir = await tempDir('stray-key');
    keyFile = path.join(dir, 'key');
    await KeyFileKeyProvider.create(keyFile);
  });
  afterEach(async () => removeDir(dir));

  /** A vault plus, listed before its own key, the key object of another vault the same provider opens. */
  async function vaultWithStrayKeyFirst(): Promise<{ store: VaultStore; inner: FileVaultStore; vault: Vault; stray: string }> {
    const inner = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const vault = await initVault(inner, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
    const otherStore = new FileVaultStore(path.join(dir, 'other'), { durable: false });
    await initVault(otherStore, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING);
    const [stray] = await listKeys(otherStore, KEYS_PREFIX);
    if (!stray) throw new Error('no key object');
    await inner.put(stray, await otherStore.get(stray));
    const store = wrapStore(inner, {
      list: async function* (prefix) {
        const keys = await listKeys(inner, prefix);
        yield* [...keys.filter((k) => k === stray), ...keys.filter((k) => k !== stray)];
      },
    });
    return { store, inner, vault, stray };
  }

  it('opens the vault with the key that opens config, not the first key the provider unwraps', async () => {
    const { store, vault } = await vaultWithStrayKeyFirst();
    expect((await listKeys(store, KEYS_PREFIX)).length).toBe(2);
    const opened = await openVault(store, await KeyFileKeyProvider.load(keyFile));
    expect(opened.config.id).toBe(vault.config.id);
    await expectSameVault(vault, opened, dir);
  });

  it('names config when no key the provider unwraps opens it', async () => {
    const { store, inner, stray } = await vaultWithStrayKeyFirst();
    for (const k of await listKeys(inner, KEYS_PREFIX)) if (k !== stray) await inner.delete(k);
    await expect(openVault(store, await KeyFileKeyProvider.load(keyFile))).rejects.toThrow(VaultCorruptionError);
    await expect(openVault(store, await KeyFileKeyProvider.load(keyFile))).rejects.toThrow(/object config is corrupt: .*does not authenticate/);
  });

  it('skips a key object that disappears between listing and reading (a losing init cleaning up)', async () => {
    const { inner, vault, stray } = await vaultWithStrayKeyFirst();
    const store = wrapStore(inner, {
      list: async function* (prefix) {
        const keys = await listKeys(inner, prefix);
        if (prefix === KEYS_PREFIX) await inner.delete(stray);
        yield* [stray, ...keys.filter((k) => k !== stray)];
      },
    });
    expect((await openVault(store, await KeyFileKeyProvider.load(keyFile))).config.id).toBe(vault.config.id);
  });
});
