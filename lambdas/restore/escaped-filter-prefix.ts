import { isUtf8 } from 'node:buffer';
import { escapedNameBytes, RESERVED_NAME_PREFIX } from '../../vault';

/**
 * A file-system filter's path with each name escaped as a backup stores it (escapedPath), or undefined when that changes
 * nothing: the plan tries it when the typed path selects nothing (audit a58A F2). The same rule as `vault restore --include`.
 */
export { escapedPath as escapedFilterPrefix, escapedNamesHint } from '../../vault';

/**
 * What the refusal of a file-system filter says when the path as typed and its escaped form (escapedFilterPrefix) both
 * select entries: the typed path is then a stored path (a name stored escaped: not UTF-8, or starting with
 * %lifeboat-escaped-) and also, read as names on disk, a directory literally so named, stored as `escaped`. Until review
 * r59D F4 the plan took the first silently. Says how to pick each: `escaped` for the second; for the first, the names on
 * disk (which the plan escapes itself, and which then match only it) when they are UTF-8, else the directory above it.
 */
export function ambiguousEscapedPrefixHint(typed: string, escaped: string): string {
  const onDisk = namesOnDisk(typed);
  const parent = typed.includes('/') ? typed.slice(0, typed.lastIndexOf('/')) : '';
  const first =
    onDisk !== undefined
      ? `give the names as they are on disk, ${JSON.stringify(onDisk)}`
      : `restore the directory above it, ${parent === '' ? 'the whole snapshot (no --prefix)' : JSON.stringify(parent)}, as a name that is not UTF-8 has no other spelling`;
  return (
    `it selects entries in two ways: as the backup stores names, the path stored as ${JSON.stringify(typed)} (a name that is not UTF-8, or that starts with ${RESERVED_NAME_PREFIX}, stored escaped), ` +
    `and, read as names on disk, the path ${JSON.stringify(typed)} itself, which the backup stores as ${JSON.stringify(escaped)}. ` +
    `To restore the second, give ${JSON.stringify(escaped)}; to restore the first, ${first}`
  );
}

/** The path a stored path stands for on disk, each escaped segment decoded; undefined when a name is not UTF-8. */
function namesOnDisk(stored: string): string | undefined {
  const names: string[] = [];
  for (const segment of stored.split('/')) {
    let bytes: Buffer | null;
    try {
      bytes = escapedNameBytes(segment);
    } catch {
      // Not an escape Lifeboat writes: no stored path holds it, and it stands for itself.
      bytes = null;
    }
    if (bytes === null) names.push(segment);
    else if (isUtf8(bytes)) names.push(bytes.toString('utf8'));
    else return undefined;
  }
  return names.join('/');
}
