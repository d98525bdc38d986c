/**
 * The synth warning of a protection whose `notifications.emails` is empty (audit a58C F5): its alarm topics
 * `<prefix>-alarms` (one per region) then have no subscription Lifeboat makes, and every alarm and failed-execution
 * notice reaches no one unless the operator subscribes an endpoint of their own (a chat or paging integration, an
 * SQS queue), which synth cannot see: a warning to acknowledge, not a refusal. `lifeboat doctor --aws` checks for a
 * confirmed subscription in each region.
 */
export function noAlarmSubscriptionWarning(alarmTopic: string, regions: readonly string[]): string {
  return (
    `notifications.emails is empty: the alarm topics ${alarmTopic} (${regions.join(', ')}) get no subscription, so no alarm and no failed execution reaches anyone ` +
    'unless you subscribe an endpoint yourself; add an e-mail address (each confirms the mail AWS sends it), or subscribe your own endpoint in each region and acknowledge this warning ' +
    '(docs/DEPLOYMENT.md, "Alarm notifications"; lifeboat doctor --aws checks for a confirmed subscription)'
  );
}
