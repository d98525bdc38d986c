import { Command } from 'commander';
import { registerDemoCommand } from './commands/demo-command';
import { registerLocalCommands } from './commands/local-commands';

/** The `lifeboat` command table: each group registers itself from its own file. */
export function buildProgram(): Command {
  const program = new Command('lifeboat')
    .description('Lifeboat: serverless backup and disaster recovery for S3, DynamoDB and file systems')
    .showHelpAfterError()
    .exitOverride((err) => {
      // Commander's own exits (help, version, usage errors) keep their code.
      process.exit(err.exitCode);
    });
  registerLocalCommands(program);
  registerDemoCommand(program);
  return program;
}
