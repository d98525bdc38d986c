import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { toCloudProcessArgv } from './cloud-process-args';
import { type CreateOnlyPrefixes, writeCreateOnlyPrefixes } from './create-only-guard';
import { processLiveness, type CloudState, dataDirLayout, readCloudState, readCloudStateFile, removeCloudState } from './cloud-state';
import { LocalCloudAlreadyRunningError, LocalCloudNotRunningError, LocalCloudStartError, LocalCloudStateDamagedError, LocalCloudStopError } from './errors';
import { type RegionState } from './region-control-protocol';

/**
 * Starting, finding and stopping the local cloud: a child process (cloud-process.ts) that runs the
 * emulators and announces itself in <dataDir>/cloud.json. Everything else (CLI, tests, demo,
 * executor) goes through this module.
 */

export type StartLocalCloudOptions = {
  /** Where buckets, tables, cloud.json and cloud.log live (created if missing). */
  dataDir: string;
  /** Regions to serve, e.g. the environment's primary and DR regions. */
  regions: readonly string[];
  /**
   * The cloud outlives the caller (`lifeboat local up`): it does not watch this process. Default false.
   * Either way the cloud runs in a process group of its own (see startLocalCloud).
   */
  detached?: boolean;
  /**
   * The cloud stops itself when this process is gone, however it ended (a SIGKILL included). Default:
   * `!detached`: a cloud that a command or the demo starts for itself never outlives it.
   */
  exitWithParent?: boolean;
  /** Account id in dynalite's table ARNs. Default 000000000000. */
  account?: string;
  /** Regions of another account: the DR region of an environment with `drAccount` (cloudAccountsOf). */
  regionAccounts?: Record<string, string>;
  /** Fixed ports per region; otherwise free ports are picked. */
  ports?: { s3?: Record<string, number>; dynamodb?: Record<string, number> };
  /** How long to wait for cloud.json. Default 20 s. */
  readyTimeoutMs?: number;
  /**
   * How long after a write in a replicated bucket or global table its replica appears in the other region
   * (docs/LOCAL-CLOUD.md, "S3 Replication", "DynamoDB global tables"). Default: LIFEBOAT_LOCAL_REPLICATION_DELAY_MS, else 1000 ms.
   */
  replicationDelayMs?: number;
  /**
   * Tests: bucket name → key prefixes where S3 refuses (403 AccessDenied) a PutObject, CopyObject or
   * CompleteMultipartUpload without `If-None-Match: *`, as IAM does under the create-only grants
   * (create-only-guard.ts; docs/LOCAL-CLOUD.md, "Create-only writes"). Default: none, no guard.
   */
  createOnlyPrefixes?: CreateOnlyPrefixes;
};

export type LocalCloudHandle = {
  readonly endpoints: LocalEndpoints;
  readonly pid: number;
  readonly dataDir: string;
  readonly regions: readonly string[];
  /** Stops the cloud (SIGTERM, then SIGKILL after a timeout); the data stays on disk. */
  stop(): Promise<void>;
};

export type StopLocalCloudResult = {
  /** A live cloud was found and stopped. */
  stopped: boolean;
  pid?: number;
  /** cloud.json was left by a process that no longer exists, and was removed. */
  staleStateRemoved: boolean;
  /** With staleStateRemoved: why it was stale ('reused': its pid belongs to another program now, which was not signalled). */
  staleReason?: StaleReason;
  /** The process ignored SIGTERM until the timeout and was killed. */
  forced: boolean;
};

export type ServiceCheck = {
  service: 's3' | 'dynamodb';
  region: string;
  /** 'stopped': the region was stopped on purpose (`lifeboat local region stop`), so not answering is expected. */
  regionState: RegionState;
  url: string;
  reachable: boolean;
  error?: string;
};

/** Why a cloud.json is stale: its process is gone, or its pid now belongs to a process that started after the cloud. */
export type StaleReason = 'gone' | 'reused';

