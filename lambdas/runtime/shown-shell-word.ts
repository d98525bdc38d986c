import { unseenEscaped } from './quoted-service-words';
import { shellWord } from './shell-word';

/**
 * `text` as one word of a command line a user pastes, which names the same text and shows no character a terminal acts
 * on: shellWord's, or, when the text holds what a line cannot show raw (a newline, ESC, a C1 control, a bidi override:
 * those unseenEscaped escapes), bash's $'…' with each of those as \uXXXX, a backslash as \\ and a quote as \', which bash
 * reads back as the same characters (f62T; f62W gave it its own file, for status's lines too). An astral one (a tag
 * character) is \UXXXXXXXX: bash reads the halves of a surrogate pair as two characters of their own, another name.
 */
export function shownShellWord(text: string): string {
  if (![...text].some(isUnseen)) return shellWord(text);
  return `$'${[...text].map((char) => (char === "'" ? "\\'" : char === '\\' ? '\\\\' : isUnseen(char) ? bashEscape(char) : char)).join('')}'`;
}

/** A character a line cannot show raw; not the backslash, which unseenEscaped escapes too but shellWord quotes. */
function isUnseen(char: string): boolean {
  return char !== '\\' && unseenEscaped(char) !== char;
}

function bashEscape(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
