import { type Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadLifeboatConfig } from '../../config/load-config';
import { type CliIo, processIo } from '../cli-io';
import { drillReportLines } from '../drills/drill-report-text';
import { formatFailoverReport } from './failover-command';
import { planStatusLines } from './status-command';
import { parseWorkerCount } from '../worker-count-option';
import { stopOnSignals } from '../stop-on-signals';

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
  const removeListeners = stopOnSignals(stop, { stopping: 'the demo', write: (line) => io.err(line.replace(/\n$/, '')) });
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
