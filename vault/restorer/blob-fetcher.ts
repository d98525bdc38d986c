import { decodeBlob } from '../pack/pack-reader';
import { VaultCorruptionError } from '../vault-errors';
import { type BlobLocation, type VaultIndex } from '../blob-index/vault-index';
import { unindexedBlobDetail } from '../blob-index/unindexed-blob';
import { type VaultKeys } from '../crypto/vault-keys';
import { packKey } from '../repository/vault-layout';
import { type VaultStore } from '../backend/vault-store';

/** One blob to fetch, with the caller's tag carried through to the result. */
export type BlobRequest<T> = { readonly id: string; readonly tag: T };
export type FetchedBlob<T> = { readonly tag: T; readonly data: Buffer };

export type FetchOptions = {
  /** Range reads in flight. @default 6 */
  readonly concurrency?: number;
  /** Largest single ranged read; contiguous blobs of one pack are fetched together up to this. @default 16 MiB */
  readonly maxReadBytes?: number;
};

type Batch<T> = { packId: string; offset: number; end: number; blobs: Array<{ req: BlobRequest<T>; loc: BlobLocation; id: Buffer }> };

/**
 * Fetches blobs in request order with read-ahead: consecutive requests for adjacent blobs of one pack
 * (the layout a backup produces for each file) become one ranged GET; up to `concurrency` reads and
 * their decryption/decompression (thread pool) run while the consumer writes earlier results.
 */
export async function* fetchBlobs<T>(
  ctx: { store: VaultStore; keys: VaultKeys; index: VaultIndex },
  requests: AsyncIterable<BlobRequest<T>> | Iterable<BlobRequest<T>>,
  options: FetchOptions = {},
): AsyncGenerator<FetchedBlob<T>> {
  const concurrency = options.concurrency ?? 6;
  const maxRead = options.maxReadBytes ?? 16 * 1024 * 1024;
  const inFlight: Array<Promise<Array<FetchedBlob<T>>>> = [];
  let batch: Batch<T> | null = null;

  const start = (b: Batch<T>): void => {
    const p = fetchBatch(ctx, b);
    p.catch(() => undefined); // awaited in order below; this only avoids an early "unhandled rejection"
    inFlight.push(p);
  };

  for await (const req of requests) {
    const id = Buffer.from(req.id, 'hex');
    const loc = ctx.index.lookup(id);
    if (!loc) throw new VaultCorruptionError(ctx.store.location, `blob ${req.id}`, unindexedBlobDetail(ctx.index));
    if (batch && batch.packId === loc.packId && loc.offset === batch.end && batch.end - batch.offset + loc.storedLength <= maxRead) {
      batch.blobs.push({ req, loc, id });
      batch.end += loc.storedLength;
      continue;
    }
    if (batch) start(batch);
    batch = { packId: loc.packId, offset: loc.offset, end: loc.offset + loc.storedLength, blobs: [{ req, loc, id }] };
    while (inFlight.length >= concurrency) yield* await (inFlight.shift() as Promise<Array<FetchedBlob<T>>>);
  }
  if (batch) start(batch);
  while (inFlight.length > 0) yield* await (inFlight.shift() as Promise<Array<FetchedBlob<T>>>);
}

async function fetchBatch<T>(ctx: { store: VaultStore; keys: VaultKeys }, b: Batch<T>): Promise<Array<FetchedBlob<T>>> {
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
