import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultInit, vaultLs } from '../../../cli/commands/vault-commands';
import { initVault, openVault } from '../../../vault/repository/vault';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { openLocalVaultStore } from '../../../vault/backend/open-local-vault-store';
import { CONFIG_KEY } from '../../../vault/repository/vault-layout';
import { recordingCliIo } from '../../support/captured-cli-io';
import { listedKeys, removeDir, tempDir } from '../../support/vault-test-helpers';
import { addKeyObject } from '../../../vault/keys/key-management';
import { putKeyObject } from '../../../vault/keys/key-object';
import { PassphraseKeyProvider } from '../../../vault/keys/passphrase-key-provider';
import { KEYS_PREFIX } from '../../../vault/repository/vault-layout';

/**
 * `lifeboat vault init` refuses what would leave something unusable behind: a compression level the
 * vault's reader refuses (the config is write-once, so such a vault could never be opened or created
 * again), and, for an existing vault, the new key file it was given (a key that opens nothing).
 * Opening a vault with the other kind of key names the option that opens it.
 */

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir('vault-init-refusals');
});
afterAll(async () => removeDir(dir));

describe('vault init --compression', () => {
  it.each(['23', '99', '-8'])('refuses %s naming the range, and creates neither the vault nor the key file', async (level) => {
    const vault = path.join(dir, `c${level}`);
    const keyFile = path.join(dir, `k${level}`);
    const io = recordingCliIo();
    expect(await vaultInit({ vault, keyFile, compression: level }, { io })).toBe(1);
    expect(io.errors).toEqual([`lifeboat vault: --compression must be off or a zstd level from -7 to 22, got ${level}`]);
    expect(await exists(path.join(vault, CONFIG_KEY))).toBe(false);
    expect(await exists(keyFile)).toBe(false);
  });

  it.each([
    ['22', 22],
    ['-7', -7],
    ['off', null],
  ])('accepts %s, and the vault opens with that level', async (text, level) => {
    const vault = path.join(dir, `ok${text}`);
    const keyFile = path.join(dir, `okk${text}`);
    expect(await vaultInit({ vault, keyFile, compression: text }, { io: recordingCliIo() })).toBe(0);
    const opened = await openVault(openLocalVaultStore(vault), await KeyFileKeyProvider.load(keyFile));
    expect(opened.config.compressionLevel).toBe(level);
  });

  it('initVault itself refuses a level the reader would refuse, before it writes anything', async () => {
    const vault = path.join(dir, 'lib');
    const store = openLocalVaultStore(vault);
    const { provider } = await KeyFileKeyProvider.loadOrCreate(path.join(dir, 'lib-key'));
    await expect(initVault(store, provider, { compressionLevel: 23 })).rejects.toThrow('compression level must be null (off) or a whole zstd level from -7 to 22, got 23');
    await expect(initVault(store, provider, { compressionLevel: 1.5 })).rejects.toThrow('got 1.5');
    const written: string[] = [];
    for await (const key of store.list('')) written.push(key);
    expect(written).toEqual([]);
    // The same store then takes a valid init: nothing was left that makes it look like a vault.
    expect((await initVault(store, provider, { compressionLevel: 22 })).config.compressionLevel).toBe(22);
  });
});

describe('vault init of an existing vault', () => {
  it('removes the key file it created for the refused init, and leaves an existing one as it was', async () => {
    const vault = path.join(dir, 'existing');
    const firstKey = path.join(dir, 'existing-key');
    expect(await vaultInit({ vault, keyFile: firstKey }, { io: recordingCliIo() })).toBe(0);

    const newKey = path.join(dir, 'new-key');
    const io = recordingCliIo();
    expect(await vaultInit({ vault, keyFile: newKey }, { io })).toBe(1);
    expect(io.errors).toEqual([`lifeboat vault: ${vault} already holds a vault (its config object exists)`]);
    expect(await exists(newKey)).toBe(false);

    const before = await fs.readFile(firstKey);
    expect(await vaultInit({ vault, keyFile: firstKey }, { io: recordingCliIo() })).toBe(1);
    expect(await fs.readFile(firstKey)).toEqual(before);
    const other = path.join(dir, 'other-existing-key');
    await KeyFileKeyProvider.create(other);
    const otherBefore = await fs.readFile(other);
    expect(await vaultInit({ vault, keyFile: other }, { io: recordingCliIo() })).toBe(1);
    expect(await fs.readFile(other)).toEqual(otherBefore);
  });
});

