import * as path from 'node:path';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { InThreadCodec, PooledCodec } from '../../../../vault/workers/codec';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { readEntry } from '../../../../vault/restorer/restore';
import { initVault, type Vault } from '../../../../vault/repository/vault';
import { verifyVault } from '../../../../vault/checker/verify';
import { pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** Chunks of 8–64 KiB and 256 KiB packs: many chunks and many packs from a few MiB. */
const TUNING = { chunker: { minSize: 8192, avgSize: 16384, maxSize: 65536 }, packSize: 256 * 1024 } as const;

async function useWorkers(on: boolean): Promise<void> {
  await CodecPool.shutdownShared();
  if (on) delete process.env.LIFEBOAT_VAULT_WORKERS;
  else process.env.LIFEBOAT_VAULT_WORKERS = '0';
}

/** `data` in pieces of uneven sizes (1 byte to ~70 KiB), like an S3 body off the socket. */
function piecesOf(data: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = [1, 65_536, 4093, 0, 70_001, 16_384][i % 6] as number;
    pieces.push(data.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

async function* slowly(pieces: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of pieces) {
    await new Promise((resolve) => setImmediate(resolve));
    yield p;
  }
}

async function contentOf(vault: Vault, snapshotId: string, entryPath: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of readEntry(vault, await vault.loadSnapshot(snapshotId), entryPath)) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('SnapshotWriter: streamed content and packs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('writer-streams');
  });
  afterEach(async () => {
    await useWorkers(true);
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  it.each([
    ['workers', true],
    ['in-thread', false],
  ])('with %s, cuts streamed content (across 8 MiB blocks) where it cuts the same bytes whole, and keeps every pack object under packSize', async (_name, workers) => {
    await useWorkers(workers);
    // Larger than one 8 MiB gathering block, so the unchunked tail is carried from block to block.
    // The text is numbered line by line: a periodic text ('x '.repeat(n)) is cut into identical chunks
    // under some chunker keys (the key is random per vault), which would then be stored once, not as new bytes each.
    const text = Array.from({ length: 20_000 }, (_, i) => `compressible text, line ${i}\n`).join('');
    const big = Buffer.concat([pseudoRandomBytes(9 * 1024 * 1024 + 12_345, 21), Buffer.from(text)]);
    const small = pseudoRandomBytes(5000, 22);
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const vault = await initVault(store, await KeyFileKeyProvider.create(path.join(dir, 'key')), TUNING);
    const writer = await vault.newSnapshotWriter({ parent: null });
    expect(writer.codec).toBeInstanceOf(workers ? PooledCodec : InThreadCodec);
    await Promise.all([
      writer.add({ path: 'whole', kind: 'object', meta: {}, content: big }),
      writer.add({ path: 'pieces', kind: 'object', meta: {}, content: piecesOf(big) }),
      writer.add({ path: 'stream', kind: 'object', meta: {}, content: () => slowly(piecesOf(big)) }),
      writer.add({ path: 'small-stream', kind: 'object', meta: {}, content: () => slowly(piecesOf(small)) }),
      writer.add({ path: 'empty-stream', kind: 'object', meta: {}, content: () => slowly([]) }),
    ]);
    const part = await writer.finish();
    const snapshot = await vault.commitSnapshot({ source: { kind: 'test', id: 'streams' }, parts: [part] });

    const entries = new Map<string, ManifestEntry>();
    for await (const e of vault.entries(snapshot)) entries.set(e.path, e);
    const whole = entries.get('whole') as ManifestEntry;
    expect(whole.size).toBe(big.length);
    expect(whole.content.length).toBeGreaterThan(100);
    // Same bytes, same chunks, however they arrive: the streamed copies are deduplicated entirely.
    expect(entries.get('pieces')?.content).toEqual(whole.content);
    expect(entries.get('stream')?.content).toEqual(whole.content);
    expect(entries.get('empty-stream')).toMatchObject({ size: 0, content: [] });
    expect(part.stats.bytesNew).toBe(big.length + small.length);
    expect((await contentOf(vault, snapshot.id, 'stream')).equals(big)).toBe(true);
    expect((await contentOf(vault, snapshot.id, 'small-stream')).equals(small)).toBe(true);

    // The writer closes a pack before a blob would make it reach packSize: every pack object stays under it.
    const packLengths: number[] = [];
    for await (const key of store.list('data/')) packLengths.push((await store.get(key)).length);
    expect(packLengths.length).toBeGreaterThan(10);
    expect(Math.max(...packLengths)).toBeLessThan(TUNING.packSize);
    // And packs are not closed early: all but the last are filled to within one chunk (64 KiB max) of it.
    expect(packLengths.filter((n) => n < TUNING.packSize - 65_536 - 4096).length).toBeLessThanOrEqual(1);
    expect((await verifyVault(vault, { readData: true })).problems).toEqual([]);
  }, 60_000);

  it('gives a blob of packSize or more a pack of its own', async () => {
    await useWorkers(true);
    const tuning = { chunker: { minSize: 8192, avgSize: 16384, maxSize: 65536 }, packSize: 20_000 } as const;
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const vault = await initVault(store, await KeyFileKeyProvider.create(path.join(dir, 'key')), tuning);
    const writer = await vault.newSnapshotWriter({ parent: null });
    const data = pseudoRandomBytes(300_000, 23);
    await writer.add({ path: 'big', kind: 'object', meta: {}, content: () => slowly(piecesOf(data)) });
    const snapshot = await vault.commitSnapshot({ source: { kind: 'test', id: 'big-blobs' }, parts: [await writer.finish()] });
    const entry = (await vault.entries(snapshot)[Symbol.asyncIterator]().next()).value as ManifestEntry;
    let packs = 0;
    for await (const key of store.list('data/')) {
      expect(key).toMatch(/^data\//);
      packs++;
    }
    // Chunks of 8–64 KiB in packs of 20,000 bytes: one or two chunks a pack, a large chunk alone.
    expect(packs).toBeGreaterThanOrEqual(entry.content.length / 2);
    expect(packs).toBeLessThanOrEqual(entry.content.length);
    expect((await contentOf(vault, snapshot.id, 'big')).equals(data)).toBe(true);
    expect((await verifyVault(vault, { readData: true })).problems).toEqual([]);
  }, 60_000);

  it('storeContent stores pieces without entries; commit records their joined blob lists as one entry, merged with the writers’ runs', async () => {
    await useWorkers(false);
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const vault = await initVault(store, await KeyFileKeyProvider.create(path.join(dir, 'key')), TUNING);
    const data = pseudoRandomBytes(700_000, 24);
    const cuts = [0, 250_000, 500_000, data.length];
    // Two writers, as two shards: the pieces in another order than their bytes, and an ordinary entry beside them.
    const first = await vault.newSnapshotWriter({ parent: null });
    const second = await vault.newSnapshotWriter({ parent: null });
    const recorded = await Promise.all([
      second.storeContent(() => slowly(piecesOf(data.subarray(cuts[0], cuts[1])))),
      first.storeContent(data.subarray(cuts[1], cuts[2])),
      second.storeContent(() => slowly(piecesOf(data.subarray(cuts[2], cuts[3])))),
    ]);
    await first.add({ path: 'a-small', kind: 'object', meta: {}, content: Buffer.from('small') });
    await second.add({ path: 'z-small', kind: 'object', meta: {}, content: Buffer.from('other') });
    const parts = [await first.finish(), await second.finish()];
    expect(parts.map((p) => p.stats.entries)).toEqual([1, 1]);
    expect(parts[0]?.stats.bytesScanned).toBe(250_000 + 5);
    expect(recorded.map((r) => r.size)).toEqual([250_000, 250_000, data.length - 500_000]);

    const joined = { path: 'm-split', kind: 'object' as const, meta: { size: data.length }, size: data.length, content: recorded.flatMap((r) => r.content) };
    const snapshot = await vault.commitSnapshot({ source: { kind: 'test', id: 'pieces' }, parts, entries: [joined] });
    const paths: string[] = [];
    for await (const e of vault.entries(snapshot)) paths.push(e.path);
    expect(paths).toEqual(['a-small', 'm-split', 'z-small']);
    expect(snapshot.stats.entries).toBe(3);
    expect((await contentOf(vault, snapshot.id, 'm-split')).equals(data)).toBe(true);
    expect((await verifyVault(vault, { readData: true })).problems).toEqual([]);
  }, 60_000);
});
