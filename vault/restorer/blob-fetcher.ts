import { decodeBlob } from '../pack/pack-reader';
import { VaultCorruptionError } from '../vault-errors';
import { type BlobLocation, type VaultIndex } from '../blob-index/vault-index';
import { unindexedBlobDetail, UnindexedBlobError } from '../blob-index/unindexed-blob';
import { type VaultKeys } from '../crypto/vault-keys';
import { packKey } from '../repository/vault-layout';
import { type VaultStore } from '../backend/vault-store';
import { indexAfterSweep, isSweptPack, lostAfterReload, type ReloadableIndex } from './swept-pack-reload';
import { type BadCopyError, isBadCopy, readAnyCopy } from './blob-copies';

/** One blob to fetch, with the caller's tag carried through to the result. */
export type BlobRequest<T> = { readonly id: string; readonly tag: T };
export type FetchedBlob<T> = { readonly tag: T; readonly data: Buffer };

export type FetchOptions = {
  /** Range reads in flight. @default 6 */
  readonly concurrency?: number;
  /** Largest single ranged read; contiguous blobs of one pack are fetched together up to this. @default 16 MiB */
  readonly maxReadBytes?: number;
};

/** Where fetchBlobs reads: the vault's store and keys, and the index that locates the blobs. */
export type FetchSource = {
  readonly store: VaultStore;
  readonly keys: VaultKeys;
  readonly index: VaultIndex;
  /**
   * The vault `index` was loaded from. A read of a pack that is gone then reloads it once and reads the blobs where
   * it locates them now (a prune may have repacked them and swept the pack since: swept-pack-reload.ts); a blob
   * still in no other pack fails as before. @default none: a read of a pack that is gone fails
   */
  readonly reloadFrom?: ReloadableIndex;
};

type LocatedRequest<T> = { req: BlobRequest<T>; loc: BlobLocation; id: Buffer };
type Batch<T> = { index: VaultIndex; packId: string; offset: number; end: number; blobs: Array<LocatedRequest<T>> };
/** The index new lookups use: the one given, then the one a read of a swept pack loaded. */
type Locating = { index: VaultIndex };

/**
 * Fetches blobs in request order with read-ahead: consecutive requests for adjacent blobs of one pack
 * (the layout a backup produces for each file) become one ranged GET; up to `concurrency` reads and
 * their decryption/decompression (thread pool) run while the consumer writes earlier results.
 */
export async function* fetchBlobs<T>(ctx: FetchSource, requests: AsyncIterable<BlobRequest<T>> | Iterable<BlobRequest<T>>, options: FetchOptions = {}): AsyncGenerator<FetchedBlob<T>> {
  const concurrency = options.concurrency ?? 6;
  const maxRead = options.maxReadBytes ?? 16 * 1024 * 1024;
  const inFlight: Array<Promise<Array<FetchedBlob<T>>>> = [];
  const locating: Locating = { index: ctx.index };
  let batch: Batch<T> | null = null;

  const start = (b: Batch<T>): void => {
    const p = fetchBatch(ctx, b, locating, maxRead);
    p.catch(() => undefined); // awaited in order below; this only avoids an early "unhandled rejection"
    inFlight.push(p);
  };

  for await (const req of requests) {
    const id = Buffer.from(req.id, 'hex');
    const index = locating.index;
    const loc = index.lookup(id);
    if (!loc) throw new UnindexedBlobError(ctx.store.location, req.id, unindexedBlobDetail(index));
    if (batch && batch.index === index && extend(batch, { req, loc, id }, maxRead)) continue;
    if (batch) start(batch);
    batch = newBatch(index, { req, loc, id });
    while (inFlight.length >= concurrency) yield* await (inFlight.shift() as Promise<Array<FetchedBlob<T>>>);
  }
  if (batch) start(batch);
  while (inFlight.length > 0) yield* await (inFlight.shift() as Promise<Array<FetchedBlob<T>>>);
}

function newBatch<T>(index: VaultIndex, blob: LocatedRequest<T>): Batch<T> {
  return { index, packId: blob.loc.packId, offset: blob.loc.offset, end: blob.loc.offset + blob.loc.storedLength, blobs: [blob] };
}

/** Adds the blob to the batch when it follows the batch's last blob in its pack and the read stays within `maxRead`. */
function extend<T>(batch: Batch<T>, blob: LocatedRequest<T>, maxRead: number): boolean {
  const { loc } = blob;
  if (batch.packId !== loc.packId || loc.offset !== batch.end || batch.end - batch.offset + loc.storedLength > maxRead) return false;
  batch.blobs.push(blob);
  batch.end += loc.storedLength;
  return true;
}

