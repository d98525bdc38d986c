import { type DirectoryRestorer, firstNameRefused, isNameTooLong, type ManifestEntry, nameTooLong, RestoreTarget } from '../../vault';
import { type PieceRecordStore, pieceRecordsOf, piecesByEntry } from './piece-records';
import { type RestorePlanDocument } from './restore-plan-document';
import { SplitEntryIncompleteError } from './restore-errors';

/**
 * A large file restored by several shards: the plan step creates a piece file beside the entry's
 * name, shared by the restore (`.<name>.lifeboat-<restoreId>.part`, createPieceFiles); each piece's
 * shard writes the blobs that start in its byte range into it (RestoreTarget.writeFilePiece, which
 * only opens it) and records what it wrote beside the plan (piece-records.ts); the verify step, once
 * every piece has its record, gives the file its length and attributes and renames it onto its name.
 * Until then no file has the name.
 */

/**
 * Creates the piece file of each of `paths` (entries the plan restores in pieces) under the target
 * directory `root`, with the directories above it (plan step, once the plan is stored, before any
 * shard runs). The shards only open it: a piece still being written after the restore ended (a shard
 * invocation still running when Abandon restore removed the file) finds no file and writes nothing,
 * where it used to create one as large as the entry that no later step removed (audit R17 F2). When
 * one cannot be made, those made already are removed (best effort) and the step fails: no abandon
 * step runs for a restore whose plan step failed. An entry whose name (or a directory's above it) the target's file
 * system refuses as too long gets none: its shards write nothing, and the verify step lists it as not restored.
 */
export async function createPieceFiles(root: string, paths: readonly string[], restore: { restoreId: string; overwrite: boolean; keepSetIdBits: boolean }): Promise<void> {
  if (paths.length === 0) return;
  const target = new RestoreTarget(root, { overwrite: restore.overwrite, keepSetIdBits: restore.keepSetIdBits, owner: 'never' });
  const made: string[] = [];
  try {
    for (const path of paths) if (await madePieceFile(target, path, restore.restoreId)) made.push(path);
  } catch (err) {
    for (const path of made) await target.discardFilePieces(path, restore.restoreId).catch(() => undefined);
    throw err;
  }
}

/**
 * Makes the piece file of `path`, unless the target cannot take the entry's name: the piece file's own is short
 * (`.<name>.lifeboat-<id>.part`, at most 127 bytes), so a name over the file system's limit was taken only by the verify
 * step's last rename, which failed the restore once every piece was written (review r59E F2); a directory's above it
 * failed the plan step. Then none is made (false).
 */
async function madePieceFile(target: RestoreTarget, path: string, restoreId: string): Promise<boolean> {
  try {
    await target.createFilePieces(path, restoreId);
  } catch (err) {
    if (isNameTooLong(err)) return false;
    throw err;
  }
  if ((await firstNameRefused(target.root, path)) === undefined) return true;
  await target.discardFilePieces(path, restoreId);
  return false;
}

/**
 * Puts the plan's files restored in pieces in place (verify step, before the directories get
 * their attributes). A piece without its record fails the restore (SplitEntryIncompleteError,
 * naming the file and the shard) after removing the piece file. Idempotent: a file a previous
 * attempt already renamed has no piece file left and is checked like any other. One whose name (or a directory's
 * above it) the target's file system refuses as too long, which has no piece file (createPieceFiles), is listed in the
 * restorer's notRestored as a restorer lists such an entry (name-too-long.ts), and the restore goes on.
 */
export async function finishSplitFiles(plan: RestorePlanDocument, entryOf: (path: string) => ManifestEntry | undefined, restorer: DirectoryRestorer, store: PieceRecordStore): Promise<number> {
  const byPath = piecesByEntry(plan);
  for (const [path, pieces] of byPath) {
    const entry = entryOf(path);
    if (!entry) throw new SplitEntryIncompleteError(`${JSON.stringify(path)} was split into pieces by the restore plan but is not in the snapshot: the plan and the snapshot disagree; run the restore again`);
    const refused = await firstNameRefused(restorer.target.root, path);
    if (refused !== undefined) {
      await restorer.target.discardFilePieces(path, plan.restore.restoreId);
      const said = nameTooLong(restorer.target.root, { path, absolute: restorer.target.pathOf(path) }, refused);
      if (said.saidOnce) restorer.target.notRestored.addSaidOnce(path, said.what, said.below);
      else restorer.target.notRestored.add(path, said.what);
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
