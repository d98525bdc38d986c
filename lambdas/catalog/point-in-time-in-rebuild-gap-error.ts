import { type RebuildMarker } from './catalog-rebuild-marker';
import { comparedInstant } from './compared-instant';
import { parsedInstant } from './parsed-instant';
import { markerFinishLine } from './rebuild-marker-finish-line';
import { shownItemKeyPart } from './shown-item-key';

/**
 * A restore by point in time refused because the catalog's rebuild is unfinished (catalog-rebuild-marker.ts) and the
 * backup it would choose is older than what the rebuild has written so far: the backup of that time may be one the
 * rebuild has not written yet, and an older record the table still held would be restored in its place without a word
 * (review rH F2). A restore by backup id is not concerned; a choice of the newest is refused alike by the failover
 * and the drill (review rP F1: a rebuild cut before its first write leaves its mark at the newest backup).
 */
export class PointInTimeInRebuildGapError extends Error {
  override readonly name = 'PointInTimeInRebuildGapError';
  constructor(
    readonly source: string,
    readonly at: string,
    readonly marker: RebuildMarker,
    /** What the catalog would have chosen: a backup older than the rebuild's mark. */
    readonly wouldChoose: { backupId: string; startedAt: string },
  ) {
    super(
      `Source "${source}" cannot be restored by point in time ${at}: ${rebuildGapReason(marker)}, and the catalog would choose backup ${shownItemKeyPart(wouldChoose.backupId)} ` +
        `(started ${comparedInstant(wouldChoose.startedAt) ?? 'at a startedAt that is not a time'}), older than that, which may not be the newest backup of the source then. ${rebuildGapAdvice(marker)}`,
    );
  }
}

/**
 * Why a choice by time is not answered: the unfinished rebuild, and the backup down to which its catalog is whole. The
 * marker does not say whether that backup is written: before its first write a rebuild marks the vault's newest backup,
 * so "holds every backup from then on" would be untrue of a rebuild cut before it wrote any (review rP F1). The marker is
 * a catalog item (any strings): its times are shown as the instants they parse to, its backup id cut at 40 and escaped;
 * raw, they spelled another record's delete, newline and ESC included, in every refusal quoting this (review r64L F3).
 */
export function rebuildGapReason(marker: RebuildMarker): string {
  return (
    `the catalog is being rebuilt from the ${marker.vault} vault and the rebuild has not finished (it is running, or it stopped; the marker was last written at ${parsedInstant(marker.writtenAt) ?? 'a writtenAt that is not a time'}): ` +
    `it writes the newest backups first and has come down to the backup started ${comparedInstant(marker.reliableFrom.startedAt) ?? 'at a startedAt that is not a time'} (${shownItemKeyPart(marker.reliableFrom.backupId)}) so far: ` +
    'the catalog may lack any backup older than that one, and that one too when the rebuild has not written one yet'
  );
}

/** What to do: finish the rebuild, then `retry` (how the caller's request is given again), or name the backup (`byId`). */
export function rebuildGapAdvice(
  marker: RebuildMarker,
  request: { retry: string; byId: string } = { retry: 'restore by point in time again', byId: 'restore by backup id now (a backup the catalog lists: `lifeboat backups list`)' },
): string {
  const finish = markerFinishLine(marker);
  return `Finish the rebuild (from a machine, which has no time limit: ${finish}; the command without --runbook creates only what the catalog lacks), then ${request.retry}; or ${request.byId}.`;
}
