import { type LocalExecutionResult } from '../../../../local/executor/run-local-execution';
import { InvalidScheduleError, ScheduleInvocationRefusedError, ScheduleTargetStartError } from '../../../../local/scheduler/errors';
import { fireSchedule, type StartTarget, type TargetStartRequest } from '../../../../local/scheduler/fire-schedule';
import { type LocalSchedule, synthesizedSchedules } from '../../../../local/scheduler/synthesized-schedules';
import { type CfnResource, type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { FakeSchedulerClock } from '../../../support/fake-scheduler-clock';
import { SCHEDULED_STATE_MACHINE_ARN, scheduledStack } from '../../../support/scheduled-stack';

const scheduledTime = new Date('2026-04-01T03:00:00Z');

function scheduleOf(stack: SynthesizedStack, name = 'test-nightly'): LocalSchedule {
  const schedule = synthesizedSchedules([stack]).find((s) => s.name === name);
  if (!schedule) throw new Error(`no schedule ${name}`);
  return schedule;
}

function nightly(target: Record<string, unknown> = {}, edit?: (resources: Record<string, CfnResource>) => void): SynthesizedStack {
  return scheduledStack({ Nightly: { Name: 'test-nightly', ScheduleExpression: 'cron(0 3 * * ? *)', Target: target } }, edit);
}

/** A StartTarget that fails `failures` times, then starts; it records every request. */
function starter(failures: number): { start: StartTarget; requests: TargetStartRequest[] } {
  const requests: TargetStartRequest[] = [];
  return {
    requests,
    start: async (request) => {
      requests.push(request);
      if (requests.length <= failures) throw new Error(`local cloud not running (attempt ${requests.length})`);
      return { executionId: request.executionName, completion: Promise.resolve({ status: 'SUCCEEDED' } as LocalExecutionResult) };
    },
  };
}

async function fire(stack: SynthesizedStack, start: StartTarget, clock = new FakeSchedulerClock(scheduledTime, true)) {
  return fireSchedule(scheduleOf(stack), [stack], { scheduledTime, clock, startTarget: start });
}

async function refusal(stack: SynthesizedStack): Promise<{ error: Error; requests: TargetStartRequest[] }> {
  const { start, requests } = starter(0);
  const error = await fire(stack, start).then(
    () => new Error('the firing was not refused'),
    (err: unknown) => err as Error,
  );
  return { error, requests };
}

describe('reading the schedules of a template', () => {
  it('resolves the target and role ARNs and fills in CloudFormation defaults', () => {
    const stack = scheduledStack({ Bare: { ScheduleExpression: 'rate(1 hour)', ScheduleExpressionTimezone: undefined, Target: { RetryPolicy: undefined } } });
    const [schedule] = synthesizedSchedules([stack]);
    expect(schedule).toMatchObject({
      name: 'Test-Primary-Bare',
      groupName: 'default',
      timezone: 'UTC',
      state: 'ENABLED',
      target: {
        arn: SCHEDULED_STATE_MACHINE_ARN,
        roleArn: 'arn:aws:iam::000000000000:role/Test-Primary-SchedulesRole',
        retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86_400 },
      },
    });
  });

  it('names the schedule and the field of a bad expression, and a bad time zone', () => {
    const badCron = scheduledStack({ Broken: { Name: 'broken', ScheduleExpression: 'cron(0 3 * * * *)' } });
    expect(() => synthesizedSchedules([badCron])).toThrow(InvalidScheduleError);
    expect(() => synthesizedSchedules([badCron])).toThrow('Test-Primary/Broken (AWS::Scheduler::Schedule): Invalid schedule expression "cron(0 3 * * * *)": day-of-month/day-of-week');
    const badZone = scheduledStack({ Broken: { Name: 'broken', ScheduleExpression: 'rate(1 hour)', ScheduleExpressionTimezone: 'Europe/Atlantis' } });
    expect(() => synthesizedSchedules([badZone])).toThrow('Unknown time zone "Europe/Atlantis"');
    const badState = scheduledStack({ Broken: { Name: 'broken', ScheduleExpression: 'rate(1 hour)', State: 'PAUSED' } });
    expect(() => synthesizedSchedules([badState])).toThrow('Properties.State');
  });
});

describe('firing a schedule', () => {
  it('starts the target state machine with the template input, naming the schedule as what started it', async () => {
    const { start, requests } = starter(0);
    const firing = await fire(nightly({ Input: '{"plan":"p","at":"<aws.scheduler.scheduled-time>","attempt":"<aws.scheduler.attempt-number>"}' }), start);
    expect(firing).toMatchObject({ schedule: 'test-nightly', attempts: 1, stateMachine: 'test-backup' });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      stateMachine: 'test-backup',
      input: { plan: 'p', at: '2026-04-01T03:00:00Z', attempt: '1' },
      startedBy: { kind: 'schedule', schedule: 'test-nightly', scheduledTime: scheduledTime.toISOString(), attempt: 1 },
    });
    expect(requests[0]?.executionName).toMatch(/^20260401T030000Z-test-nightly-[0-9a-f]{6}$/);
  });

  it('retries failures to start with exponential backoff and starts on the third attempt', async () => {
    const { start, requests } = starter(2);
    const clock = new FakeSchedulerClock(scheduledTime, true);
    const firing = await fire(nightly(), start, clock);
    expect(firing.attempts).toBe(3);
    expect(requests.map((r) => r.startedBy.attempt)).toEqual([1, 2, 3]);
    expect(clock.sleeps.map((d) => d.getTime() - scheduledTime.getTime())).toEqual([1000, 3000]);
  });

  it('gives up after MaximumRetryAttempts retries, naming the limit and the last failure', async () => {
    const { start, requests } = starter(Infinity);
    const attempt = fire(nightly(), start);
    await expect(attempt).rejects.toBeInstanceOf(ScheduleTargetStartError);
    await expect(attempt).rejects.toThrow('after 4 attempt(s) (RetryPolicy.MaximumRetryAttempts 3 reached): local cloud not running (attempt 4)');
    expect(requests).toHaveLength(4);
  });

  it('stops retrying once a retry would fall after MaximumEventAgeInSeconds', async () => {
    const { start, requests } = starter(Infinity);
    const attempt = fire(nightly({ RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 60 } }), start);
    // Retries at +1, +3, +7, +15, +31 s; the next would be at +63 s.
    await expect(attempt).rejects.toThrow('after 6 attempt(s) (RetryPolicy.MaximumEventAgeInSeconds 60 reached)');
    expect(requests).toHaveLength(6);
  });

  it('does not retry at all with MaximumRetryAttempts 0', async () => {
    const { start, requests } = starter(Infinity);
    await expect(fire(nightly({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } }), start)).rejects.toThrow('after 1 attempt(s)');
    expect(requests).toHaveLength(1);
  });
});

