import { type Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadLifeboatConfig } from '../../config/load-config';
import { type CliIo, processIo } from '../cli-io';
import { drillReportLines } from '../drills/drill-report-text';
import { formatFailoverReport } from './failover-command';
import { planStatusLines } from './status-command';
import { parseWorkerCount } from '../worker-count-option';

export type DemoCommandOptions = { config: string; env: string; plan: string; dataDir: string; workers?: number };

/**
 * `lifeboat demo`: the whole product on the local cloud — backups, restores, a drill, a failover with
 * the primary region down — exit 0 only if every source read back equal and the drill PASSED.
 */
export async function demoCommand(options: DemoCommandOptions, io: CliIo = processIo): Promise<number> {
  const config = loadLifeboatConfig(options.config);
  // Loaded on use: it pulls in the CDK and the executor, which other commands do not need.
  const { runDemo } = await import('../../local/demo/run-demo.js');
  // The executions run inside this process: Ctrl-C (or a SIGTERM) stops the running one as StopExecution would,
  // so it ends ABORTED and gives back what it holds (a backup's lease) while the local cloud still runs; then
  // the demo stops the cloud it started. Killed outright, the lease held the plan for a day.
  const stop = new AbortController();
  const removeListeners = stopOnSignals(stop, io);
  try {
    const result = await runDemo({
      config,
      envName: options.env,
      planName: options.plan,
      dataDir: options.dataDir,
      workers: options.workers,
      out: io.out,
      reportText: { drill: drillReportLines, failover: formatFailoverReport },
      statusText: (plan) => planStatusLines({ config: options.config, env: options.env, dataDir: options.dataDir }, plan),
      abortSignal: stop.signal,
    });
    return result.ok ? 0 : 1;
  } finally {
    removeListeners();
  }
}

/** The same signal again within this long is the first one delivered twice, not a second Ctrl-C. */
const DUPLICATE_SIGNAL_MS = 1000;

/**
 * SIGINT and SIGTERM abort `stop`; a second one kills at once (and the cloud the demo started follows:
 * it watches this process). The listeners stay until the demo ends: tsx's CLI relays to its child the
 * Ctrl-C the terminal already gave it, and with no listener left that copy made tsx end the process
 * before the stopped execution had given back its lease. Returns the listeners' removal.
 */
function stopOnSignals(stop: AbortController, io: CliIo): () => void {
  let firstAt: number | undefined;
  const remove = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      io.err(`\n${signal}: stopping the demo (the running execution ends ABORTED and gives back what it holds); ${signal === 'SIGINT' ? 'Ctrl-C again' : 'the signal again'} kills at once`);
      stop.abort(signal);
      return;
    }
    if (Date.now() - firstAt < DUPLICATE_SIGNAL_MS) return;
    remove();
    process.kill(process.pid, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return remove;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the backup, restore, drill and failover workflows locally over sample data and verify everything reads back equal')
    .option('--config <file>', 'Lifeboat config file', DEFAULT_CONFIG_FILE)
    .option('--env <name>', 'environment', 'dev')
    .option('--plan <name>', 'protection plan', 'demo')
    .option('--data-dir <dir>', 'local cloud data directory', '.lifeboat')
    .option('--workers <n>', 'Lambda worker threads, 1 to 64 (default: cores, at most 2)', parseWorkerCount)
    .action(async (opts: DemoCommandOptions) => {
      process.exitCode = await demoCommand(opts);
    });
}
