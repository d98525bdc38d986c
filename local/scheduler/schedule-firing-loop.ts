import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { type LocalExecutionResult } from '../executor/run-local-execution';
import { fireSchedule, type StartTarget } from './fire-schedule';
import { nextFireTime } from '../../config/next-fire-time';
import { type SchedulerClock } from './scheduler-clock';
import { type LocalSchedule } from './synthesized-schedules';

/**
 * Fires the ENABLED schedules of the templates on their expressions while it runs (what
 * `lifeboat local up --with-schedules` runs in the scheduler process). The schedules count as
 * created when the loop starts: a rate schedule without StartDate fires then, as Scheduler fires a
 * newly created one at once. A firing does not wait for the execution it starts, so a slow backup
 * never delays another schedule, and a schedule due again while its last execution still runs
 * starts another one, as in AWS (the backup workflow's lock then refuses the second). Firings that
 * fell due while the loop was not running (machine asleep, `local down`) are not caught up: on
 * waking, a schedule fires once and continues from the current time.
 */
export type FiringEvent =
  | { kind: 'started'; schedule: string; scheduledTime: Date; executionId: string; attempts: number }
  | { kind: 'start-failed'; schedule: string; scheduledTime: Date; error: Error }
  | { kind: 'completed'; schedule: string; scheduledTime: Date; executionId: string; result: LocalExecutionResult };

export type ScheduleFiringLoopOptions = {
  schedules: readonly LocalSchedule[];
  stacks: readonly SynthesizedStack[];
  clock: SchedulerClock;
  startTarget: StartTarget;
  onEvent?: (event: FiringEvent) => void;
};

export type PlannedFiring = { schedule: LocalSchedule; next: Date | undefined };

export class ScheduleFiringLoop {
  private readonly planned: PlannedFiring[];
  private readonly abort = new AbortController();
  private readonly running = new Map<string, Promise<LocalExecutionResult>>();
  private readonly firing = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private failure: unknown;
  private createdAt: Date | undefined;

  constructor(private readonly options: ScheduleFiringLoopOptions) {
    this.planned = options.schedules.map((schedule) => ({ schedule, next: undefined }));
  }

  /** Starts firing; the schedules count as created now. */
  start(): void {
    if (this.loop) return;
    const createdAt = this.options.clock.now();
    this.createdAt = createdAt;
    for (const plan of this.planned) plan.next = plan.schedule.state === 'ENABLED' ? this.nextAfter(plan.schedule, createdAt, true) : undefined;
    this.loop = this.run().catch((err: unknown) => {
      if (!this.abort.signal.aborted) this.failure = err;
    });
  }

  /** Each schedule with its next fire time (undefined: DISABLED, or it will not fire again). */
  nextFireTimes(): readonly PlannedFiring[] {
    return this.planned;
  }

  /** When the loop started (the schedules' creation time), once started. */
  get startedAt(): Date | undefined {
    return this.createdAt;
  }

  /** Executions started by this loop that have not finished, by execution id. */
  get runningExecutions(): readonly string[] {
    return [...this.running.keys()];
  }

  /** Stops firing (a firing waiting to retry gives up); executions already started keep running. Rethrows what broke the loop, if anything did. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('the local scheduler is stopping'));
    await this.loop;
    await Promise.allSettled([...this.firing]);
    if (this.failure !== undefined) throw this.failure;
  }

  private nextAfter(schedule: LocalSchedule, from: Date, inclusive: boolean): Date | undefined {
    const notBefore = inclusive ? from : new Date(from.getTime() + 1);
    return nextFireTime(schedule.expression, notBefore, {
      timezone: schedule.timezone,
      createdAt: this.createdAt ?? from,
      ...(schedule.startDate ? { startDate: schedule.startDate } : {}),
      ...(schedule.endDate ? { endDate: schedule.endDate } : {}),
    });
  }

  private async run(): Promise<void> {
    const { clock } = this.options;
    const signal = this.abort.signal;
    for (;;) {
      const due = this.planned.map((p) => p.next).filter((d): d is Date => d !== undefined);
      if (due.length === 0) return;
      await clock.sleepUntil(new Date(Math.min(...due.map((d) => d.getTime()))), signal);
      const now = clock.now();
      for (const plan of this.planned) {
        if (!plan.next || plan.next.getTime() > now.getTime()) continue;
        this.fire(plan.schedule, plan.next);
        // From the later of the firing and now: missed firings are not caught up one by one.
        plan.next = this.nextAfter(plan.schedule, new Date(Math.max(plan.next.getTime(), now.getTime())), false);
      }
    }
  }

  private fire(schedule: LocalSchedule, scheduledTime: Date): void {
    const { onEvent } = this.options;
    const firing = fireSchedule(schedule, this.options.stacks, {
      scheduledTime,
      clock: this.options.clock,
      startTarget: this.options.startTarget,
      signal: this.abort.signal,
    }).then(
      (started) => {
        onEvent?.({ kind: 'started', schedule: schedule.name, scheduledTime, executionId: started.executionId, attempts: started.attempts });
        this.running.set(started.executionId, started.completion);
        void started.completion.then(
          (result) => {
            this.running.delete(started.executionId);
            onEvent?.({ kind: 'completed', schedule: schedule.name, scheduledTime, executionId: started.executionId, result });
          },
          () => this.running.delete(started.executionId),
        );
      },
      (err: unknown) => {
        onEvent?.({ kind: 'start-failed', schedule: schedule.name, scheduledTime, error: err instanceof Error ? err : new Error(String(err)) });
      },
    );
    this.firing.add(firing);
    void firing.finally(() => this.firing.delete(firing));
  }
}
