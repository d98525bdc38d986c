import { GetScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { awsNextRun } from '../../../cli/status/next-run';

/**
 * `lifeboat status --aws`: a plan's next run from its deployed EventBridge Scheduler schedule, as
 * next-fire-time.ts computes fire times (a rate schedule counts from its creation date).
 */

const scheduler = mockClient(SchedulerClient);
const client = new SchedulerClient({ region: 'us-east-1' });
const NOW = new Date('2026-11-30T12:00:00.000Z');

afterEach(() => scheduler.reset());
afterAll(() => client.destroy());

it('a rate schedule fires a whole number of periods after it was created', async () => {
  scheduler.on(GetScheduleCommand, { Name: 'lifeboat-dev-demo' }).resolves({ State: 'ENABLED', ScheduleExpression: 'rate(1 day)', ScheduleExpressionTimezone: 'UTC', CreationDate: new Date('2026-11-01T06:30:00.000Z') });
  expect(await awsNextRun(client, 'lifeboat-dev-demo', NOW)).toEqual({ state: 'scheduled', at: '2026-12-01T06:30:00.000Z', expression: 'rate(1 day)' });
});

it('a cron schedule in its time zone', async () => {
  scheduler.on(GetScheduleCommand).resolves({ State: 'ENABLED', ScheduleExpression: 'cron(0 3 * * ? *)', ScheduleExpressionTimezone: 'Europe/Paris', CreationDate: new Date('2026-01-01T00:00:00.000Z') });
  expect(await awsNextRun(client, 'lifeboat-dev-demo', NOW)).toEqual({ state: 'scheduled', at: '2026-12-01T02:00:00.000Z', expression: 'cron(0 3 * * ? *)' });
});

it('a disabled schedule, one past its end date, and one that does not exist', async () => {
  scheduler
    .on(GetScheduleCommand)
    .resolvesOnce({ State: 'DISABLED', ScheduleExpression: 'rate(1 day)' })
    .resolvesOnce({ State: 'ENABLED', ScheduleExpression: 'rate(1 day)', CreationDate: new Date('2026-11-01T00:00:00.000Z'), EndDate: new Date('2026-11-15T00:00:00.000Z') })
    .rejectsOnce(new ResourceNotFoundException({ message: 'Schedule lifeboat-dev-demo does not exist.', Message: 'Schedule lifeboat-dev-demo does not exist.', $metadata: {} }));
  expect(await awsNextRun(client, 'lifeboat-dev-demo', NOW)).toEqual({ state: 'disabled', schedule: 'lifeboat-dev-demo' });
  expect(await awsNextRun(client, 'lifeboat-dev-demo', NOW)).toEqual({ state: 'never-again', schedule: 'lifeboat-dev-demo', expression: 'rate(1 day)' });
  expect(await awsNextRun(client, 'lifeboat-dev-demo', NOW)).toEqual({ state: 'unknown', schedule: 'lifeboat-dev-demo', reason: 'schedule lifeboat-dev-demo does not exist (is the primary stack deployed?)' });
});
