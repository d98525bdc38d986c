import * as path from 'node:path';
import { type ListedObject, type VaultStore } from '../../../../vault/backend/vault-store';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { KEY_OBJECT_INIT_WINDOW_MS, lostConfigAdvice, vaultObjectsWithoutConfig } from '../../../../vault/repository/orphaned-vault-objects';
import { initVault, openVault } from '../../../../vault/repository/vault';
import { VaultConfigMissingError } from '../../../../vault/vault-errors';
import { removeDir, requiredMethodsStore, SMALL_TUNING, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review 43c F1: a bucket without `config` whose data/, index/, manifest/ and snapshots/ were deleted passed for one
 * that never held a vault, although its prune state (prune/) or its key objects (keys/) were still there. Prune state
 * is written only by a prune of an opened vault: it always counts. A key object counts when asked (an open), once it
 * is older than an init takes: an init writes its key before its config, and two first backups may init at once.
 */

let dir: string;
beforeEach(async () => {
  dir = await tempDir('orphaned-objects');
});
afterEach(async () => removeDir(dir));

it('prune state left without a config is a lost config: open and init refuse, naming prune/, and write nothing', async () => {
  const store = new FileVaultStore(path.join(dir, 'emptied'), { durable: false });
  await store.put('prune/policy', Buffer.from('sealed policy'));
  await store.put(`prune/condemned/${'c'.repeat(64)}`, Buffer.from('sealed batch'));
  expect(await vaultObjectsWithoutConfig(store)).toBe('prune/');
  const keyFile = path.join(dir, 'key');
  await KeyFileKeyProvider.create(keyFile);
  await expect(openVault(store, await KeyFileKeyProvider.load(keyFile))).rejects.toThrow(VaultConfigMissingError);
  await expect(openVault(store, await KeyFileKeyProvider.load(keyFile))).rejects.toThrow(/holds vault objects \(prune\/…\) but no config object/);
  await expect(initVault(store, await KeyFileKeyProvider.load(keyFile), SMALL_TUNING)).rejects.toThrow(VaultConfigMissingError);
  expect(await store.has('config')).toBe(false);
});

describe('key objects without a config', () => {
  const NOW = new Date('2026-12-05T12:00:00Z');
  /** A store that holds one key object written at `written` (undefined: a listing that does not tell). */
  function keysOnly(written: Date | undefined, withSizes = true): VaultStore {
    const key = `keys/${'k'.repeat(64)}`;
    const inner = new FileVaultStore(path.join(dir, 'keys-only'), { durable: false });
    const listed = async function* (prefix: string): AsyncIterable<ListedObject> {
      if (key.startsWith(prefix)) yield { key, size: 100, ...(written ? { lastModified: written } : {}) };
    };
    return requiredMethodsStore(inner, {
      list: async function* (prefix) {
        for await (const o of listed(prefix)) yield o.key;
      },
      ...(withSizes ? { listWithSizes: listed } : {}),
    });
  }

  it('count when asked, once older than an init takes; never of no known age (a directory: review 43d F1), never for an init', async () => {
    const settled = new Date(NOW.getTime() - KEY_OBJECT_INIT_WINDOW_MS);
    const young = new Date(NOW.getTime() - KEY_OBJECT_INIT_WINDOW_MS + 60_000);
    expect(await vaultObjectsWithoutConfig(keysOnly(settled), { keyObjects: { now: NOW } })).toBe('keys/');
    // A store that does not tell an object's age: an init under way or failed there cannot be told from a leftover.
    expect(await vaultObjectsWithoutConfig(keysOnly(undefined), { keyObjects: { now: NOW } })).toBeUndefined();
    expect(await vaultObjectsWithoutConfig(keysOnly(settled, false), { keyObjects: { now: NOW } })).toBeUndefined();
    // An init under way (its key written a minute ago, its config next): not a lost config.
    expect(await vaultObjectsWithoutConfig(keysOnly(young), { keyObjects: { now: NOW } })).toBeUndefined();
    // An init asks without `keyObjects`: a concurrent init's key, or its own failed attempt's, must not stop it.
    expect(await vaultObjectsWithoutConfig(keysOnly(settled))).toBeUndefined();
  });

  it('are said to be a deleted config or a failed init, and never to be initialised over blindly', () => {
    expect(lostConfigAdvice('s3://lifeboat-dev-vault', 'keys/')).toBe(
      's3://lifeboat-dev-vault holds key objects (keys/…) older than a vault init takes, but no config object: either its config was deleted with the rest of the vault, ' +
        'or an init failed after writing its key. Do not run `lifeboat vault init` here before you know which. If backups were stored here, bring the config object back ' +
        '(an S3 noncurrent version of `config`, or a copy of the directory) with the other objects; if none ever was, the key objects are a failed init\'s, and the next init ' +
        '(an environment\'s first backup) creates the vault beside them.',
    );
  });
});
