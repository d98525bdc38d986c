import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { decodeIndexObject, type IndexedPack } from '../../../../vault/blob-index/index-object';
import { writeIndexObject } from '../../../../vault/blob-index/index-writer';
import { getSealedObject } from '../../../../vault/crypto/sealed-object';
import { type PackEntry } from '../../../../vault/pack/pack-format';
import { idFromKey, INDEX_PREFIX, indexKey, packKey } from '../../../../vault/repository/vault-layout';
import { readEntry, restoreSnapshot } from '../../../../vault/restorer/restore';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { streamedBytes } from '../../../support/streamed-bytes';
import { pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { type SweptVault, SWEPT_VAULT_KINDS } from './restore-before-sweep';

const CONTENT = pseudoRandomBytes(200_000, 11);

/**
 * Audit b6-2: a blob stored in two packs (two writers, parallel shards) is lost only when both copies are (`vault verify`
 * counts it so). A restore read only the copy its index located, which of the two depended on the order the index
 * objects loaded in: a damaged or missing located copy left the file out (exit 1), or not, from run to run.
 */
describe.each(SWEPT_VAULT_KINDS)('a restore of blobs stored twice (%s)', (_name, setUp) => {
  let dir: string;
  let setup: SweptVault;
  let snapshotId: string;
  /** Each original pack with its copy's id and its entries. */
  let pairs: Array<{ original: string; copy: string; entries: readonly PackEntry[] }>;

  beforeEach(async () => {
    dir = await tempDir('blob-copies');
    setup = await setUp(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'data.bin'), CONTENT);
    snapshotId = (await backupDirectory(setup.open(), src)).snapshot.id;
    pairs = await storeEveryPackTwice(setup);
    expect(pairs.length).toBeGreaterThan(1);
  });
  afterEach(async () => removeDir(dir));
  afterAll(async () => CodecPool.shutdownShared());

  async function restoresByteForByte(): Promise<void> {
    const vault = setup.open();
    const snapshot = await vault.loadSnapshot(snapshotId);
    const target = path.join(dir, `restored-${randomBytes(4).toString('hex')}`);
    const stats = await restoreSnapshot(vault, snapshot, target, { inline: setup.inline });
    expect(stats.files).toBe(1);
    expect((await fs.readFile(path.join(target, 'data.bin'))).equals(CONTENT)).toBe(true);
    expect((await streamedBytes(readEntry(setup.open(), snapshot, 'data.bin'))).equals(CONTENT)).toBe(true);
  }

  it('restores byte for byte when every blob has one intact copy (a different blob damaged in each copy of a pack)', async () => {
    for (const { original, copy, entries } of pairs) {
      await damageBlob(setup, original, entries[0] as PackEntry);
      if (entries.length > 1) await damageBlob(setup, copy, entries[1] as PackEntry);
    }
    await restoresByteForByte();
  });

  it('restores byte for byte, every time, when the copy the index locates is deleted and the other is intact', async () => {
    const located = await setup.open().index();
    for (const { entries } of pairs) await setup.store.delete(packKey((located.lookup((entries[0] as PackEntry).id) as { packId: string }).packId));
    for (let run = 0; run < 3; run++) await restoresByteForByte();
  });
});

/** Copies every pack of the vault to a new pack id, indexed by one new index object: every blob is then stored twice. */
async function storeEveryPackTwice(setup: SweptVault): Promise<Array<{ original: string; copy: string; entries: readonly PackEntry[] }>> {
  const { keys } = setup.open();
  const packs = new Map<string, { length: number; entries: PackEntry[] }>();
  for await (const key of setup.store.list(INDEX_PREFIX)) {
    const id = idFromKey(INDEX_PREFIX, key);
    if (!id) continue;
    const plain = await getSealedObject(setup.store, keys, indexKey(id), id, 'index');
    decodeIndexObject(plain, { location: setup.store.location, key }, (packId, length, blobId, offset, storedLength, rawLength) => {
      const pack = packs.get(packId) ?? { length, entries: [] };
      packs.set(packId, pack);
      pack.entries.push({ id: Buffer.from(blobId), offset, storedLength, rawLength });
    });
  }
  const pairs = [...packs].map(([original, { entries }]) => ({ original, copy: randomBytes(32).toString('hex'), entries }));
  for (const { original, copy } of pairs) await setup.store.put(packKey(copy), await setup.store.get(packKey(original)));
  const copies: IndexedPack[] = pairs.map(({ original, copy, entries }) => ({ packId: copy, length: packs.get(original)?.length ?? 0, entries }));
  await writeIndexObject(setup.store, keys, copies);
  return pairs;
}

/** Flips a byte inside the blob's stored bytes in `packId`: that copy then fails authentication. */
async function damageBlob(setup: SweptVault, packId: string, entry: PackEntry): Promise<void> {
  const key = packKey(packId);
  const bytes = Buffer.from(await setup.store.get(key));
  const at = entry.offset + Math.floor(entry.storedLength / 2);
  bytes[at] = (bytes[at] as number) ^ 0xff;
  await setup.store.delete(key);
  await setup.store.put(key, bytes);
}
