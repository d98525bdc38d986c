import { randomInt } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { ID_CHECK_ONE_IN } from '../crypto/content-tag';
import { type FsPath } from '../platform/posix-calls';
import { WRITE_CHECK_FINDINGS, type WriteCheckFinding } from '../workers/codec-messages';

export { WRITE_CHECK_FINDINGS, type WriteCheckFinding };

/** The one finding of several blob ranges of a file: the first that is not `equal`, in the list's order of gravity. */
export function worstFinding(findings: Iterable<WriteCheckFinding>): WriteCheckFinding {
  let worst: WriteCheckFinding = 'equal';
  for (const f of findings) if (WRITE_CHECK_FINDINGS.indexOf(f) > WRITE_CHECK_FINDINGS.indexOf(worst)) worst = f;
  return worst;
}

type WrittenFile = { readonly entryPath: string; readonly size: bigint; readonly ctimeNs: bigint; readonly found: WriteCheckFinding };

/**
 * The files a restorer wrote with checked writes, by identity (device and inode), and what the
 * checks found: what lets a restore shard prove that a file it wrote holds the backup's content
 * without reading the whole file back later (restored-entry-check.ts).
 *
 * The proof, link by link:
 * - each blob's plaintext was opened with AES-256-GCM whose additional data is its id (docs/FORMAT.md
 *   §3), so it is what the vault key sealed as that blob;
 * - right after it was written at its position, those bytes of the file were read back through the
 *   same descriptor and compared with it (the codec worker, or the in-thread codec);
 * - the blobs' positions cover the file's length exactly once (`incomplete` otherwise), so no later
 *   write of the restore touched a range already compared;
 * - the codec reports where its checked blobs ended, and the restorer compares that with where the
 *   range's blobs end by the index's lengths: a codec writing (and reading back) at a wrong position
 *   is found;
 * - the file was renamed onto its entry's name afterwards, and recorded here, for that entry, only
 *   when the name then leads to that very file (same device and inode); its change time is recorded
 *   with it, so a file changed after it was placed (content, length, mode, a rename or a link:
 *   anything that moves its ctime) is not taken on this record but read back in full.
 *
 * The first link alone is re-proved by re-deriving the blob id (HMAC-SHA-256) of a sixteenth of the
 * blobs (idResidue), as the read-back by content tags did before (docs/ARCHITECTURE.md, "The content
 * check"). Memory: about 100 bytes a file, for the files of one restore shard.
 */
export class CheckedWrites {
  /**
   * Which sixteenth of the blobs also has its id re-derived (sampledForIdCheck), drawn at random per
   * restorer so that successive drills cover every blob; the option is a test seam.
   */
  readonly idResidue: number;
  private readonly files = new Map<string, WrittenFile>();

  constructor(options: { idResidue?: number } = {}) {
    this.idResidue = options.idResidue ?? randomInt(ID_CHECK_ONE_IN);
  }

  get size(): number {
    return this.files.size;
  }

  /**
   * Records the file of entry `entryPath`, written with checked writes, once it is in place at
   * `placedAt`: `written` is the identity of the descriptor it was written through. Nothing is
   * recorded when the name leads to another file (or none): that file is then read back in full.
   */
  async recordPlaced(entryPath: string, placedAt: FsPath, written: { readonly dev: bigint; readonly ino: bigint }, size: number, found: WriteCheckFinding): Promise<void> {
    const placed = await lstat(placedAt, { bigint: true }).catch(() => undefined);
    if (!placed || !placed.isFile() || placed.dev !== written.dev || placed.ino !== written.ino) return;
    this.files.set(identity(placed), { entryPath, size: BigInt(size), ctimeNs: placed.ctimeNs, found });
  }

  /**
   * What the checked writes found of the file of entry `entryPath`, which has these stats (lstat with
   * `bigint`), or undefined when this restorer did not write that file for that entry, or it changed
   * since (size or change time: a rename, a link, a write, a chmod all move it).
   */
  foundFor(entryPath: string, stats: { readonly dev: bigint; readonly ino: bigint; readonly size: bigint; readonly ctimeNs: bigint }): WriteCheckFinding | undefined {
    const file = this.files.get(identity(stats));
    if (!file || file.entryPath !== entryPath || file.size !== stats.size || file.ctimeNs !== stats.ctimeNs) return undefined;
    return file.found;
  }
}

function identity(stats: { readonly dev: bigint; readonly ino: bigint }): string {
  return `${stats.dev}:${stats.ino}`;
}
