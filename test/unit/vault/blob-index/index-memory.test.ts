import * as path from 'node:path';
import { INDEX_MEMORY_RESERVE_BYTES, INDEX_PEAK_BYTES_PER_BLOB, indexBlobCapacity, PRUNE_PEAK_BYTES_PER_BLOB, VaultIndexTooLargeError } from '../../../../vault/blob-index/index-memory';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { initVault, openVault } from '../../../../vault/repository/vault';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { PRUNE_POLICY_KEY } from '../../../../vault/repository/vault-layout';
import { runtimeConfigFromEnv } from '../../../../lambdas/runtime/runtime-config';
import { InvalidEnvironmentError } from '../../../../lambdas/runtime/errors';
import { pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** The index a function loads is bounded by its memory: past it, a message instead of an out-of-memory kill (docs/SCALE.md, "Index per shard"). */

it('fits as many blobs as the memory left after the reserve holds at the load peak', () => {
  expect(INDEX_PEAK_BYTES_PER_BLOB).toBe(80);
  expect(INDEX_MEMORY_RESERVE_BYTES).toBe(512 * 2 ** 20);
  // snapshot-shard's 2,048 MB: (2,048 − 512) MiB ÷ 80 bytes = 20,132,659.2 blobs.
  expect(indexBlobCapacity(2048 * 2 ** 20)).toBe(20_132_659);
  // Lambda's largest, 10,240 MB: 9,728 MiB ÷ 80 = 127,506,841.6.
  expect(indexBlobCapacity(10_240 * 2 ** 20)).toBe(127_506_841);
  // At most 1,024 MB the function keeps half: 512 MB → 256 MiB ÷ 80 = 3,355,443.2; 256 MB → 1,677,721.6.
  expect(indexBlobCapacity(1024 * 2 ** 20)).toBe(6_710_886);
  expect(indexBlobCapacity(512 * 2 ** 20)).toBe(3_355_443);
  expect(indexBlobCapacity(256 * 2 ** 20)).toBe(1_677_721);
  expect(indexBlobCapacity(0)).toBe(0);
  // prune-vault's 2,048 MB at prune's 300 bytes a blob: 1,536 MiB ÷ 300 = 5,368,709.1.
  expect(indexBlobCapacity(2048 * 2 ** 20, PRUNE_PEAK_BYTES_PER_BLOB)).toBe(5_368_709);
});

describe('a vault opened with a memory limit', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('index-memory');
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('loads an index that fits, and refuses one that does not with the memory and the way out named', async () => {
    const keyFile = path.join(dir, 'key');
    const vault = await initVault(new FileVaultStore(path.join(dir, 'vault'), { durable: false }), await KeyFileKeyProvider.create(keyFile));
    const writer = await vault.newSnapshotWriter({ parent: null });
    await writer.add({ path: 'a', kind: 'object', meta: {}, content: pseudoRandomBytes(200_000, 7) });
    await vault.commitSnapshot({ source: { kind: 'test', id: 'index-memory' }, parts: [await writer.finish()] });

    const reopen = async (memoryLimitMb: number | undefined) => {
      const opened = await openVault(new FileVaultStore(path.join(dir, 'vault'), { durable: false }), (await KeyFileKeyProvider.loadOrCreate(keyFile)).provider);
      opened.memoryLimitMb = memoryLimitMb;
      return opened;
    };
    // 1 MB leaves room for 6,553 blobs (half of it ÷ 80 bytes): the one blob loads.
    expect((await (await reopen(1)).index()).size).toBe(1);
    expect((await (await reopen(undefined)).index()).size).toBe(1);
    // 0 MB hold none.
    const refused = (await reopen(0)).index();
    await expect(refused).rejects.toThrow(VaultIndexTooLargeError);
    await expect(refused).rejects.toThrow(/holds more than 0 blobs, more than a function of 0 MB can load beside its work .*give the function more memory \(LifeboatProtection's functionMemory, by function name, e\.g\. \{ 'prune-vault': 6144 \}; Lambda allows up to 10,240 MB\)/);
  });

  it('refuses to prune a vault whose index objects a prune of that memory cannot hold, and deletes nothing', async () => {
    const keyFile = path.join(dir, 'key');
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const vault = await initVault(store, await KeyFileKeyProvider.create(keyFile));
    for (const [i, seed] of [11, 12].entries()) {
      const writer = await vault.newSnapshotWriter({ parent: null });
      await writer.add({ path: `object-${i}`, kind: 'object', meta: {}, content: pseudoRandomBytes(150_000, seed) });
      await vault.commitSnapshot({ source: { kind: 'test', id: 'prune-memory' }, parts: [await writer.finish()] });
    }
    // The first snapshot forgotten: its blob is garbage that a prune would condemn.
    const [first] = await vault.listSnapshots();
    await store.delete(`snapshots/${first?.id ?? ''}`);
    const before: string[] = [];
    for await (const key of store.list('')) before.push(key);

    const limited = await openVault(store, (await KeyFileKeyProvider.loadOrCreate(keyFile)).provider);
    limited.memoryLimitMb = 0;
    await expect(pruneVault(limited, { graceMs: 0 })).rejects.toThrow(/more than a function of 0 MB can load beside its work \(about 300 bytes a blob/);
    const after: string[] = [];
    for await (const key of store.list('')) after.push(key);
    // Only the prune policy it records first is new; nothing is condemned or deleted.
    expect(after.filter((k) => !before.includes(k))).toEqual([PRUNE_POLICY_KEY]);
    expect(before.filter((k) => !after.includes(k))).toEqual([]);
    // With room for both blobs, the same prune condemns the forgotten one.
    limited.memoryLimitMb = 1;
    expect((await pruneVault(limited, { graceMs: 0 })).report.packsCondemned).toBe(1);
  });
});

describe("the function's memory size, from its environment", () => {
  const env = { AWS_REGION: 'us-east-1', LIFEBOAT_ENVIRONMENT: 'dev', CATALOG_TABLE: 'lifeboat-dev-catalog', LIFEBOAT_PLANS: '[]', VAULT_BUCKET: 'v' };

  it('is read from AWS_LAMBDA_FUNCTION_MEMORY_SIZE, absent outside a function, refused when not a whole number of MB', () => {
    expect(runtimeConfigFromEnv({ ...env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' }).memoryMb).toBe(2048);
    expect(runtimeConfigFromEnv(env)).not.toHaveProperty('memoryMb');
    for (const bad of ['2 GB', '0', '1.5', '-128']) {
      expect(() => runtimeConfigFromEnv({ ...env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: bad })).toThrow(InvalidEnvironmentError);
    }
    expect(() => runtimeConfigFromEnv({ ...env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2 GB' })).toThrow(/AWS_LAMBDA_FUNCTION_MEMORY_SIZE.*"2 GB" is not a whole number of MB/);
  });
});
