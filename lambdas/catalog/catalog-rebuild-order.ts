/** A backup's place in a catalog rebuild's order: newest `startedAt` first, then backup id, descending. */
export type RebuildPosition = { startedAt: string; backupId: string };

/** Older before newer: by start, then by backup id (the order a rebuild writes in, reversed, and its marks are compared in). */
export function compareRebuildOrder(a: RebuildPosition, b: RebuildPosition): number {
  return a.startedAt.localeCompare(b.startedAt) || a.backupId.localeCompare(b.backupId);
}
