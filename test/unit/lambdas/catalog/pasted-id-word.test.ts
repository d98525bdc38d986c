import { BACKUP_ID, BACKUP_ID_EXAMPLE, newBackupId } from '../../../../lambdas/backup/backup-id';
import { BACKUP_ID_PLACEHOLDER, PASTED_ID_LIMIT, pastedIdWord } from '../../../../lambdas/catalog/pasted-id-word';
import { shellWordsAfterSpaces } from '../../../../lambdas/runtime/shell-word';

/**
 * f65O: a record's backup id as a word of a command line to paste had three rules (the prune's stop, the doctor's
 * hold-again line, forget --lost's release line), each with its own set and placeholder. One rule now.
 */

const WHERE = 'the backupId of the item';

it('prints every id Lifeboat writes as it is', () => {
  const ids = [BACKUP_ID_EXAMPLE, newBackupId(new Date('2026-12-08T03:00:00Z')), newBackupId(new Date('1999-01-01T00:00:00.999Z'))];
  for (const id of ids) {
    expect(BACKUP_ID.test(id)).toBe(true);
    expect(pastedIdWord(id, WHERE, 'argument')).toEqual({ word: id, fillIn: '' });
  }
});

it('prints a hand-written id a shell reads bare as it is', () => {
  for (const id of ['legacy-1', 'legacy_1', 'files@2026/01', 'a=b,c+d%e:f.g']) expect(pastedIdWord(id, WHERE, 'argument')).toEqual({ word: id, fillIn: '' });
});

it('quotes a printable, short id a shell would misread bare, and the shell reads it back as the id', () => {
  for (const id of ['legacy 1', "it's $HOME; rm -rf ~ | x > y", 'sauvegarde-été', '<backup id>', '*', 'a'.repeat(PASTED_ID_LIMIT - 2) + ' b']) {
    const { word, fillIn } = pastedIdWord(id, WHERE, 'argument');
    expect(fillIn).toBe('');
    expect(word).not.toBe(id);
    expect(word.startsWith("'")).toBe(true);
    expect(shellWordsAfterSpaces(` ${word}`)).toEqual([id]);
  }
});

it('prints the placeholder, quoted, and where the id is, for an id no line can carry as printed', () => {
  const unpastable = [
    '', // no id
    'b-1\n\u001b[32mClean: fake', // a newline and ESC forge a line and colour the terminal
    'b-1\u001b[2K',
    'b-1\u0085x', // a C1 control
    'b-1\u202ex', // a bidi override
    'b-1\u200bx', // a zero-width space
    'b-1\u007f', // DEL
    'b-1\\x', // a backslash
    'x`lifeboat backups forget --plan prod --keep-last 1`', // a backtick ends the code span the line is printed in
    'a'.repeat(PASTED_ID_LIMIT + 1), // a long plain one
    'a b'.repeat(PASTED_ID_LIMIT), // a long one with words that read as a command of their own
  ];
  for (const id of unpastable) {
    expect(pastedIdWord(id, WHERE, 'argument')).toEqual({ word: "'<backup id>'", fillIn: ` (for '<backup id>' put the backup id: ${WHERE}; it is not printed as a word to paste)` });
  }
  // Pasted unfilled, the placeholder is one word, not a redirect.
  expect(shellWordsAfterSpaces(` ${BACKUP_ID_PLACEHOLDER}`)).toEqual(['<backup id>']);
});

it('never prints a word a shell would split, expand or redirect, nor a control character', () => {
  const samples = ['b 1', 'a;b', 'a|b', '$(x)', 'a&&b', 'x>y', "a'b", 'a"b', '~x', 'a\tb', 'a\rb', '#x', '!x', 'a{b,c}'];
  for (const id of samples) {
    const { word } = pastedIdWord(id, WHERE, 'argument');
    expect([...word].filter((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)).toEqual([]);
    const back = shellWordsAfterSpaces(` ${word}`);
    expect(back === undefined ? undefined : back.length).toBe(1);
    if (word !== BACKUP_ID_PLACEHOLDER) expect(back).toEqual([id]);
  }
});

// Review r65O F2: zsh expands a word beginning with `=` (`=ls` is the path of ls): quoted, it is the id.
it('quotes an id beginning with =, as zsh reads =cmd as the path of cmd', () => {
  for (const place of ['argument', 'option value'] as const) {
    expect(pastedIdWord('=ls', WHERE, place)).toEqual({ word: "'=ls'", fillIn: '' });
    expect(shellWordsAfterSpaces(` ${pastedIdWord("=it's", WHERE, place).word}`)).toEqual(["=it's"]);
  }
});

// Review r65O F4: a leading `-` is an option to the CLI in an argument, not in an option's value (`--lost -x` is -x).
it('prints an id beginning with - as an option value, and as an argument says to end the line with -- and the id', () => {
  for (const id of ['-x', '--yes']) expect(pastedIdWord(id, WHERE, 'option value')).toEqual({ word: id, fillIn: '' });
  expect(pastedIdWord('-x', WHERE, 'argument')).toEqual({
    word: "'<backup id>'",
    fillIn: " (for '<backup id>' put nothing and end the line with `-- -x`: the id begins with `-`, which the CLI reads as an option unless it follows `--`)",
  });
  expect(pastedIdWord('-a b', WHERE, 'argument').fillIn).toContain("end the line with `-- '-a b'`");
});
