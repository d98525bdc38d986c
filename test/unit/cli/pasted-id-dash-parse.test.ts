import { Command } from 'commander';
import { registerRetentionCommands } from '../../../cli/commands/retention-commands';
import { pastedIdWord } from '../../../lambdas/catalog/pasted-id-word';
import { printedLineWords } from '../../support/printed-line-words';

/**
 * Review r65O F4: an id beginning with `-` is printed as `--lost`'s value, which the CLI's parser takes whatever it
 * begins with; as `backups hold`'s argument it is the placeholder, and the fill-in's `-- <id>` at the end of the line is
 * what the parser reads as the id. Read by the CLI's own commands, stopped before they act.
 */

function parsed(argv: string[]): { args: string[]; lost?: unknown; reason?: unknown } {
  const program = new Command().exitOverride();
  registerRetentionCommands(program.command('backups').exitOverride());
  let got: { args: string[]; lost?: unknown; reason?: unknown } | undefined;
  program.hook('preAction', (_program, action) => {
    const opts = action.opts<{ lost?: unknown; reason?: unknown }>();
    got = { args: action.args, lost: opts.lost, reason: opts.reason };
    throw new Error('parsed');
  });
  expect(() => program.parse(argv, { from: 'user' })).toThrow('parsed');
  if (got === undefined) throw new Error('the command did not parse');
  return got;
}

it('reads --lost -x as the id -x, as the line prints it', () => {
  const { word } = pastedIdWord('-x', 'W', 'option value');
  expect(parsed(['backups', 'forget', '--lost', word, '--dry-run']).lost).toBe('-x');
});

// Review r65Q F5: the argv was written by hand; it is built from the printed line and its fill-in, as an operator does.
it('reads the id the hold line\'s fill-in puts after -- at the end of the line', () => {
  const { word, fillIn } = pastedIdWord('-x', 'W', 'argument');
  const line = `lifeboat backups hold ${word} --reason 'doctor: r' --env prod`;
  const end = /end the line with `-- (.*?)`/.exec(fillIn)?.[1];
  expect(end).toBe('-x');
  const filled = `${line.replace(` ${word}`, '')} -- ${end ?? ''}`;
  const [, ...argv] = printedLineWords(filled);
  expect(parsed(argv)).toEqual({ args: ['-x'], lost: undefined, reason: 'doctor: r' });
});
