import { type NotRestored } from '../../vault';

/** Distinct reasons a report keeps per source (restore-report-lists.ts, drill-shortfall.ts). */
export const NOT_RESTORED_KINDS = 10;

/** The reason without what follows its first ": " (the errno, the path count of a platform loss): "FIFO not recreated". */
function kindOf(what: string): string {
  const colon = what.indexOf(': ');
  return colon > 0 ? what.slice(0, colon) : what;
}

/**
 * The distinct reasons of `items`, in their order, NOT_RESTORED_KINDS at most: taken by the verify step over every item
 * it read, before its lists are bounded, so that a reason whose lines the bound drops (the loss of 5,000 files' extended
 * attributes, said once after six FIFOs of long paths) is still named where the report goes (review r58I F3).
 */
export function notRestoredKinds(items: readonly Pick<NotRestored, 'what'>[]): string[] {
  return [...new Set(items.map((n) => kindOf(n.what)))].slice(0, NOT_RESTORED_KINDS);
}

/**
 * The reasons of several lists, each already distinct (a shard record's, this step's), merged in their order:
 * NOT_RESTORED_KINDS at most. A shard's record lists its first SHARD_CHECK_LISTED items by path and carries the reasons
 * of all of them, so that a reason whose items sort after those is still named (review r59A F2).
 */
export function mergedNotRestoredKinds(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())].slice(0, NOT_RESTORED_KINDS);
}
