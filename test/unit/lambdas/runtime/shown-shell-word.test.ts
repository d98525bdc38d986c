import { spawnSync } from 'node:child_process';
import { shownShellWord } from '../../../../lambdas/runtime/shown-shell-word';

/**
 * shownShellWord: one word of a pasted command line that bash reads back as the same text, with no character in it a
 * terminal acts on or hides (the doctor's and status's `--plan`, f62T, f62W).
 */

/** The words bash reads from `word` written in a command line. */
function bashWords(word: string): string[] {
  const read = spawnSync('bash', ['-c', `set -- ${word}; printf '%s\\0' "$@"`], { encoding: 'utf8' });
  return read.stdout.split('\0').slice(0, -1);
}

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
])('%j reads back as one word, the same text, shown without raw controls', (text) => {
  const word = shownShellWord(text);
  expect(bashWords(word)).toEqual([text]);
  expect(word).not.toMatch(RAW);
});

it('a plain name stays as it is; one with a control character is bash $\'…\' with \\uXXXX, an astral one \\UXXXXXXXX', () => {
  expect(shownShellWord('demo')).toBe('demo');
  expect(shownShellWord('a\\b')).toBe("'a\\b'");
  expect(shownShellWord("it's\n")).toBe("$'it\\'s\\u000a'");
  expect(shownShellWord('tag\u{e0001}')).toBe("$'tag\\U000e0001'");
});
