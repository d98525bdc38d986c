import { ReplicaMismatchError } from '../../../../lambdas/replication/replication-errors';
import { copyVaultObject, replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type PutOptions } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { initVault, openVault, type Vault } from '../../../../vault/repository/vault';
import { SMALL_TUNING } from '../../../support/vault-test-helpers';

// Cheap scrypt: the keys here only need to differ.
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** Refused like an overwrite the DR vault's bucket policy refuses the primary account (DenyOverwritesByThePrimaryAccount). */
class OverwriteRefusedError extends Error {
  override name = 'AccessDenied';
}

/**
 * A DR vault as the primary account sees it (lib/constructs/vault-bucket-protection.ts): an object may be created, and
 * an existing one is never replaced (put over it is refused; putIfAbsent answers false). `staleConfigChecks` makes the
 * first `has('config')` answer false while `config` is there: another pass, or the scrub, wrote it in between.
 */
class CreateOnlyStore extends MemoryVaultStore {
  staleConfigChecks = 0;

  override async has(key: string): Promise<boolean> {
    if (key === 'config' && this.staleConfigChecks > 0) {
      this.staleConfigChecks--;
      return false;
    }
    return super.has(key);
  }

  override async put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    if (await super.has(key)) throw new OverwriteRefusedError(`${this.location}: ${key} exists and may not be overwritten`);
    return super.put(key, body, options);
  }
}

async function newSource(name: string): Promise<Vault> {
  return initVault(new MemoryVaultStore(name), new PassphraseKeyProvider(`${name} key`, FAST_SCRYPT), SMALL_TUNING);
}

describe('replication writes the replica\'s config only where it is absent (create-only, as the DR vault\'s policy demands)', () => {
  const replicaKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);

  it('a config written meanwhile with the same bytes is success, not an overwrite', async () => {
    const source = await newSource('primary');
    const replica = new CreateOnlyStore('dr');
    await replica.put('config', await source.store.get('config'));
    replica.staleConfigChecks = 1;

    const progress = await replicateVault({ source, target: replica, targetKeys: replicaKeys });

    expect(progress.complete).toBe(true);
    expect(await replica.get('config')).toEqual(await source.store.get('config'));
    expect((await openVault(replica, replicaKeys)).config).toEqual(source.config);
  });

  it('another vault\'s config written meanwhile is never replaced: ReplicaMismatchError, and it stays', async () => {
    const source = await newSource('primary');
    const other = await newSource('other');
    const replica = new CreateOnlyStore('dr');
    const othersConfig = await other.store.get('config');
    await replica.put('config', othersConfig);
    replica.staleConfigChecks = 1;

    await expect(replicateVault({ source, target: replica, targetKeys: replicaKeys })).rejects.toThrow(ReplicaMismatchError);
    expect(await replica.get('config')).toEqual(othersConfig);
  });

  it('the scrub\'s repair of a missing config (copyVaultObject) creates it, and finds one written meanwhile without replacing it', async () => {
    const source = await newSource('primary');
    const replica = new CreateOnlyStore('dr');
    const config = await source.store.get('config');

    expect(await copyVaultObject(source.store, replica, 'config')).toBe(config.length);
    expect(await replica.get('config')).toEqual(config);
    // Run again (a retried repair): the config is there, with these bytes.
    expect(await copyVaultObject(source.store, replica, 'config')).toBe(config.length);
    expect(await replica.get('config')).toEqual(config);
  });
});
