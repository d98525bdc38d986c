import { earlierRoundsSaid, type EarlierRoundsCreated } from './catalog-rebuild-earlier-rounds';
import { nothingWrittenAdvice, partialCatalogAdvice } from './catalog-rebuild-incomplete-error';
import { catalogRebuildMemoryFor, catalogRebuildSnapshotLimit, LAMBDA_MAX_MEMORY_MB } from './catalog-rebuild-memory';
import { SCAN_WRITE_WINDOW_MS, type ScanTimeProjection } from './catalog-rebuild-scan-time';

/**
 * What the catalog held when the round was refused, which the advice depends on. The core knows only `earlierMark`; the
 * runbook's handler adds the rest (it reads the marker, and holds the earlier rounds' totals).
 */
export type RefusedRebuildState = {
  /** Where an earlier round of this run stopped (its marker stands there), when this is not the first round. */
  earlierMark?: string;
  /** What the earlier rounds of this run created, and the legal-hold warnings of those records (review rL R2: the error is the only place they are said). */
  earlierRounds?: EarlierRoundsCreated;
  /**
   * A first round: the marker an earlier, unfinished rebuild left in the catalog (`reliableFrom` start, `writtenAt`),
   * `'unreadable'` when reading it failed, absent when none stands or it was not read (review rI F2: the advice said
   * restores by time were not refused while such a marker refused them). `wroteNothing`: the catalog has no record of the
   * backup the marker stands at, so that rebuild wrote none (its first round's scan took its time: review rK F2, the advice
   * said later points in time already found their backup).
   */
  standingMarker?: { reliableFrom: string; writtenAt: string; wroteNothing?: true } | { unreadable: string };
};

/**
 * What the round could not do within: the function's memory (`limit` snapshots at `memoryMb`), refused once the vault is
 * listed; or its time (review rK F3), the scan's end projected from its recent reads (catalog-rebuild-scan-time.ts).
 */
export type RebuildBound = { why: 'memory'; limit: number; memoryMb: number } | ({ why: 'time' } & ScanTimeProjection);

/**
 * The vault holds more snapshot objects than the rebuild's function can hold in memory (catalog-rebuild-memory.ts), or
 * than a round can read with time left to write (`bound.why`, the message's first word): thrown once they are listed,
 * before any is read, or as soon as the scan's steady rate shows it would outlast the round, so the function fails with
 * this message instead of being killed, out of memory or at its timeout, with none (review rD F3, rK F3). Not
 * transient: every round lists the same vault. A first round throws it before writing anything, its marker included, so its advice cannot be
 * nothingWrittenAdvice's (which says the marker is there).
 */
export class CatalogRebuildTooManySnapshotsError extends Error {
  override readonly name = 'CatalogRebuildTooManySnapshotsError';

  constructor(
    /** Snapshot objects the vault's listing holds. */
    readonly listed: number,
    readonly bound: RebuildBound,
    /** The command that rebuilds the catalog from a machine, with no memory bound (catalog-rebuild-command-line.ts). */
    readonly finishWith: string | undefined,
    readonly state: RefusedRebuildState = {},
  ) {
    const command = finishWith ?? 'lifeboat catalog rebuild --vault <primary|dr> --env <environment>';
    const earlier = state.earlierRounds;
    super(
      `${refusal(listed, bound)}: this round ${bound.why === 'memory' ? 'read' : 'stopped its scan'} and wrote nothing` +
        (earlier !== undefined ? `, and ${earlierRoundsSaid(earlier)} ` : '. ') +
        `${remedy(listed, bound)} ${capitalized(advice(command, state))}`,
    );
  }
}

/**
 * The refusal's first words name its bound, "memory:" or "time:" (review rP F4): both are this one class, which the
 * runbook's docs name, so an operator filtering the failures on their message sees which it was.
 */