/**
 * Reads a batch. When its copy of the blobs is damaged or its pack is gone, blobs stored more than once are read from
 * their other copies (readFromCopies); when a blob has no copy that reads and its pack is gone, and the source can
 * reload its index, the batch's blobs are read again where the reloaded index locates them (a prune's repack).
 */
async function fetchBatch<T>(ctx: FetchSource, b: Batch<T>, locating: Locating, maxRead: number): Promise<Array<FetchedBlob<T>>> {
  let err: BadCopyError;
  try {
    return await readBatch(ctx, b);
  } catch (failure) {
    if (!isBadCopy(failure)) throw failure;
    err = failure;
  }
  const copies = await readFromCopies(ctx, b);
  if ('read' in copies) return copies.read;
  err = copies.lost ?? err;
  if (!ctx.reloadFrom || !isSweptPack(err)) throw err;
  const relocation = await indexAfterSweep(
    ctx.reloadFrom,
    b.index,
    b.blobs.map((blob) => blob.id),
  );
  // Later requests are located in the new index, not sent to the swept pack first (an index stale since is not put
  // back); an index of this batch's blobs only locates nothing else.
  if (relocation.whole && locating.index === b.index) locating.index = relocation.index;
  const moved = relocated(b, relocation.index, maxRead);
  if (!moved) {
    lostAfterReload(b.index, relocation);
    throw err;
  }
  const fetched: Array<FetchedBlob<T>> = [];
  for (const m of moved) fetched.push(...(await readBatchOrCopies(ctx, m)));
  return fetched;
}

/** Reads a batch, or when its copy is bad, its blobs from their other copies; a blob no copy of which reads throws that copy's error. */
async function readBatchOrCopies<T>(ctx: FetchSource, b: Batch<T>): Promise<Array<FetchedBlob<T>>> {
  try {
    return await readBatch(ctx, b);
  } catch (err) {
    if (!isBadCopy(err)) throw err;
    const copies = await readFromCopies(ctx, b);
    if ('read' in copies) return copies.read;
    throw copies.lost ?? err;
  }
}

/**
 * A batch whose read failed on a bad copy, read blob by blob, each from its copies in turn (which blob of the range
 * was bad is not known: a short or missing pack fails them all). `lost` is the error of the first blob no copy of
 * which reads; undefined when no blob of the batch is stored more than once (nothing to try: the batch's own error stands).
 */
async function readFromCopies<T>(ctx: FetchSource, b: Batch<T>): Promise<{ read: Array<FetchedBlob<T>> } | { lost: BadCopyError | undefined }> {
  if (!b.blobs.some(({ id }) => b.index.hasCopies(id))) return { lost: undefined };
  const fetched: Array<FetchedBlob<T>> = [];
  for (const blob of b.blobs) {
    const copy = await readAnyCopy(b.index.locations(blob.id), async (loc) => readBatch(ctx, newBatch(b.index, { ...blob, loc })));
    if ('lost' in copy) return copy;
    fetched.push(...copy.read);
  }
  return { read: fetched };
}

/** The batch's blobs as batches of `index`, in order; null when one of them is in no other pack (it is lost, not moved). */
function relocated<T>(b: Batch<T>, index: VaultIndex, maxRead: number): Array<Batch<T>> | null {
  const batches: Array<Batch<T>> = [];
  for (const { req, id } of b.blobs) {
    const loc = index.locations(id).find((copy) => copy.packId !== b.packId);
    if (!loc) return null;
    const last = batches[batches.length - 1];
    if (!last || !extend(last, { req, loc, id }, maxRead)) batches.push(newBatch(index, { req, loc, id }));
  }
  return batches;
}

async function readBatch<T>(ctx: { store: VaultStore; keys: VaultKeys }, b: Batch<T>): Promise<Array<FetchedBlob<T>>> {
  const key = packKey(b.packId);
  const bytes = await ctx.store.get(key, { offset: b.offset, length: b.end - b.offset });
  if (bytes.length !== b.end - b.offset) throw new VaultCorruptionError(ctx.store.location, key, `pack is shorter than the index says (wanted bytes ${b.offset}–${b.end})`);
  const where = { location: ctx.store.location, key };
  return Promise.all(
    b.blobs.map(async ({ req, loc, id }) => ({
      tag: req.tag,
      data: await decodeBlob(ctx.keys, id, bytes.subarray(loc.offset - b.offset, loc.offset - b.offset + loc.storedLength), loc.rawLength, where),
    })),
  );
}
