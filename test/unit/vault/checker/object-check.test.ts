import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { checkVaultObject, verifyPackBody } from '../../../../vault/checker/object-check';
import { parsePack } from '../../../../vault/pack/pack-reader';
import { type PackEntry } from '../../../../vault/pack/pack-format';
import { scrubObjects } from '../../../../vault/checker/scrub';
import { sealSync } from '../../../../vault/crypto/sealed-codec';
import { packKey } from '../../../../vault/repository/vault-layout';
import { DamagedBlobsError, VaultCorruptionError } from '../../../../vault/vault-errors';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * The two ways a pack's blobs are checked: 'authenticate' (the scrub: each blob's GCM tag, with the
 * blob's id as additional data) and 'rehash' (`vault verify --read-data`: each blob opened and its id
 * recomputed). Both find any change to the stored bytes; only rehash finds a writer that sealed the
 * wrong content under an id, a fault of the backup, not of the storage.
 */
async function useWorkers(on: boolean): Promise<void> {
  await CodecPool.shutdownShared();
  if (on) delete process.env.LIFEBOAT_VAULT_WORKERS;
  else process.env.LIFEBOAT_VAULT_WORKERS = '0';
}

describe.each([
  ['on the codec worker threads', true],
  ['in the thread (no workers)', false],
])('checkVaultObject on a pack, %s', (_where, workers) => {
  let dir: string;
  beforeEach(async () => {
    await useWorkers(workers);
    dir = await tempDir('object-check');
  });
  afterEach(async () => {
    await useWorkers(true);
    await removeDir(dir);
  });

  async function packOfOneFile() {
    const { vault, store } = await newTestVault(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    // Incompressible, so the blob is stored raw and a same-length forgery has the same stored length.
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(20_000, 7));
    const { snapshot } = await backupDirectory(vault, src);
    const entry = await (await vault.manifest(snapshot)).find('a.bin');
    const id = Buffer.from(entry?.content[0] as string, 'hex');
    const loc = (await vault.index()).lookup(id);
    if (!loc) throw new Error('blob not in the index');
    const key = packKey(loc.packId);
    return { vault, key, file: store.localPath(key), id, loc };
  }

  it('passes a sound pack either way, and names the blob whose stored bytes changed either way', async () => {
    const { vault, key, file, loc } = await packOfOneFile();
    await checkVaultObject(vault, key, { check: 'authenticate' });
    await checkVaultObject(vault, key, { check: 'rehash' });
    const pack = await fs.readFile(file);
    pack[loc.offset + 100] = (pack[loc.offset + 100] as number) ^ 0x10;
    await fs.writeFile(file, pack);
    for (const check of ['authenticate', 'rehash'] as const) {
      const err = await checkVaultObject(vault, key, { check }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VaultCorruptionError);
      expect((err as Error).message).toMatch(/blob [0-9a-f]{64}: authentication failed/);
    }
    expect(await scrubObjects(vault, [key])).toEqual([{ key, state: 'corrupt', message: expect.stringContaining('authentication failed') }]);
  });

  it('leaves content sealed under the wrong id to rehash: authenticated, but not the content its id names', async () => {
    const { vault, key, file, id, loc } = await packOfOneFile();
    const forged = sealSync(vault.keys.encryptionKey, id, pseudoRandomBytes(loc.rawLength, 8), null).stored;
    expect(forged.length).toBe(loc.storedLength);
    const pack = await fs.readFile(file);
    forged.copy(pack, loc.offset);
    await fs.writeFile(file, pack);
    await checkVaultObject(vault, key, { check: 'authenticate' });
    await expect(checkVaultObject(vault, key, { check: 'rehash' })).rejects.toThrow(`blobs are damaged (the others are intact): blob ${id.toString('hex')}: decrypts to content with another id`);
  });

  it('checks every blob of a pack past a damaged one, and lists each damaged blob in pack order', async () => {
    const { vault, store } = await newTestVault(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    // Incompressible files of a few chunks each, in one pack.
    for (let i = 0; i < 5; i++) await fs.writeFile(path.join(src, `f${i}.bin`), pseudoRandomBytes(6_000, 20 + i));
    await backupDirectory(vault, src);
    const packs: string[] = [];
    for await (const key of store.list('data/')) packs.push(key);
    expect(packs).toHaveLength(1);
    const key = packs[0] as string;
    const body = await store.get(key);
    const header = await parsePack(store.location, key, vault.keys, body);
    const n = header.length;
    expect(n).toBeGreaterThanOrEqual(5);
    // The second and the last blob, in the pack's order.
    const damaged = [header[1], header[n - 1]] as PackEntry[];
    for (const e of damaged) body[e.offset + 30] = (body[e.offset + 30] as number) ^ 0x01;
    let checked = 0;
    const err = await verifyPackBody(store.location, key, vault.keys, body, { onBlob: () => checked++ }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DamagedBlobsError);
    const found = err as DamagedBlobsError;
    expect(found.damaged.map((d) => d.id)).toEqual(damaged.map((e) => e.id.toString('hex')));
    expect(found.damaged.every((d) => d.detail.startsWith('authentication failed'))).toBe(true);
    expect([found.checked, checked]).toEqual([n, n]);
    expect(found.message).toContain(`${key} is corrupt: 2 of its ${n} blobs are damaged (the others are intact): blob ${damaged[0]?.id.toString('hex')}: authentication failed`);
  });
});
