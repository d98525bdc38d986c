import { createHash } from 'node:crypto';
import {
  DEFAULT_REPACK_THRESHOLD,
  FileVaultStore,
  type IndexedPack,
  initVault,
  type ManifestEntry,
  openVault,
  packKey,
  PageRunWriter,
  PassphraseKeyProvider,
  pruneVault,
  writeIndexObject,
} from '../../vault';
import { vmHwmBytes } from './measured-child';

/**
 * The prune side of the plan-scale section, in two processes so that the measured one's peak RSS
 * (VmHWM) is the prune's alone:
 *
 * - `build <dir> <blobs>` writes a vault of `blobs` synthetic blobs to a directory: packs of
 *   BLOBS_PER_PACK blob records (the pack objects are stubs: nothing here reads a pack), index
 *   objects of PACKS_PER_INDEX packs, and one snapshot whose files of BLOBS_PER_FILE blobs reference
 *   every blob but those of the last tenth of the packs, which no snapshot references (a forgotten
 *   backup's). Every twentieth blob of a pack is also stored in the next pack, as parallel shards
 *   store duplicates, so the plan has holders to choose between.
 * - `prune <dir>` opens it and runs pruneVault once (default grace and threshold: it condemns the
 *   unreferenced packs and the duplicate copies' garbage stays under the threshold, so nothing is
 *   repacked and no pack is read), and prints one JSON line of figures.
 */

const BLOBS_PER_PACK = 100;
const PACKS_PER_INDEX = 1000;
const BLOBS_PER_FILE = 4;
const DUPLICATE_EVERY = 20;
const STORED_BYTES = 1000;
const PASSPHRASE = 'prune scale';
const KDF = { N: 1024, r: 8, p: 1 };

const idOf = (n: number): Buffer => createHash('sha256').update(`blob ${n}`).digest();

async function build(dir: string, blobs: number): Promise<void> {
  const store = new FileVaultStore(dir, { durable: false });
  const vault = await initVault(store, new PassphraseKeyProvider(PASSPHRASE, KDF));
  const packCount = Math.ceil(blobs / BLOBS_PER_PACK);
  const referencedPacks = Math.ceil(packCount * 0.9);
  const packId = (p: number): string => createHash('sha256').update(`pack ${p}`).digest('hex');
  let batch: IndexedPack[] = [];
  for (let p = 0; p < packCount; p++) {
    const first = p * BLOBS_PER_PACK;
    const count = Math.min(BLOBS_PER_PACK, blobs - first);
    const ids: number[] = Array.from({ length: count }, (_, i) => first + i);
    // The duplicates: every twentieth blob of the previous pack, stored again here.
    if (p > 0) for (let i = 0; i < BLOBS_PER_PACK; i += DUPLICATE_EVERY) ids.push(first - BLOBS_PER_PACK + i);
    const entries = ids.map((n, i) => ({ id: idOf(n), offset: i * STORED_BYTES, storedLength: STORED_BYTES, rawLength: STORED_BYTES * 2 }));
    const id = packId(p);
    await store.put(packKey(id), Buffer.from('stub'));
    batch.push({ packId: id, length: ids.length * STORED_BYTES + 64, entries });
    if (batch.length === PACKS_PER_INDEX || p === packCount - 1) {
      await writeIndexObject(store, vault.keys, batch);
      batch = [];
    }
  }
  const writer = new PageRunWriter(store, vault.keys);
  const referenced = Math.min(blobs, referencedPacks * BLOBS_PER_PACK);
  for (let n = 0, file = 0; n < referenced; n += BLOBS_PER_FILE, file++) {
    const content: string[] = [];
    for (let b = n; b < Math.min(referenced, n + BLOBS_PER_FILE); b++) content.push(idOf(b).toString('hex'));
    const entry: ManifestEntry = { path: `files/${String(file).padStart(10, '0')}`, kind: 'file', meta: {}, size: content.length * STORED_BYTES * 2, content };
    await writer.add(entry);
  }
  await writer.flush();
  const stats = { entries: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0, bytesReused: 0 };
  await vault.commitSnapshot({ source: { kind: 'directory', id: '/prune-scale' }, parts: [{ v: 1, runs: [writer.pages], indexes: [], stats }] });
  process.stdout.write(`${JSON.stringify({ blobs, packs: packCount, referencedBlobs: referenced, pages: writer.pages.length })}\n`);
}

async function prune(dir: string): Promise<void> {
  const vault = await openVault(new FileVaultStore(dir, { durable: false }), new PassphraseKeyProvider(PASSPHRASE, KDF));
  const rssAtStart = process.memoryUsage.rss();
  const started = performance.now();
  const { report } = await pruneVault(vault, { repackThreshold: DEFAULT_REPACK_THRESHOLD });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, packsCondemned: report.packsCondemned, packsRepacked: report.packsRepacked, indexesCondemned: report.indexesCondemned, rssAtStartBytes: rssAtStart, vmHwmBytes: vmHwmBytes() })}\n`);
}

const [mode, dir, blobs] = process.argv.slice(2);
(mode === 'build' && dir ? build(dir, Number(blobs)) : mode === 'prune' && dir ? prune(dir) : Promise.reject(new Error('usage: prune-scale-child.ts build <dir> <blobs> | prune <dir>'))).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
