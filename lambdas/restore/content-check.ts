import { type KeyObject } from 'node:crypto';
import { codecFor, type Codec, computeBlobId, type FsPath, hasContentTag, type ManifestEntry, type RestoredContentTags, sampledForIdCheck, type Vault } from '../../vault';

/** A piece read back is the blob's decoded plaintext (its content tag), but that plaintext is not the content of the blob's id. */
export const MISFILED = 'content is not that of its blob ids: the vault holds a blob under another content\'s id (a writer\'s fault, not the restore\'s); run lifeboat vault verify --read-data';

/**
 * Fills `into` from a restored entry's content, in order; fewer bytes than asked only at its end.
 */
type ContentReader = (into: Buffer) => Promise<number>;

/**
 * Whether the bytes read back from a restored target are exactly the backed-up content of `entry`:
 * the entry's content is the blobs `entry.content` in order, and the vault index knows each
 * blob's plaintext length, so the bytes read back are cut at those lengths and each piece's
 * HMAC-SHA-256 under the id key must equal its blob id, with nothing left over.
 *
 * Why this and not re-chunking what was read back (the first form of this check): both prove the
 * same thing — a piece whose keyed hash is the blob id is that blob's plaintext, so equal ids
 * in order with nothing over mean every byte equals the backup's — but cutting at the known
 * lengths needs no chunker pass on the main thread, and the hashing runs on the vault's codec
 * worker threads (the pool backup and restore use), the bytes read straight into the shared memory
 * the workers hash in. A wrong length from the index cannot make damaged bytes pass: the piece
 * would then have to hash to the blob's id. Measured on the bench's 1 GiB set (docs/BENCHMARKS.md,
 * "The drill section"; a busy 2-core machine): verify 14.1 s → 2.1–4.7 s, the drill's CPU 22.6 →
 * 10.8–11.9 CPU-s. Also considered, and why not: docs/ARCHITECTURE.md, "A restored file is proved as it is written".
 */
export async function restoredContentMatches(vault: Vault, entry: ManifestEntry, read: ContentReader, contentTags?: RestoredContentTags): Promise<string | undefined> {
  const lengths = await blobLengths(vault, entry);
  if (typeof lengths === 'string') return lengths;
  if (contentTags) {
    const ids = entry.content.map((hex) => Buffer.from(hex, 'hex'));
    const recorded = contentTags.tagsOf(ids);
    if (recorded) return readAndCompareTags(vault, lengths, read, { key: contentTags.keyObject, ids, tags: recorded, residue: contentTags.idResidue });
  }
  const codec = codecFor(vault.store, vault.keys);
  const hashes: Array<Promise<boolean>> = [];
  const outcome = await readInto(codec, entry, lengths, read, hashes).catch((err: unknown) => ({ thrown: err }));
  // Every hash in flight releases its region: all of them are waited for, also when reading failed.
  const settled = await Promise.allSettled(hashes);
  if (typeof outcome === 'object') throw outcome.thrown;
  if (outcome !== undefined) return outcome;
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.every((s) => s.status === 'fulfilled' && s.value) ? undefined : 'content differs from the backup';
}

/**
 * restoredContentMatches for a restored file: the file is read and hashed on a codec worker thread
 * (Codec.checkFileContent), which opens it itself, so its bytes cross no thread and take no shared
 * memory, and the main thread makes one request per file instead of a read and a hash per blob. A
 * restore shard reads a file back this way only when its checked writes do not prove it
 * (restored-entry-check.ts): a file restored in pieces, or changed since it was placed.
 */
export async function restoredFileMatches(vault: Vault, entry: ManifestEntry, file: FsPath): Promise<string | undefined> {
  const lengths = await blobLengths(vault, entry);
  if (typeof lengths === 'string') return lengths;
  const found = await codecFor(vault.store, vault.keys).checkFileContent(
    file,
    entry.content.map((id, i) => ({ id: Buffer.from(id, 'hex'), length: lengths[i] as number })),
  );
  return found === 'equal' ? undefined : found === 'shorter' ? 'shorter than the backup' : found === 'longer' ? 'longer than the backup' : 'content differs from the backup';
}

