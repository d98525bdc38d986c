import { type Command } from 'commander';
import * as path from 'node:path';
import Table from 'cli-table3';
import { DEFAULT_CONFIG_FILE, findEnvironment, loadLifeboatConfig } from '../../config/load-config';
import { type SynthesizedStack } from '../../local/assembly/synthesized-stack';
import { DEFAULT_DATA_DIR } from '../../local/cloud/cloud-state';
import { attachLocalCloud, connectLocalCloud, liveCloudState, type LocalCloudHandle, startLocalCloud } from '../../local/cloud/local-cloud';
import { provisionFromTemplates } from '../../local/cloud/provision-from-templates';
import { LambdaWorkerPool } from '../../local/executor/lambda-worker-pool';
import { ScheduleNotFoundError } from '../../local/scheduler/errors';
import { fireSchedule } from '../../local/scheduler/fire-schedule';
import { localSchedulerStatus } from '../../local/scheduler/local-scheduler';
import { localTargetStarter } from '../../local/scheduler/local-target-starter';
import { nextFireTime } from '../../config/next-fire-time';
import { systemClock } from '../../local/scheduler/scheduler-clock';
import { checkSchedulerRolePermission } from '../../local/scheduler/scheduler-role-permission';
import { resolveScheduleTarget } from '../../local/scheduler/schedule-target';
import { type LocalSchedule, synthesizedSchedules } from '../../local/scheduler/synthesized-schedules';
import { causeMessage } from '../workflow-runner';
import { type LocalCommandDeps } from './local-commands';
import { cloudAccountsOf } from '../../local/cloud/cloud-accounts';
import { parseWorkerCount } from '../worker-count-option';
import { localCommandLine } from '../local-command-line';

/**
 * `lifeboat local schedules list | fire NAME`: the EventBridge Scheduler schedules of the synthesized
 * templates. `list` exits 0; `fire` exits 0 when the execution it started SUCCEEDED, 1 when it
 * failed, could not start within the RetryPolicy, or AWS would have refused the invocation (the
 * target, role, trust or permission is wrong), for an unknown schedule name, and for a schedule of a
 * stack whose region is stopped (`lifeboat local region stop`); the other region's schedules fire,
 * provisioning only the stacks of regions that answer.
 */
export type SchedulesListOptions = { dataDir: string; env: string; config: string; json?: boolean };
export type SchedulesFireOptions = { dataDir: string; env: string; config: string; workers?: number };

const EXIT_OK = 0;
const EXIT_FAILED = 1;

type ScheduleRow = {
  name: string;
  group: string;
  expression: string;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  stateMachine: string | null;
  targetArn: string;
  roleArn: string;
  nextFireTime: string | null;
};

async function environmentStacks(options: { config: string; env: string; dataDir: string }, deps: LocalCommandDeps): Promise<SynthesizedStack[]> {
  const config = loadLifeboatConfig(options.config);
  const env = findEnvironment(config, options.env);
  return deps.synthesize({ config, envName: env.name, outdir: path.join(path.resolve(options.dataDir), 'cdk.out') });
}

/**
 * Each schedule with its next fire time: the running scheduler's own plan when `--with-schedules`
 * runs on this data directory, otherwise when it would fire were the scheduler started now.
 */
function scheduleRows(stacks: readonly SynthesizedStack[], schedules: readonly LocalSchedule[], dataDir: string, now: Date): ScheduleRow[] {
  const scheduler = localSchedulerStatus(dataDir);
  return schedules.map((s) => {
    let stateMachine: string | null;
    try {
      stateMachine = resolveScheduleTarget(stacks, s).stateMachineName;
    } catch {
      stateMachine = null;
    }
    const announced = scheduler.state === 'running' ? scheduler.schedules.find((a) => a.name === s.name) : undefined;
    const computed =
      s.state === 'ENABLED'
        ? nextFireTime(s.expression, now, { timezone: s.timezone, createdAt: now, ...(s.startDate ? { startDate: s.startDate } : {}), ...(s.endDate ? { endDate: s.endDate } : {}) })
        : undefined;
    const next = announced ? (announced.nextFireTime ?? null) : (computed?.toISOString() ?? null);
    return { name: s.name, group: s.groupName, expression: s.expression.text, timezone: s.timezone, state: s.state, stateMachine, targetArn: s.target.arn, roleArn: s.target.roleArn, nextFireTime: next };
  });
}

