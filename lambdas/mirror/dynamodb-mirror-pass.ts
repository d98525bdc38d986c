import { type MirrorRecord } from './mirror-record';

/**
 * Where a DynamoDB mirror check's pass stands on each side: the source's Scan starts after `source`, the replica's after
 * `replica` ('' at a table's beginning); undefined when that side's part of the pass is done, so the window does not
 * scan it. `startsPass`: both sides start at their beginning.
 *
 * A pass scans the replica as well as the source (audit b5-3): items only the replica holds (a delete that never
 * replicated, a write in the DR region that never replicated back) are in no window of the source, so without the
 * replica's own scan they were never looked at and a stale replica passed every run. DynamoDB's Scan order is its own
 * (not the keys'), so the two scans cannot be merged as S3's listings are: each side has its cursor, and the pass ends
 * once both have reached their ends.
 */
export type DynamoDbPassPosition = { source: string | undefined; replica: string | undefined; startsPass: boolean };

/**
 * The position a record leaves (`cursor`, `replicaCursor`). `replicaCursor` absent: the replica's scan is at its
 * beginning, as in a record of an earlier version, whose pass then covers the whole replica before it ends; '': the
 * replica's part of the pass is done. `cursor` '' with a `replicaCursor` key: the source's part is done.
 */
export function dynamoDbPassPosition(previous: Pick<MirrorRecord, 'cursor' | 'replicaCursor'> | undefined): DynamoDbPassPosition {
  const cursor = previous?.cursor ?? '';
  const replicaCursor = previous?.replicaCursor;
  if (cursor === '' && (replicaCursor === undefined || replicaCursor === '')) return { source: '', replica: '', startsPass: true };
  return { source: cursor === '' ? undefined : cursor, replica: replicaCursor === '' ? undefined : (replicaCursor ?? ''), startsPass: false };
}

/**
 * The position after a window that scanned from `position` and stopped at `window`'s cursors ('' at a table's end, or
 * when that side was not scanned), as the record keeps it, and whether the pass ended.
 */
export function nextDynamoDbPassPosition(
  position: DynamoDbPassPosition,
  window: { cursor: string; replicaCursor: string },
): { cursor: string; replicaCursor?: string; endedPass: boolean } {
  const sourceDone = position.source === undefined || window.cursor === '';
  const replicaDone = position.replica === undefined || window.replicaCursor === '';
  if (sourceDone && replicaDone) return { cursor: '', endedPass: true };
  return { cursor: sourceDone ? '' : window.cursor, replicaCursor: replicaDone ? '' : window.replicaCursor, endedPass: false };
}
