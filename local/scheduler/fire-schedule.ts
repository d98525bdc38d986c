import { randomBytes } from 'node:crypto';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { type ExecutionTrigger } from '../executor/execution-history';
import { type LocalExecutionResult } from '../executor/run-local-execution';
import { ScheduleInvocationRefusedError, ScheduleTargetStartError } from './errors';
import { type SchedulerClock } from './scheduler-clock';
import { checkSchedulerRolePermission } from './scheduler-role-permission';
import { resolveScheduleTarget } from './schedule-target';
import { type LocalSchedule, scheduleArn } from './synthesized-schedules';

/**
 * One firing of a schedule, as EventBridge Scheduler invokes a Step Functions target:
 * 1. the target must be a state machine of the templates, and the schedule's role must exist, trust
 *    scheduler.amazonaws.com and be allowed states:StartExecution on it; otherwise the invocation is
 *    refused at once (ScheduleInvocationRefusedError), as no retry could fix a template;
 * 2. the target's Input (with Scheduler's context attributes such as `<aws.scheduler.scheduled-time>`
 *    substituted) starts an execution;
 * 3. a failure to *start* (the local cloud not running, a definition the executor cannot load) is
 *    retried with exponential backoff (1 s, 2 s, 4 s ... at most 60 s) while the RetryPolicy allows:
 *    at most MaximumRetryAttempts retries and no retry later than MaximumEventAgeInSeconds after the
 *    scheduled time. An execution that starts and then fails is *not* retried: it is the workflow's
 *    outcome, which its own Retry/Catch handles, as in AWS.
 */
export type TargetStartRequest = {
  stack: SynthesizedStack;
  stateMachine: string;
  input: unknown;
  executionName: string;
  startedBy: ExecutionTrigger;
};

/** An execution that has started; `completion` settles when it ends (never rejects after the start). */
export type StartedExecution = { executionId: string; completion: Promise<LocalExecutionResult> };

/** Starts the target; rejects when it could not start (to be retried). */
export type StartTarget = (request: TargetStartRequest) => Promise<StartedExecution>;

export type ScheduleFiring = StartedExecution & { schedule: string; scheduledTime: Date; attempts: number; stateMachine: string };

export type FireScheduleOptions = {
  /** The time the firing is for (now, for `local schedules fire`): the event's age counts from it. */
  scheduledTime: Date;
  clock: SchedulerClock;
  startTarget: StartTarget;
  signal?: AbortSignal;
  /** Told of each failed attempt to start and when the next one is due (undefined: none left). */
  onStartFailed?: (attempt: number, error: Error, retryAt: Date | undefined) => void;
};

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

export async function fireSchedule(schedule: LocalSchedule, stacks: readonly SynthesizedStack[], options: FireScheduleOptions): Promise<ScheduleFiring> {
  const target = resolveScheduleTarget(stacks, schedule);
  checkSchedulerRolePermission(stacks, schedule, target.stateMachineArn);
  const { maximumRetryAttempts, maximumEventAgeInSeconds } = schedule.target.retryPolicy;
  const executionName = executionNameFor(schedule, options.scheduledTime);
  for (let attempt = 1; ; attempt++) {
    const input = targetInput(schedule, { scheduledTime: options.scheduledTime, executionName, attempt });
    try {
      const started = await options.startTarget({
        stack: target.stack,
        stateMachine: target.stateMachineName,
        input,
        // Each attempt is its own StartExecution, and an execution name is used once.
        executionName: attempt === 1 ? executionName : `${executionName}-${attempt}`,
        startedBy: { kind: 'schedule', schedule: schedule.name, scheduledTime: options.scheduledTime.toISOString(), attempt },
      });
      return { ...started, schedule: schedule.name, scheduledTime: options.scheduledTime, attempts: attempt, stateMachine: target.stateMachineName };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (attempt > maximumRetryAttempts) {
        options.onStartFailed?.(attempt, error, undefined);
        throw new ScheduleTargetStartError(schedule.name, attempt, `RetryPolicy.MaximumRetryAttempts ${maximumRetryAttempts} reached`, { cause: error });
      }
      const retryAt = new Date(options.clock.now().getTime() + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1)));
      if (retryAt.getTime() - options.scheduledTime.getTime() > maximumEventAgeInSeconds * 1000) {
        options.onStartFailed?.(attempt, error, undefined);
        throw new ScheduleTargetStartError(schedule.name, attempt, `RetryPolicy.MaximumEventAgeInSeconds ${maximumEventAgeInSeconds} reached`, { cause: error });
      }
      options.onStartFailed?.(attempt, error, retryAt);
      await options.clock.sleepUntil(retryAt, options.signal);
    }
  }
}

/** Step Functions execution names: at most 80 of [A-Za-z0-9_-]. */
function executionNameFor(schedule: LocalSchedule, scheduledTime: Date): string {
  const stamp = scheduledTime.toISOString().replace(/[-:.]/g, '').slice(0, 15);
  const name = schedule.name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 50);
  return `${stamp}Z-${name}-${randomBytes(3).toString('hex')}`;
}

/** The target's Input with Scheduler's context attributes substituted, parsed: StartExecution takes JSON only. */
function targetInput(schedule: LocalSchedule, context: { scheduledTime: Date; executionName: string; attempt: number }): unknown {
  const text = (schedule.target.input ?? '{}')
    .replaceAll('<aws.scheduler.schedule-arn>', scheduleArn(schedule))
    .replaceAll('<aws.scheduler.scheduled-time>', context.scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z'))
    .replaceAll('<aws.scheduler.execution-id>', context.executionName)
    .replaceAll('<aws.scheduler.attempt-number>', String(context.attempt));
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ScheduleInvocationRefusedError(schedule.name, `its Target.Input is not JSON, which states:StartExecution requires (${(err as Error).message}).`);
  }
}
