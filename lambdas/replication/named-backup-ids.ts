import { quotedItemKeyPart } from '../catalog/shown-item-key';

/**
 * A backup id as a list of them shows it: cut at 40 as a damaged item's key (shownItemKeyPart: a real id has 25
 * characters, a catalog item can hold any text), each piece JSON-quoted (JSON's short escapes (\n, \r, \t, \", \\ …);
 * other unseen characters as \uXXXX), as quotedCatalogName quotes a name among others. Unquoted, an id `a, b and 99 more` read as several ids
 * and a count of its own (review r64F F6); cut at 200 with no digest, two long ids that differ past it read alike
 * (review r64F F7).
 */
export function quotedBackupId(id: string): string {
  return quotedItemKeyPart(id);
}

/**
 * A list of backup ids as a message names them: the first `named`, each quoted (quotedBackupId), then ` and N more`, N
 * counting the ids not named and `notListed`, those a run's record counts but lists none of (`affectedBackupsNotListed`,
 * past AFFECTED_BACKUPS_LISTED). The scrub's alarm message (scrub-runbook.ts), `lifeboat scrub`'s verdict and
 * `lifeboat status` (status-screen.ts: unquoted until review r64J F2) build the same phrase: the alarm's counted only
 * the record's list, so 2,500 affected backups read as 10 named "and 1990 more" (review r64F F1).
 */
export function namedBackupIds(ids: readonly string[], named: number, notListed = 0): string {
  const shown = ids.slice(0, named);
  const more = ids.length - shown.length + notListed;
  return `${shown.map(quotedBackupId).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
