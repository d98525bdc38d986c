/**
 * Temporary runner for `lifeboat local ...` until bin/lifeboat.ts registers it:
 *   npx tsx cli/local-main.ts local up [--data-dir .lifeboat] [--env dev]
 */
import { Command } from 'commander';
import { registerLocalCommands } from './commands/local-commands';

const program = new Command('lifeboat');
registerLocalCommands(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
