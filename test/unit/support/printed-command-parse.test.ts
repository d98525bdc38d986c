import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { shownShellWord } from '../../../lambdas/runtime/shown-shell-word';
import { parsePrintedCommand } from '../../support/printed-command-parse';
import { PrintedLineNotInertError, printedLineWords } from '../../support/printed-line-words';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'printed-line-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Review r62O F1: the helper read a printed line's words with `bash -c "printf … <line>"`, so a printer that wrote
// `$(…)`, a backtick or `; …` had the test run it, and the line still passed (its lifeboat part parsed).
it.each([
  ['a command substitution', (f: string) => `lifeboat backups list --env $(touch ${f}; echo prod)`],
  ['a separator', (f: string) => `lifeboat backups list --env prod; touch ${f}`],
  ['a backtick', (f: string) => `lifeboat backups list --env \`touch ${f}\`prod`],
  ['a newline', (f: string) => `lifeboat backups list --env "prod"\ntouch ${f}`],
  ['a pipe', (f: string) => `lifeboat backups list --env prod | tee ${f}`],
  ['a redirect', (f: string) => `lifeboat backups list --env prod > ${f}`],
  ['a background &', (f: string) => `lifeboat backups list --env prod & touch ${f}`],
  ['a $( inside double quotes', (f: string) => `lifeboat backups list --env "$(touch ${f})prod"`],
])('refuses a printed line with %s outside single quotes and runs none of it', async (_name, lineFor) => {
  const file = path.join(dir, _name.replace(/\W/g, '-'));
  const refusal = await parsePrintedCommand(lineFor(file)).then(() => undefined, (err: unknown) => err);
  expect({ created: existsSync(file) }).toEqual({ created: false });
  expect(refusal).toBeInstanceOf(PrintedLineNotInertError);
  expect(String(refusal)).toMatch(/printed line .* at character \d+: .*(outside quotes|inside double quotes)/);
});

it.each(['lifeboat backups list --data-dir *', 'lifeboat backups list --data-dir ~', 'lifeboat backups list --env $HOME'])(
  'refuses what a shell expands outside quotes (%s)',
  async (line) => {
    await expect(parsePrintedCommand(line)).rejects.toThrow(/outside quotes, which a shell runs or reads apart/);
  },
);

// The same words bash reads from a paste, for each form our printers write; bash reads only these fixed, inert lines.
it.each([
  `lifeboat backups list --env prod --data-dir ${shownShellWord('/tmp/it is data')}`,
  `lifeboat backups hold b-1 --reason ${shownShellWord("it's case 42; $(not run)")}`,
  `lifeboat catalog rebuild --env ${shownShellWord('pr\nod\u202e é 😀 \\ \' x')}`,
  `lifeboat backups list --env "pr\\"od \\\\ x" --data-dir a\\ b`,
  `lifeboat backups list\t--env 'p'"r"$'\\x6fd'`,
  // Review r62R F4: an empty $'' is a word, as '' is.
  `lifeboat backups list --env $'' --data-dir x$''y`,
])('reads the words of %j as bash does', (line) => {
  const bash = spawnSync('bash', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8', timeout: 10_000, env: { PATH: process.env.PATH, LANG: 'C' } });
  expect(bash.status).toBe(0);
  expect(printedLineWords(line)).toEqual(bash.stdout.split('\0').slice(0, -1));
});

// Review r62R F4: bash cuts a word at a NUL (raw in '…' or \x00 in $'…'), so its words are not the printer's: refused.
it.each([`lifeboat backups list --env 'pr\0od'`, `lifeboat backups list --env $'pr\\x00od'`, `lifeboat backups list --env $'pr\\x0'`, `lifeboat backups list --env "pr\0od"`])(
  'refuses a NUL in %j, where bash cuts the word',
  (line) => {
    expect(() => printedLineWords(line)).toThrow(PrintedLineNotInertError);
    expect(() => printedLineWords(line)).toThrow(/a NUL, where bash cuts the word|\\x00 inside \$'…', where bash cuts the word/);
  },
);

it('parses a line the CLI takes and gives its options', async () => {
  expect(await parsePrintedCommand(`lifeboat backups hold b-1 --reason 'case 42' --env prod --aws`)).toEqual({
    args: ['b-1', expect.objectContaining({ reason: 'case 42', env: 'prod', aws: true })],
  });
});

// Review r62T F2: the drills commands were not in the table, so a printed `lifeboat drills …` line (the list a drill run
// names when its record cannot be read back) was refused as an unknown command.
it('parses a printed drills line', async () => {
  expect(await parsePrintedCommand(`lifeboat drills list --plan daily --vault dr --env prod --aws`)).toEqual({
    args: [expect.objectContaining({ plan: 'daily', vault: 'dr', env: 'prod', aws: true })],
  });
  expect(await parsePrintedCommand(`lifeboat drills show 20261207T101500Z-0a1b2c3d --vault primary --data-dir /tmp/d`)).toEqual({
    args: ['20261207T101500Z-0a1b2c3d', expect.objectContaining({ vault: 'primary', dataDir: '/tmp/d' })],
  });
});