describe('refusing an invocation AWS would fail, without retrying', () => {
  it('when the role has no policy allowing states:StartExecution on the target, naming the missing permission', async () => {
    const { error, requests } = await refusal(nightly({}, (r) => delete r.SchedulesRolePolicy));
    expect(error).toBeInstanceOf(ScheduleInvocationRefusedError);
    expect(error.message).toBe(
      `Schedule test-nightly cannot invoke its target: role Test-Primary-SchedulesRole lacks states:StartExecution on ${SCHEDULED_STATE_MACHINE_ARN}: no policy attached to it allows that action on that resource (grant it, e.g. stateMachine.grantStartExecution(role)).`,
    );
    expect(requests).toEqual([]);
  });

  it('when the policy allows the action on another state machine only', async () => {
    const { error } = await refusal(
      nightly({}, (r) => {
        const statement = (r.SchedulesRolePolicy?.Properties?.PolicyDocument as { Statement: { Resource: unknown }[] }).Statement[0];
        if (statement) statement.Resource = { Ref: 'Other' };
      }),
    );
    expect(error.message).toContain('lacks states:StartExecution on arn:aws:states:us-east-1:000000000000:stateMachine:test-backup');
  });

  it('when a statement denies it, even beside one that allows it', async () => {
    const { error } = await refusal(
      nightly({}, (r) => {
        const doc = r.SchedulesRolePolicy?.Properties?.PolicyDocument as { Statement: unknown[] };
        doc.Statement.push({ Action: 'states:*', Effect: 'Deny', Resource: '*' });
      }),
    );
    expect(error.message).toContain('policy SchedulesRolePolicy explicitly denies states:StartExecution');
  });

  it('when the role does not trust scheduler.amazonaws.com', async () => {
    const { error } = await refusal(
      nightly({}, (r) => {
        const trust = r.SchedulesRole?.Properties?.AssumeRolePolicyDocument as { Statement: { Principal: unknown }[] };
        if (trust.Statement[0]) trust.Statement[0].Principal = { Service: 'lambda.amazonaws.com' };
      }),
    );
    expect(error.message).toContain('the trust policy of role Test-Primary-SchedulesRole does not allow scheduler.amazonaws.com to sts:AssumeRole');
  });

  it('when the trust is pinned by aws:SourceAccount to another account', async () => {
    const { error } = await refusal(
      nightly({}, (r) => {
        const trust = r.SchedulesRole?.Properties?.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] };
        if (trust.Statement[0]) trust.Statement[0].Condition = { StringEquals: { 'aws:SourceAccount': '111111111111' } };
      }),
    );
    expect(error.message).toContain('the trust policy of role Test-Primary-SchedulesRole does not allow scheduler.amazonaws.com');
  });

  it('when the role is not in the templates', async () => {
    const { error } = await refusal(nightly({ RoleArn: 'arn:aws:iam::000000000000:role/someone-elses' }));
    expect(error.message).toContain('its role arn:aws:iam::000000000000:role/someone-elses is not declared in the synthesized templates');
  });

  it('when the target is no state machine of the templates, listing the ones there are', async () => {
    const { error } = await refusal(nightly({ Arn: 'arn:aws:lambda:us-east-1:000000000000:function:nope' }));
    expect(error.message).toContain('its target arn:aws:lambda:us-east-1:000000000000:function:nope is no state machine of the synthesized templates');
    expect(error.message).toContain(SCHEDULED_STATE_MACHINE_ARN);
  });

  it('when the input is not JSON', async () => {
    const { error } = await refusal(nightly({ Input: 'plan=p' }));
    expect(error.message).toContain('its Target.Input is not JSON');
  });

  it('accepts a trust pinned by aws:SourceAccount to the schedule’s own account', async () => {
    const { start, requests } = starter(0);
    const stack = nightly({}, (r) => {
      const trust = r.SchedulesRole?.Properties?.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] };
      if (trust.Statement[0]) trust.Statement[0].Condition = { StringEquals: { 'aws:SourceAccount': '000000000000' } };
    });
    await fire(stack, start);
    expect(requests).toHaveLength(1);
  });

  it('accepts wildcard grants, as IAM matches them', async () => {
    const { start, requests } = starter(0);
    const stack = nightly({}, (r) => {
      const statement = (r.SchedulesRolePolicy?.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement[0];
      if (statement) Object.assign(statement, { Action: ['states:Start*'], Resource: 'arn:aws:states:*:000000000000:stateMachine:test-*' });
    });
    await fire(stack, start);
    expect(requests).toHaveLength(1);
  });
});
