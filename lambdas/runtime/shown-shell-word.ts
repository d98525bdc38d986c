import { unseenEscaped } from './quoted-service-words';
import { NoShellWordError } from './no-shell-word-error';
import { shellWord } from './shell-word';

/** Whether some command line gives `text` as one word: not when it holds a NUL (NoShellWordError). */
export function givenOnCommandLine(text: string): boolean {
  return !text.includes('\u0000');
}

/**
 * `text` as one word of a command line a user pastes, which names the same text and shows no character a terminal acts
 * on: shellWord's, or, when the text holds what a line cannot show raw (a newline, ESC, a C1 control, a bidi override:
 * those unseenEscaped escapes), bash's $'…' with each of those as its UTF-8 bytes `\xHH`, a backslash as \\ and a quote
 * as \', which bash reads back as the same bytes (f62T; f62W gave it its own file, for status's lines too). Bytes, not
 * \uXXXX: under LANG=C bash leaves a non-ASCII \uXXXX as those six characters, another name (review r62J F2).
 * Throws NoShellWordError for a text with a NUL (givenOnCommandLine tells first): the caller prints no command then.
 */
export function shownShellWord(text: string): string {
  if (!givenOnCommandLine(text)) throw new NoShellWordError(unseenEscaped(text));
  if (![...text].some(isUnseen)) return shellWord(text);
  return `$'${[...text].map((char) => (char === "'" ? "\\'" : char === '\\' ? '\\\\' : isUnseen(char) ? utf8Bytes(char) : char)).join('')}'`;
}

/** A character a line cannot show raw; not the backslash, which unseenEscaped escapes too but shellWord quotes. */
function isUnseen(char: string): boolean {
  return char !== '\\' && unseenEscaped(char) !== char;
}

/** `char` as bash's `\xHH` of each of its UTF-8 bytes, which bash writes as they are whatever the locale. */
function utf8Bytes(char: string): string {
  return [...Buffer.from(char, 'utf8')].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
}
