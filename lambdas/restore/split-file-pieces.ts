import { type DirectoryRestorer, firstNameRefused, isNameTooLong, type ManifestEntry, nameTooLong, RestoreTarget } from '../../vault';
import { type ObjectPiece } from './object-pieces';
import { type PieceRecordStore, pieceRecordsOf, piecesByEntry } from './piece-records';
import { type RestorePlanDocument, type RestoreShard } from './restore-plan-document';
import { SplitEntryIncompleteError } from './restore-errors';

/**
 * A large file restored by several shards: the plan step creates a piece file beside the entry's
 * name, shared by the restore (`.<name>.lifeboat-<restoreId>.part`, createPieceFiles); each piece's
 * shard writes the blobs that start in its byte range into it (RestoreTarget.writeFilePiece, which
 * only opens it) and records what it wrote beside the plan (piece-records.ts); the verify step, once
 * every piece has its record, gives the file its length and attributes and renames it onto its name.
 * Until then no file has the name.
 */

/** Why a file restored in pieces got no piece file, as the plan records it (object-pieces.ts). */
export type PieceNameRefusal = NonNullable<ObjectPiece['nameRefused']>;

/**
 * Creates the piece file of each entry the plan restores in pieces (the entries of `shards` with a piece) under the target
 * directory `root`, with the directories above it (plan step, once the plan is stored, before any
 * shard runs). The shards only open it: a piece still being written after the restore ended (a shard
 * invocation still running when Abandon restore removed the file) finds no file and writes nothing,
 * where it used to create one as large as the entry that no later step removed (audit R17 F2). When
 * one cannot be made, those made already are removed (best effort) and the step fails: no abandon
 * step runs for a restore whose plan step failed. An entry whose name (or a directory's above it), or whose piece file's
 * path, the target's file system refuses as too long gets none, and each of its pieces says so (`nameRefused`, set here):
 * its shards write nothing, and the verify step lists it as not restored. True when some piece says so: the plan is then
 * to be stored again.
 */
export async function createPieceFiles(root: string, shards: readonly RestoreShard[], restore: { restoreId: string; overwrite: boolean; keepSetIdBits: boolean }): Promise<boolean> {
  const paths = [...new Set(shards.flatMap((shard) => (shard.piece ? [shard.first] : [])))];
  if (paths.length === 0) return false;
  const target = new RestoreTarget(root, { overwrite: restore.overwrite, keepSetIdBits: restore.keepSetIdBits, owner: 'never' });
  const made: string[] = [];
  const refused = new Map<string, PieceNameRefusal>();
  try {
    for (const path of paths) {
      const refusal = await pieceFileRefusal(target, path, restore.restoreId);
      if (refusal) refused.set(path, refusal);
      else made.push(path);
    }
  } catch (err) {
    await discardPieceFiles(root, made, restore);
    throw err;
  }
  for (const shard of shards) {
    const nameRefused = shard.piece ? refused.get(shard.first) : undefined;
    if (shard.piece && nameRefused) shard.piece.nameRefused = nameRefused;
  }
  return refused.size > 0;
}

/** Removes the piece files of `paths` (best effort): the plan step's, when it fails after making them. */
export async function discardPieceFiles(root: string, paths: readonly string[], restore: { restoreId: string; overwrite: boolean; keepSetIdBits: boolean }): Promise<void> {
  const target = new RestoreTarget(root, { overwrite: restore.overwrite, keepSetIdBits: restore.keepSetIdBits, owner: 'never' });
  for (const path of paths) await target.discardFilePieces(path, restore.restoreId).catch(() => undefined);
}

/**
 * Makes the piece file of `path`, unless the target cannot take the entry's name: the piece file's own is short
 * (`.<name>.lifeboat-<id>.part`, at most 127 bytes), so a name over the file system's limit was taken only by the verify
 * step's last rename, which failed the restore once every piece was written (review r59E F2); a directory's above it
 * failed the plan step. Nor when the piece file's path, longer than the entry's, is over the limit of a path while the
 * entry's is not: every shard then failed with a raw ENAMETOOLONG and the verify step asked to run the restore again,
 * which failed so again (review r59J F2). Then none is made, and what was refused is returned.
 */
async function pieceFileRefusal(target: RestoreTarget, path: string, restoreId: string): Promise<PieceNameRefusal | undefined> {
  const refusal = (name: PieceNameRefusal['name'], err: NodeJS.ErrnoException): PieceNameRefusal => {
    const said = nameTooLong(target.root, { path, absolute: target.pathOf(path) }, err);
    return said.saidOnce ? { name, what: said.what, below: said.below } : { name, what: said.what };
  };
  try {
    await target.createFilePieces(path, restoreId);
  } catch (err) {
    if (!isNameTooLong(err)) throw err;
    const own = await firstNameRefused(target.root, path);
    return own === undefined ? refusal('piece file', err) : refusal('entry', own);
  }
  const own = await firstNameRefused(target.root, path);
  if (own === undefined) return undefined;
  await target.discardFilePieces(path, restoreId);
  return refusal('entry', own);
}

/**
 * Puts the plan's files restored in pieces in place (verify step, before the directories get
 * their attributes). A piece without its record fails the restore (SplitEntryIncompleteError,
 * naming the file and the shard) after removing the piece file. Idempotent: a file a previous
 * attempt already renamed has no piece file left and is checked like any other. One the plan records as refused as too
 * long (its name, a directory's above it, or its piece file's path: createPieceFiles), which has no piece file, is listed
 * in the restorer's notRestored with the plan's line (name-too-long.ts), and the restore goes on.
 */
export async function finishSplitFiles(plan: RestorePlanDocument, entryOf: (path: string) => ManifestEntry | undefined, restorer: DirectoryRestorer, store: PieceRecordStore): Promise<number> {
  const byPath = piecesByEntry(plan);
  for (const [path, pieces] of byPath) {
    const entry = entryOf(path);
    if (!entry) throw new SplitEntryIncompleteError(`${JSON.stringify(path)} was split into pieces by the restore plan but is not in the snapshot: the plan and the snapshot disagree; run the restore again`);
    const refused = pieces[0]?.piece.nameRefused;
    if (refused !== undefined) {
      if (refused.below !== undefined) restorer.target.notRestored.addSaidOnce(path, refused.what, refused.below);
      else restorer.target.notRestored.add(path, refused.what);
      continue;
    }
    const planned = pieces[0]?.piece.pieces ?? 0;
    const { records, missing } = await pieceRecordsOf(plan, path, pieces, store);
    const written = records.reduce((n, r) => n + r.bytes, 0);
    if (missing.length > 0 || pieces.length !== planned || written !== entry.size) {
      await restorer.target.discardFilePieces(path, plan.restore.restoreId);
      const why = missing.length > 0 ? `shard(s) ${missing.join(', ')} recorded no written piece` : pieces.length !== planned ? `the plan lists ${pieces.length}` : `they hold ${written} of its ${entry.size} bytes`;
      throw new SplitEntryIncompleteError(`${JSON.stringify(path)} is restored in ${planned} pieces, but ${why}; its piece file was removed: run the restore again`);
    }
    await restorer.finishPieces(entry, plan.restore.restoreId);
  }
  return byPath.size;
}
