import { causeMessage } from '../lambdas/runtime/cause-message';
import { type BackupRecord } from '../lambdas/catalog/backup-record';
import { shownItemKeyPart } from '../lambdas/catalog/shown-item-key';
import { escapeName } from './escape-name';
import { DOCTOR_NOT_WITH_STACK } from './target-options-line';

/** How much of a failure's text a row's note shows, in code points: a cause can be a whole Map run's results; --json has all of it. */
export const FAILURE_NOTE_CHARS = 300;

/** What the workflow's Record failure step puts before a shard's cause (lambdas/handlers/record-backup-failure.ts). */
const SHARD_PREFIX = /^(Shard [\d, ]+ of the batch that failed): /;

/**
 * The `failed:` line `lifeboat backups list` prints under a FAILED row: the record's error and what a person reads of its
 * cause, on one line, cut to FAILURE_NOTE_CHARS code points, then escaped (a cause can quote a source's object key,
 * which whoever wrote the source chose; cutting after escaping could split an escape or a surrogate pair).
 * The list is where the doctor and status send a reader for a cause whole, so one naming a `lifeboat …` command is kept
 * (storedErrorShown leaves such a message out elsewhere), and the list's own target options (`commandOptions`,
 * targetOptionsLine's) are said after it: the Lambda wrote the command with at most --env and --aws, and pasted as it
 * reads it acted on another config's environment or the local cloud (review r63J F2). Said per backquoted command (a
 * Lambda quotes the commands it names; the bare words `lifeboat plan` can be a key's), without the options it already
 * carries (a second --env after its own is the one that counts), and never --stack to the doctor, which refuses it (r63R F2).
 */
export function backupFailureNote(record: Pick<BackupRecord, 'error' | 'cause'>, commandOptions = ''): string {
  const text = [record.error, readableCause(record.cause)].filter((part): part is string => part !== undefined && part !== '').join(': ');
  if (text === '') return 'failed: the record names no error (a run recorded before errors were kept)';
  const points = [...text.replace(/\s+/g, ' ')];
  const shown = points.slice(0, FAILURE_NOTE_CHARS).join('');
  const cut = points.length > FAILURE_NOTE_CHARS;
  const options = commandOptions === '' ? '' : targetOptionsAdvice(points.join(''), shown.length, commandOptions);
  return `failed: ${escapeName(shown)}${cut ? '… (backups list --json has all of it)' : ''}${options === '' ? '' : ` (${options})`}`;
}

/** A `lifeboat …` command as a Lambda quotes one in a message. */
const QUOTED_COMMAND = /`(lifeboat [a-z][^`]*)`/g;

/** An option as targetOptionsLine writes one (` --env prod`, ` --aws`): its value a word shellWord wrote; or as a Lambda wrote one in a command. */
const OPTION = / (--[a-z][a-z-]*)((?: (?!--)(?:[^\s'\\]|'[^']*'|\\')+)?)/g;

/** How far into the text a quoted command must be shown to be on the line: its backquote and `lifeboat`. */
const SHOWN_COMMAND_START = '`lifeboat'.length;

/**
 * What a reader adds to each command the shown text quotes to act where the list did; empty when nothing. The commands
 * are read whole from the uncut `text`, those that start within its `shownLength` first characters: one cut inside its
 * backquotes is on the line too, and its options are the ones it carries past the cut (review r63X F4).
 */
