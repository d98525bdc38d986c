import { spawnSync } from 'node:child_process';
import { NoShellWordError } from '../../../../lambdas/runtime/no-shell-word-error';
import { givenOnCommandLine, shownShellWord } from '../../../../lambdas/runtime/shown-shell-word';

/**
 * shownShellWord: one word of a pasted command line that bash reads back as the same text, with no character in it a
 * terminal acts on or hides (the doctor's and status's `--plan`, f62T, f62W).
 */

/**
 * The words bash reads from `word` written in a command line, their bytes in hex, under `locale`: with LANG=C bash left
 * a non-ASCII \uXXXX as those six characters (review r62J F2), so the test reads under both.
 */
function bashWords(word: string, locale: string): string[] {
  const read = spawnSync('bash', ['--norc', '-c', `set -- ${word}; printf '%s\\0' "$@"`], { env: { PATH: process.env.PATH, LANG: locale, LC_ALL: locale } });
  const words: string[] = [];
  for (let from = 0, nul = read.stdout.indexOf(0); nul >= 0; from = nul + 1, nul = read.stdout.indexOf(0, from)) words.push(read.stdout.subarray(from, nul).toString('hex'));
  return words;
}

const LOCALES = ['C', 'C.UTF-8'];

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u{e0000}-\u{e007f}]/u;

it.each([
  'demo',
  'my plan',
  'night$(echo injected)',
  "night's `x` \\ back",
  "night's\n\u001b[31m\u009b\u202e",
  'tag\u{e0001}ged \\u0041 \\',
  '\u2028zero\u200bwidth',
  'c1\u0085\u009bb',
  'bidi x\u202ey\u2066z',
  'zw\u200dj',
  'emoji😀\n',
])('%j reads back as one word, the same bytes under LANG=C and C.UTF-8, shown without raw controls', (text) => {
  const word = shownShellWord(text);
  for (const locale of LOCALES) expect({ locale, words: bashWords(word, locale) }).toEqual({ locale, words: [Buffer.from(text, 'utf8').toString('hex')] });
  expect(word).not.toMatch(RAW);
});

it('a plain name stays as it is; one with a control character is bash $\'…\' with each of its UTF-8 bytes as \\xHH', () => {
  expect(shownShellWord('demo')).toBe('demo');
  expect(shownShellWord('a\\b')).toBe("'a\\b'");
  expect(shownShellWord("it's\n")).toBe("$'it\\'s\\x0a'");
  expect(shownShellWord('a\u202eb')).toBe("$'a\\xe2\\x80\\xaeb'");
  expect(shownShellWord('tag\u{e0001}')).toBe("$'tag\\xf3\\xa0\\x80\\x81'");
});

// bash ends a word at a NUL, $'…' or not: `$'demo\u0000x'` read back as `demo`, another plan (review r62J F2).
it('a text with a NUL is given on no command line: no word, an error that says why', () => {
  expect(givenOnCommandLine('demo\u0000x')).toBe(false);
  expect(givenOnCommandLine('demo\nx')).toBe(true);
  expect(() => shownShellWord('demo\u0000x')).toThrow(new NoShellWordError('demo\\u0000x'));
  expect(() => shownShellWord('demo\u0000x')).toThrow('demo\\u0000x holds a NUL character, which no command line can give: a command naming it would act on the text before the NUL');
});
