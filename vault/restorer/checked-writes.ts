import { randomInt } from 'node:crypto';
import { ID_CHECK_ONE_IN } from '../crypto/content-tag';
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
 * - the file was renamed onto its entry's name afterwards, and its descriptor's identity (device
 *   and inode) and change time, taken after the rename, recorded here for that entry; the check
 *   takes the record only when the entry's name then leads to that very file with that change
 *   time, so a file changed after it was placed (content, length, mode, a rename or a link:
 *   anything that moves its ctime) or another file at the name is read back in full. Until
 *   2026-12-03 the name was also looked up (lstat) when the record was made: one more call per file,
 *   a network round trip on EFS, that the check's own lookup makes redundant.
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
   * Records the file of entry `entryPath`, written with checked writes, from the stats of its
   * descriptor (fstat with `bigint`) taken once it was renamed onto its name: its identity and its
   * change time then. Whether the name still leads to that very file is asked when it is checked
   * (foundFor, with the name's lstat): a file that another took the name of since is read back in full.
   */
  recordPlaced(entryPath: string, placed: { readonly dev: bigint; readonly ino: bigint; readonly ctimeNs: bigint; isFile(): boolean }, size: number, found: WriteCheckFinding): void {
    if (!placed.isFile()) return;
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
