// The one quoting rule lives in the engine, whose refusals print command lines too.
export { shellWord } from '../../vault';

/** One word of the forms shellWord writes: plain characters, single-quoted runs and `\'`, one after another. */
const WORD = /^(?:[\w@%+=:,./-]|'[^']*'|\\')+/;
const PART = /[\w@%+=:,./-]+|'([^']*)'|\\'/g;

/**
 * The words of `text` written as ` <word>` each (a space before every word, as a line is extended by shellWord's
 * words), read back as a shell would; undefined when it holds anything else: another separator, an unclosed quote, a
 * character a shell reads apart outside quotes (`;`, `|`, `$(`, a glob). Only the forms shellWord writes are read, so a
 * caller that needs a line shellWord wrote compares it with the line written again from these words.
 */
export function shellWordsAfterSpaces(text: string): string[] | undefined {
  const words: string[] = [];
  let rest = text;
  while (rest !== '') {
    if (!rest.startsWith(' ')) return undefined;
    const word = WORD.exec(rest.slice(1))?.[0];
    if (word === undefined) return undefined;
    words.push(word.replace(PART, (part, quoted: string | undefined) => (quoted !== undefined ? quoted : part === "\\'" ? "'" : part)));
    rest = rest.slice(1 + word.length);
  }
  return words;
}