describe('opening a vault with the other kind of key', () => {
  it('names the option that opens it', async () => {
    const passphraseVault = path.join(dir, 'pv');
    const env = { LB_PASS: 'correct horse battery staple' };
    expect(await vaultInit({ vault: passphraseVault, passphraseEnv: 'LB_PASS' }, { io: recordingCliIo(), env })).toBe(0);
    const withKeyFile = recordingCliIo();
    expect(await vaultLs(undefined, { vault: passphraseVault, keyFile: path.join(dir, 'existing-key') }, { io: withKeyFile, env })).toBe(1);
    expect(withKeyFile.errors.join('\n')).toMatch(/is a passphrase key; this vault is opened with its passphrase: give --passphrase-env <VAR> instead of --key-file$/);

    const keyFileVault = path.join(dir, 'kv');
    expect(await vaultInit({ vault: keyFileVault, keyFile: path.join(dir, 'kv-key') }, { io: recordingCliIo() })).toBe(0);
    const withPassphrase = recordingCliIo();
    expect(await vaultLs(undefined, { vault: keyFileVault, passphraseEnv: 'LB_PASS' }, { io: withPassphrase, env })).toBe(1);
    expect(withPassphrase.errors.join('\n')).toMatch(/is a key-file key; this vault is opened with its key file: give --key-file <file> instead of --passphrase-env$/);
  });

  it('with several credentials (vault key add), a wrong key file is told the passphrase opens it too, not to give it instead (review r6)', async () => {
    const vault = path.join(dir, 'both');
    const keyFile = path.join(dir, 'both-key');
    expect(await vaultInit({ vault, keyFile }, { io: recordingCliIo() })).toBe(0);
    const store = await openLocalVaultStore(vault);
    await addKeyObject(await openVault(store, await KeyFileKeyProvider.load(keyFile)), new PassphraseKeyProvider('correct horse battery staple', { N: 1024, r: 8, p: 1 }));
    await KeyFileKeyProvider.create(path.join(dir, 'wrong-key'));
    const wrong = recordingCliIo();
    expect(await vaultLs(undefined, { vault, keyFile: path.join(dir, 'wrong-key') }, { io: wrong })).toBe(1);
    const message = wrong.errors.join('\n');
    expect(message).toMatch(/is not the key of this vault.*; the vault also has a passphrase key object: --passphrase-env <VAR> opens it too$/);
    expect(message).not.toMatch(/instead of/);
    // The right key file still opens it.
    expect(await vaultLs(undefined, { vault, keyFile }, { io: recordingCliIo() })).toBe(0);
  });

  it("says a vault whose only key objects are KMS's is an environment's, which `lifeboat vault` does not open (review r6)", async () => {
    const vault = path.join(dir, 'kms-only');
    const keyFile = path.join(dir, 'kms-only-key');
    expect(await vaultInit({ vault, keyFile }, { io: recordingCliIo() })).toBe(0);
    const store = await openLocalVaultStore(vault);
    const [own] = await listedKeys(store, KEYS_PREFIX);
    await putKeyObject(store, { kind: 'kms', ciphertext: 'AAAA', params: { keyId: 'arn:aws:kms:eu-west-1:111122223333:key/k' } });
    await store.delete(own ?? '');
    const io = recordingCliIo();
    expect(await vaultLs(undefined, { vault, keyFile }, { io })).toBe(1);
    expect(io.errors.join('\n')).toMatch(/is a kms key; its only key objects are KMS key objects \(an environment's vault, opened by the environment's functions through KMS\): `lifeboat vault` opens a vault with a key file or a passphrase/);
  });

  it('does not call a vault KMS-only when its key-file key object is damaged beside a KMS one (review r7)', async () => {
    const vault = path.join(dir, 'kms-and-rotted');
    const keyFile = path.join(dir, 'kms-and-rotted-key');
    expect(await vaultInit({ vault, keyFile }, { io: recordingCliIo() })).toBe(0);
    const store = await openLocalVaultStore(vault);
    const [own] = await listedKeys(store, KEYS_PREFIX);
    await putKeyObject(store, { kind: 'kms', ciphertext: 'AAAA', params: { keyId: 'arn:aws:kms:eu-west-1:111122223333:key/k' } });
    // Rot: one byte of the key-file key object flipped, so its SHA-256 no longer matches its name.
    const ownFile = path.join(vault, own ?? '');
    const bytes = await fs.readFile(ownFile);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0x01;
    await fs.writeFile(ownFile, bytes);
    const io = recordingCliIo();
    expect(await vaultLs(undefined, { vault, keyFile }, { io })).toBe(1);
    const message = io.errors.join('\n');
    expect(message).toMatch(/is damaged/);
    expect(message).not.toMatch(/its only key objects are KMS key objects/);
  });
});
