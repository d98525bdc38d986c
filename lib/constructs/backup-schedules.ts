import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { schedulerPrincipal } from './scheduler-principal';
import { scheduleDelivery } from './schedule-delivery';
import { canonicalScheduleExpression } from '../../config/schedule-expression';

export type BackupSchedulesProps = {
  /** Names the protection in the role's description. */
  readonly environmentName: string;
  /** Each schedule is named `<namePrefix><plan>` (lifeboatNames' schedulePrefix). */
  readonly namePrefix: string;
  readonly plans: readonly Pick<ProtectionPlanConfig, 'name' | 'schedule' | 'strategy' | 'objectives'>[];
  readonly backupStateMachine: sfn.IStateMachine;
  /** Where an event goes that the schedule could not deliver (OperationsAlerts' queue). @default none */
  readonly deadLetterQueue?: sqs.IQueue;
};

/**
 * One EventBridge Scheduler schedule per protection plan, starting the backup workflow with
 * `{ "plan": <name> }`. The scheduler's role may start that one state machine and nothing else.
 */
export class BackupSchedules extends Construct {
  readonly schedules: scheduler.CfnSchedule[];

  constructor(scope: Construct, id: string, props: BackupSchedulesProps) {
    super(scope, id);
    const role = new iam.Role(this, 'Role', {
      assumedBy: schedulerPrincipal(this),
      description: `Lifeboat ${props.environmentName}: starts scheduled backups`,
    });
    props.backupStateMachine.grantStartExecution(role);
    this.schedules = props.plans.map(
      (plan) =>
        new scheduler.CfnSchedule(this, `Plan-${plan.name}`, {
          name: `${props.namePrefix}${plan.name}`,
          description: `Lifeboat backup of plan ${plan.name} (${plan.strategy}, RPO ${plan.objectives.rpoMinutes} min)`,
          scheduleExpression: canonicalScheduleExpression(plan.schedule),
          scheduleExpressionTimezone: 'UTC',
          flexibleTimeWindow: { mode: 'OFF' },
          target: {
            arn: props.backupStateMachine.stateMachineArn,
            roleArn: role.roleArn,
            input: JSON.stringify({ plan: plan.name, trigger: 'schedule' }),
            ...scheduleDelivery(role, props.deadLetterQueue),
          },
        }),
    );
  }
}
