import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultInit } from '../../../cli/commands/vault-commands';
import { vaultKeyAdd } from '../../../cli/commands/vault-key-commands';
import { FileVaultStore } from '../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { openVault } from '../../../vault/repository/vault';
import { recordingCliIo } from '../../support/captured-cli-io';
import { removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * `vault key add --new-key-file F` run twice at once (a retried script, two terminals), review r3 of 9ae0683: run A
 * creates F, run B finds it, loads it and stores a key object under it; A then finds F already opening the vault and
 * fails. A deletes a key file it created when its add fails, but not this one: B's key object is made for it, and B
 * told its operator F is a working credential.
 */
let dir: string;
beforeEach(async () => {
  dir = await tempDir('vault-key-add-twice');
});
afterEach(async () => {
  jest.restoreAllMocks();
  await removeDir(dir);
});

it('keeps a key file it created when a concurrent add stored a key object for it, and the file opens the vault', async () => {
  const vault = path.join(dir, 'vault');
  const keyFile = path.join(dir, 'old.key');
  const newKeyFile = path.join(dir, 'new.key');
  expect(await vaultInit({ vault, keyFile }, { io: recordingCliIo() })).toBe(0);
  const original = KeyFileKeyProvider.loadOrCreate.bind(KeyFileKeyProvider);
  let releaseA: () => void = () => undefined;
  const aMayGoOn = new Promise<void>((resolve) => (releaseA = resolve));
  let aCreated: () => void = () => undefined;
  const aHasCreated = new Promise<void>((resolve) => (aCreated = resolve));
  let calls = 0;
  jest.spyOn(KeyFileKeyProvider, 'loadOrCreate').mockImplementation(async (file: string) => {
    const loaded = await original(file);
    if (calls++ === 0) {
      aCreated();
      await aMayGoOn;
    }
    return loaded;
  });
  const ioA = recordingCliIo();
  const a = vaultKeyAdd({ vault, keyFile, newKeyFile }, { io: ioA });
  await aHasCreated;
  const ioB = recordingCliIo();
  expect(await vaultKeyAdd({ vault, keyFile, newKeyFile }, { io: ioB })).toBe(0);
  releaseA();
  expect(await a).toBe(1);
  expect(ioA.errors.join('\n')).toMatch(/this key file already opens the vault at .* \(key object [0-9a-f]{8}\); nothing was added/);
  // B's id is the key object the kept file opens the vault with.
  const opened = await openVault(new FileVaultStore(vault), await KeyFileKeyProvider.load(newKeyFile));
  expect(opened.config.id).toBeTruthy();
  expect(ioB.lines).toHaveLength(1);
  expect(await fs.readdir(path.join(vault, 'keys'))).toContain(ioB.lines[0]);
});

it('deletes a key file it created when its add fails and no key object was made for it', async () => {
  const vault = path.join(dir, 'vault');
  const keyFile = path.join(dir, 'old.key');
  const newKeyFile = path.join(dir, 'new.key');
  expect(await vaultInit({ vault, keyFile }, { io: recordingCliIo() })).toBe(0);
  // The store refuses the new key object (a full disk, a role that may not write keys/).
  jest.spyOn(FileVaultStore.prototype, 'put').mockRejectedValue(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
  const io = recordingCliIo();
  expect(await vaultKeyAdd({ vault, keyFile, newKeyFile }, { io })).toBe(1);
  expect(io.errors.join('\n')).toMatch(/ENOSPC/);
  await expect(fs.access(newKeyFile)).rejects.toThrow(/ENOENT/);
});
