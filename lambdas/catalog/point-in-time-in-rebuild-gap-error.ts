import { type RebuildMarker } from './catalog-rebuild-marker';

/**
 * A restore by point in time refused because the catalog's rebuild is unfinished (catalog-rebuild-marker.ts) and the
 * backup it would choose is older than what the rebuild has written so far: the backup of that time may be one the
 * rebuild has not written yet, and an older record the table still held would be restored in its place without a word
 * (review rH F2). A restore by backup id, or of the latest backup, is not concerned: the newest are written first.
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
      `Source "${source}" cannot be restored by point in time ${at}: ${rebuildGapReason(marker)}, and the catalog would choose backup ${wouldChoose.backupId} ` +
        `(started ${wouldChoose.startedAt}), older than that, which may not be the newest backup of the source then. ${rebuildGapAdvice(marker)}`,
    );
  }
}

/** Why a point in time is not answered: the unfinished rebuild, and the time from which its catalog is whole. */
export function rebuildGapReason(marker: RebuildMarker): string {
  return (
    `the catalog is being rebuilt from the ${marker.vault} vault and the rebuild has not finished (it is running, or it stopped; the marker was last written at ${marker.writtenAt}): ` +
    `it writes the newest backups first and holds every backup started at or after ${marker.reliableFrom.startedAt} (backup ${marker.reliableFrom.backupId}) so far`
  );
}

/** What to do: finish the rebuild, then `retry` (how the caller's request is given again), or name the backup (`byId`). */
export function rebuildGapAdvice(
  marker: RebuildMarker,
  request: { retry: string; byId: string } = { retry: 'restore by point in time again', byId: 'restore by backup id now (a backup the catalog lists: `lifeboat backups list`)' },
): string {
  const finish = marker.finishWith ?? `lifeboat catalog rebuild --vault ${marker.vault}`;
  return `Finish the rebuild (from a machine, which has no time limit: ${finish}; the command without --runbook creates only what the catalog lacks), then ${request.retry}; or ${request.byId}.`;
}
