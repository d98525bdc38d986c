import { Command } from 'commander';
import { registerBackupsCommands } from '../../cli/commands/backup-commands';
import { registerCatalogCommands } from '../../cli/commands/catalog-commands';
import { registerDoctorCommand } from '../../cli/commands/doctor-command';
import { registerDrillCommand, registerDrillsCommands } from '../../cli/commands/drill-commands';
import { registerVerifyCommand } from '../../cli/commands/restore-commands';
import { registerScrubCommand } from '../../cli/commands/scrub-command';
import { printedLineWords } from './printed-line-words';

/** What the real CLI parser made of a printed line: the action's arguments (options last), or commander's refusal. */
export type PrintedCommandParse = { readonly refused?: string; readonly args?: readonly unknown[] };

/**
 * A `lifeboat …` line a command printed for the user to paste, read into words as bash reads a paste but by
 * printedLineWords, no shell (a `$(…)` or `; …` in it throws PrintedLineNotInertError instead of running: review r62O
 * F1), and parsed by the CLI's own command table with every action replaced, so nothing runs: a line the CLI refuses
 * (an option the command does not take, --stack where it is refused) gives `refused`.
 */
export async function parsePrintedCommand(line: string): Promise<PrintedCommandParse> {
  const [first, ...words] = printedLineWords(line);
  if (first !== 'lifeboat') return { refused: `not a lifeboat command: ${JSON.stringify(line)}` };
  const errors: string[] = [];
  const program = new Command('lifeboat');
  registerBackupsCommands(program);
  registerCatalogCommands(program);
  registerDoctorCommand(program);
  registerDrillCommand(program);
  registerDrillsCommands(program);
  registerVerifyCommand(program);
  registerScrubCommand(program);
  let args: unknown[] | undefined;
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) {
    c.exitOverride().configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => undefined });
    if (c.commands.length === 0) c.action((...given: unknown[]) => void (args = given.slice(0, -1)));
  }
  try {
    await program.parseAsync(words, { from: 'user' });
  } catch (err) {
    return { refused: errors.join('').trim() || (err instanceof Error ? err.message : String(err)) };
  }
  return args === undefined ? { refused: 'no command ran' } : { args };
}
