import * as iam from 'aws-cdk-lib/aws-iam';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * How a Lifeboat schedule delivers: up to 3 retries within an hour (a start refused by throttling or a
 * brief outage), then the event goes to the region's dead-letter queue, whose alarm says a run did
 * not start (operations-alerts.ts). The schedule's role may send to that queue only.
 */
export function scheduleDelivery(role: iam.IRole, deadLetterQueue: sqs.IQueue | undefined): Pick<scheduler.CfnSchedule.TargetProperty, 'retryPolicy' | 'deadLetterConfig'> {
  if (deadLetterQueue) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn] }));
  return {
    retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
    ...(deadLetterQueue ? { deadLetterConfig: { arn: deadLetterQueue.queueArn } } : {}),
  };
}