/** The plaintext length of each blob of an entry's content, from the vault index; or why they cannot be the entry's content. */
async function blobLengths(vault: Vault, entry: ManifestEntry): Promise<number[] | string> {
  const index = await vault.index();
  const lengths: number[] = [];
  let total = 0;
  for (const id of entry.content) {
    const where = index.lookup(Buffer.from(id, 'hex'));
    if (!where) return `blob ${id} of its content is not in the vault index`;
    lengths.push(where.rawLength);
    total += where.rawLength;
  }
  if (total !== entry.size) return `its blobs hold ${total} bytes, the manifest says ${entry.size}`;
  return lengths;
}

/** Reads the content piece by piece into codec memory and starts each piece's hash (pushed to `hashes`); a problem of length, or undefined. */
async function readInto(codec: Codec, entry: ManifestEntry, lengths: readonly number[], read: ContentReader, hashes: Array<Promise<boolean>>): Promise<string | undefined> {
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i] as number;
    const want = Buffer.from(entry.content[i] as string, 'hex');
    // No region is held while waiting here: the ones allocated before belong to hashes in flight (Codec's rule).
    const region = await codec.alloc(length);
    let filled: number;
    try {
      filled = await read(region.bytes);
    } catch (err) {
      codec.release(region);
      throw err;
    }
    if (filled !== length) {
      codec.release(region);
      return 'shorter than the backup';
    }
    const matches = hashOf(codec, region, length).then((id) => id.equals(want));
    // Settled by the caller once reading ends; until then a failed hash must not count as an unhandled rejection.
    matches.catch(() => undefined);
    hashes.push(matches);
  }
  return (await read(Buffer.alloc(1))) === 0 ? undefined : 'longer than the backup';
}

async function hashOf(codec: Codec, region: Awaited<ReturnType<Codec['alloc']>>, length: number): Promise<Buffer> {
  try {
    return await codec.blobId(region, 0, length);
  } finally {
    codec.release(region);
  }
}

/** Reads a stream (an S3 object's body) in order, carrying the part of a piece not yet asked for. */
export function streamReader(body: AsyncIterable<Uint8Array>): ContentReader {
  const pieces = body[Symbol.asyncIterator]();
  let carried: Uint8Array = new Uint8Array(0);
  return async (into) => {
    let done = 0;
    while (done < into.length) {
      if (carried.length === 0) {
        const next = await pieces.next();
        if (next.done) break;
        carried = next.value;
        continue;
      }
      const n = Math.min(carried.length, into.length - done);
      into.set(carried.subarray(0, n), done);
      carried = carried.subarray(n);
      done += n;
    }
    return done;
  };
}

/**
 * restoredContentMatches by content tag (RestoredContentTags: this process decoded every blob of the
 * entry): each piece read back is tagged here, on the main thread, since GMAC's 10 GB/s costs less
 * than handing the bytes to a worker.
 */
async function readAndCompareTags(vault: Vault, lengths: readonly number[], read: ContentReader, recorded: { key: KeyObject; ids: readonly Buffer[]; tags: Buffer; residue: number }): Promise<string | undefined> {
  for (let i = 0; i < lengths.length; i++) {
    const piece = Buffer.allocUnsafe(lengths[i] as number);
    if ((await read(piece)) !== piece.length) return 'shorter than the backup';
    const id = recorded.ids[i] as Buffer;
    if (!hasContentTag(recorded.key, id, piece, recorded.tags, i)) return 'content differs from the backup';
    if (sampledForIdCheck(id, recorded.residue) && !(await computeBlobId(vault.keys, piece)).equals(id)) return MISFILED;
  }
  return (await read(Buffer.alloc(1))) === 0 ? undefined : 'longer than the backup';
}