export async function listSchedulesCommand(options: SchedulesListOptions, deps: LocalCommandDeps): Promise<number> {
  const { io } = deps;
  try {
    const dataDir = path.resolve(options.dataDir);
    const stacks = await environmentStacks(options, deps);
    const rows = scheduleRows(stacks, synthesizedSchedules(stacks), dataDir, new Date());
    const scheduler = localSchedulerStatus(dataDir);
    if (options.json) {
      io.out(JSON.stringify({ schedulerActive: scheduler.state === 'running', schedules: rows }, null, 2));
      return EXIT_OK;
    }
    if (rows.length === 0) {
      io.out('The synthesized templates declare no schedules.');
      return EXIT_OK;
    }
    const table = new Table({ head: ['NAME', 'EXPRESSION', 'TIMEZONE', 'STATE', 'TARGET', 'NEXT FIRE TIME'], style: { head: [], border: [] } });
    for (const r of rows) table.push([r.name, r.expression, r.timezone, r.state, r.stateMachine ?? `(not a state machine: ${r.targetArn})`, r.nextFireTime ?? '-']);
    io.out(table.toString());
    io.out(
      scheduler.state === 'running'
        ? `The local scheduler fires these (pid ${scheduler.pid}); \`${localCommandLine('down', options)}\` stops it.`
        : `Nothing fires them now: start the local scheduler with \`${localCommandLine('up --with-schedules', options)}\`, or fire one with \`${localCommandLine('schedules fire NAME', options)}\`. Next fire times are those of a scheduler started now.`,
    );
    return EXIT_OK;
  } catch (err) {
    io.err(`lifeboat local schedules list failed: ${(err as Error).message}`);
    return EXIT_FAILED;
  }
}

export async function fireScheduleCommand(name: string, options: SchedulesFireOptions, deps: LocalCommandDeps): Promise<number> {
  const { io } = deps;
  const dataDir = path.resolve(options.dataDir);
  let cloud: LocalCloudHandle | undefined;
  let startedCloud = false;
  let pool: LambdaWorkerPool | undefined;
  try {
    const config = loadLifeboatConfig(options.config);
    const env = findEnvironment(config, options.env);
    const stacks = await deps.synthesize({ config, envName: env.name, outdir: path.join(dataDir, 'cdk.out') });
    const schedules = synthesizedSchedules(stacks);
    const schedule = schedules.find((s) => s.name === name);
    if (!schedule) throw new ScheduleNotFoundError(name, schedules.map((s) => s.name));
    // What AWS would refuse is refused before any cloud starts.
    checkSchedulerRolePermission(stacks, schedule, resolveScheduleTarget(stacks, schedule).stateMachineArn);

    // Attached only to a cloud whose pid and start time match cloud.json (a reused pid starts one anew; a damaged file throws).
    const state = liveCloudState(dataDir);
    let stoppedRegions: readonly string[] = [];
    if (state) {
      cloud = await attachLocalCloud(dataDir);
      stoppedRegions = state.stoppedRegions;
    } else {
      cloud = await startLocalCloud({ dataDir, regions: [env.primaryRegion, env.drRegion], ...cloudAccountsOf(env), ...deps.cloudOptions });
      startedCloud = true;
    }
    const { provision, skipped } = stacksToProvision(stacks, schedule, stoppedRegions, options);
    for (const stack of skipped) io.err(`note: region ${stack.region} is stopped: ${stack.stackName}'s buckets and tables are not provisioned; ${schedule.name} is a schedule of ${schedule.stackName} (${schedule.region}), which fires without it`);
    await provisionFromTemplates(provision, cloud.endpoints);
    pool = new LambdaWorkerPool(options.workers ?? 2);
    const firing = await fireSchedule(schedule, stacks, {
      scheduledTime: new Date(),
      clock: systemClock,
      startTarget: localTargetStarter({ dataDir, endpoints: () => connectLocalCloud(dataDir), pool, extraEnv: { LIFEBOAT_FS_ROOT: path.join(dataDir, 'fs') } }),
      onStartFailed: (attempt, error, retryAt) => io.err(`  attempt ${attempt} to start ${schedule.name}'s target failed: ${error.message}${retryAt ? `; retrying at ${retryAt.toISOString()}` : ''}`),
    });
    io.out(`Fired ${schedule.name}: execution ${firing.executionId} of ${firing.stateMachine} started (attempt ${firing.attempts}); follow it with \`lifeboat executions show ${firing.executionId}\`.`);
    const result = await firing.completion;
    const cause = causeMessage(result.cause);
    io.out(`Execution ${result.executionId}: ${result.status}${result.error ? ` (${result.error}${cause ? `: ${cause}` : ''})` : ''}`);
    return result.status === 'SUCCEEDED' ? EXIT_OK : EXIT_FAILED;
  } catch (err) {
    io.err(`lifeboat local schedules fire failed: ${(err as Error).message}`);
    return EXIT_FAILED;
  } finally {
    await pool?.close();
    if (startedCloud) await cloud?.stop();
  }
}

