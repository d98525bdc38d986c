import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { addKeyObject, KeyManagementError, KeyObjectNotRemovedError, listKeyObjects, removeKeyObject, shortKeyObjectId } from '../../../../vault/keys/key-management';
import { putKeyObject } from '../../../../vault/keys/key-object';
import { type KeyProvider } from '../../../../vault/keys/key-provider';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { initVault, openVault, Vault } from '../../../../vault/repository/vault';
import { KEYS_PREFIX } from '../../../../vault/repository/vault-layout';
import { KeyUnwrapError, ObjectLockedError } from '../../../../vault/vault-errors';
import { listedKeys, pseudoRandomBytes, readTree, removeDir, requiredMethodsStore, SMALL_TUNING, tempDir } from '../../../support/vault-test-helpers';

/** Tests derive passphrase keys cheaply; the production cost (N = 2^17) is the CLI test's. */
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

const idOf = (key: string): string => key.slice(KEYS_PREFIX.length);

describe.each([
  ['a directory', (dir: string): VaultStore => new FileVaultStore(path.join(dir, 'vault'), { durable: false })],
  ['memory', (): VaultStore => new MemoryVaultStore('keys-test')],
])('vault key management on %s', (_, makeStore) => {
  let dir: string;
  let store: VaultStore;
  let vault: Vault;
  let first: KeyFileKeyProvider;
  let firstKeyObject: string;
  beforeEach(async () => {
    dir = await tempDir('key-management');
    store = makeStore(dir);
    first = await KeyFileKeyProvider.create(path.join(dir, 'first.key'));
    vault = await initVault(store, first, SMALL_TUNING);
    [firstKeyObject] = (await listedKeys(store, KEYS_PREFIX)) as [string];
  });
  afterEach(async () => removeDir(dir));

  it('adds a key file that opens the vault and restores a snapshot byte for byte; the old key opens it until removed, then is refused', async () => {
    const src = path.join(dir, 'src');
    await fs.mkdir(path.join(src, 'sub'), { recursive: true });
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(70_000, 5));
    await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'second credential\n');
    const { snapshot } = await backupDirectory(vault, src);

    const second = await KeyFileKeyProvider.create(path.join(dir, 'second.key'));
    const added = await addKeyObject(vault, second);
    expect((await listedKeys(store, KEYS_PREFIX)).sort()).toEqual([firstKeyObject, added].sort());

    const bySecond = await openVault(store, second);
    expect(bySecond.config).toEqual(vault.config);
    const out = path.join(dir, 'out');
    await restoreSnapshot(bySecond, await bySecond.resolveSnapshot(snapshot.id), out);
    expect(await readTree(out)).toEqual(await readTree(src));

    // The first key still opens the vault: adding re-encrypted nothing.
    expect((await openVault(store, first)).config.id).toBe(vault.config.id);

    expect(await removeKeyObject(bySecond, second, shortKeyObjectId(idOf(firstKeyObject)))).toBe(firstKeyObject);
    expect(await listedKeys(store, KEYS_PREFIX)).toEqual([added]);
    await expect(openVault(store, first)).rejects.toThrow(KeyUnwrapError);
    expect((await openVault(store, second)).config.id).toBe(vault.config.id);
  });

  it('lists every key object: kind, created, fingerprint, the one in use marked, a damaged one as damaged', async () => {
    const second = await KeyFileKeyProvider.create(path.join(dir, 'second.key'));
    const added = await addKeyObject(vault, second);
    const kms = await putKeyObject(store, { kind: 'kms', ciphertext: 'AAAA', params: { keyId: 'arn:aws:kms:eu-west-1:111122223333:key/k' } }, new Date('2020-01-01T00:00:00Z'));
    const damagedBody = Buffer.from('{"v":1,"created":"2021-01-01T00:00:00.000Z"}');
    const damaged = `${KEYS_PREFIX}${'0'.repeat(64)}`;
    await store.put(damaged, damagedBody);

    const listed = await listKeyObjects(vault, first);
    const fingerprintOf = async (p: KeyFileKeyProvider): Promise<unknown> => (await p.wrapVaultKey(Buffer.alloc(64))).params['fingerprint'];
    const [firstCreated, addedCreated] = [JSON.parse((await store.get(firstKeyObject)).toString()).created as string, JSON.parse((await store.get(added)).toString()).created as string];
    expect(listed).toEqual([
      { key: kms, id: idOf(kms), current: false, kind: 'kms', created: '2020-01-01T00:00:00.000Z', kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k' },
      ...[
        { key: firstKeyObject, id: idOf(firstKeyObject), current: true, kind: 'key-file', created: firstCreated, fingerprint: await fingerprintOf(first) },
        { key: added, id: idOf(added), current: false, kind: 'key-file', created: addedCreated, fingerprint: await fingerprintOf(second) },
      ].sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id)),
      { key: damaged, id: '0'.repeat(64), current: false, kind: null, created: null, damage: 'its SHA-256 does not match its name' },
    ]);
    // Opened with the second key file, that one is marked.
    expect((await listKeyObjects(await openVault(store, second), second)).filter((k) => k.current).map((k) => k.key)).toEqual([added]);

    // A KMS key object is the environment's: not removed here. A damaged one may be.
    await expect(removeKeyObject(vault, first, idOf(kms))).rejects.toThrow(`key object ${shortKeyObjectId(idOf(kms))} is a KMS key object`);
    expect(await removeKeyObject(vault, first, `keys/${'0'.repeat(64)}`)).toBe(damaged);
    expect(await store.has(damaged)).toBe(false);
    expect(await store.has(kms)).toBe(true);
  });

  it('refuses to add a credential that opens the vault already, under any path', async () => {
    const copy = path.join(dir, 'copy-of-first.key');
    await fs.copyFile(path.join(dir, 'first.key'), copy);
    const add = addKeyObject(vault, await KeyFileKeyProvider.load(copy));
    await expect(add).rejects.toThrow(KeyManagementError);
    await expect(add).rejects.toThrow(`this key file already opens the vault at ${store.location} (key object ${shortKeyObjectId(idOf(firstKeyObject))}); nothing was added`);
    expect(await listedKeys(store, KEYS_PREFIX)).toEqual([firstKeyObject]);
  });

  it('refuses to remove the key object in use, and an unknown or ambiguous id, changing nothing', async () => {
    await expect(removeKeyObject(vault, first, idOf(firstKeyObject).slice(0, 6))).rejects.toThrow(
      `key object ${shortKeyObjectId(idOf(firstKeyObject))} is the one that opened the vault now (the key file given): use another key to remove it`,
    );
    // Key objects until two share their first hex digit (at most 17: pigeonhole).
    const keys = [firstKeyObject];
    let shared: string | undefined;
    for (let n = 0; shared === undefined; n++) {
      keys.push(await addKeyObject(vault, await KeyFileKeyProvider.create(path.join(dir, `k${n}.key`))));
      shared = [...new Set(keys.map((k) => idOf(k)[0]))].find((c) => keys.filter((k) => idOf(k)[0] === c).length > 1);
    }
    const sharing = keys.filter((k) => idOf(k).startsWith(shared ?? '')).map(idOf).sort();
    const before = await listedKeys(store, KEYS_PREFIX);
    await expect(removeKeyObject(vault, first, shared)).rejects.toThrow(`the id prefix ${shared} is ambiguous: it matches ${sharing.join(', ')}; give more of the id`);
    const unknown = '0123456789abcdef'.split('').find((c) => !keys.some((k) => idOf(k).startsWith(c))) ?? 'ffffffffff';
    await expect(removeKeyObject(vault, first, unknown)).rejects.toThrow(`no key object of the vault at ${store.location} has an id starting with ${unknown}; its key objects: ${keys.map(idOf).sort().map(shortKeyObjectId).join(', ')}`);
    await expect(removeKeyObject(vault, first, 'not-an-id')).rejects.toThrow('"not-an-id" is not a key object id');
    expect(await listedKeys(store, KEYS_PREFIX)).toEqual(before);
  });

  it('says why and that nothing changed when the store refuses the delete (Object Lock, a role without s3:DeleteObject)', async () => {
    const second = await KeyFileKeyProvider.create(path.join(dir, 'second.key'));
    const added = await addKeyObject(vault, second);
    const refusals: Array<[string, unknown]> = [
      ['S3 Object Lock keeps it', new ObjectLockedError(store.location, added, 'COMPLIANCE until 2030-01-01T00:00:00.000Z')],
      ['S3 refused the delete (Access Denied): the role needs s3:DeleteObject', Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })],
    ];
    for (const [why, refusal] of refusals) {
      const refusing = requiredMethodsStore(store, { delete: () => Promise.reject(refusal) });
      const remove = removeKeyObject(new Vault(refusing, vault.keys, vault.config), first, idOf(added));
      await expect(remove).rejects.toThrow(KeyObjectNotRemovedError);
      await expect(remove).rejects.toThrow(why);
      await expect(remove).rejects.toThrow('nothing was changed, and its credential still opens the vault');
    }
    expect((await openVault(store, second)).config.id).toBe(vault.config.id);
  });

  it('r65M F5: a 403 for the clock is not advised s3:DeleteObject, but named as S3 named it', async () => {
    const second = await KeyFileKeyProvider.create(path.join(dir, 'second.key'));
    const added = await addKeyObject(vault, second);
    const skew = Object.assign(new Error('The difference between the request time and the current time is too large.'), { name: 'RequestTimeTooSkewed', $metadata: { httpStatusCode: 403 } });
    const refusing = requiredMethodsStore(store, { delete: () => Promise.reject(skew) });
    const failure = await removeKeyObject(new Vault(refusing, vault.keys, vault.config), first, idOf(added)).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(failure).toBeInstanceOf(KeyObjectNotRemovedError);
    expect(failure?.message).toContain(
      "S3 refused the delete (The difference between the request time and the current time is too large.) with 403 RequestTimeTooSkewed, which is no want of a permission: put right what S3's words say (for RequestTimeTooSkewed this machine's clock",
    );
    expect(failure?.message).not.toContain('s3:DeleteObject');
    expect(failure?.message).toContain('nothing was changed, and its credential still opens the vault');
  });

  it('keeps a key that opens the vault when two removes cross, each removing the other\'s key object (review r3)', async () => {
    const second = await KeyFileKeyProvider.create(path.join(dir, 'second.key'));
    const secondKeyObject = await addKeyObject(vault, second);
    // Both removes pass their checks before either deletes: each delete waits until both have been asked for.
    let asked = 0;
    let release: () => void = () => undefined;
    const bothAsked = new Promise<void>((resolve) => (release = resolve));
    const crossing = requiredMethodsStore(store, {
      delete: async (key) => {
        if (++asked === 2) release();
        await bothAsked;
        await store.delete(key);
      },
    });
    const byFirst = await openVault(crossing, first);
    const bySecond = await openVault(crossing, second);
    const outcomes = await Promise.allSettled([removeKeyObject(byFirst, first, idOf(secondKeyObject)), removeKeyObject(bySecond, second, idOf(firstKeyObject))]);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
    expect(refused.length).toBeGreaterThan(0);
    for (const err of refused) {
      expect(err).toBeInstanceOf(KeyManagementError);
      expect(err.message).toMatch(/^another process removed key object [0-9a-f]{8}, the one the key file given opened the vault with, while this command removed [0-9a-f]{8}: [0-9a-f]{8} was put back/);
    }
    // Whatever the order, a key object is left and its credential opens the vault.
    const left = await listedKeys(store, KEYS_PREFIX);
    expect(left.length).toBeGreaterThan(0);
    const opens = await Promise.allSettled([first, second].map((p) => openVault(store, p)));
    expect(opens.some((o) => o.status === 'fulfilled')).toBe(true);
  });

  it('keeps a key that opens the vault when two removes cross while a stray key object of another master key is there (audit d5-1)', async () => {
    const second = await KeyFileKeyProvider.create(path.join(dir, 'second.key'));
    const secondKeyObject = await addKeyObject(vault, second);
    // What an init that lost its race leaves, or anyone who may create under keys/ plants: intact, of another master key.
    const loser = await KeyFileKeyProvider.create(path.join(dir, 'loser.key'));
    const stray = await putKeyObject(store, (await loser.createVaultKey()).wrapped);
    // Both deletes done before either remove goes on to check its own key object. Released when both deletes were
    // asked for, one remove could check before the other's delete reached the directory and find its key there (a
    // crossing this test does not mean to show; it failed so once in CI under load).
    let deleted = 0;
    let release: () => void = () => undefined;
    const bothDeleted = new Promise<void>((resolve) => (release = resolve));
    const crossing = requiredMethodsStore(store, {
      delete: async (key) => {
        await store.delete(key);
        if (++deleted === 2) release();
        await bothDeleted;
      },
    });
    const byFirst = await openVault(crossing, first);
    const bySecond = await openVault(crossing, second);
    const outcomes = await Promise.allSettled([removeKeyObject(byFirst, first, idOf(secondKeyObject)), removeKeyObject(bySecond, second, idOf(firstKeyObject))]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const err = (outcome as PromiseRejectedResult).reason as Error;
      expect(err).toBeInstanceOf(KeyManagementError);
      expect(err.message).toMatch(/: [0-9a-f]{8} was put back, since this command cannot tell whether any other key object opens the vault; /);
      // The stray is no key of this vault: the error does not point the operator at it.
      expect(err.message).not.toContain(shortKeyObjectId(idOf(stray)));
    }
    expect((await listedKeys(store, KEYS_PREFIX)).sort()).toEqual([firstKeyObject, secondKeyObject, stray].sort());
    expect((await openVault(store, first)).config.id).toBe(vault.config.id);
    expect((await openVault(store, second)).config.id).toBe(vault.config.id);
  });

  it('puts back the key object it removed when its own went, even with another key left, undoing a remove that already reported success: only a later key list shows it (audit d5-1, review r2-2 of 2df6e2e5)', async () => {
    const second = await KeyFileKeyProvider.create(path.join(dir, 'second.key'));
    const third = await KeyFileKeyProvider.create(path.join(dir, 'third.key'));
    const secondKeyObject = await addKeyObject(vault, second);
    const thirdKeyObject = await addKeyObject(vault, third);
    // X (the first key) removes the second, and is slow before its delete; Y (the third) meanwhile removes the second and the first.
    let resume: () => void = () => undefined;
    const yDone = new Promise<void>((resolve) => (resume = resolve));
    const slow = requiredMethodsStore(store, {
      delete: async (key) => {
        await yDone;
        await store.delete(key);
      },
    });
    const x = removeKeyObject(await openVault(slow, first), first, idOf(secondKeyObject));
    const byThird = await openVault(store, third);
    expect(await removeKeyObject(byThird, third, idOf(secondKeyObject))).toBe(secondKeyObject);
    expect(await removeKeyObject(byThird, third, idOf(firstKeyObject))).toBe(firstKeyObject);
    resume();
    const short = shortKeyObjectId(idOf(secondKeyObject));
    await expect(x).rejects.toThrow(
      new RegExp(`^another process removed key object ${shortKeyObjectId(idOf(firstKeyObject))}, .* while this command removed ${short}: ${short} was put back, .*remove ${short} again with one that opens the vault if it is to be retired$`),
    );
    // X could not tell that the third key object opens the vault. Y's remove of the second, which reported success and
    // ended, is undone: the retired second credential opens the vault again, and nothing tells Y's operator.
    expect((await listedKeys(store, KEYS_PREFIX)).sort()).toEqual([secondKeyObject, thirdKeyObject].sort());
    expect((await openVault(store, second)).config.id).toBe(vault.config.id);
    // Only a later `vault key list` shows it (as the remove's note and docs/FORMAT.md §2 say); retiring it then holds.
    const listed = await listKeyObjects(await openVault(store, third), third);
    expect(listed.map((k) => k.key).sort()).toEqual([secondKeyObject, thirdKeyObject].sort());
    expect(await removeKeyObject(byThird, third, idOf(secondKeyObject))).toBe(secondKeyObject);
    expect(await listedKeys(store, KEYS_PREFIX)).toEqual([thirdKeyObject]);
    await expect(openVault(store, second)).rejects.toThrow(KeyUnwrapError);
  });

  it('says the key object is removed and what to do when the check after the delete fails', async () => {
    const second = await KeyFileKeyProvider.create(path.join(dir, 'second.key'));
    const secondKeyObject = await addKeyObject(vault, second);
    let deleted = false;
    const silentAfterDelete = requiredMethodsStore(store, {
      delete: async (key) => {
        await store.delete(key);
        deleted = true;
      },
      has: async (key) => {
        if (deleted) throw new Error('socket hang up');
        return store.has(key);
      },
    });
    const err = await removeKeyObject(await openVault(silentAfterDelete, first), first, idOf(secondKeyObject)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyManagementError);
    expect((err as Error).message).toMatch(
      new RegExp(`^key object ${shortKeyObjectId(idOf(secondKeyObject))} \\(${secondKeyObject}\\) is removed, but checking afterwards that the vault at .* still has a key \\(or putting the key object back\\) failed \\(socket hang up\\): run \`lifeboat vault key list\``),
    );
    expect(await listedKeys(store, KEYS_PREFIX)).toEqual([firstKeyObject]);
  });

  it('tells the key object in use from the open, without unwrapping again (a passphrase derives its scrypt key once; review r6)', async () => {
    const passphrase = new PassphraseKeyProvider('correct horse battery staple', FAST_SCRYPT);
    const added = await addKeyObject(vault, passphrase);
    const unwrap = jest.spyOn(passphrase, 'unwrapVaultKey');
    const opened = await openVault(store, passphrase);
    expect(unwrap).toHaveBeenCalledTimes(1);
    expect((await listKeyObjects(opened, passphrase)).filter((k) => k.current).map((k) => k.key)).toEqual([added]);
    await removeKeyObject(opened, passphrase, idOf(firstKeyObject));
    expect(unwrap).toHaveBeenCalledTimes(1);
    // Another provider than the one that opened it is still asked by unwrapping.
    const same = new PassphraseKeyProvider('correct horse battery staple', FAST_SCRYPT);
    expect((await listKeyObjects(opened, same)).filter((k) => k.current).map((k) => k.key)).toEqual([added]);
    unwrap.mockRestore();
  });

  it('adds a passphrase, opens with it, and retires it', async () => {
    const passphrase: KeyProvider = new PassphraseKeyProvider('correct horse battery staple', FAST_SCRYPT);
    const added = await addKeyObject(vault, passphrase);
    await expect(addKeyObject(vault, new PassphraseKeyProvider('correct horse battery staple', FAST_SCRYPT))).rejects.toThrow('this passphrase already opens the vault');
    const byPassphrase = await openVault(store, passphrase);
    expect(byPassphrase.config.id).toBe(vault.config.id);
    const listed = (await listKeyObjects(byPassphrase, passphrase)).map((k) => `${k.key} ${k.kind} ${k.current ? '*' : '-'}`);
    expect(listed.sort()).toEqual([`${firstKeyObject} key-file -`, `${added} passphrase *`].sort());
    await expect(removeKeyObject(byPassphrase, passphrase, idOf(added))).rejects.toThrow('is the one that opened the vault now (the passphrase given)');
    await removeKeyObject(vault, first, idOf(added));
    await expect(openVault(store, passphrase)).rejects.toThrow(KeyUnwrapError);
  });
});
