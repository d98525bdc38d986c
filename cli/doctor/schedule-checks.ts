import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type SynthesizedStack } from '../../local/assembly/synthesized-stack';
import { type LocalSchedulerStatus } from '../../local/scheduler/local-scheduler';
import { type CheckResult, fail, ok } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError, errorNameOf } from './sdk-error';
import { regionUnansweredResult } from './unanswered-region';

/**
 * Group 5, after a deploy: every plan's EventBridge Scheduler schedule (`<prefix>-<plan>`, in the
 * primary region) is enabled. A disabled schedule fails: the plan is then backed up by nobody. In
 * AWS: Scheduler GetSchedule. Locally: the synthesized schedule's `State` (what a deploy would set),
 * and whether the local scheduler (`local up --with-schedules`) is firing it.
 */

export async function checkSchedule(scheduler: SchedulerClient, ctx: DoctorContext, plan: ProtectionPlanConfig): Promise<CheckResult> {
  const name = `schedule ${plan.name}`;
  const scheduleName = `${ctx.names.schedulePrefix}${plan.name}`;
  const region = ctx.environment.primaryRegion;
  try {
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: scheduleName }));
    if (schedule.State !== 'ENABLED') {
      return fail(
        name,
        `schedule ${scheduleName} is ${schedule.State ?? 'in an unknown state'}: plan ${plan.name} is not backed up`,
        `enable it (EventBridge Scheduler console in ${region}: Schedules → ${scheduleName} → Enable); a deploy does not, since the template leaves State to its default`,
      );
    }
    return ok(name, `schedule ${scheduleName} ENABLED, ${schedule.ScheduleExpression ?? plan.schedule}`);
  } catch (err) {
    if (errorNameOf(err) === 'ResourceNotFoundException') {
      return fail(name, `schedule ${scheduleName} does not exist in ${region}`, ctx.cdk(`deploy ${ctx.names.primaryStack}`));
    }
    return regionUnansweredResult(name, region, err, `cannot read schedule ${scheduleName}`) ?? fail(name, `cannot read schedule ${scheduleName}: ${describeError(err)}`, 'allow scheduler:GetSchedule to the caller');
  }
}

export function checkSynthesizedSchedule(primary: SynthesizedStack, ctx: DoctorContext, plan: ProtectionPlanConfig, scheduler: LocalSchedulerStatus): CheckResult {
  const name = `schedule ${plan.name}`;
  const scheduleName = `${ctx.names.schedulePrefix}${plan.name}`;
  const schedule = Object.values(primary.template.Resources ?? {}).find((r) => r.Type === 'AWS::Scheduler::Schedule' && r.Properties?.Name === scheduleName);
  if (!schedule) return fail(name, `the template of ${primary.stackName} has no schedule ${scheduleName}`, `check that plan ${plan.name} is in environment ${ctx.environment.name} of ${ctx.request.configFile}`);
  const state = typeof schedule.Properties?.State === 'string' ? schedule.Properties.State : 'ENABLED';
  if (state !== 'ENABLED') return fail(name, `schedule ${scheduleName} is ${state} in the template: a deploy would not back up plan ${plan.name}`, `remove State: ${state} from the schedule of plan ${plan.name}`);
  // Without the local scheduler nothing fires the schedule, which is how the demo and most local use run: not a fault.
  const firing =
    scheduler.state === 'running'
      ? `fired by the local scheduler (pid ${scheduler.pid})`
      : `the local scheduler is not running: \`lifeboat local up --with-schedules\` fires it, \`${ctx.lifeboat(`backup --plan ${plan.name}`)}\` runs a backup now`;
  return ok(name, `schedule ${scheduleName} ENABLED in the template, ${plan.schedule} (${firing})`);
}
