import { stat } from 'node:fs/promises';
import { computeBlobId, type VaultKeys } from '../crypto/vault-keys';
import { getSealedObject, openSealed, sha256Hex } from '../crypto/sealed-object';
import { type BlobCheck } from '../workers/codec-messages';
import { type PackEntry } from '../pack/pack-format';
import { MAX_BLOB_PLAINTEXT, parsePack, readPackHeader } from '../pack/pack-reader';
import { authenticate, EnvelopeError, open } from '../crypto/sealed-codec';
import { type Vault } from '../repository/vault';
import { CONFIG_KEY, DATA_PREFIX, idFromKey, INDEX_PREFIX, MANIFEST_PREFIX, SNAPSHOTS_PREFIX } from '../repository/vault-layout';
import { type DamagedBlob, DamagedBlobsError, VaultCorruptionError, VaultError, VaultObjectNotFoundError } from '../vault-errors';
import { mapBounded } from '../workers/bounded-concurrency';
import { CodecPool, CodecTaskError } from '../workers/codec-pool';

/**
 * Decrypts every blob of a pack held whole in memory and recomputes its id (HMAC of the plaintext):
 * the deepest check a pack has, shared by `lifeboat vault verify --read-data` and the scrub.
 * Returns the header (parsed here unless the caller passes it). Every blob is checked, past a damaged
 * one: then DamagedBlobsError lists them all (the others are intact, and a verify names what they
 * cost); a pack that cannot be checked at all throws VaultCorruptionError. `onBlob` is called for each
 * blob checked, damaged or not.
 *
 * The per-byte work (AES-GCM, zstd, HMAC) runs on the codec worker threads when the pool is up,
 * as backup and restore do: the in-thread fallback (HMAC on WebCrypto, zlib on libuv's pool) cost the
 * scrub about half its speed (docs/BENCHMARKS.md, "Scrub"), mostly in handing each blob's
 * plaintext back to the main thread to be hashed there.
 */
export async function verifyPackBody(
  location: string,
  key: string,
  keys: VaultKeys,
  body: Buffer,
  options: { readonly header?: readonly PackEntry[]; readonly onBlob?: () => void; readonly check?: BlobCheck } = {},
): Promise<readonly PackEntry[]> {
  const header = options.header ?? (await parsePack(location, key, keys, body));
  const check = options.check ?? 'rehash';
  const pool = CodecPool.shared();
  if (pool) {
    await checkBlobsOnWorkers(pool, pool.keySet(keys), { location, key }, header, body, check, options.onBlob);
    return header;
  }
  const damaged: Array<{ at: number; blob: DamagedBlob }> = [];
  await mapBounded(header, 4, async (e, at) => {
    try {
      await checkBlobInThread(keys, e, body.subarray(e.offset, e.offset + e.storedLength), check);
    } catch (err) {
      if (!(err instanceof EnvelopeError)) throw err;
      damaged.push({ at, blob: { id: e.id.toString('hex'), detail: err.message } });
    }
    options.onBlob?.();
  });
  if (damaged.length > 0) {
    throw new DamagedBlobsError(
      location,
      key,
      damaged.sort((a, b) => a.at - b.at).map((d) => d.blob),
      header.length,
    );
  }
  return header;
}

/** One blob's check in this thread; throws EnvelopeError saying what is wrong. */
async function checkBlobInThread(keys: VaultKeys, e: PackEntry, stored: Buffer, check: BlobCheck): Promise<void> {
  if (check === 'authenticate') {
    await authenticate(keys, e.id, stored);
    return;
  }
  const plain = await open(keys, e.id, stored, { maxPlaintext: MAX_BLOB_PLAINTEXT, expectedLength: e.rawLength });
  if (!(await computeBlobId(keys, plain)).equals(e.id)) throw new EnvelopeError('decrypts to content with another id');
}

/** Stored bytes of one worker task: few messages per pack, yet every worker gets a part of each pack. */
const CHECK_TASK_BYTES = 4 * 1024 * 1024;

/**
 * The blob check on the worker threads: the pack is cut into runs of blobs, each run checked there;
 * only a byte count comes back. A pack in memory (`body`) is copied into shared memory run by run; a
 * pack file of a local vault (`file`) is read by the workers themselves, which spares that copy (half
 * of a local scrub's main-thread time, the bench measured: docs/BENCHMARKS.md, "The scrub section").
 */
