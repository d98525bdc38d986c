import { DescribeRuleCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type SynthesizedStack } from '../../local/assembly/synthesized-stack';
import { type CheckResult, fail, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError, errorNameOf } from './sdk-error';
import { regionUnansweredResult } from './unanswered-region';

/** One of the EventBridge rules the alerts depend on, in one region, and what is no longer heard while it is disabled. */
export type AlertRule = { check: string; ruleName: string; side: 'primary' | 'dr'; region: string; stops: string };

/**
 * The rules of each region the alarms and notifications rest on (docs/ARCHITECTURE.md, "Operations"): `<prefix>-execution-ended`
 * (failed, timed-out and aborted executions to the topic; in the primary region also release-failed-backup),
 * `<prefix>-key-changed` (calls that disable or delete a key) and `<prefix>-watchdog` (every 5 minutes, the watchdog).
 * A rule disabled by hand silences what it carries, and until audit a58C F6 nothing checked their state.
 */
export function alertRules(ctx: DoctorContext): AlertRule[] {
  const { environment, names } = ctx;
  return (['primary', 'dr'] as const).flatMap((side) => {
    const region = side === 'primary' ? environment.primaryRegion : environment.drRegion;
    const where = side === 'primary' ? "the primary region's" : "the DR region's";
    return [
      {
        check: `execution rule ${region}`,
        ruleName: names.executionStatusRule,
        side,
        region,
        stops: `${where} executions that fail, time out or are aborted are not notified${side === 'primary' ? ", and a stopped or timed-out backup's lease is not released (release-failed-backup)" : ''}`,
      },
      { check: `key rule ${region}`, ruleName: names.keyChangeRule, side, region, stops: `calls that disable, schedule the deletion of or replace the policy of ${where} keys are not notified` },
      {
        check: `watchdog rule ${region}`,
        ruleName: names.watchdogRule,
        side,
        region,
        stops:
          side === 'primary'
            ? `the backup ages and the state the alarms watch are not measured (${names.watchdogHeartbeatAlarm} and the backup-age, dr-copy-age and scrub-age alarms fire on missing data; the others keep their state)`
            : `the DR vault's drills and prune are not measured (${names.watchdogHeartbeatAlarm} and its drill-age alarms fire on missing data; its drill and prune-damage alarms keep their state)`,
      },
    ];
  });
}

/**
 * In AWS: EventBridge DescribeRule in the rule's region; ENABLED (or enabled with CloudTrail's management events), else a
 * failure naming what is not heard and the command that enables it. A DR-region rule of a DR stack in another account is
 * not read (no credentials there): a warning with the command to run.
 */
export async function checkAlertRule(eventBridge: EventBridgeClient, ctx: DoctorContext, rule: AlertRule): Promise<CheckResult> {
  const { check, ruleName, region } = rule;
  const { account, drAccount } = ctx.environment;
  if (rule.side === 'dr' && drAccount !== undefined && drAccount !== account) {
    return warn(
      check,
      `rule ${ruleName} is in account ${drAccount}, which the doctor does not read with account ${account}'s credentials`,
      `with account ${drAccount}'s credentials: aws events describe-rule --name ${ruleName} --region ${region} (State must be ENABLED)`,
    );
  }
  try {
    const deployed = await eventBridge.send(new DescribeRuleCommand({ Name: ruleName }));
    if (deployed.State === undefined || !deployed.State.startsWith('ENABLED')) {
      return fail(check, `rule ${ruleName} is ${deployed.State ?? 'in an unknown state'}: ${rule.stops}`, `aws events enable-rule --name ${ruleName} --region ${region} (a deploy does not: the template leaves State to its default)`);
    }
    return ok(check, `rule ${ruleName} ${deployed.State} in ${region}`);
  } catch (err) {
    if (errorNameOf(err) === 'ResourceNotFoundException') {
      return fail(check, `rule ${ruleName} does not exist in ${region}: ${rule.stops}`, ctx.cdk(`deploy ${rule.side === 'primary' ? ctx.names.primaryStack : ctx.names.drStack}`));
    }
    return regionUnansweredResult(check, region, err, `cannot read rule ${ruleName}`) ?? fail(check, `cannot read rule ${ruleName}: ${describeError(err)}`, 'allow events:DescribeRule to the caller');
  }
}

/** Locally: the synthesized rule's `State` in its stack's template (absent means ENABLED). */
export function checkSynthesizedAlertRule(stack: SynthesizedStack, ctx: DoctorContext, rule: AlertRule): CheckResult {
  const { check, ruleName } = rule;
  const found = Object.values(stack.template.Resources ?? {}).find((r) => r.Type === 'AWS::Events::Rule' && r.Properties?.Name === ruleName);
  if (!found) return fail(check, `the template of ${stack.stackName} has no rule ${ruleName}: ${rule.stops}`, ctx.cdk('synth'));
  const state = typeof found.Properties?.State === 'string' ? found.Properties.State : 'ENABLED';
  if (!state.startsWith('ENABLED')) return fail(check, `rule ${ruleName} is ${state} in the template: ${rule.stops}`, `remove State: ${state} from rule ${ruleName}`);
  return ok(check, `rule ${ruleName} ENABLED in the template`);
}
