import { type DrillBackupLeftOut } from '../lambdas/catalog/drill-record';
import { leftOutCount, leftOutWhy } from '../lambdas/drill/drill-shortfall';
import { escapeName } from './escape-name';

/**
 * What a restored source's backup left out, under a report's table of sources (`lifeboat drills show`, `lifeboat
 * failover`): how many entries and why, the counts of the whole source, then the backup's reason lines; or why that is
 * not known. Escaped: a reason line names an entry, whose name whoever wrote the source chose.
 */
export function backupLeftOutLines(source: string, leftOut: DrillBackupLeftOut): string[] {
  if ('unknown' in leftOut) return [`  ${escapeName(source)}: left out by the backup not known (${escapeName(leftOut.unknown)})`];
  return [`  ${escapeName(source)}: ${leftOutCount(leftOut)} left out by the backup (counts of the whole source): ${escapeName(leftOutWhy(leftOut))}`, ...leftOut.skippedExamples.map((e) => `    ${escapeName(e)}`)];
}
