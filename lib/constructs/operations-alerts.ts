import { Arn, ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { sendFailedInvocationsTo } from './failed-invocations-destination';
import { createProtectedKey, KEY_DESTRUCTION_ACTIONS } from './protected-key';

export type OperationsAlertsProps = {
  readonly environmentName: string;
  /** Physical names: the topic `<topicName>`, the rule `<ruleName>`, the queue `<deadLetterQueueName>`, the alarms `<deadLetterAlarmName>` and `<deadLetterAlarmName>-new`. */
  readonly topicName: string;
  readonly ruleName: string;
  readonly deadLetterQueueName: string;
  readonly deadLetterAlarmName: string;
  /** E-mail addresses subscribed to the topic (each confirms the subscription AWS mails it). */
  readonly emails: readonly string[];
  /** The only principal that may destroy the topic's key (security-options.ts, breakGlassPrincipalArn). */
  readonly breakGlassArn: string;
  /** The key-user tag value of the protection's roles (protected-key.ts). */
  readonly keyUser: string;
};

/** How often an event target or schedule is retried before its event goes to the dead-letter queue, and for how long. */
export const DELIVERY_RETRY_ATTEMPTS = 8;
export const DELIVERY_MAX_EVENT_AGE = Duration.hours(2);

/**
 * What one region of an environment alerts through: an SNS topic (KMS-encrypted with its own key, which
 * EventBridge and CloudWatch may use to publish; SSL only) with the configured e-mail subscriptions;
 * a dead-letter queue (SQS, encrypted, SSL only) for the region's schedules and event targets, and for the
 * failed invocations of the functions they invoke (functionTarget), with an alarm when anything lands in it; and (watchExecutions) the EventBridge rule on the region's state
 * machines' FAILED, TIMED_OUT and ABORTED executions → the topic. Each region alerts on its own: alarm actions must be
 * in the alarm's region, and the DR region must be heard with the primary region down.
 */
export class OperationsAlerts extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** `<deadLetterAlarmName>-new`: a message arrived in the last 5 minutes, each one heard though others wait unread. */
  readonly newDeadLetterAlarm: cloudwatch.Alarm;
  readonly alarmAction: cloudwatch.IAlarmAction;

  private readonly props: OperationsAlertsProps;

  constructor(scope: Construct, id: string, props: OperationsAlertsProps) {
    super(scope, id);
    this.props = props;
    // CloudWatch alarms and EventBridge (the rule's target) publish to the topic encrypting with its key; no role of
    // ours uses it. A protected key like the others (protected-key.ts): CDK's grants on it are not deployed, hence both here.
    // Against the confused deputy: SNS encrypts a topic's messages under the encryption context aws:sns:topicArn, so the
    // services may use the key for this topic only (its ARN built from the fixed name: the topic itself refers to the key).
    // CloudWatch's requests also carry the alarm's account (aws:SourceAccount); EventBridge's KMS requests for an SNS
    // target carry no aws:SourceArn or aws:SourceAccount, so a condition on them would refuse every notification: its
    // confused-deputy guard is on the topic's policy (watchExecutions), which names the rule.
    const stack = Stack.of(this);
    const topicArn = Arn.format({ service: 'sns', resource: props.topicName }, stack);
    const forThisTopic = { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } };
    const publishers = [
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { ...forThisTopic.StringEquals, 'aws:SourceAccount': stack.account } },
      }),
      new iam.PolicyStatement({ principals: [new iam.ServicePrincipal('events.amazonaws.com')], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], conditions: forThisTopic }),
    ];
    this.topicKey = createProtectedKey(this, 'TopicKey', {
      description: `Lifeboat ${props.environmentName} alarm topic`,
      breakGlassArn: props.breakGlassArn,
      keyUser: props.keyUser,
      uses: [],
      servicePrincipalStatements: publishers,
    });
    this.topic = new sns.Topic(this, 'Topic', { topicName: props.topicName, displayName: `Lifeboat ${props.environmentName}`, masterKey: this.topicKey, enforceSSL: true });
    for (const email of props.emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    // The topic has a policy of its own (enforceSSL, the rule's grant), which replaces SNS's default one that let the
    // account's alarms publish: this stack's alarms (this account and region, aws:SourceArn) may publish, no one else's.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': Arn.format({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack) },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    this.alarmAction = new cloudwatchActions.SnsAction(this.topic);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      queueName: props.deadLetterQueueName,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the EventBridge Scheduler schedules and rule targets (their DeadLetterConfig) and the on-failure destination of the functions they invoke (EventInvokeConfig), which cdk-nag does not see as DLQ uses.',
    });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmName: props.deadLetterAlarmName,
      alarmDescription: `Lifeboat ${props.environmentName}: a schedule or event rule could not deliver (a backup, scrub or drill did not start), or a function they invoke failed after Lambda's retries (release-failed-backup: a stopped backup still holds its lease and is not recorded FAILED; the watchdog: backup ages not measured; the file-mirror sampler: that period's mirror check has no samples). Each message says which. docs/RUNBOOKS.md, "Alarms".`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(this.alarmAction);
    // The alarm above stays in ALARM while any message waits (14 days' retention): once one is there, no later one
    // notified until the queue was purged (audit a58C F4). A message sent to the queue in a 5-minute period is a new
    // ALARM each time it goes OK in between: every new dead letter is heard. EventBridge's and Lambda's deliveries to a
    // dead-letter queue are SendMessage calls, which NumberOfMessagesSent counts (SQS's own redrive is not one of ours).
    this.newDeadLetterAlarm = new cloudwatch.Alarm(this, 'NewDeadLetterAlarm', {
      alarmName: `${props.deadLetterAlarmName}-new`,
      alarmDescription: `Lifeboat ${props.environmentName}: a new message reached the dead-letter queue ${props.deadLetterQueueName} in the last 5 minutes (${props.deadLetterAlarmName} stays in ALARM while any waits; this one tells of each new one, though earlier ones are still unread). Read the newest messages as for ${props.deadLetterAlarmName}. docs/RUNBOOKS.md, "Alarms".`,
      metric: this.deadLetterQueue.metricNumberOfMessagesSent({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.newDeadLetterAlarm.addAlarmAction(this.alarmAction);
  }

  /**
   * The EventBridge rule on these state machines' executions that ended FAILED, TIMED_OUT or ABORTED,
   * with the topic as its first target (a message naming the execution and how it ended).
   */
  watchExecutions(stateMachines: readonly sfn.IStateMachine[]): events.Rule {
    const props = this.props;
    const rule = new events.Rule(this, 'ExecutionStatusRule', {
      ruleName: props.ruleName,
      description: `Lifeboat ${props.environmentName}: executions of its state machines that ended FAILED, TIMED_OUT or ABORTED`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: stateMachines.map((m) => m.stateMachineArn) },
      },
    });
    rule.addTarget(
      this.topicTarget(
        events.RuleTargetInput.fromText(
          `Lifeboat ${props.environmentName}: execution ${events.EventField.fromPath('$.detail.name')} of ${events.EventField.fromPath('$.detail.stateMachineArn')} ended ${events.EventField.fromPath('$.detail.status')}. docs/RUNBOOKS.md, "Alarms".`,
        ),
      ),
    );
    return rule;
  }

  /**
   * The EventBridge rule on calls that disable, schedule the deletion of, or replace the policy of one of these keys
   * (KEY_DESTRUCTION_ACTIONS, which their policies refuse to all but the break-glass principal: protected-key.ts), with
   * the topic as its target. A vault's backups are readable only while its key is: a key disabled stops every run, one
   * deleted ends every backup in the vault, and its waiting period (7–30 days) is the time to notice. The events are
   * CloudTrail's (`AWS API Call via CloudTrail`), which EventBridge receives only while a trail logs the region's
   * management events. Matched by the key's id or ARN, the two forms those calls accept (not an alias).
   */
  watchKeys(ruleName: string, keys: readonly kms.IKey[]): events.Rule {
    const props = this.props;
    const rule = new events.Rule(this, 'KeyChangeRule', {
      ruleName,
      description: `Lifeboat ${props.environmentName}: calls that disable, schedule the deletion of or replace the policy of a vault, catalog, topic or mirror KMS key`,
      eventPattern: {
        source: ['aws.kms'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['kms.amazonaws.com'],
          eventName: KEY_DESTRUCTION_ACTIONS.map((action) => action.replace(/^kms:/, '')),
          requestParameters: { keyId: keys.flatMap((key) => [key.keyId, key.keyArn]) },
        },
      },
    });
    rule.addTarget(
      this.topicTarget(
        events.RuleTargetInput.fromText(
          `Lifeboat ${props.environmentName}: ${events.EventField.fromPath('$.detail.eventName')} on KMS key ${events.EventField.fromPath('$.detail.requestParameters.keyId')} by ${events.EventField.fromPath('$.detail.userIdentity.arn')}, at ${events.EventField.fromPath('$.detail.eventTime')} (an attempt the key policy refused too: the CloudTrail event's errorCode says). A vault's backups are readable only while its key is enabled. docs/RUNBOOKS.md, "Alarms".`,
        ),
      ),
    );
    return rule;
  }

  /**
   * The topic as a rule's target, as targets.SnsTopic makes it but for the topic's policy: SnsTopic lets
   * events.amazonaws.com publish on behalf of any rule of any account; this names the rule (aws:SourceArn) and the
   * stack's account (aws:SourceAccount), the confused-deputy guard AWS recommends for a service principal.
   */
  private topicTarget(message: events.RuleTargetInput): events.IRuleTarget {
    const topic = this.topic;
    const delivery = this.deliveryOptions();
    return {
      bind: (rule: events.IRuleRef): events.RuleTargetConfig => {
        topic.addToResourcePolicy(
          new iam.PolicyStatement({
            principals: [new iam.ServicePrincipal('events.amazonaws.com')],
            actions: ['sns:Publish'],
            resources: [topic.topicArn],
            conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleRef.ruleArn }, StringEquals: { 'aws:SourceAccount': Stack.of(rule).account } },
          }),
        );
        targets.addToDeadLetterQueueResourcePolicy(rule, delivery.deadLetterQueue);
        return { ...targets.bindBaseTargetConfig(delivery), arn: topic.topicArn, input: message, targetResource: topic };
      },
    };
  }

  /**
   * A function as a target of one of the region's rules, delivered as every target is (deliveryOptions), and its
   * failed invocations sent to the same queue (failed-invocations-destination.ts): the target's own dead-letter queue
   * gets only what EventBridge could not hand to Lambda, never the function's errors. Configures the function: once each.
   */
  functionTarget(fn: lambda.IFunction, event: events.RuleTargetInput): events.IRuleTarget {
    sendFailedInvocationsTo(fn, this.deadLetterQueue);
    return new targets.LambdaFunction(fn, { ...this.deliveryOptions(), event });
  }

  /** Retries and the dead-letter queue, for every target of the region's rules. */
  deliveryOptions(): { deadLetterQueue: sqs.IQueue; retryAttempts: number; maxEventAge: Duration } {
    return { deadLetterQueue: this.deadLetterQueue, retryAttempts: DELIVERY_RETRY_ATTEMPTS, maxEventAge: DELIVERY_MAX_EVENT_AGE };
  }
}