export type LocalCloudStatus = {
  /** 'stale': cloud.json exists but its process is gone (crashed or killed). */
  state: 'running' | 'stopped' | 'stale';
  dataDir: string;
  /** Only with 'stale'. */
  staleReason?: StaleReason;
  /**
   * Why cloud.json exists but is no cloud's state (not JSON, not the schema); only with 'stopped'. Whether a cloud
   * runs cannot be told then: `stateFileDamagedError` says how to find one.
   */
  unreadable?: string;
  pid?: number;
  startedAt?: string;
  regions?: string[];
  /** Each region up or stopped (a region outage); only while running. */
  regionStates?: Record<string, RegionState>;
  endpoints?: LocalEndpoints;
  services: ServiceCheck[];
};

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const DEFAULT_STOP_TIMEOUT_MS = 15_000;
const POLL_MS = 50;
const LOG_TAIL_CHARS = 4000;

/** The tsx ESM loader, by absolute URL, so the child does not depend on its working directory. */
function tsxLoaderUrl(): string {
  return pathToFileURL(require.resolve('tsx')).href;
}

/**
 * `LIFEBOAT_CLOUD_PROCESS=<file>`: cloud-process.ts compiled to one JavaScript file beforehand, run
 * instead of the one beside this module. A test run sets it (test/support/cloud-process-bundle.ts):
 * it starts the cloud some fifty times, and tsx's loader costs ~0.75–1.1 s of CPU per start.
 */
export const CLOUD_PROCESS_ENV = 'LIFEBOAT_CLOUD_PROCESS';

/**
 * The node arguments that run cloud-process: LIFEBOAT_CLOUD_PROCESS when set, else the one beside this
 * module: the compiled .js in the package's dist/, or the .ts through tsx from the sources (tsx, jest).
 * s3rver needs the OpenSSL legacy provider.
 */
function cloudProcessArgs(): string[] {
  const prebuilt = process.env[CLOUD_PROCESS_ENV];
  if (prebuilt) return ['--openssl-legacy-provider', prebuilt];
  const compiled = __filename.endsWith('.js');
  const script = join(__dirname, compiled ? 'cloud-process.js' : 'cloud-process.ts');
  return ['--openssl-legacy-provider', ...(compiled ? [] : ['--import', tsxLoaderUrl()]), script];
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `was killed by ${signal}`;
  switch (code) {
    case 2:
      return 'rejected its arguments (exit code 2)';
    case 3:
      return 'found another cloud running on the data directory (exit code 3)';
    case 4:
      return 'could not enable the OpenSSL legacy provider (exit code 4)';
    default:
      return `exited with code ${String(code)}`;
  }
}

