import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { registerBackupsCommands } from '../../cli/commands/backup-commands';
import { registerCatalogCommands } from '../../cli/commands/catalog-commands';
import { registerDoctorCommand } from '../../cli/commands/doctor-command';
import { registerVerifyCommand } from '../../cli/commands/restore-commands';
import { registerScrubCommand } from '../../cli/commands/scrub-command';

/** What the real CLI parser made of a printed line: the action's arguments (options last), or commander's refusal. */
export type PrintedCommandParse = { readonly refused?: string; readonly args?: readonly unknown[] };

/**
 * A `lifeboat …` line a command printed for the user to paste, read into words by bash (its quoting, as a paste
 * would be) and parsed by the CLI's own command table with every action replaced, so nothing runs: a line the
 * CLI refuses (an option the command does not take, --stack where it is refused) gives `refused`.
 */
export async function parsePrintedCommand(line: string): Promise<PrintedCommandParse> {
  const read = spawnSync('bash', ['-c', `printf '%s\\0' ${line.replace(/^lifeboat /, '')}`], { encoding: 'utf8' });
  if (read.status !== 0) return { refused: `bash: ${read.stderr}` };
  const words = read.stdout.split('\0').slice(0, -1);
  const errors: string[] = [];
  const program = new Command('lifeboat');
  registerBackupsCommands(program);
  registerCatalogCommands(program);
  registerDoctorCommand(program);
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