function targetOptionsAdvice(text: string, shownLength: number, commandOptions: string): string {
  const quoted = [...text.matchAll(QUOTED_COMMAND)].filter((found) => found.index + SHOWN_COMMAND_START <= shownLength);
  const commands = [...new Set(quoted.map((found) => found[1] ?? ''))];
  const listed = [...commandOptions.matchAll(OPTION)].map(([text, flag = '', value = '']) => ({ text, flag, value }));
  // The CLI refuses --stack beside --env: a command carrying --env has it replaced, not --stack added (review r63X F1).
  const stackOptions = listed.filter((option) => option.flag === '--stack' || option.flag === '--stack-region');
  const advice = commands.map((command) => {
    // Its words up to the first option: lowercase words only (the command is the cause's text, escaped where it is shown).
    const name = /^lifeboat(?: [a-z][a-z-]*)*/.exec(command)?.[0] ?? 'lifeboat';
    const which = commands.length === 1 ? 'the lifeboat command it names' : `\`${name}\``;
    if (name === 'lifeboat doctor' && listed.some((option) => option.flag === '--stack')) return `${which} is not for this list's --stack: ${DOCTOR_NOT_WITH_STACK}`;
    const carried = new Map([...command.matchAll(OPTION)].map(([, flag = '', value = '']) => [flag, value]));
    const env = carried.get('--env');
    // The value is the cause's text, any characters: escaped and cut as other record text is, else an ESC or a bidi
    // override in it reached the terminal raw beside the escaped command (review r63AB F3).
    const shownEnv = env === undefined || env === '' ? '' : ` ${shownItemKeyPart(env.slice(1), escapeName)}`;
    const replacing = env !== undefined && stackOptions.some((option) => option.flag === '--stack') && !carried.has('--stack') ? stackOptions : [];
    const missing = listed.filter((option) => !carried.has(option.flag) && !replacing.includes(option));
    // An option without a value (--aws) is carried by its flag alone, whatever the command wrote after it.
    const differing = listed.filter((option) => carried.has(option.flag) && option.value !== '' && carried.get(option.flag) !== option.value);
    const parts = [
      ...(replacing.length > 0 ? [`replace ${commands.length === 1 ? 'its' : `${which}'s`} --env${shownEnv} with${replacing.map((option) => option.text).join('')}`] : []),
      ...(missing.length > 0 ? [`add this list's target options to ${which}:${missing.map((option) => option.text).join('')}`] : []),
      ...(differing.length > 0
        ? [`${commands.length === 1 ? 'its' : `${which}'s`} ${differing.map((option) => option.flag).join(' and ')} ${differing.length === 1 ? 'differs' : 'differ'} from this list's (${differing.map((option) => option.text.slice(1)).join(' ')})`]
        : []),
    ];
    return parts.join('; ');
  });
  // Two commands of one name (`backups forget --lost a`, then `--lost b`) are told once what they both need (review r63X F4).
  return [...new Set(advice.filter((part) => part !== ''))].join('; ');
}

/**
 * A cause as a person reads it: the Lambda's errorMessage out of Step Functions' JSON, also when the Record failure step
 * put a shard's prefix before it, or the catalog cut a long cause (markFailed keeps 4,000 characters) so that it no
 * longer parses. Any other cause as it is.
 */
function readableCause(cause: string | undefined): string | undefined {
  if (cause === undefined) return undefined;
  const shard = SHARD_PREFIX.exec(cause);
  const body = shard ? cause.slice(shard[0].length) : cause;
  const message = causeMessage(body) ?? body;
  const readable = message !== body ? message : (errorMessageOfCutJson(body) ?? body);
  return shard ? `${shard[1]}: ${readable}` : readable;
}

/** The errorMessage of a Lambda error's JSON cut short, as far as it goes; undefined when it is not such JSON. */
function errorMessageOfCutJson(text: string): string | undefined {
  if (!text.startsWith('{')) return undefined;
  const found = /"errorMessage"\s*:\s*"((?:[^"\\]|\\.)*)(\\[^"]*)?/.exec(text);
  const literal = found?.[1];
  if (literal === undefined) return undefined;
  try {
    // A \u escape cut in the middle is left out: the message up to it.
    return JSON.parse(`"${literal.replace(/\\u[0-9a-fA-F]{0,3}$/, '')}"`) as string;
  } catch {
    return undefined;
  }
}
