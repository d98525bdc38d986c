import { type RebuildMarker } from '../catalog/catalog-rebuild-marker';
import { comparedInstant } from '../catalog/compared-instant';
import { rebuildGapAdvice, rebuildGapReason } from '../catalog/point-in-time-in-rebuild-gap-error';
import { shownItemKeyPart } from '../catalog/shown-item-key';

/**
 * A drill that picks its backup (no backupId) while a rebuild of its catalog is unfinished and the newest backup the
 * catalog gives is older than the rebuild's mark (catalog-rebuild-marker.ts), or there is none: the newest may be a
 * backup the rebuild has not written yet (a rebuild cut before its first write, over a table restored from PITR), and
 * a drill of an older one in its place proves nothing about the newest and measures the RPO against the wrong backup
 * (review rP F1). The drill is FAILED with it, as with UnreadableNewerBackupError: never retried, the mark stays until
 * a rebuild finishes. The newest backup's id and start are a record's (any strings): shown cut and escaped, and as the
 * instant it parses to (review r64L F3).
 */
export class NewestBackupInRebuildGapError extends Error {
  override readonly name = 'NewestBackupInRebuildGapError';
  constructor(
    readonly plan: string,
    readonly region: string,
    readonly marker: RebuildMarker,
    /** The newest backup the catalog gives the drill, if any. */
    readonly newest: { backupId: string; startedAt: string } | undefined,
  ) {
    super(
      `Drill of plan "${plan}" failed: the catalog of ${region} has ${newest ? `backup ${shownItemKeyPart(newest.backupId)} (started ${comparedInstant(newest.startedAt) ?? 'at a startedAt that is not a time'}) as the newest the drill can test` : 'no backup the drill can test'}, ` +
        `but ${rebuildGapReason(marker)}; a drill of an older backup than the newest proves nothing about the newest. ` +
        rebuildGapAdvice(marker, { retry: 'run the drill again', byId: `give "backupId" to drill a backup by id now (lifeboat drill run --plan ${plan} --backup <id>)` }),
    );
  }
}
