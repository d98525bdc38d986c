import { isUtf8 } from 'node:buffer';
import { shellWord } from '../shell-word';
import { ESCAPED_NAME_SEGMENT_PREFIX, escapedNameBytes, RESERVED_NAME_PREFIX, storedName } from './escaped-name';

/**
 * A directory snapshot's path with each name escaped as a backup stores it (storedName, docs/FORMAT.md §7 "Names"), or
 * undefined when that changes nothing, as for nearly every path. A name that starts with `%lifeboat-escaped-` is stored
 * as `%lifeboat-escaped-name-<base64url of its bytes>`, so the path as typed matches no stored path: a filter (the
 * restore workflow's prefix, `vault restore --include`) tries this form when the typed one selects nothing (audit
 * a58A F2, review r59D F5). A name that is not UTF-8 cannot be typed as it is; its escaped form, given as such, is a
 * stored path and matches as it is.
 */
export function escapedPath(path: string): string | undefined {
  if (!path.includes(RESERVED_NAME_PREFIX)) return undefined;
  const escaped = path
    .split('/')
    .map((name) => storedName(Buffer.from(name, 'utf8')))
    .join('/');
  return escaped === path ? undefined : escaped;
}

/** What the "matches no entry" refusal of a directory path adds: the escaped form names are stored in, and the one tried. */
export function escapedNamesHint(tried: string | undefined): string {
  return (
    `; a name that is not UTF-8, or that starts with ${RESERVED_NAME_PREFIX}, is stored escaped, as ${ESCAPED_NAME_SEGMENT_PREFIX}<base64url of its bytes>: give that segment as the backup stores it` +
    (tried === undefined ? '' : ` (the path with its names escaped so, ${JSON.stringify(tried)}, was tried too and matches nothing either)`)
  );
}

/**
 * Whether the snapshot has an entry at or under a stored path: the caller's read of its manifest (entriesUnder), with
 * `unreadable` for a damaged page that may hold one: a spelling suggested on such a guess could be ambiguous too.
 */
export type SelectsEntries = (storedPath: string) => Promise<'found' | 'none' | 'unreadable'>;

/**
 * The stored path `typed` picks under the rule both filters follow (`vault restore --include`, the workflow's
 * `--prefix`): as given when it selects entries, else with its names escaped (escapedPath); `ambiguous` when both
 * forms select, `unchecked` when both may and a damaged page keeps it from being told, undefined when neither does.
 */
export async function storedPathPicked(typed: string, selects: SelectsEntries): Promise<string | 'ambiguous' | 'unchecked' | undefined> {
  const escaped = escapedPath(typed);
  const asGiven = await selects(typed);
  const asEscaped = escaped === undefined ? 'none' : await selects(escaped);
  if (asGiven !== 'none' && asEscaped !== 'none') return asGiven === 'unreadable' || asEscaped === 'unreadable' ? 'unchecked' : 'ambiguous';
  if (asGiven !== 'none') return typed;
  return asEscaped !== 'none' ? escaped : undefined;
}

/**
 * What the refusal of a directory path says when the path as typed and its escaped form (escapedPath) both select
 * entries: the typed path is then a stored path (a name stored escaped: not UTF-8, or starting with %lifeboat-escaped-)
 * and also, read as names on disk, a directory literally so named, stored as `escaped`. Until review r59D F4 the
 * workflow's plan took the first silently, and until review r59L F2 `vault restore --include` did. Says how to pick
 * each, as `option` (the caller's flag, `--prefix`, `--include`) with the path quoted for the shell (shellWord; JSON
 * quotes let `$` and backquotes expand when pasted: review r60C F3): `escaped` for the second; for the first, the names
 * on disk (which the filter escapes itself) when they are UTF-8. A spelling is suggested only when it picks its form
 * alone (storedPathPicked over `selects`); else, as for a name that is not UTF-8, the nearest directory above it that
 * does, or the whole snapshot (review r60C F2: with three crafted names the two refusals named each other). A form or
 * spelling a damaged page keeps from being checked is said to be so, and `damageAdvice` (the caller's command that
 * names or repairs the page) closes the hint (review r60G F5).
 */
export async function ambiguousEscapedPrefixHint(typed: string, escaped: string, option: string, selects: SelectsEntries, damageAdvice: string): Promise<string> {
  // Review r60G F5: a spelling whose page could not be read was said not to pick its form alone, as if checked.
  let damageMet = false;
  const picksAlone = async (spelling: string, form: string): Promise<boolean | 'unchecked'> => {
    const picked = await storedPathPicked(spelling, selects);
    return picked === 'unchecked' ? picked : picked === form;
  };
  const give = (spelling: string): string => `\`${option} ${shellWord(spelling)}\``;
  const above = async (form: string, why: string): Promise<string> => {
    const names = form.split('/');
    for (let depth = names.length - 1; depth > 0; depth--) {
      const parent = names.slice(0, depth).join('/');
      if ((await picksAlone(parent, parent)) === true) return `restore the directory above it, ${give(parent)}, as ${why}`;
    }
    return `restore the whole snapshot (no ${option}), as ${why}`;
  };
  // A spelling a damaged page keeps from being checked is named as such, with no other suggested in its place.
  const unchecked = (spelling: string): string => {
    damageMet = true;
    return `the spelling ${give(spelling)} could not be checked (a damaged manifest page), so it is not suggested`;
  };
  const onDisk = namesOnDisk(typed);
  const escapedAlone = await picksAlone(escaped, escaped);
  const second = escapedAlone === true ? `give ${give(escaped)}` : escapedAlone === 'unchecked' ? unchecked(escaped) : await above(escaped, 'that spelling does not pick it alone either');
  const onDiskAlone = onDisk === undefined ? false : await picksAlone(onDisk, typed);
  const first =
    onDisk === undefined
      ? await above(typed, 'a name that is not UTF-8 has no other spelling')
      : onDiskAlone === true
        ? `give the names as they are on disk, ${give(onDisk)}`
        : onDiskAlone === 'unchecked'
          ? unchecked(onDisk)
          : await above(typed, `its names on disk, ${shellWord(onDisk)}, do not pick it alone either`);
  const unread = await unreadForm(typed, escaped, selects);
  if (unread !== undefined) damageMet = true;
  const ways =
    unread === undefined
      ? 'it selects entries in two ways'
      : `it may select entries in two ways (whether the path stored as ${JSON.stringify(unread)} has entries could not be checked: a damaged manifest page)`;
  return (
    `${ways}: as the backup stores names, the path stored as ${JSON.stringify(typed)} (a name that is not UTF-8, or that starts with ${RESERVED_NAME_PREFIX}, stored escaped), ` +
    `and, read as names on disk, the path ${JSON.stringify(typed)} itself, which the backup stores as ${JSON.stringify(escaped)}. ` +
    `To restore the second, ${second}; to restore the first, ${first}` +
    (damageMet ? `. Of the damaged manifest page: ${damageAdvice}` : '')
  );
}

/** The form of the two whose entries a damaged page may hold (the one told first), or undefined when both were read. */
async function unreadForm(typed: string, escaped: string, selects: SelectsEntries): Promise<string | undefined> {
  if ((await selects(typed)) === 'unreadable') return typed;
  return (await selects(escaped)) === 'unreadable' ? escaped : undefined;
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
