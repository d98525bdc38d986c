/**
 * A printed line a test may not read: it holds, outside single quotes, what a shell would run or read apart (a command
 * substitution, a separator, a redirect, an expansion, a glob, a newline), or a form none of our printers write.
 * Thrown before any shell sees the line, so a test of a printer fails instead of running what the printer wrote
 * (review r62O F1: the words were read by `bash -c`, which ran `$(…)`, backticks and `; …` of a printed line).
 */
export class PrintedLineNotInertError extends Error {
  override name = 'PrintedLineNotInertError';
  constructor(
    readonly line: string,
    readonly at: number,
    why: string,
  ) {
    super(`printed line ${JSON.stringify(line)} at character ${at + 1}: ${why}; a paste of it would not be the plain words the printer meant — quote it (shellWord/shownShellWord)`);
  }
}

/** A character that stands for itself outside quotes: shellWord's plain set (vault/shell-word.ts). */
const PLAIN = /[\w@%+=:,./-]/;
/** The escapes of `$'…'` our printers write (shownShellWord) and the few like them bash reads the same way. */
const ANSI_C: Readonly<Record<string, number>> = { n: 0x0a, t: 0x09, r: 0x0d, a: 0x07, b: 0x08, e: 0x1b, E: 0x1b, f: 0x0c, v: 0x0b, '\\': 0x5c, "'": 0x27, '"': 0x22 };

/**
 * The words of `line` as bash reads a paste of it, read here without any shell: plain characters, '…', "…" with no
 * `$`, backtick or backslash but \" and \\, a backslash before a character outside quotes, and $'…' with \xHH bytes
 * and the escapes above, words apart at spaces and tabs. Anything else throws PrintedLineNotInertError, a NUL too
 * (raw or `\x00`: bash cuts the word there).
 */
export function printedLineWords(line: string): string[] {
  const words: string[] = [];
  let word: number[] | undefined;
  const add = (text: string): void => void (word ??= []).push(...Buffer.from(text, 'utf8'));
  const end = (): void => {
    if (word !== undefined) words.push(Buffer.from(word).toString('utf8'));
    word = undefined;
  };
  const refuse = (at: number, why: string): never => {
    throw new PrintedLineNotInertError(line, at, why);
  };
  // A NUL no command line holds: bash cuts the word there, so the words would not be the printer's (review r62R F4).
  const nul = line.indexOf('\0');
  if (nul >= 0) refuse(nul, 'a NUL, where bash cuts the word');
  let i = 0;
  while (i < line.length) {
    const char = line[i] as string;
    if (char === ' ' || char === '\t') {
      end();
      i++;
    } else if (PLAIN.test(char)) {
      add(char);
      i++;
    } else if (char === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) refuse(i, 'a single quote is never closed');
      add(line.slice(i + 1, close));
      i = close + 1;
    } else if (char === '"') {
      i = readDoubleQuoted(line, i, add, refuse);
    } else if (char === '$' && line[i + 1] === "'") {
      i = readAnsiC(line, i, (byte) => void (word ??= []).push(byte), refuse);
      // `$''` is a word even with no byte in it, as `''` is: bash reads [""].
      word ??= [];
    } else if (char === '\\') {
      const next = line[i + 1];
      if (next === undefined || next === '\n') refuse(i, 'a backslash ends the line or continues it');
      add(next as string);
      i += 2;
    } else {
      refuse(i, `${JSON.stringify(char)} outside quotes, which a shell runs or reads apart`);
    }
  }
  end();
  return words;
}

function readDoubleQuoted(line: string, open: number, add: (text: string) => void, refuse: (at: number, why: string) => never): number {
  let i = open + 1;
  let text = '';
  for (;;) {
    const char = line[i];
    if (char === undefined) return refuse(open, 'a double quote is never closed');
    if (char === '"') break;
    if (char === '$' || char === '`' || char === '\n' || char === '!') refuse(i, `${JSON.stringify(char)} inside double quotes, which a shell expands or runs`);
    if (char === '\\') {
      const next = line[i + 1];
      if (next !== '"' && next !== '\\') refuse(i, 'a backslash inside double quotes before anything but " or \\');
      text += next;
      i += 2;
    } else {
      text += char;
      i++;
    }
  }
  add(text);
  return i + 1;
}

function readAnsiC(line: string, dollar: number, push: (byte: number) => void, refuse: (at: number, why: string) => never): number {
  let i = dollar + 2;
  for (;;) {
    // A whole code point, so a character beyond the BMP is written as its UTF-8 bytes, not two lone surrogates'.
    const point = line.codePointAt(i);
    const char = point === undefined ? undefined : String.fromCodePoint(point);
    if (char === undefined) return refuse(dollar, "a $'…' is never closed");
    if (char === "'") return i + 1;
    if (char === '\n') refuse(i, "a newline inside $'…', which a printer writes as \\x0a");
    if (char !== '\\') {
      for (const byte of Buffer.from(char, 'utf8')) push(byte);
      i += char.length;
      continue;
    }
    const hex = /^x([0-9a-fA-F]{1,2})/.exec(line.slice(i + 1));
    const escaped = line[i + 1] as string;
    if (hex !== null) {
      const byte = parseInt(hex[1] as string, 16);
      if (byte === 0) refuse(i, "\\x00 inside $'…', where bash cuts the word");
      push(byte);
      i += 1 + hex[0].length;
    } else if (escaped in ANSI_C) {
      push(ANSI_C[escaped] as number);
      i += 2;
    } else {
      refuse(i, `\\${escaped} inside $'…', an escape our printers do not write`);
    }
  }
}
