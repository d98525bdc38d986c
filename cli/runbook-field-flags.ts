/**
 * The restore runbook's input fields and the `lifeboat restore` options that set them. A runbook's
 * errors name its fields (they are what a console user types); the CLI adds which option to change.
 */
const RESTORE_FIELD_FLAGS: ReadonlyArray<readonly [field: string, flag: string]> = [
  ['backupId', '--backup'],
  ['pointInTime', '--at'],
  ['target', '--target'],
  ['overwrite', '--overwrite'],
  ['keepSetIdBits', '--keep-setid'],
  ['allowUnprotectedTarget', '--allow-unprotected-target'],
  ['timeToLive', '--ttl'],
  ['vault', '--from'],
  ['filter.prefix', '--prefix'],
  // `restore --prefix` on a table: the runbook refuses the whole `filter`, which the command line calls --prefix.
  ['filter', '--prefix'],
  ['source', '--source'],
];

/** "On the command line: …" for the runbook fields a restore's error names, or undefined when it names none. */
export function restoreFlagHint(message: string): string | undefined {
  // A field as an issue's path (`target.table: …`) or quoted (`set "overwrite": true`), not a word of the prose.
  const matched = RESTORE_FIELD_FLAGS.filter(([field]) => new RegExp(`(^|[\\s;(])(?:"${field.replace('.', '\\.')}"|${field.replace('.', '\\.')}(?:\\.[\\w.]+)?:)`).test(message));
  // `filter.prefix: …` names `filter` too: each option once, by the most precise field (listed first).
  const named = matched.filter(([, flag], i) => matched.findIndex(([, f]) => f === flag) === i);
  if (named.length === 0) return undefined;
  return `On the command line: ${named.map(([field, flag]) => `"${field}" is ${flag}`).join(', ')}.`;
}
