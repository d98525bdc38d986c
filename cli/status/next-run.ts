import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { parseScheduleExpression } from '../../config/schedule-expression';
import { type LocalSchedulerStatus } from '../../local/scheduler/local-scheduler';
import { nextFireTime } from '../../config/next-fire-time';
import { describeError, errorNameOf } from '../doctor/sdk-error';

/**
 * When a plan's backup schedule (`<prefix>-<plan>`) fires next. In AWS: from the deployed schedule
 * (Scheduler GetSchedule: its expression, time zone, start and end dates, and its creation date,
 * which anchors a rate schedule without a start date), computed with next-fire-time.ts as the local
 * scheduler does. Locally: what the running local scheduler announced; without it nothing fires.
 */
export type NextRun =
  | { state: 'scheduled'; at: string; expression: string }
  | { state: 'disabled'; schedule: string }
  | { state: 'not-firing'; schedule: string; reason: string }
  | { state: 'never-again'; schedule: string; expression: string }
  | { state: 'unknown'; schedule: string; reason: string };

export async function awsNextRun(scheduler: Pick<SchedulerClient, 'send'>, scheduleName: string, now: Date): Promise<NextRun> {
  try {
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: scheduleName }));
    if (schedule.State !== 'ENABLED') return { state: 'disabled', schedule: scheduleName };
    const expression = schedule.ScheduleExpression ?? '';
    const at = nextFireTime(parseScheduleExpression(expression), now, {
      timezone: schedule.ScheduleExpressionTimezone ?? 'UTC',
      createdAt: schedule.CreationDate ?? now,
      ...(schedule.StartDate ? { startDate: schedule.StartDate } : {}),
      ...(schedule.EndDate ? { endDate: schedule.EndDate } : {}),
    });
    return at ? { state: 'scheduled', at: at.toISOString(), expression } : { state: 'never-again', schedule: scheduleName, expression };
  } catch (err) {
    if (errorNameOf(err) === 'ResourceNotFoundException') return { state: 'unknown', schedule: scheduleName, reason: `schedule ${scheduleName} does not exist (is the primary stack deployed?)` };
    return { state: 'unknown', schedule: scheduleName, reason: `cannot read schedule ${scheduleName}: ${describeError(err)}` };
  }
}

/**
 * `upOptions`: the status command's target options, with a leading space (targetOptionsLine), which the `lifeboat local up`
 * it names carries: without them it starts the scheduler of another data dir's cloud, or of another environment.
 */
export function localNextRun(scheduler: LocalSchedulerStatus, scheduleName: string, upOptions = ''): NextRun {
  const up = `\`lifeboat local up --with-schedules${upOptions}\``;
  if (scheduler.state !== 'running') {
    return { state: 'not-firing', schedule: scheduleName, reason: `the local scheduler is not running: ${up} fires the schedules` };
  }
  const announced = scheduler.schedules.find((s) => s.name === scheduleName);
  if (!announced) return { state: 'unknown', schedule: scheduleName, reason: `the local scheduler (pid ${scheduler.pid}) has no schedule ${scheduleName}: restart it with ${up}` };
  if (announced.state !== 'ENABLED') return { state: 'disabled', schedule: scheduleName };
  return announced.nextFireTime ? { state: 'scheduled', at: announced.nextFireTime, expression: announced.expression } : { state: 'never-again', schedule: scheduleName, expression: announced.expression };
}