/** A schedule of a stack whose region is stopped: on AWS a region that is down fires none of its schedules. */
export class ScheduleRegionStoppedError extends Error {
  override name = 'ScheduleRegionStoppedError';
}

/**
 * The stacks whose buckets and tables a fire provisions: every stack, less those of regions stopped with `lifeboat
 * local region stop`, whose refused connections would fail the fire before it started (review R43 F5), so a DR
 * stack's schedule fires during a primary outage, as it would on AWS. A schedule of a stopped region's stack is refused.
 */
export function stacksToProvision(
  stacks: readonly SynthesizedStack[],
  schedule: LocalSchedule,
  stoppedRegions: readonly string[],
  options: { dataDir: string; env: string; config: string },
): { provision: SynthesizedStack[]; skipped: SynthesizedStack[] } {
  if (stoppedRegions.includes(schedule.region)) {
    throw new ScheduleRegionStoppedError(
      `${schedule.name} is a schedule of ${schedule.stackName}, whose region ${schedule.region} is stopped: a region that is down fires none of its schedules. ` +
        `Start the region with \`${localCommandLine(`region start ${schedule.region}`, options)}\` first, or fire a schedule of another region's stack`,
    );
  }
  return { provision: stacks.filter((s) => !stoppedRegions.includes(s.region)), skipped: stacks.filter((s) => stoppedRegions.includes(s.region)) };
}

export function registerLocalSchedulesCommands(local: Command, deps: LocalCommandDeps): void {
  const schedules = local.command('schedules').description('the EventBridge Scheduler schedules of the synthesized templates, run locally');
  const common = (cmd: Command): Command =>
    cmd
      .option('--data-dir <dir>', 'where the local cloud keeps its data', DEFAULT_DATA_DIR)
      .option('--env <name>', 'environment of the config', 'dev')
      .option('--config <file>', 'Lifeboat config file', process.env.LIFEBOAT_CONFIG ?? DEFAULT_CONFIG_FILE);
  common(schedules.command('list').description('name, expression, time zone, state, target and next fire time of each schedule'))
    .option('--json', 'print them as JSON', false)
    .action(async (opts: SchedulesListOptions) => {
      process.exitCode = await listSchedulesCommand(opts, deps);
    });
  common(schedules.command('fire <name>').description("fire a schedule now: its target input, role and retry policy, on the local executor; waits for the execution's end"))
    .option('--workers <n>', 'concurrent Lambda environments (1 to 64)', parseWorkerCount, 2)
    .action(async (name: string, opts: SchedulesFireOptions) => {
      process.exitCode = await fireScheduleCommand(name, opts, deps);
    });
}
