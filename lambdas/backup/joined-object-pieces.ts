import { type ManifestEntry } from '../../vault';
import { type StoredObjectPiece } from '../sources/stored-object-piece';

/**
 * A split object's pieces do not add up: one is missing (its shard left no piece), repeated, or of
 * another split (a different piece count). Committing would record a truncated or garbled object,
 * so the commit is refused; the backup fails without a snapshot.
 */
export class MissingObjectPieceError extends Error {
  override readonly name = 'MissingObjectPieceError';
  constructor(
    readonly backupId: string,
    readonly key: string,
    detail: string,
  ) {
    super(`Backup ${backupId}: object ${JSON.stringify(key)} was backed up in byte ranges, but ${detail}; its entry cannot be joined. Run the backup again.`);
  }
}

/** The split objects of one source: joined entries, and the keys deleted after planning (left out). */
export type JoinedObjects = { entries: ManifestEntry[]; vanished: string[] };

/**
 * Joins the pieces of every split object of a source into one entry each (docs/ARCHITECTURE.md,
 * "Objects split by byte ranges"): content = the pieces' blob lists in piece order, size their sum,
 * meta and change token from piece 0. An object whose piece 0 reused the parent's entry is in piece
 * 0's runs already (nothing to join); one that any piece found deleted is left out and reported.
 * Refuses (MissingObjectPieceError) when a piece is missing or the pieces do not add up to the size
 * piece 0 recorded.
 */
export function joinObjectPieces(backupId: string, pieces: readonly StoredObjectPiece[]): JoinedObjects {
  const byPath = new Map<string, StoredObjectPiece[]>();
  for (const piece of pieces) {
    const of = byPath.get(piece.path);
    if (of) of.push(piece);
    else byPath.set(piece.path, [piece]);
  }
  const entries: ManifestEntry[] = [];
  const vanished: string[] = [];
  for (const [path, of] of byPath) {
    const ordered = [...of].sort((a, b) => a.piece - b.piece);
    const first = ordered[0] as StoredObjectPiece;
    const key = first.key;
    const count = first.pieces;
    if (ordered.some((p) => p.pieces !== count)) throw new MissingObjectPieceError(backupId, key, 'its pieces were planned with different piece counts');
    for (let i = 0; i < count; i++) {
      if (ordered[i]?.piece !== i) throw new MissingObjectPieceError(backupId, key, `piece ${i} of ${count} is ${ordered.some((p) => p.piece === i) ? 'there twice' : 'missing'}`);
    }
    if (ordered.length !== count) throw new MissingObjectPieceError(backupId, key, `it has ${ordered.length} pieces where ${count} were planned`);
    if (ordered.some((p) => p.outcome === 'vanished')) {
      vanished.push(key);
      continue;
    }
    // Piece 0 recorded the parent's unchanged entry in its runs; the other pieces read nothing.
    if (first.outcome === 'reused') continue;
    const notStored = ordered.find((p) => p.outcome !== 'stored');
    if (notStored) throw new MissingObjectPieceError(backupId, key, `piece ${notStored.piece} reused the parent's entry while piece 0 read the object`);
    const size = ordered.reduce((n, p) => n + p.size, 0);
    if (first.meta === undefined || first.meta.size !== size) {
      throw new MissingObjectPieceError(backupId, key, first.meta === undefined ? 'piece 0 carries no meta' : `its pieces hold ${size} bytes where piece 0 recorded ${String(first.meta.size)}`);
    }
    entries.push({ path, kind: 'object', meta: first.meta, size, content: ordered.flatMap((p) => p.content), ...(first.changeToken !== undefined ? { changeToken: first.changeToken } : {}) });
  }
  return { entries, vanished };
}
