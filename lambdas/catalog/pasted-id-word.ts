import { unseenEscaped } from '../runtime/quoted-service-words';
import { shellWord } from '../runtime/shell-word';

/**
 * What a command line prints for a backup id it cannot give whole. Quoted: `<…>` bare is a shell redirect, so a paste
 * that forgets to fill it in would write a file; quoted, the command refuses a backup id no record has.
 */
export const BACKUP_ID_PLACEHOLDER = "'<backup id>'";

/**
 * The longest id a line gives whole. An id Lifeboat writes has 25 characters (BACKUP_ID); a longer one is a hand-edited
 * record's, and its words, quoted, read as a second command beside the real one (review r63K F3, r64Q F4).
 */
export const PASTED_ID_LIMIT = 100;

/** A backup id as one word of a command line an operator pastes. */
export type PastedIdWord = {
  /** The id, bare or single-quoted, or BACKUP_ID_PLACEHOLDER. */
  readonly word: string;
  /** '' when `word` is the id; else a clause (with a leading space) saying where the id to put in for the placeholder is. */
  readonly fillIn: string;
};

/**
 * Where the id goes on the line: the value of an option (`--lost <id>`), which the CLI takes whatever it begins with, or
 * an argument (`backups hold <id>`), which it reads as an option when it begins with `-` unless it follows a `--`.
 */
export type PastedIdPlace = 'option value' | 'argument';

/**
 * `id`, read from a catalog record or given by the operator, as the word of a command line to paste. Every id Lifeboat
 * writes (BACKUP_ID) is of the characters a shell reads as typed, which shellWord leaves bare: printed as it is. Anything
 * else is a hand-edited record's, any string (backupRecordSchema): single-quoted (shellWord) when a shell would misread
 * it bare, and only when it shows as it reads and is short; else BACKUP_ID_PLACEHOLDER, and `where` (where the operator
 * finds the id) in `fillIn`.
 * The placeholder is printed for an id holding a control, unseen or format character or a backslash (unseenEscaped would
 * change it: it forged a line or drove the terminal, review r61U F1), a backtick (it ended the code span a line is printed
 * in and spelled a command of its own, review r64Q F4), more than PASTED_ID_LIMIT characters, or none. Until f65O three
 * callers had three rules for this.
 * An argument beginning with `-` is read as an option, quoted or not: the placeholder, and the fill-in says to end the
 * line with `-- <id>` instead (`lifeboat backups hold --reason r -- -x` holds -x). An option's value is taken as it is
 * (`--lost -x`), so there it is printed (review r65O F4). A word beginning with `=` is quoted: zsh expands `=cmd` to
 * the path of cmd (review r65O F2).
 */
export function pastedIdWord(id: string, where: string, place: PastedIdPlace): PastedIdWord {
  if (!isPastable(id)) return { word: BACKUP_ID_PLACEHOLDER, fillIn: ` (for ${BACKUP_ID_PLACEHOLDER} put the backup id: ${where}; it is not printed as a word to paste)` };
  const word = id.startsWith('=') && !id.includes("'") ? `'${id}'` : shellWord(id);
  if (place === 'argument' && id.startsWith('-')) {
    return { word: BACKUP_ID_PLACEHOLDER, fillIn: ` (for ${BACKUP_ID_PLACEHOLDER} put nothing and end the line with \`-- ${word}\`: the id begins with \`-\`, which the CLI reads as an option unless it follows \`--\`)` };
  }
  return { word, fillIn: '' };
}

function isPastable(id: string): boolean {
  return id !== '' && id.length <= PASTED_ID_LIMIT && !id.includes('`') && unseenEscaped(id) === id;
}
