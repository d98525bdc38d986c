/** A backup's place in a catalog rebuild's order: newest `startedAt` first, then backup id, descending. */
export type RebuildPosition = { startedAt: string; backupId: string };

/** Older before newer: by start, then by backup id (the order a rebuild writes in, reversed, and its marks are compared in). */
export function compareRebuildOrder(a: RebuildPosition, b: RebuildPosition): number {
  return a.startedAt.localeCompare(b.startedAt) || a.backupId.localeCompare(b.backupId);
}

/**
 * Whether a catalog under rebuild may have chosen wrong: an unfinished rebuild's mark (catalog-rebuild-marker.ts) is
 * there and the choice is none or older than it, so the backup that should have been chosen may be one not written yet.
 * A choice at or after the mark is right: nothing newer than the mark is missing.
 */
export function choiceInRebuildGap(chosen: RebuildPosition | undefined, marker: { reliableFrom: RebuildPosition } | undefined): boolean {
  return marker !== undefined && (chosen === undefined || compareRebuildOrder(chosen, marker.reliableFrom) < 0);
}
