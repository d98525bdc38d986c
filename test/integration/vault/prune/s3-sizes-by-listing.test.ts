import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { type ByteRange, type VaultStore } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { repairIndex } from '../../../../vault/repair/repair-index';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { DATA_PREFIX, INDEX_PREFIX, packKey } from '../../../../vault/repository/vault-layout';
import { useLocalS3Bucket } from '../../../support/local-s3-bucket';
import { listedKeys, pseudoRandomBytes } from '../../../support/vault-test-helpers';

/**
 * Prune and `vault repair index` on an S3 vault (the local cloud) take the packs' sizes from the
 * listing of `data/` (S3VaultStore.listWithSizes, ListObjectsV2's Size): a pack no index lists is
 * reported with its real bytes, and the repair reads packs' headers without reading the packs whole.
 */
const REGION = 'us-east-1';
const BUCKET = 'sizes-by-listing';
const HOUR = 3_600_000;
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;

const s3 = useLocalS3Bucket(BUCKET, 's3-sizes-by-listing', REGION);
let vaults = 0;

async function newS3Vault(): Promise<{ vault: Vault; store: S3VaultStore }> {
  const store = new S3VaultStore({ client: s3().client, bucket: BUCKET, prefix: `vaults/v${++vaults}` });
  const vault = await initVault(store, new PassphraseKeyProvider('sizes by listing', { N: 1024, r: 8, p: 1 }), TUNING);
  const writer = await vault.newSnapshotWriter({ inline: true });
  await writer.add({ path: 'a', kind: 'object', meta: {}, content: pseudoRandomBytes(40_000, 1) });
  await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] });
  return { vault, store };
}

describe('sizes from the S3 listing', () => {
  it('a prune condemns and sweeps a pack no index lists with its real size, not 0 bytes', async () => {
    const { vault, store } = await newS3Vault();
    const orphan = 'ab'.repeat(32);
    await store.put(packKey(orphan), pseudoRandomBytes(12_345, 2));
    let t = Date.parse('2026-01-01T00:00:00Z');
    const dry = await pruneVault(vault, { graceMs: HOUR, now: () => t, dryRun: true });
    expect(dry.report).toMatchObject({ packsCondemned: 1, bytesCondemned: 12_345 });
    const condemned = await pruneVault(vault, { graceMs: HOUR, now: () => t });
    expect(condemned.report).toMatchObject({ packsCondemned: 1, bytesCondemned: 12_345 });
    t += 2 * HOUR;
    const swept = await pruneVault(vault, { graceMs: HOUR, now: () => t });
    expect(swept.report).toMatchObject({ packsDeleted: 1, bytesFreed: 12_345 });
    expect(await store.has(packKey(orphan))).toBe(false);
  });

  it('vault repair index reads each pack’s header by ranged GETs, no pack whole, when the index is lost', async () => {
    const { vault, store } = await newS3Vault();
    const packs = await listedKeys(store, DATA_PREFIX);
    expect(packs.length).toBeGreaterThan(1);
    for (const key of await listedKeys(store, INDEX_PREFIX)) await store.delete(key);
    const whole: string[] = [];
    const counting: VaultStore = Object.assign(Object.create(store) as VaultStore, {
      get: (key: string, range?: ByteRange): Promise<Buffer> => {
        if (key.startsWith(DATA_PREFIX) && range === undefined) whole.push(key);
        return store.get(key, range);
      },
    });
    const report = await repairIndex(new Vault(counting, vault.keys, vault.config));
    expect(report).toMatchObject({ packsRead: packs.length, packsIndexed: packs.length, packsLeftOut: [] });
    expect(whole).toEqual([]);
  });
});
