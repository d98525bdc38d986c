import { CLEANUP_LINES_TOTAL_BYTES } from '../../config/parent-state-size';
import { jsonBytes } from '../restore/json-text-budget';
import { type DrillCleanup } from './scratch-targets';

/**
 * The cleanup's result within the drill's state: `removed` whole (one target per source of this drill at most), `swept`
 * (earlier drills' targets, as many as were left behind) and `errors` (a line per target it could not remove) within
 * CLEANUP_LINES_TOTAL_BYTES together as JSON writes them, errors first; the lines past it are counted in `leftOut`
 * (`dropped` how many), and `sweptCount` and `errorCount` keep the whole counts. The state holds every source's report
 * beside it: a sweep of hundreds of targets left by failed drills would take it past 256 KiB, and the drill would end
 * with no record (review r58I F2). The note was once a last line of `errors`: `drills show` printed it as a cleanup
 * error, and counted the swept targets from the cut list (review r59A F4).
 */
export function cleanupWithin(cleanup: DrillCleanup, maxBytes: number = CLEANUP_LINES_TOTAL_BYTES): { kept: DrillCleanup; dropped: number } {
  let left = maxBytes;
  let dropped = 0;
  const keep = (lines: readonly string[]): string[] =>
    lines.filter((line) => {
      // A line and its quotes and comma.
      const size = jsonBytes(line) + 3;
      if (size > left) {
        dropped++;
        return false;
      }
      left -= size;
      return true;
    });
  const errors = keep(cleanup.errors);
  const swept = keep(cleanup.swept);
  if (dropped === 0) return { kept: { removed: cleanup.removed, swept, errors }, dropped };
  const leftOut = `… and ${dropped} more line${dropped === 1 ? '' : 's'} of removed or failed targets (the drill's cleanup function's log has them; a later drill's sweep removes what is left)`;
  return { kept: { removed: cleanup.removed, swept, errors, sweptCount: cleanup.swept.length, errorCount: cleanup.errors.length, leftOut }, dropped };
}