function refusal(listed: number, bound: RebuildBound): string {
  if (bound.why === 'memory') {
    return (
      `memory: the vault holds ${count(listed)} snapshot objects, more than the ${count(bound.limit)} a catalog-rebuild function of ${bound.memoryMb} MB holds while it rebuilds ` +
      '(every snapshot is held until the records are written, ~3 KB each, within three quarters of the memory)'
    );
  }
  const left = bound.leftToWriteMs > 0 ? `leave ${seconds(bound.leftToWriteMs)} s of the round to write in` : `end ${seconds(-bound.leftToWriteMs)} s past the round's end`;
  return (
    `time: the vault holds ${count(listed)} snapshot objects, more than a catalog-rebuild round reads with time left to write: in ${seconds(bound.elapsedMs)} s it read ${count(bound.read)}, ` +
    `and at the rate of its latest reads reading all of them would take ~${seconds(bound.projectedMs)} s and ${left}, less than the ${seconds(SCAN_WRITE_WINDOW_MS)} s a round needs ` +
    '(past its 15 minutes Lambda stops the function in the middle of the scan, with no message)'
  );
}

/**
 * More memory when a Lambda size holds the vault; otherwise only the machine (review rI F3: it advised 10,240 MB past what
 * 10,240 MB holds). For time, no setting helps: the reads wait on S3, and Lambda's timeout is at most 15 minutes.
 */
function remedy(listed: number, bound: RebuildBound): string {
  if (bound.why === 'time') {
    return 'No Lambda setting makes the reads faster (they wait on S3, not on the memory; 15 minutes is Lambda\'s longest timeout): rebuild from a machine, in or near the vault\'s region (the GETs\' latency is what takes the time).';
  }
  const memory = catalogRebuildMemoryFor(listed);
  if (memory === undefined) {
    return `No Lambda memory size holds it (${count(LAMBDA_MAX_MEMORY_MB)} MB, Lambda's largest, holds ${count(catalogRebuildSnapshotLimit(LAMBDA_MAX_MEMORY_MB))}): rebuild from a machine.`;
  }
  return (
    `Give the function more memory (the environment's "functionMemory": { "rebuild-catalog": ${memory} }, or LifeboatProtection's functionMemory prop; ` +
    'Lambda allows up to 10,240 MB) and run the runbook again, or rebuild from a machine.'
  );
}

function advice(command: string, state: RefusedRebuildState): string {
  if (state.earlierMark !== undefined) return partialCatalogAdvice(command, state.earlierMark);
  const standing = state.standingMarker;
  if (standing === undefined) return notStartedAdvice(command);
  if ('unreadable' in standing) {
    return (
      `The catalog's rebuild marker could not be read (${standing.unreadable}), so whether an earlier, unfinished rebuild's marker refuses restores by point in time is not known: ` +
      'a restore by point in time, a failover and a drill that pick the newest backup read it too, and either fail on it or may choose an older record the table still holds; restore by backup id meanwhile. ' +
      `Finish the rebuild from a machine, which has no time limit and is not held to this bound, and creates only the records the catalog lacks (writing the index items of those it holds again): ${command}`
    );
  }
  const standingAdvice = standing.wroteNothing === true ? nothingWrittenAdvice(command) : partialCatalogAdvice(command, standing.reliableFrom);
  return `An earlier rebuild of this catalog did not finish (its marker stands, written ${standing.writtenAt}). ${capitalized(standingAdvice)}`;
}

/**
 * nothingWrittenAdvice (catalog-rebuild-incomplete-error.ts) but for a rebuild that stopped before its marker, with no
 * earlier rebuild's marker standing: the same restores are affected, and none of them is refused, so each may silently
 * choose an older record the table holds.
 */
function notStartedAdvice(command: string): string {
  return (
    'The catalog has none of the vault\'s backups written by this rebuild, so every restore by point in time, the latest backup and failover are affected, ' +
    'and the rebuild stopped before writing its marker, so they are not refused: a restore by point in time, a failover and a drill that pick the newest backup ' +
    'may choose an older record the table still holds; restore by backup id meanwhile. ' +
    `Finish it from a machine, which has no time limit and is not held to this bound (it needs ~3 KB a snapshot), and creates only the records the catalog lacks (writing the index items of those it holds again): ${command}`
  );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function seconds(ms: number): string {
  return count(Math.round(ms / 1000));
}
