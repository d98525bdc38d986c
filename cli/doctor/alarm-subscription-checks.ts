import { paginateListSubscriptionsByTopic, type SNSClient, type Subscription } from '@aws-sdk/client-sns';
import { partitionOf } from '../../config/aws-partition';
import { type CheckResult, fail, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError, errorNameOf } from './sdk-error';
import { regionUnansweredResult } from './unanswered-region';

/** The check's name in a region: AWS only (the local cloud writes the topic's messages to `<data-dir>/notifications.jsonl`). */
export const alarmSubscriptionsCheck = (region: string): string => `alarm subscriptions ${region}`;

/** SNS's SubscriptionArn of a subscription not confirmed yet (an e-mail address that has not followed the link). */
const PENDING = 'PendingConfirmation';

/**
 * In AWS, after each stack: whether the region's alarm topic `<prefix>-alarms` has a confirmed subscription (SNS
 * ListSubscriptionsByTopic). Without one every alarm and failed-execution notice of the region reaches no one, which
 * nothing else shows (audit a58C F5): a warning with the command that subscribes an address; one only pending
 * confirmation warns too (the mail AWS sent was not followed). Endpoints are not printed, only their protocols. A DR
 * topic in a DR account of its own is not read (no credentials there): a warning with the command to run.
 */
export async function checkAlarmSubscriptions(sns: SNSClient, ctx: DoctorContext, side: 'primary' | 'dr'): Promise<CheckResult> {
  const { environment, names } = ctx;
  const region = side === 'primary' ? environment.primaryRegion : environment.drRegion;
  const account = side === 'dr' ? (environment.drAccount ?? environment.account) : environment.account;
  const topicArn = `arn:${partitionOf(region)}:sns:${region}:${account}:${names.alarmTopic}`;
  const check = alarmSubscriptionsCheck(region);
  const listCommand = `aws sns list-subscriptions-by-topic --topic-arn ${topicArn} --region ${region}`;
  if (account !== environment.account) {
    return warn(check, `topic ${names.alarmTopic} is in account ${account}, which the doctor does not read with account ${environment.account}'s credentials`, `with account ${account}'s credentials: ${listCommand} (a SubscriptionArn other than ${PENDING})`);
  }
  const subscriptions: Subscription[] = [];
  try {
    for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn: topicArn })) subscriptions.push(...(page.Subscriptions ?? []));
  } catch (err) {
    if (errorNameOf(err) === 'NotFoundException') {
      return fail(check, `topic ${names.alarmTopic} does not exist in ${region}: the region's alarms notify no one`, ctx.cdk(`deploy ${side === 'primary' ? names.primaryStack : names.drStack}`));
    }
    return regionUnansweredResult(check, region, err, `cannot read the subscriptions of ${names.alarmTopic}`, 'warn') ?? warn(check, `cannot read the subscriptions of ${names.alarmTopic}: ${describeError(err)}`, `allow sns:ListSubscriptionsByTopic on ${topicArn} to the caller, then run the doctor again`);
  }
  const confirmed = subscriptions.filter((s) => s.SubscriptionArn !== undefined && s.SubscriptionArn.startsWith('arn:'));
  const pending = subscriptions.filter((s) => s.SubscriptionArn === PENDING).length;
  const subscribe = `aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint <address> --region ${region}, or add the address to notifications.emails and deploy (docs/DEPLOYMENT.md, "Alarm notifications")`;
  if (confirmed.length > 0) {
    const protocols = [...new Set(confirmed.map((s) => s.Protocol ?? 'unknown'))].sort().join(', ');
    return ok(check, `${confirmed.length} confirmed subscription(s) to ${names.alarmTopic} (${protocols})${pending > 0 ? `, ${pending} pending confirmation` : ''}`);
  }
  if (pending > 0) {
    return warn(check, `${names.alarmTopic} has ${pending} subscription(s) pending confirmation and none confirmed: the region's alarms and failed executions reach no one yet`, `follow the link in the mail AWS sent each address (\`${listCommand}\` lists them), or ${subscribe}`);
  }
  return warn(check, `${names.alarmTopic} has no subscription in ${region}: the region's alarms and failed executions reach no one`, subscribe);
}
