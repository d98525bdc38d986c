import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { CodecPool, SlabPool } from '../../../../vault/workers/codec-pool';
import { type Codec, InThreadCodec, PooledCodec } from '../../../../vault/workers/codec';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { readEntry, RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
import { open as openEnvelope, seal } from '../../../../vault/crypto/sealed-codec';
import { initVault, openVault, type Vault } from '../../../../vault/repository/vault';
import { VaultCorruptionError } from '../../../../vault/vault-errors';
import { computeBlobId, importVaultKeys } from '../../../../vault/crypto/vault-keys';
import { verifyVault } from '../../../../vault/checker/verify';
import { CheckedWrites } from '../../../../vault/restorer/checked-writes';
import { packKey, snapshotKey } from '../../../../vault/repository/vault-layout';
import { pseudoRandomBytes, readTree, removeDir, requiredMethodsStore, tempDir } from '../../../support/vault-test-helpers';

/** Chunks of ~16 KiB and 256 KiB packs: many chunks and packs, yet quick on the in-thread path. */
const TUNING = { chunker: { minSize: 8192, avgSize: 16384, maxSize: 65536 }, packSize: 256 * 1024 } as const;

async function writeSource(src: string): Promise<void> {
  await fs.mkdir(path.join(src, 'd'), { recursive: true });
  // Larger than one read block (8 MiB): exercises the tail carried from block to block.
  await fs.writeFile(path.join(src, 'big.bin'), pseudoRandomBytes(9 * 1024 * 1024 + 12345, 5));
  await fs.writeFile(path.join(src, 'd', 'text.txt'), Buffer.from('lifeboat codec paths '.repeat(20_000)));
  await fs.writeFile(path.join(src, 'd', 'copy.bin'), pseudoRandomBytes(200_000, 7));
  await fs.writeFile(path.join(src, 'd', 'copy2.bin'), pseudoRandomBytes(200_000, 7));
  await fs.writeFile(path.join(src, 'empty'), Buffer.alloc(0));
}

/** Turns the codec workers on or off. Only a change restarts the pool: each worker costs ~80 ms of CPU to boot. */
async function useWorkers(on: boolean): Promise<void> {
  if (on === (process.env.LIFEBOAT_VAULT_WORKERS !== '0')) return;
  await CodecPool.shutdownShared();
  if (on) delete process.env.LIFEBOAT_VAULT_WORKERS;
  else process.env.LIFEBOAT_VAULT_WORKERS = '0';
}

describe('codec worker threads and the in-thread path', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('codec');
  });
  // The pool stays for the next test (the file's end stops it, stop-codec-pool-after-file.ts).
  afterEach(async () => {
    await useWorkers(true);
    await removeDir(dir);
  });

  it('checkFileContent: both codecs tell a restored file that equals its blobs from one shorter, longer or with a changed byte, also under a name that is not UTF-8', async () => {
    const keys = await importVaultKeys(pseudoRandomBytes(64, 4));
    const pieces = [pseudoRandomBytes(100_000, 1), Buffer.from('restored text '.repeat(4000)), pseudoRandomBytes(3, 2)];
    const blobs = await Promise.all(pieces.map(async (p) => ({ id: await computeBlobId(keys, p), length: p.length })));
    const whole = Buffer.concat(pieces);
    const changed = Buffer.from(whole);
    changed[100_000 + 7] = (changed[100_000 + 7] as number) ^ 1;
    const files: Array<[string, Buffer, string]> = [
      ['equal', whole, 'equal'],
      ['shorter', whole.subarray(0, whole.length - 1), 'shorter'],
      ['longer', Buffer.concat([whole, Buffer.from([0])]), 'longer'],
      ['changed', changed, 'differs'],
    ];
    for (const [name, bytes] of files) await fs.writeFile(path.join(dir, name), bytes);
    // A name with a byte that is not UTF-8: the worker gets the path as bytes.
    const latin1 = Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9])]);
    await fs.writeFile(latin1, whole);
    const pool = CodecPool.shared();
    if (!pool) throw new Error('codec workers did not start');
    const store = new MemoryVaultStore('check');
    const codecs: Array<[string, Codec]> = [
      ['pooled', new PooledCodec(store, pool, pool.keySet(keys))],
      ['in-thread', new InThreadCodec(store, keys)],
    ];
    for (const [codec, c] of codecs) {
      for (const [name, , want] of files) expect({ codec, name, found: await c.checkFileContent(path.join(dir, name), blobs) }).toEqual({ codec, name, found: want });
      expect({ codec, found: await c.checkFileContent(latin1, blobs) }).toEqual({ codec, found: 'equal' });
      expect({ codec, found: await c.checkFileContent(path.join(dir, 'equal'), []) }).toEqual({ codec, found: 'longer' });
    }
  });

  it('checked writes: both codecs read every blob back as they write it and the restorer records each file placed; a file changed since is not taken on its record; a write that reads back otherwise is found', async () => {
    const src = path.join(dir, 'src');
    await writeSource(src);
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const vault = await initVault(store, await KeyFileKeyProvider.create(path.join(dir, 'key')), TUNING);
    const { snapshot } = await backupDirectory(vault, src);
    const index = await vault.index();
    const files: ManifestEntry[] = [];
    for await (const e of (await vault.manifest(snapshot)).entries()) if (e.kind === 'file') files.push(e);
    const byPath = (p: string): ManifestEntry => {
      const e = files.find((f) => f.path === p);
      if (!e) throw new Error(`no file ${p} in the snapshot`);
      return e;
    };
    const statsOf = (file: string) => fs.lstat(file, { bigint: true });
    for (const workers of [true, false]) {
      await useWorkers(workers);
      const out = path.join(dir, `out-${String(workers)}`);
      const checked = new CheckedWrites();
      await restoreSnapshot(vault, snapshot, out, { checkedWrites: checked });
      expect(await readTree(out)).toEqual(await readTree(src));
      // Every file, the empty one too.
      expect(checked.size).toBe(files.length);
      for (const f of files) expect({ workers, path: f.path, found: checked.foundFor(f.path, await statsOf(path.join(out, f.path))) }).toEqual({ workers, path: f.path, found: 'equal' });

      // Changed after it was placed (same inode and length, new change time): read back in full instead.
      const textFile = path.join(out, 'd/text.txt');
      await fs.writeFile(textFile, Buffer.from('LIFEBOAT CODEC PATHS '.repeat(20_000)));
      expect({ workers, found: checked.foundFor('d/text.txt', await statsOf(textFile)) }).toEqual({ workers, found: undefined });

      // Another file put at a name since (same content, another inode): not taken on the record either.
      const other = files.find((f) => f.path !== 'd/text.txt' && f.size > 0);
      if (!other) throw new Error('the snapshot was meant to hold a second non-empty file');
      const otherFile = path.join(out, other.path);
      await fs.writeFile(`${otherFile}.swap`, await fs.readFile(otherFile));
      await fs.rename(`${otherFile}.swap`, otherFile);
      expect({ workers, found: checked.foundFor(other.path, await statsOf(otherFile)) }).toEqual({ workers, found: undefined });

      // A descriptor that keeps nothing (/dev/zero: writes vanish, reads give zeros): the read-back differs.
      const big = byPath('big.bin');
      const id = Buffer.from(big.content[1] ?? '', 'hex');
      const loc = index.lookup(id);
      if (!loc) throw new Error('the second blob of big.bin is in no index');
      const pool = CodecPool.shared();
      expect(pool !== null).toBe(workers);
      const codec: Codec = pool ? new PooledCodec(store, pool, pool.keySet(vault.keys)) : new InThreadCodec(store, vault.keys);
      const range = { packKey: packKey(loc.packId), offset: loc.offset, length: loc.storedLength, position: 0, blobs: [{ id, at: 0, stored: loc.storedLength, raw: loc.rawLength }] };
      const sink = await fs.open('/dev/zero', 'r+');
      try {
        expect({ workers, restored: await codec.restoreRange(range, sink, false, { idResidue: 0 }) }).toEqual({ workers, restored: { bytes: loc.rawLength, checked: { found: 'differs', end: loc.rawLength } } });
        expect({ workers, restored: await codec.restoreRange(range, sink, false) }).toEqual({ workers, restored: { bytes: loc.rawLength } });
      } finally {
        await sink.close();
      }
      // The same blob into a real file: read back equal.
      const real = await fs.open(path.join(dir, `one-blob-${String(workers)}`), 'w+');
      try {
        expect({ workers, restored: await codec.restoreRange(range, real, false, { idResidue: 0 }) }).toEqual({ workers, restored: { bytes: loc.rawLength, checked: { found: 'equal', end: loc.rawLength } } });
      } finally {
        await real.close();
      }
    }
  });

  it('starts workers here (jest) and seals envelopes that the in-thread codec opens, and the reverse', async () => {
    const pool = CodecPool.shared();
    expect(pool).not.toBeNull();
    const p = pool as CodecPool;
    const keys = await importVaultKeys(pseudoRandomBytes(64, 3));
    const k = p.keySet(keys);
    const slabs = new SlabPool(p, 1 << 20, 2);
    for (const data of [Buffer.from('tiny'), Buffer.from('compressible '.repeat(10_000)), pseudoRandomBytes(100_000, 1)]) {
      const region = await slabs.alloc(data.length);
      data.copy(region.bytes);
      const id = await p.hash(k, region.slab.id, region.offset, data.length);
      expect(id.equals(await computeBlobId(keys, data))).toBe(true);
      const stored = await p.seal(k, region.slab.id, region.offset, data.length, id, 3);
      expect((await openEnvelope(keys, id, stored, { maxPlaintext: 1 << 20, expectedLength: data.length })).equals(data)).toBe(true);
      const { stored: inThread } = await seal(keys, id, data, { compressionLevel: 3 });
      const back = await slabs.alloc(inThread.length);
      inThread.copy(back.bytes);
      expect((await p.open(k, back.slab.id, back.offset, inThread.length, id, data.length)).equals(data)).toBe(true);
      inThread[inThread.length - 1] = (inThread[inThread.length - 1] as number) ^ 1;
      inThread.copy(back.bytes);
      await expect(p.open(k, back.slab.id, back.offset, inThread.length, id, data.length)).rejects.toMatchObject({ corrupt: true });
      slabs.release(region.slab);
      slabs.release(back.slab);
    }
  });

  it('checks stored blobs on a worker: opens them and recomputes their ids, going on past a damaged one and naming each', async () => {
    const p = CodecPool.shared() as CodecPool;
    const keys = await importVaultKeys(pseudoRandomBytes(64, 4));
    const k = p.keySet(keys);
    const slabs = new SlabPool(p, 1 << 20, 2);
    const plains = [Buffer.from('compressible '.repeat(5_000)), pseudoRandomBytes(70_000, 2)];
    const ids = await Promise.all(plains.map((d) => computeBlobId(keys, d)));
    const stored = await Promise.all(plains.map(async (d, i) => (await seal(keys, ids[i] as Buffer, d, { compressionLevel: 3 })).stored));
    // A blob that authenticates (sealed with the key, its id as context) but whose plaintext has another id.
    const wrongId = Buffer.alloc(32, 7);
    const forged = (await seal(keys, wrongId, plains[1] as Buffer, { compressionLevel: null })).stored;
    const run = async (blobs: Array<{ id: Buffer; stored: Buffer; raw: number }>, how?: 'authenticate'): Promise<{ bytes: number; damaged: Array<{ index: number; detail: string }> }> => {
      const all = Buffer.concat(blobs.map((b) => b.stored));
      const region = await slabs.alloc(all.length);
      all.copy(region.bytes);
      let at = 0;
      const listed = blobs.map((b) => ({ id: b.id, at: (at += b.stored.length) - b.stored.length, stored: b.stored.length, raw: b.raw }));
      try {
        return await p.check(k, { slab: region.slab.id }, region.offset, all.length, listed, how);
      } finally {
        slabs.release(region.slab);
      }
    };
    const [first, second] = plains.map((d, i) => ({ id: ids[i] as Buffer, stored: stored[i] as Buffer, raw: d.length })) as [{ id: Buffer; stored: Buffer; raw: number }, { id: Buffer; stored: Buffer; raw: number }];
    expect(await run([first, second])).toEqual({ bytes: first.raw + second.raw, damaged: [] });
    // The forged blob first: the intact one after it is still checked and counted.
    expect(await run([{ id: wrongId, stored: forged, raw: second.raw }, first])).toEqual({ bytes: first.raw, damaged: [{ index: 0, detail: 'decrypts to content with another id' }] });
    // It authenticates: only a rehash finds it.
    expect(await run([{ id: wrongId, stored: forged, raw: second.raw }, first], 'authenticate')).toEqual({ bytes: forged.length + first.stored.length, damaged: [] });
    const flipped = Buffer.from(second.stored);
    flipped[20] = (flipped[20] as number) ^ 1;
    const found = await run([{ ...second, stored: flipped }, first, { ...second, stored: flipped }]);
    expect(found.bytes).toBe(first.raw);
    expect(found.damaged.map((d) => d.index)).toEqual([0, 2]);
    expect(found.damaged[0]?.detail).toMatch(/authentication failed/);
    // A range past the end of a pack file fails the task: nothing there can be checked.
    const file = path.join(dir, 'short-pack');
    await fs.writeFile(file, first.stored);
    await expect(p.check(k, { file }, 0, first.stored.length + 10, [{ id: first.id, at: 0, stored: first.stored.length + 10, raw: first.raw }])).rejects.toMatchObject({ corrupt: true });
  });

  it.each([
    ['workers', true, false],
    ['in-thread', false, false],
    ['workers, store without local paths', true, true],
  ])('backs up and restores with %s; the other path reads the same vault', async (_name, workers, plain) => {
    await useWorkers(workers);
    const src = path.join(dir, 'src');
    await writeSource(src);
    const keyFile = path.join(dir, 'key');
    const files = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const store = plain ? requiredMethodsStore(files) : files;
    const vault = await initVault(store, await KeyFileKeyProvider.create(keyFile), TUNING);
    const { snapshot } = await backupDirectory(vault, src);
    expect(snapshot.stats.bytesNew).toBeLessThan(snapshot.stats.bytesScanned - 150_000); // copy2 deduplicated

    // Generic content (not a file) through the writer.
    const writer = await vault.newSnapshotWriter({ parent: null });
    await writer.add({ path: 'mem', kind: 'object', meta: {}, content: [Buffer.from('abc'), pseudoRandomBytes(50_000, 11)] });
    const part = await writer.finish();
    const memSnap = await vault.commitSnapshot({ source: { kind: 'directory', id: 'mem' }, parts: [part] });

    const restoreWith = async (on: boolean, out: string): Promise<void> => {
      await useWorkers(on);
      const reopened: Vault = await openVault(store, await KeyFileKeyProvider.load(keyFile));
      await restoreSnapshot(reopened, await reopened.loadSnapshot(snapshot.id), out);
      const [got, want] = [await readTree(out), await readTree(src)];
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [k, v] of want) {
        const g = got.get(k);
        // Buffer.equals: jest's deep equality walks a 9 MiB buffer byte by byte for minutes.
        if (v !== 'dir' && 'file' in v) expect(g !== undefined && g !== 'dir' && 'file' in g && g.file.equals(v.file)).toBe(true);
        else expect(g).toEqual(v);
      }
      const chunks: Buffer[] = [];
      for await (const c of readEntry(reopened, await reopened.loadSnapshot(memSnap.id), 'mem')) chunks.push(c);
      expect(Buffer.concat(chunks).equals(Buffer.concat([Buffer.from('abc'), pseudoRandomBytes(50_000, 11)]))).toBe(true);
    };
    await restoreWith(true, path.join(dir, 'out-workers'));
    await restoreWith(false, path.join(dir, 'out-inline'));
    expect((await verifyVault(vault, { readData: true })).problems).toEqual([]);
  });

  it('backs up the same tree to the same snapshot (entries and blob ids, stats) through PooledCodec and InThreadCodec, and both restore the same bytes', async () => {
    const src = path.join(dir, 'src');
    await writeSource(src);
    const keyFile = path.join(dir, 'key');
    // Two vaults with the same keys and chunker: an empty vault, copied before either backup.
    await initVault(new FileVaultStore(path.join(dir, 'vault-pooled'), { durable: false }), await KeyFileKeyProvider.create(keyFile), TUNING);
    await fs.cp(path.join(dir, 'vault-pooled'), path.join(dir, 'vault-in-thread'), { recursive: true });
    const stream = [Buffer.from('streamed '), pseudoRandomBytes(300_000, 13), Buffer.from('compressible '.repeat(20_000))];

    const backUp = async (name: string, workers: boolean): Promise<{ vault: Vault; tree: Snapshot; mem: Snapshot }> => {
      await useWorkers(workers);
      const store = new FileVaultStore(path.join(dir, name), { durable: false });
      const vault = await openVault(store, await KeyFileKeyProvider.load(keyFile));
      const { snapshot } = await backupDirectory(vault, src);
      // The same codec choice, asked for per writer (`inline`) rather than by the process's pool.
      const writer = await vault.newSnapshotWriter({ parent: null, inline: !workers });
      expect(writer.codec).toBeInstanceOf(workers ? PooledCodec : InThreadCodec);
      await writer.add({ path: 'mem', kind: 'object', meta: {}, content: () => stream.values() });
      const memSnap = await vault.commitSnapshot({ source: { kind: 'test', id: 'mem' }, parts: [await writer.finish()] });
      return { vault, tree: snapshot, mem: memSnap };
    };
    const pooled = await backUp('vault-pooled', true);
    const inThread = await backUp('vault-in-thread', false);
    // The root hash is the SHA-256 of the *sealed* root (random nonce: docs/FORMAT.md §3), so two
    // backups never share it; what it fixes must be equal: every entry with its blob ids, in order.
    const entriesOf = async (vault: Vault, snapshot: Snapshot): Promise<ManifestEntry[]> => {
      const entries: ManifestEntry[] = [];
      for await (const e of vault.entries(snapshot)) entries.push(e);
      return entries;
    };
    for (const which of ['tree', 'mem'] as const) {
      const want = await entriesOf(inThread.vault, inThread[which]);
      expect(want.some((e) => e.content.length > 10)).toBe(true);
      expect(await entriesOf(pooled.vault, pooled[which])).toEqual(want);
    }
    // Same stats, bytesStored included (both codecs write the same zstd frames), but for the time taken.
    const untimed = (s: Snapshot): Snapshot['stats'] => ({ ...s.stats, durationMs: 0 });
    expect([untimed(pooled.tree), untimed(pooled.mem)]).toEqual([untimed(inThread.tree), untimed(inThread.mem)]);

    // Each vault restored through each codec: the source's bytes every time.
    const want = await readTree(src);
    for (const [name, backup] of [['pooled', pooled], ['in-thread', inThread]] as const) {
      for (const inline of [false, true]) {
        await useWorkers(true);
        const out = path.join(dir, `out-${name}-${inline ? 'in-thread' : 'pooled'}`);
        await restoreSnapshot(backup.vault, backup.tree, out, { inline });
        const got = await readTree(out);
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [k, v] of want) {
          const g = got.get(k);
          if (v !== 'dir' && 'file' in v) expect(g !== undefined && g !== 'dir' && 'file' in g && g.file.equals(v.file)).toBe(true);
        }
      }
      const chunks: Buffer[] = [];
      for await (const c of readEntry(backup.vault, backup.mem, 'mem')) chunks.push(c);
      expect(Buffer.concat(chunks).equals(Buffer.concat(stream))).toBe(true);
    }
  }, 120_000);

  it('verify --read-data on the workers names a pack damaged in its first blob, the pack holding several worker tasks', async () => {
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'big.bin'), pseudoRandomBytes(10 * 1024 * 1024, 9));
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const vault = await initVault(store, await KeyFileKeyProvider.create(path.join(dir, 'key')), { ...TUNING, packSize: 12 * 1024 * 1024 });
    const { snapshot } = await backupDirectory(vault, src);
    const packs: string[] = [];
    for await (const key of store.list('data/')) packs.push(key);
    const victim = store.localPath(packs[0] as string);
    const bytes = await fs.readFile(victim);
    expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024);
    bytes[5] = (bytes[5] as number) ^ 0xff;
    await fs.writeFile(victim, bytes);
    const report = await verifyVault(vault, { readData: true });
    // Only the first blob is damaged: every other blob of the pack, in every worker task, is still checked.
    expect([report.blobsRead, report.blobsDamaged]).toEqual([report.blobs, 1]);
    expect(report.problems.map((p) => p.key)).toEqual([packs[0], snapshotKey(snapshot.id)]);
    expect(report.problems[0]?.message).toMatch(new RegExp(`1 of its ${report.blobs} blobs are damaged \\(the others are intact\\): blob [0-9a-f]{64}: authentication failed`));
    expect(report.problems[1]?.message).toMatch(/^1 entries reference 1 blob\(s\) whose data is damaged or in a missing pack, reported above \(e\.g\. entry "big\.bin", blob [0-9a-f]{64}\)/);
  });

  it('names the pack when a worker finds a damaged blob on restore', async () => {
    const src = path.join(dir, 'src');
    await writeSource(src);
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const vault = await initVault(store, await KeyFileKeyProvider.create(path.join(dir, 'key')), TUNING);
    const { snapshot } = await backupDirectory(vault, src);
    const packs: string[] = [];
    for await (const key of store.list('data/')) packs.push(key);
    const victim = store.localPath(packs[0] as string);
    const bytes = await fs.readFile(victim);
    bytes[5] = (bytes[5] as number) ^ 0xff;
    await fs.writeFile(victim, bytes);
    const err = await restoreSnapshot(vault, snapshot, path.join(dir, 'out')).catch((e: unknown) => e);
    // The restore goes on past a damaged file and names every one at the end (docs/FORMAT.md §7).
    expect(err).toBeInstanceOf(RestoreIncompleteError);
    const damaged = (err as RestoreIncompleteError).damaged;
    expect(damaged.length).toBeGreaterThan(0);
    for (const d of damaged) expect(d.error).toBeInstanceOf(VaultCorruptionError);
    expect(damaged.map((d) => d.error.message).join('\n')).toContain(packs[0]);
    expect((err as Error).message).toContain(packs[0]);
  });
});