async function checkBlobsOnWorkers(
  pool: CodecPool,
  k: number,
  where: { location: string; key: string },
  header: readonly PackEntry[],
  pack: Buffer | { readonly file: string; readonly length: number },
  check: BlobCheck,
  onBlob: (() => void) | undefined,
): Promise<void> {
  const packLength = pack.length;
  const runs: PackEntry[][] = [];
  let run: PackEntry[] = [];
  let runBytes = 0;
  for (const e of header) {
    run.push(e);
    runBytes += e.storedLength;
    if (runBytes >= CHECK_TASK_BYTES) {
      runs.push(run);
      run = [];
      runBytes = 0;
    }
  }
  if (run.length > 0) runs.push(run);
  const tasks: Array<Promise<void>> = [];
  const damaged: Array<{ at: number; blob: DamagedBlob }> = [];
  let short: VaultCorruptionError | undefined;
  let first = 0;
  for (const blobs of runs) {
    const start = Math.min(...blobs.map((e) => e.offset));
    const end = Math.max(...blobs.map((e) => e.offset + e.storedLength));
    if (end > packLength) {
      short = new VaultCorruptionError(where.location, where.key, `pack is shorter than its header says (wanted bytes ${start}–${end})`);
      break;
    }
    const listed = blobs.map((e) => ({ id: e.id, at: e.offset - start, stored: e.storedLength, raw: e.rawLength }));
    let task: Promise<{ damaged: Array<{ index: number; detail: string }> }>;
    if (Buffer.isBuffer(pack)) {
      // No region is held while waiting here: the ones allocated before belong to checks in flight.
      const region = await pool.slabs.alloc(end - start);
      pack.copy(region.bytes, 0, start, end);
      task = pool.check(k, { slab: region.slab.id }, region.offset, end - start, listed, check).finally(() => pool.slabs.release(region.slab));
    } else {
      task = pool.check(k, { file: pack.file }, start, end - start, listed, check);
    }
    const runFirst = first;
    first += blobs.length;
    const checked = task.then((result) => {
      for (const d of result.damaged) damaged.push({ at: runFirst + d.index, blob: { id: (blobs[d.index] as PackEntry).id.toString('hex'), detail: d.detail } });
      for (let i = 0; i < blobs.length; i++) onBlob?.();
    });
    // Settled below once every run is handed out; until then a failed run must not count as an unhandled rejection.
    checked.catch(() => undefined);
    tasks.push(checked);
  }
  const settled = await Promise.allSettled(tasks);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    const err: unknown = failed.reason;
    if (err instanceof CodecTaskError && err.corrupt) throw new VaultCorruptionError(where.location, where.key, err.message);
    throw err;
  }
  if (short) throw short;
  if (damaged.length > 0) {
    throw new DamagedBlobsError(
      where.location,
      where.key,
      damaged.sort((a, b) => a.at - b.at).map((d) => d.blob),
      header.length,
    );
  }
}

/**
 * Reads one vault object and checks it as a reader would before use (docs/FORMAT.md): `config`
 * authenticates under the vault's key; index, manifest and snapshot objects match their content
 * address and authenticate; a pack's header and every blob decrypt and hash to their ids.
 * Throws VaultCorruptionError (damaged) or VaultObjectNotFoundError (absent). Key objects are not
 * checked here: each vault has its own (docs/ARCHITECTURE.md, "Replication to the DR vault").
 */
export async function checkVaultObject(vault: Vault, key: string, options: { readonly check?: BlobCheck } = {}): Promise<void> {
  const { store, keys } = vault;
  if (key === CONFIG_KEY) {
    await openSealed(store.location, key, keys, 'config', await store.get(key));
    return;
  }
  if (idFromKey(DATA_PREFIX, key) !== null) {
    const pool = CodecPool.shared();
    const file = store.localPath?.(key);
    if (pool && file !== undefined) {
      // A local vault: only the header is read here, the workers read the blobs from the file.
      const length = await fileLength(store.location, key, file);
      const header = await readPackHeader(store, keys, key, length);
      await checkBlobsOnWorkers(pool, pool.keySet(keys), { location: store.location, key }, header, { file, length }, options.check ?? 'rehash', undefined);
      return;
    }
    await verifyPackBody(store.location, key, keys, await store.get(key), options.check ? { check: options.check } : {});
    return;
  }
  const index = idFromKey(INDEX_PREFIX, key);
  if (index !== null) {
    await getSealedObject(store, keys, key, index, 'index');
    return;
  }
  const snapshot = idFromKey(SNAPSHOTS_PREFIX, key);
  if (snapshot !== null) {
    await getSealedObject(store, keys, key, snapshot, 'snapshot');
    return;
  }
  const manifest = idFromKey(MANIFEST_PREFIX, key);
  if (manifest !== null) {
    // A manifest object is a root, a node or a page; its name does not say which, and its seal authenticates only as its own kind.
    const stored = await store.get(key);
    if (sha256Hex(stored) !== manifest) throw new VaultCorruptionError(store.location, key, 'its SHA-256 does not match its name');
    for (const kind of ['manifest', 'manifest-node'] as const) {
      try {
        await openSealed(store.location, key, keys, kind, stored);
        return;
      } catch (err) {
        if (!(err instanceof VaultCorruptionError)) throw err;
      }
    }
    await openSealed(store.location, key, keys, 'manifest-page', stored);
    return;
  }
  throw new VaultError(`${store.location}: ${key} is not a vault object a scrub checks (config, data/, index/, manifest/ or snapshots/)`);
}

async function fileLength(location: string, key: string, file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new VaultObjectNotFoundError(location, key);
    throw err;
  }
}

/** True for the keys a scrub reads and compares between the vaults: `config` and the well-formed content objects. */
export function isScrubbedObjectKey(key: string): boolean {
  return key === CONFIG_KEY || [DATA_PREFIX, INDEX_PREFIX, MANIFEST_PREFIX, SNAPSHOTS_PREFIX].some((prefix) => idFromKey(prefix, key) !== null);
}
