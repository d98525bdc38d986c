import { type Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../../local/cloud/cloud-state';
import { type ExecutionHistory, listExecutionHistories, loadExecutionHistory, summarizeStates } from '../../local/executor/execution-history';
import { type CliIo, processIo } from '../cli-io';

/** `lifeboat executions list | show <id>`: the histories the local executor left under the data directory. */

export type ExecutionsOptions = { dataDir: string; json?: boolean };

function durationMs(h: ExecutionHistory): number | undefined {
  return h.stoppedAt ? Date.parse(h.stoppedAt) - Date.parse(h.startedAt) : undefined;
}

/** Who started it: `schedule <name>` for a schedule firing, `-` for a direct run. */
function startedBy(h: ExecutionHistory): string {
  return h.startedBy ? `schedule ${h.startedBy.schedule}` : '-';
}

function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function listExecutionsCommand(options: ExecutionsOptions, io: CliIo = processIo): number {
  const histories = listExecutionHistories(options.dataDir);
  if (options.json) {
    io.out(JSON.stringify(histories.map(({ events: _events, invocations: _invocations, ...rest }) => rest), null, 2));
    return 0;
  }
  if (histories.length === 0) {
    io.out(`No executions under ${options.dataDir}.`);
    return 0;
  }
  // Columns as wide as their longest value: scheduled executions have longer ids than CLI-started ones.
  const idWidth = Math.max('EXECUTION'.length, ...histories.map((h) => h.executionId.length)) + 2;
  const machineWidth = Math.max('STATE MACHINE'.length, ...histories.map((h) => h.stateMachine.length)) + 2;
  io.out(`${'EXECUTION'.padEnd(idWidth)}${'STATE MACHINE'.padEnd(machineWidth)}${'STATUS'.padEnd(11)}${'STARTED'.padEnd(26)}${'DURATION'.padEnd(10)}STARTED BY`);
  for (const h of histories) {
    io.out(`${h.executionId.padEnd(idWidth)}${h.stateMachine.padEnd(machineWidth)}${h.status.padEnd(11)}${h.startedAt.padEnd(26)}${formatMs(durationMs(h)).padEnd(10)}${startedBy(h)}`);
  }
  return 0;
}

export function showExecutionCommand(executionId: string, options: ExecutionsOptions, io: CliIo = processIo): number {
  const h = loadExecutionHistory(options.dataDir, executionId);
  if (options.json) {
    io.out(JSON.stringify(h, null, 2));
    return 0;
  }
  io.out(`Execution ${h.executionId} of ${h.stateMachine} (${h.stackName}): ${h.status} in ${formatMs(durationMs(h))}, ${h.workers} Lambda worker(s)`);
  if (h.startedBy) io.out(`  started by schedule ${h.startedBy.schedule} for ${h.startedBy.scheduledTime} (attempt ${h.startedBy.attempt})`);
  if (h.error) io.out(`  error: ${h.error}${h.cause ? `: ${h.cause}` : ''}`);
  io.out('');
  io.out(`${'STATE'.padEnd(30)}${'RUNS'.padStart(5)}${'TOTAL'.padStart(10)}${'LONGEST'.padStart(10)}${'FAILED'.padStart(8)}${'RETRIED'.padStart(9)}`);
  for (const s of summarizeStates(h.events)) {
    io.out(
      `${s.state.padEnd(30)}${String(s.runs).padStart(5)}${formatMs(s.totalMs).padStart(10)}${formatMs(s.maxMs).padStart(10)}${String(s.failures).padStart(8)}${String(s.retries).padStart(9)}`,
    );
  }
  const failures = h.events.filter((e) => e.type === 'StateFailed' || e.type === 'StateRetried' || e.type === 'StateCaught');
  if (failures.length) {
    io.out('');
    io.out('Errors, retries and catches:');
    for (const e of failures) {
      io.out(`  ${e.timestamp} ${e.type.padEnd(13)} ${e.state ?? ''}${e.index !== undefined ? `[${e.index}]` : ''} ${e.error ?? ''}${e.retryAttempt !== undefined ? ` (attempt ${e.retryAttempt})` : ''}`);
    }
  }
  if (h.injectedFaults.length) io.out(`Injected faults: ${h.injectedFaults.map((f) => `${f.state} → ${f.errorName} (${f.at})`).join(', ')}`);
  return 0;
}

export function registerExecutionCommands(program: Command): void {
  const executions = program.command('executions').description('histories of local workflow executions');
  executions
    .command('list')
    .description('list local executions, newest first')
    .option('--data-dir <dir>', 'local cloud data directory', DEFAULT_DATA_DIR)
    .option('--json', 'machine-readable output')
    .action((opts: ExecutionsOptions) => {
      process.exitCode = listExecutionsCommand(opts);
    });
  executions
    .command('show <executionId>')
    .description('states, durations, errors and retries of one local execution')
    .option('--data-dir <dir>', 'local cloud data directory', DEFAULT_DATA_DIR)
    .option('--json', 'the whole history as JSON')
    .action((executionId: string, opts: ExecutionsOptions) => {
      process.exitCode = showExecutionCommand(executionId, opts);
    });
}
