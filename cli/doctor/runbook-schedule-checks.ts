import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { mirrorOf } from '../../config/lifeboat-config';
import { DEFAULT_MIRROR_CHECK_SCHEDULE, DEFAULT_PRUNE_SCHEDULE, DEFAULT_SCRUB_SCHEDULE } from '../../lib/lifeboat-defaults';
import { type SynthesizedStack } from '../../local/assembly/synthesized-stack';
import { type CheckResult, fail, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError, errorNameOf } from './sdk-error';
import { regionUnansweredResult } from './unanswered-region';

/**
 * A schedule of the environment other than a plan's backup schedule (schedule-checks.ts): a plan's drill schedule, in the
 * region of the vault it drills; the scrub's and the primary prune's in the primary region; the DR prune's and, with a
 * mirrored source, the mirror check's in the DR region. `stops`: what no longer happens while it does not fire.
 */
export type RunbookSchedule = { check: string; scheduleName: string; side: 'primary' | 'dr'; region: string; expression: string; stops: string };

/**
 * Until audit a58C F1 the doctor checked only the plans' backup schedules: a drill or scrub schedule disabled by hand was
 * seen by no check, no alarm and no status line. In the order the doctor lists them, after the plans' checks.
 */
export function runbookSchedules(ctx: DoctorContext): RunbookSchedule[] {
  const { environment, names } = ctx;
  const regionOf = (side: 'primary' | 'dr') => (side === 'primary' ? environment.primaryRegion : environment.drRegion);
  const schedules: RunbookSchedule[] = environment.plans.flatMap((plan) =>
    plan.drill
      ? [
          {
            check: `drill schedule ${plan.name}`,
            scheduleName: `${names.drillSchedulePrefix}${plan.name}`,
            side: plan.drill.vault,
            region: regionOf(plan.drill.vault),
            expression: plan.drill.schedule,
            stops: `plan ${plan.name} is not drilled (its drill-age alarm fires)`,
          },
        ]
      : [],
  );
  schedules.push(
    { check: 'scrub schedule', scheduleName: names.scrubSchedule, side: 'primary', region: regionOf('primary'), expression: environment.scrub?.schedule ?? DEFAULT_SCRUB_SCHEDULE, stops: 'the vaults are not checked for damage (the scrub-age alarm fires)' },
    { check: 'prune schedule', scheduleName: names.pruneSchedule, side: 'primary', region: regionOf('primary'), expression: environment.prune?.schedule ?? DEFAULT_PRUNE_SCHEDULE, stops: 'the primary vault is not pruned (what retention forgot keeps its storage)' },
    { check: 'dr prune schedule', scheduleName: names.drPruneSchedule, side: 'dr', region: regionOf('dr'), expression: environment.prune?.schedule ?? DEFAULT_PRUNE_SCHEDULE, stops: 'the DR vault is not pruned (what retention forgot keeps its storage)' },
  );
  if (environment.plans.some((p) => p.sources.some((s) => mirrorOf(s) !== undefined))) {
    schedules.push({
      check: 'mirror check schedule',
      scheduleName: names.mirrorCheckSchedule,
      side: 'dr',
      region: regionOf('dr'),
      expression: environment.mirrorCheck?.schedule ?? DEFAULT_MIRROR_CHECK_SCHEDULE,
      stops: 'the mirrors are not checked (their last check grows stale: status ✗, and a failover restores those sources from the DR vault)',
    });
  }
  return schedules;
}

/**
 * In AWS: Scheduler GetSchedule in the schedule's region; enabled, or a failure naming what stops and how to enable it.
 * A DR-region schedule of a DR stack in another account is not read (the doctor has that account's credentials
 * nowhere, and with the primary's the name would be looked up in the wrong account): a warning with the command to run.
 */
export async function checkRunbookSchedule(scheduler: SchedulerClient, ctx: DoctorContext, schedule: RunbookSchedule): Promise<CheckResult> {
  const { check, scheduleName, region } = schedule;
  const { account, drAccount } = ctx.environment;
  if (schedule.side === 'dr' && drAccount !== undefined && drAccount !== account) {
    return warn(
      check,
      `schedule ${scheduleName} is in account ${drAccount}, which the doctor does not read with account ${account}'s credentials`,
      `with account ${drAccount}'s credentials: aws scheduler get-schedule --name ${scheduleName} --region ${region} (State must be ENABLED)`,
    );
  }
  try {
    const deployed = await scheduler.send(new GetScheduleCommand({ Name: scheduleName }));
    if (deployed.State !== 'ENABLED') {
      return fail(
        check,
        `schedule ${scheduleName} is ${deployed.State ?? 'in an unknown state'}: ${schedule.stops}`,
        `enable it (EventBridge Scheduler console in ${region}: Schedules → ${scheduleName} → Enable); a deploy does not, since the template leaves State to its default`,
      );
    }
    return ok(check, `schedule ${scheduleName} ENABLED in ${region}, ${deployed.ScheduleExpression ?? schedule.expression}`);
  } catch (err) {
    if (errorNameOf(err) === 'ResourceNotFoundException') {
      return fail(check, `schedule ${scheduleName} does not exist in ${region}: ${schedule.stops}`, ctx.cdk(`deploy ${schedule.side === 'primary' ? ctx.names.primaryStack : ctx.names.drStack}`));
    }
    return regionUnansweredResult(check, region, err, `cannot read schedule ${scheduleName}`) ?? fail(check, `cannot read schedule ${scheduleName}: ${describeError(err)}`, 'allow scheduler:GetSchedule to the caller');
  }
}

/** Locally: the synthesized schedule's `State` in its stack's template (what a deploy would set; absent means ENABLED). */
export function checkSynthesizedRunbookSchedule(stack: SynthesizedStack, ctx: DoctorContext, schedule: RunbookSchedule): CheckResult {
  const { check, scheduleName } = schedule;
  const found = Object.values(stack.template.Resources ?? {}).find((r) => r.Type === 'AWS::Scheduler::Schedule' && r.Properties?.Name === scheduleName);
  if (!found) return fail(check, `the template of ${stack.stackName} has no schedule ${scheduleName}: ${schedule.stops}`, ctx.cdk('synth'));
  const state = typeof found.Properties?.State === 'string' ? found.Properties.State : 'ENABLED';
  if (state !== 'ENABLED') return fail(check, `schedule ${scheduleName} is ${state} in the template: ${schedule.stops}`, `remove State: ${state} from schedule ${scheduleName}`);
  return ok(check, `schedule ${scheduleName} ENABLED in the template, ${schedule.expression}`);
}
