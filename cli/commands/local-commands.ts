import { type Command } from 'commander';
import * as path from 'node:path';
import { type LifeboatConfig } from '../../config/lifeboat-config';
import { DEFAULT_CONFIG_FILE, findEnvironment, loadLifeboatConfig } from '../../config/load-config';
import { synthesizeEnvironment } from '../../local/assembly/synthesize';
import { type SynthesizedStack } from '../../local/assembly/synthesized-stack';
import { DEFAULT_DATA_DIR } from '../../local/cloud/cloud-state';
import {
  attachLocalCloud,
  type LocalCloudHandle,
  localCloudStatus,
  type LocalCloudStatus,
  startLocalCloud,
  type StartLocalCloudOptions,
  stateFileDamagedError,
  stopLocalCloud,
} from '../../local/cloud/local-cloud';
import { type RegionOutageResult, startRegion, stopRegion } from '../../local/cloud/region-outage';
import { type ProvisionSummary, provisionFromTemplates } from '../../local/cloud/provision-from-templates';
import { LOCAL_ENDPOINTS_ENV, type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { localSchedulerStatus, type LocalSchedulerStatus, startLocalScheduler, stopLocalScheduler } from '../../local/scheduler/local-scheduler';
import { type SchedulerState } from '../../local/scheduler/scheduler-state';
import { type CliIo, processIo } from '../cli-io';
import { registerLocalSchedulesCommands } from './local-schedules-commands';
import { cloudAccountsOf } from '../../local/cloud/cloud-accounts';
import { localCommandLine } from '../local-command-line';

/**
 * `lifeboat local up | down | status | region stop|start`: the local cloud as a long-lived
 * background process, and outages of one of its regions; with `up --with-schedules`, the local
 * scheduler beside it (local/scheduler/, a process of its own that `down` stops too).
 * `local schedules list | fire` live in local-schedules-commands.ts.
 *
 * Exit codes: up 0 = running and provisioned, 1 = failed. down 0 = stopped *or was not running*
 * (idempotent, like `docker compose down`), 1 = failed to stop. status 0 = running and every
 * endpoint of every region that is up answers (a region stopped on purpose is not a failure),
 * 1 = running but an endpoint of an up region does not answer, 3 = not running (the LSB
 * convention of `systemctl status`), including a stale cloud.json left by a killed process (its pid gone, or
 * given to another program since), 4 = unknown: cloud.json is damaged (LSB's "status unknown"); up and down
 * then fail (1) without starting or signalling anything, and all three say how to find a cloud still running.
 * region stop|start 0 = the region is now in that state, also when it already was (idempotent),
 * 1 = failed (unknown region, no cloud running, the region could not be stopped or started).
 */

export type SynthesizeFn = (options: { config: LifeboatConfig; envName: string; outdir: string }) => Promise<SynthesizedStack[]>;

export type LocalCommandDeps = {
  io: CliIo;
  /** Produces the environment's synthesized stacks (default: the real CDK app). */
  synthesize: SynthesizeFn;
  /** Extra options for a cloud `up` starts; tests pass exitWithParent so nothing outlives them. */
  cloudOptions?: Pick<StartLocalCloudOptions, 'exitWithParent' | 'readyTimeoutMs' | 'ports'>;
};

export type LocalUpOptions = { dataDir: string; env: string; config: string; withSchedules?: boolean };
export type LocalDownOptions = { dataDir: string };
export type LocalStatusOptions = { dataDir: string; json?: boolean };
export type LocalRegionOptions = { dataDir: string };

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_NOT_RUNNING = 3;
export const EXIT_STATUS_UNKNOWN = 4;

const defaultDeps: LocalCommandDeps = { io: processIo, synthesize: synthesizeEnvironment };

function endpointLines(endpoints: LocalEndpoints): string[] {
  return (['s3', 'dynamodb'] as const).flatMap((service) =>
    Object.entries(endpoints[service]).map(([region, url]) => `  ${service.padEnd(9)}${region.padEnd(16)}${url}`),
  );
}

function provisionLines(summary: ProvisionSummary): string[] {
  const lines = [
    ...summary.buckets.map((b) => `  ${b.region.padEnd(16)}bucket ${b.bucketName} (${b.created ? 'created' : 'exists'})`),
    ...summary.tables.map((t) => `  ${t.region.padEnd(16)}table  ${t.tableName} (${t.created ? 'created' : 'exists'})`),
  ];
  if (summary.notes.length) lines.push('Notes:', ...summary.notes.map((n) => `  - ${n}`));
  return lines;
}

/** `local up`: starts the cloud in the background (or reuses a running one) and provisions the environment into it. */
export async function localUp(options: LocalUpOptions, deps: Partial<LocalCommandDeps> = {}): Promise<number> {
  const { io, synthesize, cloudOptions } = { ...defaultDeps, ...deps };
  const dataDir = path.resolve(options.dataDir);
  try {
    const config = loadLifeboatConfig(options.config);
    const env = findEnvironment(config, options.env);
    const regions = [env.primaryRegion, env.drRegion];
    const stacks = await synthesize({ config, envName: env.name, outdir: path.join(dataDir, 'cdk.out') });

    let cloud: LocalCloudHandle;
    const status = await localCloudStatus(dataDir);
    if (status.state === 'running') {
      const stopped = stoppedRegions(status);
      if (stopped.length) {
        io.err(`Region ${stopped.join(', ')} of the local cloud on ${dataDir} is stopped, so it cannot be provisioned; run \`${localCommandLine(`region start ${stopped[0] ?? ''}`, options)}\` first.`);
        return EXIT_FAILED;
      }
      cloud = await attachLocalCloud(dataDir);
      const missing = regions.filter((r) => !cloud.regions.includes(r));
      if (missing.length) {
        io.err(`The local cloud on ${dataDir} (pid ${cloud.pid}) serves ${cloud.regions.join(', ')} but environment ${env.name} needs ${missing.join(', ')}; run \`${localCommandLine('down', options)}\` first.`);
        return EXIT_FAILED;
      }
      io.out(`Local cloud already running (pid ${cloud.pid}, data dir ${dataDir}):`);
    } else {
      cloud = await startLocalCloud({ dataDir, regions, ...cloudAccountsOf(env), detached: true, ...cloudOptions });
      io.out(`Local cloud started (pid ${cloud.pid}, data dir ${dataDir}):`);
    }
    endpointLines(cloud.endpoints).forEach((l) => io.out(l));

    const summary = await provisionFromTemplates(stacks, cloud.endpoints);
    io.out(`Provisioned from ${stacks.map((s) => s.stackName).join(', ')}:`);
    provisionLines(summary).forEach((l) => io.out(l));
    if (options.withSchedules) {
      const scheduler = await startLocalScheduler({ dataDir, stacks, cloudPid: cloud.pid });
      io.out(`Local scheduler started (pid ${scheduler.pid}), firing ${scheduler.schedules.length} schedule(s):`);
      scheduleLines(scheduler.schedules).forEach((l) => io.out(l));
    } else if (localSchedulerStatus(dataDir).state === 'running') {
      // A scheduler left from an earlier `up --with-schedules` would fire the old templates.
      await stopLocalScheduler(dataDir);
      io.out('Local scheduler stopped (this `up` has no --with-schedules).');
    }
    io.out(`Point tools at it with ${LOCAL_ENDPOINTS_ENV}='${JSON.stringify(cloud.endpoints)}'`);
    io.out(`Stop it with \`${localCommandLine('down', options)}\` (the data stays in the data dir).`);
    return EXIT_OK;
  } catch (err) {
    io.err(`lifeboat local up failed: ${(err as Error).message}`);
    return EXIT_FAILED;
  }
}

function scheduleLines(schedules: SchedulerState['schedules']): string[] {
  return schedules.map((s) => `  ${s.name}  ${s.expression} ${s.timezone}  ${s.state === 'ENABLED' ? `next ${s.nextFireTime ?? 'never'}` : 'DISABLED'}`);
}

function schedulerLines(status: LocalSchedulerStatus, dataDir: string): string[] {
  const up = localCommandLine('up --with-schedules', { dataDir });
  if (status.state === 'running') return [`Schedules: active (local scheduler pid ${status.pid}, since ${status.startedAt}):`, ...scheduleLines(status.schedules)];
  if (status.state === 'stale' && status.staleReason === 'reused') {
    return [`Schedules: not active (the recorded scheduler is no longer running: its pid ${status.pid} now belongs to another program, which is not signalled; \`${up}\` starts a new one).`];
  }
  if (status.state === 'stale') return [`Schedules: not active (scheduler pid ${status.pid} is gone; \`${up}\` starts a new one).`];
  return [`Schedules: not active (\`${up}\` fires them).`];
}

/** `local down`: stops the scheduler and the cloud; not running is reported and is not an error. */
export async function localDown(options: LocalDownOptions, deps: Partial<LocalCommandDeps> = {}): Promise<number> {
  const { io } = { ...defaultDeps, ...deps };
  const dataDir = path.resolve(options.dataDir);
  try {
    const scheduler = await stopLocalScheduler(dataDir);
    if (scheduler.stopped) io.out(`Local scheduler stopped (pid ${scheduler.pid ?? '?'}).`);
    const result = await stopLocalCloud(dataDir);
    if (result.stopped) {
      io.out(`Local cloud stopped (pid ${result.pid ?? '?'}${result.forced ? ', killed after the shutdown timeout' : ''}); data kept in ${dataDir}.`);
    } else if (result.staleStateRemoved && result.staleReason === 'reused') {
      io.out(`The local cloud was not running (removed a stale cloud.json: its pid ${result.pid ?? '?'} now belongs to another program, which was not signalled).`);
    } else if (result.staleStateRemoved) {
      io.out(`The local cloud was not running (removed a stale cloud.json left by pid ${result.pid ?? '?'}).`);
    } else {
      io.out(`The local cloud is not running (data dir ${dataDir}).`);
    }
    return EXIT_OK;
  } catch (err) {
    io.err(`lifeboat local down failed: ${(err as Error).message}`);
    return EXIT_FAILED;
  }
}

function stoppedRegions(status: LocalCloudStatus): string[] {
  return Object.entries(status.regionStates ?? {})
    .filter(([, state]) => state === 'stopped')
    .map(([region]) => region);
}

function serviceVerdict(s: LocalCloudStatus['services'][number]): string {
  if (s.regionState === 'stopped') return s.reachable ? 'STOPPED, BUT THE PORT ANSWERS (another program took it?)' : 'stopped';
  return s.reachable ? 'ok' : `NOT ANSWERING (${s.error ?? '?'})`;
}

/** `local status`: running or not, each region up or stopped, and whether each endpoint answers. */
export async function localStatus(options: LocalStatusOptions, deps: Partial<LocalCommandDeps> = {}): Promise<number> {
  const { io } = { ...defaultDeps, ...deps };
  const status = await localCloudStatus(path.resolve(options.dataDir));
  const scheduler = localSchedulerStatus(path.resolve(options.dataDir));
  // A region stopped on purpose is the state the user asked for, not a fault of the cloud.
  const healthy = status.state === 'running' && status.services.every((s) => s.regionState === 'stopped' || s.reachable);
  const code = status.unreadable !== undefined ? EXIT_STATUS_UNKNOWN : status.state !== 'running' ? EXIT_NOT_RUNNING : healthy ? EXIT_OK : EXIT_FAILED;
  if (options.json) {
    io.out(JSON.stringify({ ...status, healthy, schedules: { active: scheduler.state === 'running', ...scheduler } }, null, 2));
    return code;
  }
  if (status.unreadable !== undefined) {
    io.out(stateFileDamagedError(status.dataDir, status.unreadable).message);
  } else if (status.state === 'stopped') {
    io.out(`The local cloud is not running (data dir ${status.dataDir}).`);
  } else if (status.state === 'stale' && status.staleReason === 'reused') {
    io.out(
      `The local cloud is not running: pid ${status.pid ?? '?'} from ${status.dataDir}/cloud.json now belongs to another program (it started after the cloud); \`${localCommandLine('down', options)}\` removes the stale file without signalling it.`,
    );
  } else if (status.state === 'stale') {
    io.out(`The local cloud is not running: pid ${status.pid ?? '?'} from ${status.dataDir}/cloud.json is gone; \`${localCommandLine('down', options)}\` cleans up.`);
  } else {
    io.out(`The local cloud is running (pid ${status.pid ?? '?'}, since ${status.startedAt ?? '?'}, data dir ${status.dataDir}):`);
    for (const [region, state] of Object.entries(status.regionStates ?? {})) {
      io.out(`  ${'region'.padEnd(9)}${region.padEnd(16)}${state === 'up' ? 'up' : `stopped (\`${localCommandLine(`region start ${region}`, options)}\` brings it back)`}`);
    }
    for (const s of status.services) {
      io.out(`  ${s.service.padEnd(9)}${s.region.padEnd(16)}${s.url.padEnd(26)}${serviceVerdict(s)}`);
    }
    schedulerLines(scheduler, options.dataDir).forEach((l) => io.out(l));
  }
  return code;
}

function outageLine(result: RegionOutageResult, options: LocalRegionOptions): string {
  const where = `S3 ${result.endpoints.s3}, DynamoDB ${result.endpoints.dynamodb}`;
  if (result.state === 'stopped') {
    return result.changed
      ? `Region ${result.region} stopped: its S3 and DynamoDB refuse connections (${where}); data kept. Bring it back with \`${localCommandLine(`region start ${result.region}`, options)}\`.`
      : `Region ${result.region} was already stopped; nothing done.`;
  }
  return result.changed
    ? `Region ${result.region} started: its S3 and DynamoDB answer again on the same endpoints (${where}), with their data.`
    : `Region ${result.region} was already up; nothing done.`;
}

/** `local region stop|start <region>`: a region outage in the running cloud, and its end. */
export async function localRegion(action: 'stop' | 'start', region: string, options: LocalRegionOptions, deps: Partial<LocalCommandDeps> = {}): Promise<number> {
  const { io } = { ...defaultDeps, ...deps };
  try {
    const change = action === 'stop' ? stopRegion : startRegion;
    io.out(outageLine(await change(path.resolve(options.dataDir), region), options));
    return EXIT_OK;
  } catch (err) {
    io.err(`lifeboat local region ${action} failed: ${(err as Error).message}`);
    return EXIT_FAILED;
  }
}

export function registerLocalCommands(program: Command, deps: Partial<LocalCommandDeps> = {}): void {
  const local = program.command('local').description('the local cloud: S3 (s3rver) and DynamoDB (dynalite) on 127.0.0.1');
  local
    .command('up')
    .description("start the local cloud in the background and create the environment's buckets and tables")
    .option('--data-dir <dir>', 'where the local cloud keeps its data', DEFAULT_DATA_DIR)
    .option('--env <name>', 'environment of the config', 'dev')
    .option('--config <file>', 'Lifeboat config file', process.env.LIFEBOAT_CONFIG ?? DEFAULT_CONFIG_FILE)
    .option('--with-schedules', "also run the templates' EventBridge Scheduler schedules: a background scheduler fires them on their expressions", false)
    .action(async (opts: LocalUpOptions) => {
      process.exitCode = await localUp(opts, deps);
    });
  local
    .command('down')
    .description('stop the local scheduler and the local cloud (the data stays in the data dir)')
    .option('--data-dir <dir>', 'where the local cloud keeps its data', DEFAULT_DATA_DIR)
    .action(async (opts: LocalDownOptions) => {
      process.exitCode = await localDown(opts, deps);
    });
  local
    .command('status')
    .description('whether the local cloud runs, each region is up or stopped, and each endpoint answers (exit 0 healthy, 1 degraded, 3 not running)')
    .option('--data-dir <dir>', 'where the local cloud keeps its data', DEFAULT_DATA_DIR)
    .option('--json', 'print the status as JSON', false)
    .action(async (opts: LocalStatusOptions) => {
      process.exitCode = await localStatus(opts, deps);
    });
  const region = local.command('region').description("a region outage: stop or start one region's S3 and DynamoDB in the running local cloud");
  region
    .command('stop <region>')
    .description("make the region's S3 and DynamoDB refuse connections (its data is kept)")
    .option('--data-dir <dir>', 'where the local cloud keeps its data', DEFAULT_DATA_DIR)
    .action(async (name: string, opts: LocalRegionOptions) => {
      process.exitCode = await localRegion('stop', name, opts, deps);
    });
  region
    .command('start <region>')
    .description("bring a stopped region back, with its data, on the same endpoints")
    .option('--data-dir <dir>', 'where the local cloud keeps its data', DEFAULT_DATA_DIR)
    .action(async (name: string, opts: LocalRegionOptions) => {
      process.exitCode = await localRegion('start', name, opts, deps);
    });
  registerLocalSchedulesCommands(local, { ...defaultDeps, ...deps });
}
