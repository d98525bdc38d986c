import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { type Dirent, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { type IndexedPack } from '../../../../vault/blob-index/index-object';
import { decodeBlob, parsePack, readPackHeader } from '../../../../vault/pack/pack-reader';
import { PackWriter } from '../../../../vault/pack/pack-writer';
import { seal } from '../../../../vault/crypto/sealed-codec';
import { VaultCorruptionError } from '../../../../vault/vault-errors';
import { computeBlobId, importVaultKeys } from '../../../../vault/crypto/vault-keys';
import { packKey } from '../../../../vault/repository/vault-layout';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type PutOptions } from '../../../../vault/backend/vault-store';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

describe('packs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('pack');
  });
  afterEach(async () => removeDir(dir));

  it('round-trips blobs through pack writer, header and blob decoding, and detects any changed byte', async () => {
    const keys = await importVaultKeys(randomBytes(64));
    const store = new FileVaultStore(dir, { durable: false });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 8 }), fc.nat(), async (blobs, flip) => {
        const stored: IndexedPack[] = [];
        const writer = new PackWriter(store, keys, { targetSize: 4000, maxUploads: 2, onPackStored: (p) => stored.push(p) });
        const ids: Buffer[] = [];
        for (const b of blobs) {
          const plain = Buffer.from(b);
          const id = await computeBlobId(keys, plain);
          ids.push(id);
          await writer.add(id, (await seal(keys, id, plain, { compressionLevel: 3 })).stored, plain.length);
        }
        await writer.flush();
        expect(stored.flatMap((p) => p.entries.map((e) => e.id.toString('hex')))).toEqual(ids.map((i) => i.toString('hex')));
        for (const pack of stored) {
          const key = packKey(pack.packId);
          const body = await store.get(key);
          const header = await parsePack(store.location, key, keys, body);
          expect(await readPackHeader(store, keys, key, body.length)).toEqual(header);
          for (const e of header) {
            const plain = await decodeBlob(keys, e.id, body.subarray(e.offset, e.offset + e.storedLength), e.rawLength, { location: store.location, key });
            expect((await computeBlobId(keys, plain)).equals(e.id)).toBe(true);
          }
          // Flip one byte anywhere: the header or one blob must fail, naming the pack.
          const bad = Buffer.from(body);
          const at = flip % bad.length;
          bad[at] = (bad[at] as number) ^ 0x55;
          const check = async (): Promise<void> => {
            const h = await parsePack(store.location, key, keys, bad);
            for (const e of h) await decodeBlob(keys, e.id, bad.subarray(e.offset, e.offset + e.storedLength), e.rawLength, { location: store.location, key });
          };
          await expect(check()).rejects.toThrow(VaultCorruptionError);
          await expect(check()).rejects.toThrow(key);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('gives every pack it stores the tags it was given (the writing plan\'s tier tag)', async () => {
    const keys = await importVaultKeys(randomBytes(64));
    const store = new MemoryVaultStore();
    const puts: { key: string; tags: unknown }[] = [];
    const recording = Object.assign(Object.create(store) as MemoryVaultStore, {
      put: async (key: string, body: Uint8Array, options?: PutOptions): Promise<void> => {
        puts.push({ key, tags: options?.tags });
        await store.put(key, body);
      },
      putParts: async (key: string, parts: readonly Uint8Array[], options?: PutOptions): Promise<void> => {
        puts.push({ key, tags: options?.tags });
        await store.put(key, Buffer.concat(parts));
      },
    });
    const stored: IndexedPack[] = [];
    const writer = new PackWriter(recording, keys, { targetSize: 100, maxUploads: 1, onPackStored: (p) => stored.push(p), tags: { 'lifeboat-tier': 'yearly' } });
    for (const text of ['first blob, long enough to fill a pack of 100 bytes '.repeat(3), 'second']) {
      const plain = Buffer.from(text);
      const id = await computeBlobId(keys, plain);
      await writer.add(id, (await seal(keys, id, plain, { compressionLevel: null })).stored, plain.length);
    }
    await writer.flush();
    expect(stored).toHaveLength(2);
    expect(puts.sort((a, b) => a.key.localeCompare(b.key))).toEqual(stored.map((p) => ({ key: packKey(p.packId), tags: { 'lifeboat-tier': 'yearly' } })).sort((a, b) => a.key.localeCompare(b.key)));
  });
  it('with releaseBlobs, frees the blobs it owns once their pack is stored, and the pack holds them byte for byte', async () => {
    const keys = await importVaultKeys(randomBytes(64));
    // A store without putParts (as S3VaultStore) gets one joined body; the blobs are freed once joined.
    const joined = new MemoryVaultStore('joined');
    Object.defineProperty(joined, 'putParts', { value: undefined });
    for (const store of [new MemoryVaultStore(), new FileVaultStore(dir, { durable: false }), joined]) {
      const stored: IndexedPack[] = [];
      const writer = new PackWriter(store, keys, { targetSize: 1 << 30, maxUploads: 1, releaseBlobs: true, onPackStored: (p) => stored.push(p) });
      const plains = [randomBytes(300 * 1024), Buffer.concat([randomBytes(150 * 1024), Buffer.alloc(150 * 1024, 'a')]), randomBytes(100)];
      const blobs: Buffer[] = [];
      const copies: Buffer[] = [];
      for (const plain of plains) {
        const id = await computeBlobId(keys, plain);
        const blob = (await seal(keys, id, plain, { compressionLevel: 3 })).stored;
        blobs.push(blob);
        copies.push(Buffer.from(blob));
        await writer.add(id, blob, plain.length);
      }
      // A view of someone else's bytes (as repack adds) is not the writer's to free.
      const shared = randomBytes(256 * 1024);
      const view = shared.subarray(1000, 1000 + 100 * 1024);
      await writer.add(randomBytes(32), view, view.length);
      await writer.flush();
      expect(blobs[0]?.length).toBe(0);
      expect(blobs[1]?.length).toBe(0);
      // Small blobs are left to the collector (release-buffer.ts).
      expect(blobs[2]?.equals(copies[2] as Buffer)).toBe(true);
      expect(view.length).toBe(100 * 1024);
      const [pack] = stored;
      if (!pack) throw new Error('no pack stored');
      const body = await store.get(packKey(pack.packId));
      expect(Buffer.concat([...copies, view]).equals(body.subarray(0, pack.entries.at(-1)!.offset + view.length))).toBe(true);
    }
  });

  it('with releaseBlobs and a store that writes objects piece by piece, writes each blob as it comes and frees it then; the packs hold the blobs byte for byte, and no temporary file is left', async () => {
    const keys = await importVaultKeys(randomBytes(64));
    const store = new FileVaultStore(dir, { durable: false });
    const stored: IndexedPack[] = [];
    const writer = new PackWriter(store, keys, { targetSize: 200 * 1024, maxUploads: 1, releaseBlobs: true, onPackStored: (p) => stored.push(p) });
    const written: Array<{ id: Buffer; bytes: Buffer }> = [];
    for (let i = 0; i < 6; i++) {
      const plain = i % 2 === 0 ? randomBytes(90 * 1024) : Buffer.concat([randomBytes(60 * 1024), Buffer.alloc(60 * 1024, i)]);
      const id = await computeBlobId(keys, plain);
      const blob = (await seal(keys, id, plain, { compressionLevel: 3 })).stored;
      const copy = Buffer.from(blob);
      await writer.add(id, blob, plain.length);
      written.push({ id, bytes: copy });
      // Written and freed before the pack is closed (small blobs are left to the collector, release-buffer.ts).
      if (copy.length >= 64 * 1024) expect(blob.length).toBe(0);
    }
    await writer.flush();
    expect(stored.length).toBeGreaterThan(1);
    const entries = stored.flatMap((p) => p.entries.map((e) => ({ pack: p, e })));
    expect(entries.map(({ e }) => e.id.toString('hex'))).toEqual(written.map((w) => w.id.toString('hex')));
    for (const [i, { pack, e }] of entries.entries()) {
      const body = await store.get(packKey(pack.packId));
      expect(body.length).toBe(pack.length);
      expect(body.subarray(e.offset, e.offset + e.storedLength).equals((written[i] as { bytes: Buffer }).bytes)).toBe(true);
      expect(await parsePack(store.location, packKey(pack.packId), keys, body)).toEqual(pack.entries);
    }
    const files: string[] = [];
    for await (const key of store.list('')) files.push(key);
    expect(files.sort()).toEqual(stored.map((p) => packKey(p.packId)).sort());
    expect(filesUnder(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('drops a streamed pack whose write fails, fails the writer, and leaves no object and no temporary file', async () => {
    const keys = await importVaultKeys(randomBytes(64));
    const files = new FileVaultStore(dir, { durable: false });
    let writes = 0;
    const failing = Object.assign(Object.create(files) as FileVaultStore, {
      createObjectWriter: async (key: string) => {
        const real = await files.createObjectWriter(key);
        return { ...real, write: async (bytes: Uint8Array) => (++writes === 2 ? Promise.reject(new Error('ENOSPC: no space left on device, write')) : real.write(bytes)) };
      },
    });
    const stored: IndexedPack[] = [];
    const writer = new PackWriter(failing, keys, { targetSize: 1 << 30, maxUploads: 1, releaseBlobs: true, onPackStored: (p) => stored.push(p) });
    const add = async (): Promise<void> => {
      const plain = randomBytes(80 * 1024);
      const id = await computeBlobId(keys, plain);
      await writer.add(id, (await seal(keys, id, plain, { compressionLevel: 3 })).stored, plain.length);
    };
    await add();
    await expect(add()).rejects.toThrow('ENOSPC');
    await expect(add()).rejects.toThrow('ENOSPC');
    await expect(writer.flush()).rejects.toThrow('ENOSPC');
    expect(stored).toEqual([]);
    expect(filesUnder(dir)).toEqual([]);
  });
});

/** Every file under `root`, relative, hidden ones included. */
function filesUnder(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as Dirent[]).filter((d) => d.isFile()).map((d) => path.relative(root, path.join(d.parentPath, d.name)));
}
