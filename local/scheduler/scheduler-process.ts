/**
 * The local scheduler process: `node --import tsx local/scheduler/scheduler-process.ts
 *   --data-dir .lifeboat --cloud-pid PID`, started by `lifeboat local up --with-schedules`
 * (local-scheduler.ts). It reads the stacks `up` synthesized (<dataDir>/scheduler-stacks.json), runs
 * the firing loop with the system clock and the local executor, writes <dataDir>/scheduler.json when
 * ready and after every firing, and logs to <dataDir>/scheduler.log. On SIGTERM it stops firing,
 * records the executions it leaves unfinished as ABORTED and exits; it also exits when the cloud
 * process no longer runs (its pid gone, or now another program's). Not imported by anything.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { connectLocalCloud } from '../cloud/local-cloud';
import { processLiveness, readCloudState } from '../cloud/cloud-state';
import { processStartTime } from '../cloud/process-start-time';
import { markExecutionAborted } from '../executor/execution-history';
import { LambdaWorkerPool } from '../executor/lambda-worker-pool';
import { localTargetStarter } from './local-target-starter';
import { type FiringEvent, ScheduleFiringLoop } from './schedule-firing-loop';
import { systemClock } from './scheduler-clock';
import { readSchedulerState, removeSchedulerState, type SchedulerState, schedulerFiles, writeSchedulerState } from './scheduler-state';
import { resolveScheduleTarget } from './schedule-target';
import { synthesizedSchedules } from './synthesized-schedules';

const CLOUD_POLL_MS = 1000;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, 'cloud-pid': { type: 'string' } }, strict: true });
  const dataDir = values['data-dir'];
  const cloudPid = Number(values['cloud-pid']);
  if (!dataDir || !Number.isInteger(cloudPid) || cloudPid <= 0) {
    process.stderr.write('usage: scheduler-process --data-dir DIR --cloud-pid PID\n');
    process.exit(2);
  }
  const stacks = JSON.parse(readFileSync(schedulerFiles(dataDir).stacksFile, 'utf8')) as SynthesizedStack[];
  const schedules = synthesizedSchedules(stacks);
  const pool = new LambdaWorkerPool(Math.max(1, availableParallelism()));
  const lastFirings = new Map<string, NonNullable<SchedulerState['schedules'][number]['lastFiring']>>();

  const loop = new ScheduleFiringLoop({
    schedules,
    stacks,
    clock: systemClock,
    startTarget: localTargetStarter({
      dataDir,
      endpoints: () => connectLocalCloud(dataDir),
      pool,
      extraEnv: { LIFEBOAT_FS_ROOT: join(dataDir, 'fs') },
    }),
    onEvent: (event) => {
      log(describe(event));
      if (event.kind !== 'completed') {
        lastFirings.set(event.schedule, {
          scheduledTime: event.scheduledTime.toISOString(),
          ...(event.kind === 'started' ? { executionId: event.executionId } : { error: event.error.message }),
        });
      }
      announce();
    },
  });
  const startedAt = new Date().toISOString();
  const startTime = processStartTime(process.pid);
  const announce = (): void => {
    writeSchedulerState(dataDir, {
      pid: process.pid,
      ...(startTime !== undefined ? { processStartTime: startTime } : {}),
      startedAt,
      cloudPid,
      schedules: loop.nextFireTimes().map(({ schedule, next }) => {
        const lastFiring = lastFirings.get(schedule.name);
        let stateMachine: string | undefined;
        try {
          stateMachine = resolveScheduleTarget(stacks, schedule).stateMachineName;
        } catch {
          stateMachine = undefined;
        }
        return {
          name: schedule.name,
          expression: schedule.expression.text,
          timezone: schedule.timezone,
          state: schedule.state,
          ...(stateMachine ? { stateMachine } : {}),
          ...(next ? { nextFireTime: next.toISOString() } : {}),
          ...(lastFiring ? { lastFiring } : {}),
        };
      }),
    });
  };

  let stopping = false;
  const shutdown = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${reason})`);
    void (async () => {
      const unfinished = loop.runningExecutions;
      await loop.stop().catch((err: unknown) => log(`the firing loop had failed: ${String(err)}`));
      for (const id of unfinished) {
        try {
          markExecutionAborted(dataDir, id, `the local scheduler stopped (${reason}) before the execution finished`);
        } catch (err) {
          log(`could not record ${id} as aborted: ${String(err)}`);
        }
      }
      await pool.close().catch(() => undefined);
      if (readSchedulerState(dataDir)?.pid === process.pid) removeSchedulerState(dataDir);
      log('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  // The cloud is its pid with its start time, as the CLI has it (processLiveness): a cloud killed hard leaves its pid to
  // whatever starts next, and a scheduler polling the pid alone would take that program for the cloud and run on.
  const cloud = { pid: cloudPid, processStartTime: cloudStartTime(dataDir, cloudPid) };
  setInterval(() => {
    const liveness = processLiveness(cloud);
    if (liveness === 'gone') shutdown(`the local cloud (pid ${cloudPid}) exited`);
    if (liveness === 'reused') shutdown(`the local cloud (pid ${cloudPid}) is no longer running: its pid now belongs to another program`);
  }, CLOUD_POLL_MS).unref();

  loop.start();
  announce();
  log(`ready: ${schedules.length} schedule(s) from ${stacks.map((s) => s.stackName).join(', ')}`);
  // The loop's own timers keep the process alive; this keeps it alive when no schedule will fire again.
  setInterval(() => undefined, 2 ** 30);
}

/**
 * The start time cloud.json records for the cloud this scheduler serves. When cloud.json names no such cloud (it
 * stopped since `up` started it, or recorded no start time), the pid's start time now: `up` found the cloud running
 * a moment ago, so the process with its pid is the cloud, unless it is gone already (then the pid alone decides).
 */
function cloudStartTime(dataDir: string, cloudPid: number): string | undefined {
  const announced = readCloudState(dataDir);
  return (announced?.pid === cloudPid ? announced.processStartTime : undefined) ?? processStartTime(cloudPid);
}

function describe(event: FiringEvent): string {
  const at = event.scheduledTime.toISOString();
  switch (event.kind) {
    case 'started':
      return `${event.schedule} (${at}): started execution ${event.executionId} after ${event.attempts} attempt(s)`;
    case 'start-failed':
      return `${event.schedule} (${at}): not started: ${event.error.message}`;
    case 'completed':
      return `${event.schedule} (${at}): execution ${event.executionId} ${event.result.status}${event.result.error ? ` (${event.result.error})` : ''}`;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${new Date().toISOString()} local scheduler: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
