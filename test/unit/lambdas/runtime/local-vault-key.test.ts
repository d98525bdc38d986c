import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createLambdaRuntime } from '../../../../lambdas/runtime/lambda-runtime';
import { vaultKeyProvider } from '../../../../lambdas/runtime/backup-vault';
import { runtimeConfigFromEnv } from '../../../../lambdas/runtime/runtime-config';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { initVault, openVault } from '../../../../vault/repository/vault';
import { KeyUnwrapError, VaultNotFoundError } from '../../../../vault/vault-errors';
import { removeDir, SMALL_TUNING, tempDir } from '../../../support/vault-test-helpers';

/** A replicate function under the local executor: both vaults' keys come from <dataDir>/vault.key. */
function localEnv(keyFile: string): NodeJS.ProcessEnv {
  return {
    AWS_REGION: 'eu-west-1',
    LIFEBOAT_ENVIRONMENT: 'dev',
    VAULT_BUCKET: 'dev-vault',
    CATALOG_TABLE: 'dev-catalog',
    LIFEBOAT_PLANS: '[]',
    DR_VAULT_BUCKET: 'dev-vault-dr',
    DR_REGION: 'eu-central-1',
    LIFEBOAT_LOCAL_VAULT_KEY_FILE: keyFile,
  };
}

describe('the local vault key file (<dataDir>/vault.key)', () => {
  let dir: string;
  let keyFile: string;
  let store: FileVaultStore;
  beforeEach(async () => {
    dir = await tempDir('local-vault-key');
    keyFile = path.join(dir, 'data', 'vault.key');
    await fs.mkdir(path.dirname(keyFile));
    store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
  });
  afterEach(async () => removeDir(dir));

  it('is never made by an open that does not create the vault: opening an existing vault says where the missing file belongs', async () => {
    await initVault(store, await KeyFileKeyProvider.create(path.join(dir, 'original.key')), SMALL_TUNING);
    const runtime = createLambdaRuntime(runtimeConfigFromEnv(localEnv(keyFile)));
    for (const side of ['primary', 'dr'] as const) {
      const opening = openVault(store, await runtime.vaultKeys(side));
      await expect(opening).rejects.toThrow(KeyUnwrapError);
      await expect(opening).rejects.toThrow(`the local vault key file ${keyFile} is missing: the vault dev-vault${side === 'dr' ? '-dr' : ''} was created with the key file at that path`);
    }
    await expect(fs.stat(keyFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is not made for a vault that exists already, even by the open that may create it (the Plan step)', async () => {
    await initVault(store, await KeyFileKeyProvider.create(path.join(dir, 'original.key')), SMALL_TUNING);
    const opening = openVault(store, await vaultKeyProvider({ keyFile }, 'dev-vault', { createIn: store }));
    await expect(opening).rejects.toThrow(`the local vault key file ${keyFile} is missing`);
    await expect(fs.stat(keyFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is not asked for before there is a vault: an open of none says there is no vault, and makes no key file', async () => {
    await expect(openVault(store, await vaultKeyProvider({ keyFile }, 'dev-vault'))).rejects.toThrow(VaultNotFoundError);
    await expect(fs.stat(keyFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
