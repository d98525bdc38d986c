import { type LocalExecutionResult } from '../../../../local/executor/run-local-execution';
import { type TargetStartRequest } from '../../../../local/scheduler/fire-schedule';
import { type FiringEvent, ScheduleFiringLoop } from '../../../../local/scheduler/schedule-firing-loop';
import { synthesizedSchedules } from '../../../../local/scheduler/synthesized-schedules';
import { FakeSchedulerClock, settle } from '../../../support/fake-scheduler-clock';
import { scheduledStack } from '../../../support/scheduled-stack';

/**
 * The firing loop of `lifeboat local up --with-schedules`, on a fake clock: a rate(1 minute)
 * schedule fires when the loop starts and then each minute, without a test waiting a real minute.
 */
const t0 = new Date('2026-04-01T10:00:00Z');
const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);

function startLoop(schedules: Record<string, Record<string, unknown>>) {
  const stack = scheduledStack(schedules);
  const clock = new FakeSchedulerClock(t0);
  const requests: TargetStartRequest[] = [];
  const events: FiringEvent[] = [];
  const finish: ((result: LocalExecutionResult) => void)[] = [];
  const loop = new ScheduleFiringLoop({
    schedules: synthesizedSchedules([stack]),
    stacks: [stack],
    clock,
    startTarget: async (request) => {
      requests.push(request);
      return { executionId: request.executionName, completion: new Promise<LocalExecutionResult>((resolve) => finish.push(resolve)) };
    },
    onEvent: (event) => events.push(event),
  });
  loop.start();
  return { loop, clock, requests, events, finish };
}

const firedAt = (requests: TargetStartRequest[], schedule: string): string[] => requests.filter((r) => r.startedBy.schedule === schedule).map((r) => r.startedBy.scheduledTime);

it('fires a rate(1 minute) schedule when started and then every minute of the injected clock', async () => {
  const { loop, clock, requests, events } = startLoop({ Minutely: { Name: 'minutely', ScheduleExpression: 'rate(1 minute)' } });
  await settle();
  expect(firedAt(requests, 'minutely')).toEqual([t0.toISOString()]);
  expect(loop.nextFireTimes()[0]?.next).toEqual(at(60));

  await clock.advanceTo(at(59));
  expect(requests).toHaveLength(1);
  await clock.advanceTo(at(60));
  await clock.advanceTo(at(120));
  expect(firedAt(requests, 'minutely')).toEqual([t0, at(60), at(120)].map((d) => d.toISOString()));
  expect(requests.every((r) => r.stateMachine === 'test-backup')).toBe(true);
  expect(events.filter((e) => e.kind === 'started')).toHaveLength(3);
  await loop.stop();
});

it('keeps firing while earlier executions still run, and reports each one that completes', async () => {
  const { loop, clock, requests, events, finish } = startLoop({ Minutely: { Name: 'minutely', ScheduleExpression: 'rate(1 minute)' } });
  await settle();
  await clock.advanceTo(at(60));
  expect(loop.runningExecutions).toHaveLength(2);
  finish[0]?.({ status: 'SUCCEEDED' } as LocalExecutionResult);
  await settle();
  expect(loop.runningExecutions).toEqual([requests[1]?.executionName]);
  expect(events.find((e) => e.kind === 'completed')).toMatchObject({ schedule: 'minutely', executionId: requests[0]?.executionName, scheduledTime: t0 });
  await loop.stop();
});

it('never fires a DISABLED schedule, stops at EndDate and fires cron schedules on their minutes', async () => {
  const { loop, clock, requests } = startLoop({
    Off: { Name: 'off', ScheduleExpression: 'rate(1 minute)', State: 'DISABLED' },
    Ending: { Name: 'ending', ScheduleExpression: 'rate(1 minute)', EndDate: at(90).toISOString() },
    Quarter: { Name: 'quarter', ScheduleExpression: 'cron(0/15 * * * ? *)' },
  });
  await settle();
  for (const seconds of [60, 120, 180, 900, 1800]) await clock.advanceTo(at(seconds));
  expect(firedAt(requests, 'off')).toEqual([]);
  expect(firedAt(requests, 'ending')).toEqual([t0, at(60)].map((d) => d.toISOString()));
  expect(firedAt(requests, 'quarter')).toEqual([t0, at(900), at(1800)].map((d) => d.toISOString()));
  expect(loop.nextFireTimes().find((p) => p.schedule.name === 'off')?.next).toBeUndefined();
  await loop.stop();
});

it('fires a missed series once on waking and continues from then', async () => {
  const { loop, clock, requests } = startLoop({ Minutely: { Name: 'minutely', ScheduleExpression: 'rate(1 minute)' } });
  await settle();
  await clock.advanceTo(at(600));
  expect(firedAt(requests, 'minutely')).toEqual([t0, at(60)].map((d) => d.toISOString()));
  expect(loop.nextFireTimes()[0]?.next).toEqual(at(660));
  await loop.stop();
});
