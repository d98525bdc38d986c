import { watch } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { isScryptParameterError } from '../../../../vault/keys/passphrase-key-provider';

/**
 * Review 42e F2: loadOrCreate of an existing key file wrote a temporary file beside it first (the atomic create), so in a
 * directory it may not write (a read-only mount) an existing key no longer loaded. It now loads an existing file without
 * writing anything. (Root ignores directory modes, so the test watches for any write instead of relying on EACCES.)
 */
it('loads an existing key file without writing anything beside it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-keyfile-ro-'));
  try {
    const file = path.join(dir, 'vault.key');
    const created = await KeyFileKeyProvider.loadOrCreate(file);
    expect(created.created).toBe(true);
    const written: string[] = [];
    const watcher = watch(dir, (_event, name) => {
      if (name !== null && name !== 'vault.key') written.push(name);
    });
    try {
      const loaded = await KeyFileKeyProvider.loadOrCreate(file);
      expect(loaded.created).toBe(false);
      // The watcher's events arrive on the event loop: give them a turn before asserting.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      watcher.close();
    }
    expect(written).toEqual([]);
    expect(await readdir(dir)).toEqual(['vault.key']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// Review 42e F3: memory scrypt cannot get is the machine's fault, not the key object's; only a parameter refusal is damage.
it('tells scrypt parameter refusals from failures while deriving', () => {
  expect(isScryptParameterError(Object.assign(new RangeError('Invalid scrypt params'), { code: 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS' }))).toBe(true);
  expect(isScryptParameterError(Object.assign(new Error('error:030000C1:digital envelope routines::malloc failure'), { code: 'ERR_OSSL_EVP_MALLOC_FAILURE' }))).toBe(false);
});