function readLogFrom(file: string, offset: number): string {
  try {
    const text = readFileSync(file, 'utf8').slice(offset);
    return text.length > LOG_TAIL_CHARS ? `…${text.slice(-LOG_TAIL_CHARS)}` : text.trimEnd();
  } catch {
    return '';
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function handleFor(dataDir: string, state: CloudState): LocalCloudHandle {
  return {
    endpoints: state.endpoints,
    pid: state.pid,
    dataDir: dataDirLayout(dataDir).root,
    regions: state.regions,
    stop: async () => {
      await stopLocalCloud(dataDir, { pid: state.pid });
    },
  };
}

/**
 * Spawns the cloud process and resolves once it has written cloud.json. Rejects with
 * LocalCloudAlreadyRunningError when a live cloud owns the data directory, and with
 * LocalCloudStartError (holding the process's output) when it exits early or is not ready in time.
 */
/** The delay given, else the environment's LIFEBOAT_LOCAL_REPLICATION_DELAY_MS (`lifeboat local up`), else the process's default. */
function replicationDelayOption(given: number | undefined): { replicationDelayMs?: number } {
  const fromEnv = process.env.LIFEBOAT_LOCAL_REPLICATION_DELAY_MS;
  const delay = given ?? (fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : undefined);
  return delay !== undefined && Number.isInteger(delay) && delay >= 0 ? { replicationDelayMs: delay } : {};
}

/** The error for a damaged cloud.json (readCloudStateFile's 'unreadable'): nothing may be started or signalled on its word. */
export function stateFileDamagedError(dataDir: string, problem: string): LocalCloudStateDamagedError {
  const layout = dataDirLayout(dataDir);
  return new LocalCloudStateDamagedError(layout.root, layout.stateFile, problem);
}

/**
 * The state of the cloud that runs on this data directory, undefined when none does (no cloud.json, its pid gone or
 * reused); throws LocalCloudStateDamagedError on a damaged cloud.json. What every "attach or start anew" decision reads.
 */
export function liveCloudState(dataDir: string): CloudState | undefined {
  const file = readCloudStateFile(dataDir);
  if (file.kind === 'unreadable') throw stateFileDamagedError(dataDir, file.problem);
  return file.kind === 'present' && processLiveness(file.state) === 'alive' ? file.state : undefined;
}

export async function startLocalCloud(options: StartLocalCloudOptions): Promise<LocalCloudHandle> {
  const layout = dataDirLayout(options.dataDir);
  if (options.regions.length === 0) throw new Error('startLocalCloud: at least one region is required');
  const existing = readCloudStateFile(layout.root);
  // A damaged file may belong to a cloud that still runs: a second one would fight it for the LevelDB and ports.
  if (existing.kind === 'unreadable') throw stateFileDamagedError(layout.root, existing.problem);
  if (existing.kind === 'present') {
    if (processLiveness(existing.state) === 'alive') throw new LocalCloudAlreadyRunningError(layout.root, existing.state.pid);
    removeCloudState(layout.root);
  }
  mkdirSync(layout.root, { recursive: true });
  // Written (or removed) on every start: a cloud started again on this data directory without the option has no guard.
  writeCreateOnlyPrefixes(layout.root, options.createOnlyPrefixes);

  const argv = toCloudProcessArgv({
    dataDir: layout.root,
    regions: [...options.regions],
    ...(options.account ? { account: options.account } : {}),
    ...(options.regionAccounts ? { regionAccounts: options.regionAccounts } : {}),
    s3Ports: options.ports?.s3 ?? {},
    dynamoDbPorts: options.ports?.dynamodb ?? {},
    ...replicationDelayOption(options.replicationDelayMs),
    ...((options.exitWithParent ?? !options.detached) ? { parentPid: process.pid } : {}),
  });
  const logOffset = fileSize(layout.logFile);
  const logFd = openSync(layout.logFile, 'a');
  let child: ChildProcess;
  try {
    // Always a process group of its own (`detached` in spawn's sense): a terminal's Ctrl-C goes to the
    // foreground group, and the cloud in it stopped within 100 ms while the caller was still stopping its
    // execution, whose release of the backup lease then found no cloud and left the plan locked for a day.
    // The caller stops the cloud once it has given back what it holds; exitWithParent covers its death.
    child = spawn(process.execPath, [...cloudProcessArgs(), ...argv], { cwd: layout.root, detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.once('exit', (code, signal) => (exit = { code, signal }));
  child.once('error', (err) => (spawnError = err));
  // The caller decides the cloud's lifetime through stop(), never by keeping a handle open.
  child.unref();

  const pid = child.pid;
  const deadline = Date.now() + (options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  for (;;) {
    if (spawnError) throw new LocalCloudStartError(`Could not start the local cloud: ${spawnError.message}`, '', { cause: spawnError });
    const state = readCloudState(layout.root);
    if (pid !== undefined && state?.pid === pid) return handleFor(layout.root, state);
    if (exit) {
      throw new LocalCloudStartError(`The local cloud process ${describeExit(exit.code, exit.signal)} before it was ready.`, readLogFrom(layout.logFile, logOffset));
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new LocalCloudStartError(
        `The local cloud was not ready after ${options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS} ms (no ${layout.stateFile}); it was killed.`,
        readLogFrom(layout.logFile, logOffset),
      );
    }
    await sleep(POLL_MS);
  }
}

/** Endpoints of the cloud running on this data directory; LocalCloudNotRunningError when there is none. */
export async function connectLocalCloud(dataDir: string): Promise<LocalEndpoints> {
  const state = liveCloudState(dataDir);
  if (!state) throw new LocalCloudNotRunningError(dataDirLayout(dataDir).root);
  return state.endpoints;
}

/** A handle on the cloud running on this data directory (to stop it later); LocalCloudNotRunningError when there is none. */
export async function attachLocalCloud(dataDir: string): Promise<LocalCloudHandle> {
  const state = liveCloudState(dataDir);
  if (!state) throw new LocalCloudNotRunningError(dataDirLayout(dataDir).root);
  return handleFor(dataDir, state);
}

/**
 * Stops the cloud on this data directory: SIGTERM, wait for the process to close its servers and
 * exit, SIGKILL after `timeoutMs`. Not running is not an error (`stopped: false`); a stale cloud.json
 * is removed without signalling anything. A damaged cloud.json throws LocalCloudStateDamagedError:
 * the cloud it may belong to cannot be found from it, and reporting "not running" would leave it behind.
 */
export async function stopLocalCloud(dataDir: string, options: { timeoutMs?: number; pid?: number } = {}): Promise<StopLocalCloudResult> {
  const file = readCloudStateFile(dataDir);
  if (file.kind === 'unreadable') throw stateFileDamagedError(dataDir, file.problem);
  const state = file.kind === 'present' ? file.state : undefined;
  // With `pid`, only that process is stopped (a handle never stops a cloud started after it).
  if (!state || (options.pid !== undefined && state.pid !== options.pid)) return { stopped: false, staleStateRemoved: false, forced: false };
  const { pid } = state;
  const liveness = processLiveness(state);
  if (liveness !== 'alive') {
    removeCloudState(dataDir);
    return { stopped: false, pid, staleStateRemoved: true, staleReason: liveness, forced: false };
  }
  // Checked with the start time at every step: the pid of a cloud that exits meanwhile may be handed to another program.
  const isCloudAlive = (): boolean => processLiveness(state) === 'alive';
  try {
    process.kill(pid, 'SIGTERM');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw new LocalCloudStopError(`Cannot signal the local cloud (pid ${pid}).`, { cause: err });
  }
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
  while (isCloudAlive()) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      while (isCloudAlive()) await sleep(POLL_MS);
      if (readCloudState(dataDir)?.pid === pid) removeCloudState(dataDir);
      return { stopped: true, pid, staleStateRemoved: false, forced: true };
    }
    await sleep(POLL_MS);
  }
  // The process removes cloud.json itself; this only covers one that died mid-shutdown.
  if (readCloudState(dataDir)?.pid === pid) removeCloudState(dataDir);
  return { stopped: true, pid, staleStateRemoved: false, forced: false };
}

async function checkService(service: 's3' | 'dynamodb', region: string, regionState: RegionState, url: string, timeoutMs: number): Promise<ServiceCheck> {
  try {
    // Any HTTP answer (even an auth error) means the emulator listens.
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return { service, region, regionState, url, reachable: true };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { service, region, regionState, url, reachable: false, error: cause ?? (err as Error).message };
  }
}

/** Whether a cloud runs on this data directory, each region up or stopped, and whether each endpoint answers. */
export async function localCloudStatus(dataDir: string, options: { timeoutMs?: number } = {}): Promise<LocalCloudStatus> {
  const root = dataDirLayout(dataDir).root;
  const file = readCloudStateFile(dataDir);
  if (file.kind !== 'present') return { state: 'stopped', dataDir: root, services: [], ...(file.kind === 'unreadable' ? { unreadable: file.problem } : {}) };
  const { state } = file;
  const base = { dataDir: root, pid: state.pid, startedAt: state.startedAt, regions: state.regions, endpoints: state.endpoints };
  const liveness = processLiveness(state);
  if (liveness !== 'alive') return { state: 'stale', staleReason: liveness, ...base, services: [] };
  const timeoutMs = options.timeoutMs ?? 2000;
  const regionStates = Object.fromEntries(state.regions.map((r): [string, RegionState] => [r, state.stoppedRegions.includes(r) ? 'stopped' : 'up']));
  // Stopped regions are probed too: their ports should refuse, and one that answers is worth showing.
  const checks = (['s3', 'dynamodb'] as const).flatMap((service) =>
    Object.entries(state.endpoints[service]).map(([region, url]) => checkService(service, region, regionStates[region] ?? 'up', url, timeoutMs)),
  );
  return { state: 'running', ...base, regionStates, services: await Promise.all(checks) };
}

export { localDynamoDbClient, localS3Client } from './local-clients';
export { type RegionOutageResult, startRegion, stopRegion } from './region-outage';
