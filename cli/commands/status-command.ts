import { type Command } from 'commander';
import { UnknownEnvironmentError } from '../../config/config-errors';
import { unseenJsonEscaped } from '../../lambdas/runtime/quoted-service-words';
import { type CliIo, processIo } from '../cli-io';
import { type TargetOptions, withTargetOptions } from '../environment-access';
import { environmentStatus } from '../status/environment-status';
import { statusScreen } from '../status/status-screen';
import { type StatusSources, type StatusSourcesClients, statusSources } from '../status/status-sources';
import { printedOptionsOf } from '../status/printed-command-options';

/**
 * `lifeboat status [--json]`: an environment at a glance, a row per plan (docs/RUNBOOKS.md, "Status").
 * Local cloud by default, AWS with --aws. Exit codes: 0 every plan within its objectives (last
 * committed backup within the RPO, the DR vault's newest within the RPO plus the replication-lag
 * threshold, the newest drill of each vault drilled PASSED, each mirror's last check passed: plan-status.ts),
 * 1 a plan is not, or a catalog or the alarm list could not be read, 2 bad usage.
 */
export type StatusCommandOptions = TargetOptions & { json?: boolean };
export type StatusCommandDeps = { io: CliIo; sources?: StatusSources; clients?: StatusSourcesClients; now?: () => Date };

export const STATUS_EXIT = { WITHIN_OBJECTIVES: 0, NOT_WITHIN: 1, USAGE: 2 } as const;

export async function statusCommand(options: StatusCommandOptions, deps: Partial<StatusCommandDeps> = {}): Promise<number> {
  const io = deps.io ?? processIo;
  const now = (deps.now ?? (() => new Date()))();
  try {
    const sources = deps.sources ?? (await statusSources(options, deps.clients));
    const status = await environmentStatus(sources, now, printedOptionsOf(options));
    // unreadMirrorsAndPrunes repeats some of `problems` for the report: not part of status's JSON.
    const { unreadMirrorsAndPrunes: _forReport, ...shown } = status;
    // A record's own text (a backup id, an error) is any string: JSON.stringify leaves its C1 (CSI), U+2028 and bidi
    // characters raw, which drive a terminal showing the JSON; as \uXXXX a JSON reader reads back the same text (f63D).
    if (options.json) io.out(unseenJsonEscaped(JSON.stringify(shown, null, 2)));
    else for (const line of statusScreen(status, options)) io.out(line);
    return status.withinObjectives ? STATUS_EXIT.WITHIN_OBJECTIVES : STATUS_EXIT.NOT_WITHIN;
  } catch (err) {
    io.err(`lifeboat status: ${err instanceof Error ? err.message : String(err)}`);
    // A wrong --env is a usage error: exit 1 would read as a plan missing its objectives to a monitor.
    return err instanceof UnknownEnvironmentError ? STATUS_EXIT.USAGE : STATUS_EXIT.NOT_WITHIN;
  }
}

/**
 * The status screen of one plan of an environment (what `lifeboat demo` ends with): the command's
 * screen with the other plans left out.
 */
export async function planStatusLines(options: TargetOptions, plan: string, clients?: StatusSourcesClients, now = new Date()): Promise<string[]> {
  const sources = await statusSources(options, clients);
  const onePlan: StatusSources = { ...sources, environment: { ...sources.environment, plans: sources.environment.plans.filter((p) => p.name === plan) } };
  return statusScreen(await environmentStatus(onePlan, now, printedOptionsOf(options)), options);
}

export function registerStatusCommand(program: Command): void {
  withTargetOptions(
    program
      .command('status')
      .description(
        'each plan at a glance: last backup against the RPO, next run, last drill, DR copy lag, vault size and dedup ratio, last scrub; ' +
          'exit 0 when every plan is within its objectives, 1 when one is not (✗) or a catalog could not be read',
      ),
  )
    // It opens no vault: the key is for the lines it prints, which do (review r58A F6).
    .option('--vault-key <key>', 'with --aws: the primary vault KMS key (ARN, id or alias) the `lifeboat scrub` and `lifeboat prune` lines it prints name; default: alias/lifeboat-<env>-vault')
    .action(async (opts: StatusCommandOptions) => {
      process.exitCode = await statusCommand(opts);
    });
}
