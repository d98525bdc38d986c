import { z } from 'zod';
import { resolveValue } from '../cloud/cfn-intrinsics';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { stackResources } from '../executor/stack-resources';
import { InvalidScheduleError } from './errors';
import { parseScheduleExpression, type ScheduleExpression } from '../../config/schedule-expression';
import { assertTimezone } from '../../config/zoned-wall-time';

/**
 * The `AWS::Scheduler::Schedule` resources of the synthesized templates, read as the local scheduler
 * runs them: intrinsic values resolved with the local physical names and ARNs (the executor's own
 * stackResources, so a target ARN matches the state machine the executor would run), the expression
 * parsed, and CloudFormation's defaults filled in (time zone UTC, State ENABLED, RetryPolicy 185
 * attempts within 86 400 s, group "default").
 */
export type RetryPolicy = { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };

export type LocalSchedule = {
  name: string;
  groupName: string;
  stackName: string;
  logicalId: string;
  region: string;
  account: string;
  expression: ScheduleExpression;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  startDate?: Date;
  endDate?: Date;
  /** FLEXIBLE windows fire at the window's start locally (AWS picks a moment inside it). */
  flexibleWindowMinutes?: number;
  target: { arn: string; roleArn: string; input?: string; retryPolicy: RetryPolicy };
};

const SCHEDULE_TYPE = 'AWS::Scheduler::Schedule';

const isoDate = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

const scheduleProperties = z.object({
  Name: z.string().optional(),
  GroupName: z.string().optional(),
  ScheduleExpression: z.string(),
  ScheduleExpressionTimezone: z.string().default('UTC'),
  State: z.enum(['ENABLED', 'DISABLED']).default('ENABLED'),
  StartDate: isoDate.optional(),
  EndDate: isoDate.optional(),
  FlexibleTimeWindow: z.object({ Mode: z.enum(['OFF', 'FLEXIBLE']), MaximumWindowInMinutes: z.number().int().min(1).max(1440).optional() }),
  Target: z.object({
    Arn: z.string(),
    RoleArn: z.string(),
    Input: z.string().optional(),
    RetryPolicy: z
      .object({
        MaximumRetryAttempts: z.number().int().min(0).max(185).default(185),
        MaximumEventAgeInSeconds: z.number().int().min(60).max(86_400).default(86_400),
      })
      .optional(),
  }),
});

/** Every schedule of the stacks, in template order; InvalidScheduleError names the one that cannot be read. */
export function synthesizedSchedules(stacks: readonly SynthesizedStack[]): LocalSchedule[] {
  const schedules: LocalSchedule[] = [];
  for (const stack of stacks) {
    const resources = Object.entries(stack.template.Resources ?? {}).filter(([, r]) => r.Type === SCHEDULE_TYPE);
    if (resources.length === 0) continue;
    const names = stackResources(stack);
    for (const [logicalId, resource] of resources) {
      let props: z.infer<typeof scheduleProperties>;
      try {
        const resolved = resolveValue(resource.Properties ?? {}, names.context(logicalId, 'Properties'), 'Properties');
        props = scheduleProperties.parse(resolved);
      } catch (err) {
        const reason = err instanceof z.ZodError ? err.issues.map((i) => `Properties.${i.path.join('.')}: ${i.message}`).join('; ') : (err as Error).message;
        throw new InvalidScheduleError(stack.stackName, logicalId, reason, { cause: err });
      }
      let expression: ScheduleExpression;
      try {
        expression = parseScheduleExpression(props.ScheduleExpression);
        assertTimezone(props.ScheduleExpressionTimezone);
      } catch (err) {
        throw new InvalidScheduleError(stack.stackName, logicalId, (err as Error).message, { cause: err });
      }
      const retry = props.Target.RetryPolicy;
      schedules.push({
        name: props.Name ?? names.physicalId(logicalId),
        groupName: props.GroupName ?? 'default',
        stackName: stack.stackName,
        logicalId,
        region: stack.region,
        account: stack.account,
        expression,
        timezone: props.ScheduleExpressionTimezone,
        state: props.State,
        ...(props.StartDate ? { startDate: props.StartDate } : {}),
        ...(props.EndDate ? { endDate: props.EndDate } : {}),
        ...(props.FlexibleTimeWindow.Mode === 'FLEXIBLE' ? { flexibleWindowMinutes: props.FlexibleTimeWindow.MaximumWindowInMinutes ?? 1 } : {}),
        target: {
          arn: props.Target.Arn,
          roleArn: props.Target.RoleArn,
          ...(props.Target.Input !== undefined ? { input: props.Target.Input } : {}),
          retryPolicy: { maximumRetryAttempts: retry?.MaximumRetryAttempts ?? 185, maximumEventAgeInSeconds: retry?.MaximumEventAgeInSeconds ?? 86_400 },
        },
      });
    }
  }
  return schedules;
}

/** The schedule's ARN, as Scheduler's context attribute `<aws.scheduler.schedule-arn>` gives it. */
export function scheduleArn(schedule: LocalSchedule): string {
  return `arn:aws:scheduler:${schedule.region}:${schedule.account}:schedule/${schedule.groupName}/${schedule.name}`;
}
