import { type DrillNotRestored } from '../lambdas/catalog/drill-record';
import { entriesNotRestored } from '../vault';
import { escapeName } from './escape-name';

/**
 * A source restored in part, under a report's table of sources (`lifeboat drills show`, `lifeboat failover`): how many
 * entries or attributes its target lacks, their reasons and first paths, and how many no line printed stands for.
 * Paths and reasons are escaped: a name is data whoever wrote the source chose.
 */
export function notRestoredLines(source: string, notRestored: DrillNotRestored): string[] {
  const kinds = notRestored.kinds.length > 0 ? ` (${notRestored.kinds.map(escapeName).join(', ')})` : '';
  const lines = [`  ${escapeName(source)}: ${notRestored.count} ${notRestored.count === 1 ? 'entry or attribute' : 'entries or attributes'} not restored${kinds}; the target lacks them, not counted as verified:`];
  for (const n of notRestored.first) lines.push(`    ${escapeName(n.path)}: ${escapeName(n.what)}`);
  // A line may stand for many entries (a platform loss said once: its `entries`).
  const more = notRestored.count - entriesNotRestored(notRestored.first);
  if (more > 0) lines.push(`    … and ${more} more`);
  return lines;
}
