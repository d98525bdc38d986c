import { type HeaderUnreadablePack, type LeftOutBlob, type LeftOutPack, type RepairIndexReport } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type RepairTarget, scrubRepairCommandLine } from './scrub-repair-command-line';

/** Entries of each list the summary names at most; the rest are counted (`…Count`, `notListed`). */
export const REPAIR_INDEX_LISTED = 50;
/** Characters of a left-out pack's or blob's detail kept: a decryption error can quote a long cause. */
const DETAIL_CHARS = 300;

/**
 * The repair-index runbook's output: the repair's report (vault/repair/repair-index.ts) for a person at a
 * console, bounded so that the execution's output stays far below Step Functions' 256 KiB whatever the
 * vault holds: counts of everything, each list cut at REPAIR_INDEX_LISTED entries with its full length
 * beside it (`…Count`), and `notListed` the entries left off in all. The ids of index objects written and
 * removed are only counted: nobody acts on them.
 */
export type RepairIndexSummary = {
  readonly vault: VaultSide;
  readonly readData: boolean;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly packsRead: number;
  readonly packsIndexed: number;
  readonly blobsIndexed: number;
  readonly packsLeftOut: readonly LeftOutPack[];
  readonly packsLeftOutCount: number;
  readonly blobsLeftOut: readonly LeftOutBlob[];
  readonly blobsLeftOutCount: number;
  readonly packsHeaderUnreadable: readonly HeaderUnreadablePack[];
  readonly packsHeaderUnreadableCount: number;
  readonly packsSalvaged: ReadonlyArray<{ readonly pack: string; readonly blobsCopied: number }>;
  readonly packsSalvagedCount: number;
  readonly newPacks: number;
  readonly packsNotRead: readonly string[];
  readonly packsNotReadCount: number;
  readonly packsLeftToPrune: number;
  readonly condemnedNotWeighed?: string;
  readonly indexesWritten: number;
  readonly indexesRemoved: number;
  readonly indexesUnreadable: readonly string[];
  readonly indexesUnreadableCount: number;
  /** Old index objects Object Lock kept: not a failure (every load still reads them beside the new ones, except what `tombstone` names). */
  readonly indexesLocked: readonly string[];
  readonly indexesLockedCount: number;
  /**
   * The tombstone (`prune/condemned/<id>`, docs/FORMAT.md §12 step 4) written because kept index objects list packs the
   * repair left out, or are damaged: every load leaves those packs out and skips those objects. Null: none was needed.
   */
  readonly tombstone: string | null;
  readonly indexesLeftToPrune: number;
  /** Packs or blobs were left out of the index, or packs were indexed though their header is unreadable: the CLI exits 3. */
  readonly leftOut: boolean;
  readonly notListed: number;
  /** What a person should know, in words: Object Lock's kept objects, condemned packs not weighed, what to do about what was left out. */
  readonly notes: readonly string[];
};

export function repairIndexSummary(vault: VaultSide, report: RepairIndexReport, times: { startedAt: string; endedAt: string }, target?: RepairTarget): RepairIndexSummary {
  let notListed = 0;
  const listed = <T>(items: readonly T[], shape: (item: T) => T = (item) => item): T[] => {
    notListed += Math.max(0, items.length - REPAIR_INDEX_LISTED);
    return items.slice(0, REPAIR_INDEX_LISTED).map(shape);
  };
  const shortDetail = <T extends { detail: string }>(item: T): T => (item.detail.length > DETAIL_CHARS ? { ...item, detail: `${item.detail.slice(0, DETAIL_CHARS)}…` } : item);
  const leftOut = report.packsLeftOut.length + report.blobsLeftOut.length + report.packsHeaderUnreadable.length > 0;
  const archived = report.packsLeftOut.filter((p) => p.reason === 'archived, unlisted').length;
  const notes: string[] = [];
  if (report.indexesLocked.length > 0) {
    const kept = `${report.indexesLocked.length} old index object(s) are kept by Object Lock: every load still reads them beside the new ones (the same blobs listed twice, which readers accept)`;
    notes.push(
      report.tombstone === null
        ? `${kept}; they list nothing the repair left out; prune removes them once their retention ends`
        : `${kept}, so the repair wrote the tombstone ${report.tombstone}: it keeps the packs left out that they list (and any of them that is damaged) out of every load, so the next backup stores those blobs again; a backup running now refuses to commit: run it again. Once their retention ends a prune or a repair removes them, and prune then the tombstone`,
    );
  }
  if (report.condemnedNotWeighed !== undefined) {
    notes.push(`${report.packsLeftToPrune} pack(s) a pending prune condemns were left to it unread, because the snapshots could not be read to tell whether one needs them: ${report.condemnedNotWeighed}`);
  }
  if (archived > 0) {
    notes.push(
      `${archived} pack(s) in an archive storage class were left out: no index object lists them, so what they hold cannot be known without reading them; thaw them (restore them to a readable storage class) and run the repair again, before a prune condemns them as packs no index object lists`,
    );
  }
  if (report.packsLeftOut.length - archived + report.blobsLeftOut.length > 0) {
    notes.push(
      `${report.packsLeftOut.length - archived} pack(s) and ${report.blobsLeftOut.length} blob(s) were left out of the index: a snapshot that references them is damaged until a backup stores those blobs again (back its source up now: blobs in no index are stored anew) or the scrub copies the packs from the other vault (\`${scrubRepairCommandLine(vault, target)}\`)`,
    );
  }
  if (report.packsHeaderUnreadable.length > 0 && !report.readData) {
    notes.push(`${report.packsHeaderUnreadable.length} pack(s) have an unreadable header: their blobs were indexed from the old index and restore, but the packs are damaged; run the repair again with "readData": true to copy their blobs into new packs`);
  }
  return {
    vault,
    readData: report.readData,
    ...times,
    packsRead: report.packsRead,
    packsIndexed: report.packsIndexed,
    blobsIndexed: report.blobsIndexed,
    packsLeftOut: listed(report.packsLeftOut, shortDetail),
    packsLeftOutCount: report.packsLeftOut.length,
    blobsLeftOut: listed(report.blobsLeftOut, shortDetail),
    blobsLeftOutCount: report.blobsLeftOut.length,
    packsHeaderUnreadable: listed(report.packsHeaderUnreadable, shortDetail),
    packsHeaderUnreadableCount: report.packsHeaderUnreadable.length,
    packsSalvaged: listed(report.packsSalvaged),
    packsSalvagedCount: report.packsSalvaged.length,
    newPacks: report.newPacks.length,
    packsNotRead: listed(report.packsNotRead),
    packsNotReadCount: report.packsNotRead.length,
    packsLeftToPrune: report.packsLeftToPrune,
    ...(report.condemnedNotWeighed !== undefined ? { condemnedNotWeighed: report.condemnedNotWeighed } : {}),
    indexesWritten: report.indexesWritten.length,
    indexesRemoved: report.indexesRemoved.length,
    indexesUnreadable: listed(report.indexesUnreadable),
    indexesUnreadableCount: report.indexesUnreadable.length,
    indexesLocked: listed(report.indexesLocked),
    indexesLockedCount: report.indexesLocked.length,
    tombstone: report.tombstone,
    indexesLeftToPrune: report.indexesLeftToPrune,
    leftOut,
    notListed,
    notes,
  };
}
