import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { putKeyObject } from '../../../../vault/keys/key-object';
import { initVault, openVault } from '../../../../vault/repository/vault';
import { verifyVault } from '../../../../vault/checker/verify';
import { KeyUnwrapError } from '../../../../vault/vault-errors';
import { KEYS_PREFIX } from '../../../../vault/repository/vault-layout';
import { removeDir, requiredMethodsStore, SMALL_TUNING, tempDir } from '../../../support/vault-test-helpers';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The store with `first` listed before every other key object, as a name that sorts first would be. */
function listingFirst(inner: VaultStore, first: readonly string[]): VaultStore {
  return requiredMethodsStore(inner, {
    list: async function* (prefix: string) {
      const rest: string[] = [];
      for await (const key of inner.list(prefix)) if (!first.includes(key)) rest.push(key);
      if (prefix.startsWith(KEYS_PREFIX) || KEYS_PREFIX.startsWith(prefix)) yield* first;
      yield* rest;
    },
  });
}

describe('openVault with damaged key objects (docs/FORMAT.md §2: a reader tries each key object until one opens config)', () => {
  let dir: string;
  let root: string;
  let keyFile: string;
  beforeEach(async () => {
    dir = await tempDir('damaged-key');
    root = path.join(dir, 'vault');
    keyFile = path.join(dir, 'vault.key');
    await initVault(new FileVaultStore(root, { durable: false }), await KeyFileKeyProvider.create(keyFile), SMALL_TUNING);
  });
  afterEach(async () => removeDir(dir));

  it('skips a rotted stray key object (a lost init race leftover) listed before the vault’s own, and verify names it', async () => {
    const store = new FileVaultStore(root, { durable: false });
    const id = (await openVault(store, await KeyFileKeyProvider.load(keyFile))).config.id;
    // The key object of an init that lost its race (another key file), then one byte of it rots.
    const stray = await putKeyObject(store, (await (await KeyFileKeyProvider.create(path.join(dir, 'stray.key'))).createVaultKey()).wrapped);
    const file = path.join(root, stray);
    const body = await fs.readFile(file);
    body.writeUInt8(body.readUInt8(body.length - 5) ^ 1, body.length - 5);
    await fs.chmod(file, 0o600);
    await fs.writeFile(file, body);

    const vault = await openVault(listingFirst(store, [stray]), await KeyFileKeyProvider.load(keyFile));
    expect(vault.config.id).toBe(id);
    const report = await verifyVault(vault);
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]?.key).toBe(stray);
    expect(report.problems[0]?.message).toContain('its SHA-256 does not match its name');
    expect(report.problems[0]?.message).toContain('may be deleted');
  });

  it('skips objects created under keys/ that are not key objects: a name that is not their hash, not JSON, the wrong structure', async () => {
    const store = new FileVaultStore(root, { durable: false });
    const notJson = Buffer.from('not json at all');
    const wrongShape = Buffer.from(JSON.stringify({ v: 1, created: 'now', wrapped: { kind: 'key-file', ciphertext: '' } }));
    const forged = [`${KEYS_PREFIX}${'0'.repeat(64)}`, `${KEYS_PREFIX}${sha256(notJson)}`, `${KEYS_PREFIX}${sha256(wrongShape)}`];
    await store.put(forged[0] as string, Buffer.from('x'));
    await store.put(forged[1] as string, notJson);
    await store.put(forged[2] as string, wrongShape);
    const vault = await openVault(listingFirst(store, forged), await KeyFileKeyProvider.load(keyFile));
    expect(vault.config.chunker).toEqual(SMALL_TUNING.chunker);
    expect((await verifyVault(vault)).problems.map((p) => p.key).sort()).toEqual([...forged].sort());
  });

  it('when the only key object is damaged, the error names it and says how to restore it', async () => {
    const store = new FileVaultStore(root, { durable: false });
    const [own] = await fs.readdir(path.join(root, 'keys'));
    const file = path.join(root, 'keys', own as string);
    const body = await fs.readFile(file);
    body.writeUInt8(body.readUInt8(10) ^ 1, 10);
    await fs.chmod(file, 0o600);
    await fs.writeFile(file, body);
    const opening = openVault(store, await KeyFileKeyProvider.load(keyFile));
    await expect(opening).rejects.toThrow(KeyUnwrapError);
    await expect(opening).rejects.toThrow(`keys/${own as string} is damaged (its SHA-256 does not match its name): skipped`);
    await expect(opening).rejects.toThrow('restore it from a noncurrent version');
  });
});
