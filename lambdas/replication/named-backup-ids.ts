/**
 * A list of backup ids as a message names them: the first `named`, each as `show` shows it, then ` and N more`, N
 * counting the ids not named and `notListed`, those a run's record counts but lists none of (`affectedBackupsNotListed`,
 * past AFFECTED_BACKUPS_LISTED). The scrub's alarm message (scrub-runbook.ts) and `lifeboat scrub`'s verdict build the
 * same phrase: the alarm's counted only the record's list, so 2,500 affected backups read as 10 named "and 1990 more"
 * (review r64F F1).
 */
export function namedBackupIds(ids: readonly string[], named: number, show: (id: string) => string, notListed = 0): string {
  const shown = ids.slice(0, named);
  const more = ids.length - shown.length + notListed;
  return `${shown.map(show).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
