import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { processLiveness, type ProcessLiveness } from '../cloud/cloud-state';
import { LocalSchedulerStartError } from './errors';
import { readSchedulerState, removeSchedulerState, type SchedulerState, schedulerFiles } from './scheduler-state';

/**
 * Starting, finding and stopping the local scheduler process (scheduler-process.ts), the way
 * local-cloud.ts does for the cloud: it is detached, announces itself in <dataDir>/scheduler.json,
 * and stops itself when the cloud process it serves exits.
 */
export type LocalSchedulerStatus =
  | { state: 'running'; pid: number; startedAt: string; schedules: SchedulerState['schedules'] }
  | { state: 'stopped' }
  /** 'gone': no process has the pid; 'reused': one does, started at another time than the scheduler (never signalled). */
  | { state: 'stale'; pid: number; staleReason: Exclude<ProcessLiveness, 'alive'> };

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const POLL_MS = 50;

function schedulerProcessArgs(): string[] {
  const compiled = __filename.endsWith('.js');
  const script = join(__dirname, compiled ? 'scheduler-process.js' : 'scheduler-process.ts');
  return compiled ? [script] : ['--import', pathToFileURL(require.resolve('tsx')).href, script];
}

function logFrom(file: string, offset: number): string {
  try {
    return readFileSync(file, 'utf8').slice(offset).trimEnd();
  } catch {
    return '';
  }
}

/**
 * Starts the scheduler for these stacks (stopping one that already runs on the data directory, so
 * a new `up` fires the new templates) and resolves once it has announced its schedules.
 */
export async function startLocalScheduler(options: { dataDir: string; stacks: readonly SynthesizedStack[]; cloudPid: number }): Promise<SchedulerState> {
  await stopLocalScheduler(options.dataDir);
  const files = schedulerFiles(options.dataDir);
  writeFileSync(files.stacksFile, JSON.stringify(options.stacks));
  let offset: number;
  try {
    offset = statSync(files.logFile).size;
  } catch {
    offset = 0;
  }
  const logFd = openSync(files.logFile, 'a');
  const child = spawn(process.execPath, [...schedulerProcessArgs(), '--data-dir', options.dataDir, '--cloud-pid', String(options.cloudPid)], {
    cwd: options.dataDir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  let exit: number | null | undefined;
  child.once('exit', (code) => (exit = code));
  child.unref();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const state = readSchedulerState(options.dataDir);
    if (state && state.pid === child.pid) return state;
    if (exit !== undefined) throw new LocalSchedulerStartError(`The local scheduler exited with code ${String(exit)} before it was ready.`, logFrom(files.logFile, offset));
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new LocalSchedulerStartError(`The local scheduler was not ready after ${READY_TIMEOUT_MS} ms; it was killed.`, logFrom(files.logFile, offset));
    }
    await sleep(POLL_MS);
  }
}

/**
 * Stops the scheduler on this data directory (SIGTERM, SIGKILL after 15 s); not running is no error. A scheduler.json
 * whose pid is gone or now another program's is removed and nothing is signalled (`stopped: false`, `staleReason`):
 * the scheduler is its pid with the start time it recorded (the pid of one killed hard may be another program's now).
 */
export async function stopLocalScheduler(dataDir: string): Promise<{ stopped: boolean; pid?: number; staleReason?: Exclude<ProcessLiveness, 'alive'> }> {
  const state = readSchedulerState(dataDir);
  if (!state) return { stopped: false };
  const liveness = processLiveness(state);
  if (liveness !== 'alive') {
    removeSchedulerState(dataDir);
    return { stopped: false, pid: state.pid, staleReason: liveness };
  }
  // Checked with the start time at every step: the pid of a scheduler that exits meanwhile may be handed to another program.
  const isSchedulerAlive = (): boolean => processLiveness(state) === 'alive';
  try {
    process.kill(state.pid, 'SIGTERM');
  } catch {
    // Gone in between.
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isSchedulerAlive()) {
    if (Date.now() > deadline) {
      process.kill(state.pid, 'SIGKILL');
      break;
    }
    await sleep(POLL_MS);
  }
  if (readSchedulerState(dataDir)?.pid === state.pid) removeSchedulerState(dataDir);
  return { stopped: true, pid: state.pid };
}

export function localSchedulerStatus(dataDir: string): LocalSchedulerStatus {
  const state = readSchedulerState(dataDir);
  if (!state) return { state: 'stopped' };
  const liveness = processLiveness(state);
  if (liveness !== 'alive') return { state: 'stale', pid: state.pid, staleReason: liveness };
  return { state: 'running', pid: state.pid, startedAt: state.startedAt, schedules: state.schedules };
}
