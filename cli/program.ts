import { Command } from 'commander';
import { packageVersion } from './package-version';

/**
 * The command groups, each loaded only when its command runs: `lifeboat vault …` must start like a
 * small program (the benchmark times it against restic), not pay for the CDK that `local` and
 * `demo` pull in.
 */
const COMMAND_GROUPS: Record<string, () => Promise<(program: Command) => void>> = {
  local: async () => (await import('./commands/local-commands.js')).registerLocalCommands,
  demo: async () => (await import('./commands/demo-command.js')).registerDemoCommand,
  vault: async () => (await import('./commands/vault-commands.js')).registerVaultCommands,
  executions: async () => (await import('./commands/execution-commands.js')).registerExecutionCommands,
  backup: async () => (await import('./commands/backup-commands.js')).registerBackupCommand,
  backups: async () => (await import('./commands/backup-commands.js')).registerBackupsCommands,
  restore: async () => (await import('./commands/restore-commands.js')).registerRestoreCommand,
  verify: async () => (await import('./commands/restore-commands.js')).registerVerifyCommand,
  catalog: async () => (await import('./commands/catalog-commands.js')).registerCatalogCommands,
  doctor: async () => (await import('./commands/doctor-command.js')).registerDoctorCommand,
  scrub: async () => (await import('./commands/scrub-command.js')).registerScrubCommand,
  prune: async () => (await import('./commands/prune-command.js')).registerPruneCommand,
  'repair-index': async () => (await import('./commands/repair-index-command.js')).registerRepairIndexCommand,
  failover: async () => (await import('./commands/failover-command.js')).registerFailoverCommand,
  drill: async () => (await import('./commands/drill-commands.js')).registerDrillCommand,
  drills: async () => (await import('./commands/drill-commands.js')).registerDrillsCommands,
  status: async () => (await import('./commands/status-command.js')).registerStatusCommand,
  approve: async () => (await import('./commands/approval-commands.js')).registerApproveCommand,
  approvals: async () => (await import('./commands/approval-commands.js')).registerApprovalsCommands,
  estimate: async () => (await import('./commands/estimate-command.js')).registerEstimateCommand,
  report: async () => (await import('./commands/report-command.js')).registerReportCommand,
};

/** The exit status of a command line commander refuses (docs: "2 bad usage"). */
const EXIT_USAGE_ERROR = 2;

/** The `lifeboat` command table for `argv`: the named group only, or every group for help and unknown commands. */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const requested = argv[2];
  const version = requested === '--version' || requested === '-V';
  const program = new Command('lifeboat')
    .description('Lifeboat: serverless backup and disaster recovery for S3, DynamoDB and file systems')
    // Read only when asked for: every other command starts without it.
    .version(version ? packageVersion() : '', '-V, --version', 'print the version of Lifeboat')
    .showHelpAfterError()
    .exitOverride((err) => {
      // Help and version exit 0. A usage error (a missing or unknown option, a bad option value) exits 2, as the
      // commands' own usage errors do, so that it cannot read as a command's 1 (a drill FAILED, a scrub left damage);
      // `lifeboat vault` keeps restic's 1 for every failure, its command-line errors too.
      process.exit(err.exitCode === 0 ? 0 : requested === 'vault' ? 1 : EXIT_USAGE_ERROR);
    });
  // The version needs no command; help and an unknown command list them all.
  const groups = version ? [] : requested !== undefined && requested in COMMAND_GROUPS ? [requested] : Object.keys(COMMAND_GROUPS);
  for (const group of groups) {
    const load = COMMAND_GROUPS[group];
    if (load) (await load())(program);
  }
  return program;
}
